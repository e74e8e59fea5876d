import { describe, expect, it } from '@jest/globals';
import { NatsRecord, type ClientProxy } from '@nestjs/microservices';
import { routes } from '@pn/contracts';
import { NEVER, of, type Observable } from 'rxjs';
import { DeadlineExceededError, withDeadline } from './deadline.js';
import { DEADLINE_HEADER, HOP_MARGIN_MS } from './deadline-rules.js';
import { RpcClient } from './rpc-client.js';
import { RequestTimeoutError } from './rpc-errors.js';

/** A ClientProxy that records what is sent and answers with `reply`. */
function fakeProxy(reply: Observable<unknown>) {
  const sent: NatsRecord[] = [];
  const proxy = {
    send: (_pattern: string, data: NatsRecord) => {
      sent.push(data);
      return reply;
    },
  } as unknown as ClientProxy;
  return { proxy, sent };
}

const deadlineSent = (record: NatsRecord) => Number((record.headers as { get(k: string): string }).get(DEADLINE_HEADER));
const ref = { accountId: 'acc_1', kind: 'vm', resourceId: 'vm_1' };

describe('RpcClient deadlines', () => {
  it('tells the callee when it stops waiting: its own timeout, with no request deadline', async () => {
    const { proxy, sent } = fakeProxy(of({ id: 'vm_1' }));
    const before = Date.now();
    await new RpcClient(proxy, 5000).call(routes.getResource, ref);
    expect(sent[0]!.data).toEqual(ref);
    expect(deadlineSent(sent[0]!)).toBeGreaterThanOrEqual(before + 5000);
    expect(deadlineSent(sent[0]!)).toBeLessThanOrEqual(Date.now() + 5000);
  });

  it('waits no longer than the request it works for, less a margin to answer in', async () => {
    const { proxy, sent } = fakeProxy(NEVER);
    const deadline = Date.now() + HOP_MARGIN_MS + 150;
    const started = Date.now();
    const call = withDeadline(deadline, () => new RpcClient(proxy, 5000).call(routes.getResource, ref));
    await expect(call).rejects.toBeInstanceOf(RequestTimeoutError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(deadlineSent(sent[0]!)).toBe(deadline - HOP_MARGIN_MS);
  });

  it('keeps an own timeout shorter than the deadline', async () => {
    const { proxy, sent } = fakeProxy(of({ id: 'vm_1' }));
    const before = Date.now();
    await withDeadline(before + 60_000, () => new RpcClient(proxy, 5000).call(routes.getResource, ref, { timeoutMs: 1000 }));
    expect(deadlineSent(sent[0]!)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('fails at once with 504, sending nothing, when no time is left', async () => {
    const { proxy, sent } = fakeProxy(of({ id: 'vm_1' }));
    const call = withDeadline(Date.now() + HOP_MARGIN_MS / 2, () => new RpcClient(proxy, 5000).call(routes.getResource, ref));
    await expect(call).rejects.toBeInstanceOf(DeadlineExceededError);
    await expect(call).rejects.toMatchObject({ code: 'upstream_timeout' });
    expect(sent).toHaveLength(0);
  });
});
