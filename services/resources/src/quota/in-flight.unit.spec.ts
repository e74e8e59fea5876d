import { describe, expect, it } from '@jest/globals';
import { InFlight } from './in-flight.js';

describe('creates in flight', () => {
  it('counts an owner’s creates under way until each ends, and only those the read model does not show', async () => {
    const inFlight = new InFlight();
    const known = new Set<string>();
    let finish!: () => void;
    const running = inFlight.hold('net_1', 'vm_a', () => new Promise<void>((resolve) => (finish = resolve)));
    const failing = inFlight.hold('net_1', 'vm_b', async () => {
      throw new Error('refused');
    });

    expect(inFlight.count('net_1', (id) => known.has(id))).toBe(2);
    expect(inFlight.count('net_2', (id) => known.has(id))).toBe(0);
    await expect(failing).rejects.toThrow('refused');
    expect(inFlight.count('net_1', (id) => known.has(id))).toBe(1);
    known.add('vm_a'); // recorded: the read model counts it now
    expect(inFlight.count('net_1', (id) => known.has(id))).toBe(0);
    finish();
    await running;
    expect(inFlight.count('net_1', () => false)).toBe(0);
  });
});
