import { describe, expect, it } from '@jest/globals';
import { availableParallelism } from 'node:os';
import { dnsWorkersFromEnv } from './dns-options.js';

describe('dnsWorkersFromEnv', () => {
  it('takes DNS_WORKERS as given, 0 and 1 meaning this process answers', () => {
    expect(dnsWorkersFromEnv({ DNS_WORKERS: '0' })).toBe(0);
    expect(dnsWorkersFromEnv({ DNS_WORKERS: '1' })).toBe(1);
    expect(dnsWorkersFromEnv({ DNS_WORKERS: '3' })).toBe(3);
  });

  it('defaults to one worker per core, none on a single core', () => {
    const cores = availableParallelism();
    expect(dnsWorkersFromEnv({})).toBe(cores > 1 ? Math.min(cores, 8) : 0);
  });

  it('refuses what is not a worker count', () => {
    for (const bad of ['-1', '1.5', 'two', '1000']) expect(() => dnsWorkersFromEnv({ DNS_WORKERS: bad })).toThrow(RangeError);
  });
});
