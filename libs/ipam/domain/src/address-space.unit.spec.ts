import { describe, expect, it } from '@jest/globals';
import { AddressSpace } from './address-space.js';

describe('AddressSpace', () => {
  it('reopens a block that was full once a quarantined address is freed', () => {
    const space = new AddressSpace();
    for (let host = 1; host <= 254; host++) space.take((1 << 8) + host, 'vm');
    expect(space.lowestFree('vm')).toBe((5 << 8) + 1);
    space.quarantine((1 << 8) + 77, 1_000);
    space.releaseExpired(999);
    expect(space.lowestFree('vm')).toBe((5 << 8) + 1);
    space.releaseExpired(1_000);
    expect(space.lowestFree('vm')).toBe((1 << 8) + 77);
  });
});
