import { describe, expect, it } from '@jest/globals';
import { GarbageBin, type GarbageReport } from './garbage-bin.js';
import { screenJson } from './screen.js';

const report = (seq: number, over: Partial<GarbageReport> = {}): GarbageReport => ({
  consumer: 'es:zone',
  subject: 'es.zone.x',
  stream: 'EVENTS',
  seq,
  reason: 'not_json',
  detail: 'junk',
  bytes: 4,
  ...over,
});

describe('the garbage bin', () => {
  it('counts a message once however often it is met', () => {
    const bin = new GarbageBin({ log: () => {} });
    expect(bin.park(report(5))).toBe(true);
    expect(bin.park(report(5, { consumer: 'es:zone' }))).toBe(false);
    expect(bin.park(report(5, { stream: 'OTHER' }))).toBe(true);
    expect(bin.total).toBe(2);
  });

  it('counts every core NATS message: they have no sequence and are never redelivered', () => {
    const bin = new GarbageBin({ log: () => {} });
    bin.park(report(0, { stream: '', consumer: 'dns-fleet' }));
    bin.park(report(0, { stream: '', consumer: 'dns-fleet' }));
    expect(bin.counts()).toEqual([{ consumer: 'dns-fleet', reason: 'not_json', count: 2 }]);
  });

  it('lists the newest few, counts all of them exactly', () => {
    const bin = new GarbageBin({ keep: 3, log: () => {} });
    for (let seq = 1; seq <= 10; seq++) bin.park(report(seq, { reason: seq % 2 ? 'binary' : 'oversize' }));
    expect(bin.recent().map((g) => g.seq)).toEqual([8, 9, 10]);
    expect(bin.total).toBe(10);
    expect(bin.counts()).toEqual([
      { consumer: 'es:zone', reason: 'binary', count: 5 },
      { consumer: 'es:zone', reason: 'oversize', count: 5 },
    ]);
  });

  it('remembers a bounded number of sequences', () => {
    const bin = new GarbageBin({ remember: 2, log: () => {} });
    bin.park(report(1));
    bin.park(report(2));
    bin.park(report(3));
    expect(bin.park(report(3))).toBe(false);
    expect(bin.park(report(1))).toBe(true); // forgotten: counted again, the price of bounded memory
  });

  it('logs a flood as a few lines and a sum', () => {
    const lines: string[] = [];
    let now = 0;
    const bin = new GarbageBin({ logsPerMinute: 2, log: (m) => lines.push(m), now: () => now });
    for (let seq = 1; seq <= 5; seq++) bin.park(report(seq));
    now = 61_000;
    bin.park(report(6));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain('es.zone.x');
    expect(lines[0]).toContain('sequence 1');
    expect(lines[2]).toContain('3 more messages parked');
  });

  it('cuts long details', () => {
    const bin = new GarbageBin({ log: () => {} });
    bin.park(report(1, { detail: 'x'.repeat(10_000) }));
    expect(bin.recent()[0]!.detail).toHaveLength(200);
  });
});

describe('screening a JSON message', () => {
  it('reads JSON text within the limit', () => {
    expect(screenJson(new TextEncoder().encode('{"a":1}'), 100)).toEqual({ ok: true, value: { a: 1 } });
  });
  it('refuses what is too big, not text, or not JSON', () => {
    expect(screenJson(new Uint8Array(101), 100)).toMatchObject({ ok: false, reason: 'oversize' });
    expect(screenJson(Uint8Array.from([0xc3, 0x28]), 100)).toMatchObject({ ok: false, reason: 'binary' });
    expect(screenJson(new TextEncoder().encode('{nope'), 100)).toMatchObject({ ok: false, reason: 'not_json' });
  });
});
