import { describe, expect, it } from '@jest/globals';
import { dnsUdpFromEnv } from './dns-options.js';

describe('DNS_UDP', () => {
  it('defaults to auto: the addon where it loads', () => {
    expect(dnsUdpFromEnv({})).toBe('auto');
    expect(dnsUdpFromEnv({ DNS_UDP: '' })).toBe('auto');
  });

  it('takes batched or dgram', () => {
    expect(dnsUdpFromEnv({ DNS_UDP: 'batched' })).toBe('batched');
    expect(dnsUdpFromEnv({ DNS_UDP: 'dgram' })).toBe('dgram');
  });

  it('refuses anything else, naming the choices', () => {
    expect(() => dnsUdpFromEnv({ DNS_UDP: 'fast' })).toThrow(/auto, batched, dgram/);
  });
});
