import { describe, expect, it } from '@jest/globals';
import { dnsWorkersFromEnv } from './dns-options.js';

describe('dnsWorkersFromEnv', () => {
  it('takes DNS_WORKERS as given, 0 and 1 meaning this process answers', () => {
    expect(dnsWorkersFromEnv({ DNS_WORKERS: '0' })).toBe(0);
    expect(dnsWorkersFromEnv({ DNS_WORKERS: '1' })).toBe(1);
    expect(dnsWorkersFromEnv({ DNS_WORKERS: '3' })).toBe(3);
  });

  it('defaults to one worker per core, none on a single core, 8 at most', () => {
    expect(dnsWorkersFromEnv({}, 1)).toBe(0);
    expect(dnsWorkersFromEnv({}, 2)).toBe(2);
    expect(dnsWorkersFromEnv({}, 16)).toBe(8);
    expect(dnsWorkersFromEnv({ DNS_WORKERS: '' }, 4)).toBe(4);
  });

  it('refuses what is not a worker count', () => {
    for (const bad of ['-1', '1.5', 'two', '1000']) expect(() => dnsWorkersFromEnv({ DNS_WORKERS: bad })).toThrow(RangeError);
  });
});
