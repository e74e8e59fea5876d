import { describe, expect, it } from '@jest/globals';
import { OwnershipTimeline, type EndedFact, type HeldFact } from './ownership.js';

const T = 1_700_000_000_000;
const held = (resourceId: string, fromMs: number, extra: Partial<HeldFact> = {}): HeldFact => ({
  sourceEventId: `h-${resourceId}-${fromMs}`,
  scope: 'private',
  ip: '10.0.1.1',
  fromMs,
  resourceId,
  accountId: 'acc_a',
  projectId: 'prj_a',
  networkId: 'net_a',
  kind: 'vm',
  name: resourceId,
  ...extra,
});
const ended = (resourceId: string, untilMs: number, extra: Partial<EndedFact> = {}): EndedFact => ({
  sourceEventId: `e-${resourceId}-${untilMs}`,
  scope: 'private',
  ip: '10.0.1.1',
  networkId: 'net_a',
  resourceId,
  untilMs,
  ...extra,
});
const DAY = 86_400_000;

describe('ownership timeline: facts applied once, by what they say', () => {
  it('a held fact published again (another event id) adds no holding', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    t.held({ ...held('vm_1', T), sourceEventId: 'again' });
    expect(t.size).toBe(1);
  });

  it('an ended fact seen again after the address was reused by the same resource leaves the new holding open', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    t.ended(ended('vm_1', T + 10_000));
    t.held(held('vm_1', T + 60_000));
    t.ended(ended('vm_1', T + 10_000));
    expect(t.privateHolder('net_a', '10.0.1.1', T + 5_000)?.resourceId).toBe('vm_1');
    expect(t.privateHolder('net_a', '10.0.1.1', T + 30_000)).toBeUndefined();
    expect(t.privateHolder('net_a', '10.0.1.1', T + 90 * DAY)?.resourceId).toBe('vm_1');
  });

  it('a held fact that arrives late is placed by its time, and the newer holder still wins its seconds', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_2', T + 20_000));
    t.held(held('vm_1', T));
    t.ended(ended('vm_1', T + 10_000));
    expect(t.privateHolder('net_a', '10.0.1.1', T + 5_000)?.resourceId).toBe('vm_1');
    expect(t.privateHolder('net_a', '10.0.1.1', T + 25_000)?.resourceId).toBe('vm_2');
  });
});

describe('ownership timeline: hold/release churn within a second is one holding', () => {
  it('the same resource taking its address back within the second: one holding, same answers', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    for (let i = 1; i <= 50; i++) {
      t.ended(ended('vm_1', T + i * 10_000 + 100));
      t.held(held('vm_1', T + i * 10_000 + 600));
    }
    expect(t.size).toBe(1);
    expect(t.privateHolder('net_a', '10.0.1.1', T + 250_000)?.resourceId).toBe('vm_1');
    t.ended(ended('vm_1', T + 10_000 + 100)); // an earlier piece's end, seen again
    expect(t.privateHolder('net_a', '10.0.1.1', T + 600_000)?.resourceId).toBe('vm_1');
    t.ended(ended('vm_1', T + 700_000));
    expect(t.privateHolder('net_a', '10.0.1.1', T + 700_000)).toBeUndefined();
  });

  it('a gap holding a whole second stays a gap: a flow then belonged to nobody', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    t.ended(ended('vm_1', T + 10_000));
    t.held(held('vm_1', T + 11_000));
    expect(t.size).toBe(2);
    expect(t.privateHolder('net_a', '10.0.1.1', T + 10_000)).toBeUndefined();
  });

  it('another resource in between is never merged over', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    t.ended(ended('vm_1', T + 100));
    t.held(held('vm_2', T + 200));
    t.ended(ended('vm_2', T + 300));
    t.held(held('vm_1', T + 400));
    expect(t.size).toBe(3);
  });
});

describe('ownership timeline: retention', () => {
  const horizon = T + 30 * DAY;

  it('forgets holdings that ended before the horizon, keeps those after it and those still held', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_old', T));
    t.ended(ended('vm_old', T + DAY));
    t.held(held('vm_mid', T + 2 * DAY));
    t.ended(ended('vm_mid', horizon + DAY));
    t.held(held('vm_pub', T, { scope: 'public', ip: '203.0.113.5' }));
    t.forgetBefore(horizon);
    expect(t.size).toBe(2);
    expect(t.resource('vm_old')).toBeUndefined();
    expect(t.privateHolder('net_a', '10.0.1.1', horizon)?.resourceId).toBe('vm_mid');
    // Older than the horizon: still attributed where a kept holding covers it…
    expect(t.publicHolder('203.0.113.5', T + DAY / 2)?.resourceId).toBe('vm_pub');
    expect(t.forgotten('public', '', '203.0.113.5', T + DAY / 2)).toBe(false);
    // …and known to be unknown where a forgotten one might have.
    expect(t.privateHolder('net_a', '10.0.1.1', T + DAY / 2)).toBeUndefined();
    expect(t.forgotten('private', 'net_a', '10.0.1.1', T + DAY / 2)).toBe(true);
    expect(t.forgotten('private', 'net_a', '10.0.1.9', T + DAY / 2)).toBe(false);
  });

  it('a holding that ends before the horizon once it is set is forgotten as it ends (a history replayed at boot)', () => {
    const t = new OwnershipTimeline();
    t.forgetBefore(horizon);
    for (let i = 0; i < 100; i++) {
      t.held(held(`vm_${i}`, T + i * 1000));
      t.ended(ended(`vm_${i}`, T + i * 1000 + 500));
    }
    expect(t.size).toBe(0);
  });

  it('stays bounded under steady churn: slots are reused once their holdings are forgotten', () => {
    const t = new OwnershipTimeline();
    let n = 0;
    for (let month = 0; month < 6; month++) {
      for (let i = 0; i < 2_000; i++, n++) {
        const at = T + month * 31 * DAY + i * 60_000;
        t.held(held(`vm_${n}`, at, { ip: `10.0.1.${i % 200}` }));
        t.ended(ended(`vm_${n}`, at + 30_000, { ip: `10.0.1.${i % 200}` }));
      }
      t.forgetBefore(T + month * 31 * DAY);
      expect(t.size).toBeLessThanOrEqual(4_000);
    }
  });
});
