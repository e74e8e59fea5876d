// The bounded publish as a specification: given how the server answers
// (not at all while it elects, then an ack; or a refusal), when an append
// publishes within a budget, then it lands, or gives up once the budget is
// spent, never waiting an attempt longer than what is left.
import { describe, expect, it } from '@jest/globals';
import type { JetStreamPublishOptions, PubAck } from '@nats-io/jetstream';
import { ATTEMPT_MS, boundedPublish } from './bounded-publish.js';

const ack = { stream: 'EVENTS', seq: 7, duplicate: false } as PubAck;
const timeout = () => Object.assign(new Error('TIMEOUT'), { name: 'TimeoutError' });

/** A server that times out `failures` attempts (at once, as if their wait were over), then acks. */
function server(failures: number, error: () => Error = timeout) {
  const attempts: Array<Partial<JetStreamPublishOptions>> = [];
  return {
    attempts,
    publish: async (_subject: string, _data?: unknown, options?: Partial<JetStreamPublishOptions>) => {
      attempts.push(options ?? {});
      if (attempts.length <= failures) throw error();
      return ack;
    },
  };
}

describe('boundedPublish', () => {
  it('without a budget, publishes the client’s way: one call, its own three tries', async () => {
    const s = server(0);
    expect(await boundedPublish(s, 'es.a.1', new Uint8Array(), { msgID: 'm' }, undefined)).toBe(ack);
    expect(s.attempts).toEqual([{ msgID: 'm', retries: 3 }]);
  });

  it('within a budget, tries again while the stream elects, with the same message id, and lands', async () => {
    const s = server(2);
    expect(await boundedPublish(s, 'es.a.1', new Uint8Array(), { msgID: 'm' }, 5000)).toBe(ack);
    expect(s.attempts.map((a) => [a.msgID, a.retries])).toEqual([
      ['m', 1],
      ['m', 1],
      ['m', 1],
    ]);
    for (const a of s.attempts) expect(a.timeout).toBeLessThanOrEqual(ATTEMPT_MS);
  });

  it('gives up once the budget is spent, no attempt waiting longer than what is left', async () => {
    const s = server(Infinity);
    const started = Date.now();
    await expect(boundedPublish(s, 'es.a.1', new Uint8Array(), {}, 450)).rejects.toThrow('TIMEOUT');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(450 + 100);
    expect(s.attempts.length).toBeGreaterThan(1);
    for (const a of s.attempts) expect(a.timeout).toBeLessThanOrEqual(450);
  });

  it('rethrows at once what is not "not now" (a wrong expected sequence is the caller’s to handle)', async () => {
    const s = server(Infinity, () => Object.assign(new Error('wrong last sequence: 4'), { name: 'JetStreamApiError', code: 10071 }));
    await expect(boundedPublish(s, 'es.a.1', new Uint8Array(), {}, 5000)).rejects.toThrow('wrong last sequence');
    expect(s.attempts).toHaveLength(1);
  });
});
