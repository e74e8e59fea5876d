import { describe, expect, it } from '@jest/globals';
import { isIpv4, isPrivateAddress } from './ipv4.js';

describe('ipv4', () => {
  it('reads RFC 1918 space, and only it, as private', () => {
    for (const ip of ['10.0.0.1', '10.255.1.1', '172.16.0.1', '172.31.255.255', '192.168.0.1']) expect(isPrivateAddress(ip)).toBe(true);
    for (const ip of ['11.0.0.1', '1.0.0.1', '100.0.0.1', '172.15.0.1', '172.32.0.1', '192.169.0.1', '19.168.0.1', '8.8.8.8', '203.0.113.5']) expect(isPrivateAddress(ip)).toBe(false);
  });
  it('reads addresses strictly', () => {
    expect(isIpv4('10.0.1.1')).toBe(true);
    expect(isIpv4('010.0.1.1')).toBe(false);
  });
});
