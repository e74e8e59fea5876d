import { describe, expect, it } from '@jest/globals';
import { loadConfig, natsOptions } from './config.js';

describe('natsOptions', () => {
  it('reconnects forever: an outage of any length is waited out, never a connection given up for good', () => {
    expect(natsOptions(loadConfig({}), 'gateway')).toMatchObject({ maxReconnectAttempts: -1, name: 'gateway' });
  });

  it('takes every server of NATS_URL', () => {
    expect(natsOptions(loadConfig({ NATS_URL: 'nats://a:4222, nats://b:4222' }), 'x').servers).toEqual(['nats://a:4222', 'nats://b:4222']);
  });
});
