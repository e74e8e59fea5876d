import { describe, expect, it } from '@jest/globals';
import { isJetStreamUnavailable, jetStreamWaits, untilJetStreamAvailable } from './availability.js';

const named = (name: string, message = name, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe('isJetStreamUnavailable', () => {
  it('takes timeouts, no responders and an electing cluster (10008) for "not now"', () => {
    expect(isJetStreamUnavailable(named('TimeoutError', 'timeout'))).toBe(true);
    expect(isJetStreamUnavailable(named('RequestError', 'no responders', { cause: named('NoResponders') }))).toBe(true);
    expect(isJetStreamUnavailable(named('JetStreamApiError', 'JetStream system temporarily unavailable', { code: 10008 }))).toBe(true);
    expect(isJetStreamUnavailable(named('JetStreamApiError', 'insufficient resources', { code: 10023 }))).toBe(true);
  });

  it('leaves real errors alone: a wrong config is not waited out', () => {
    expect(isJetStreamUnavailable(named('JetStreamApiError', 'stream name already in use with a different configuration', { code: 10058 }))).toBe(false);
    expect(isJetStreamUnavailable(new Error('event_stream_limits'))).toBe(false);
    expect(isJetStreamUnavailable('timeout')).toBe(false);
  });
});

describe('untilJetStreamAvailable', () => {
  it('retries while JetStream is unavailable, listing the wait meanwhile, and returns the result', async () => {
    let tries = 0;
    const seen: string[][] = [];
    const result = await untilJetStreamAvailable(
      'stream T',
      async () => {
        seen.push(jetStreamWaits());
        if (++tries < 3) throw named('JetStreamApiError', 'JetStream system temporarily unavailable', { code: 10008 });
        return 'created';
      },
      { initialDelayMs: 1, log: () => {} },
    );
    expect(result).toBe('created');
    expect(tries).toBe(3);
    expect(seen).toEqual([[], ['stream T'], ['stream T']]);
    expect(jetStreamWaits()).toEqual([]);
  });

  it('throws any other error at once', async () => {
    let tries = 0;
    const attempt = async () => {
      tries++;
      throw new Error('stream has max_age set');
    };
    await expect(untilJetStreamAvailable('stream T', attempt, { initialDelayMs: 1, log: () => {} })).rejects.toThrow('max_age');
    expect(tries).toBe(1);
    expect(jetStreamWaits()).toEqual([]);
  });
});
