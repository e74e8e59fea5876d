import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { headers } from '@nats-io/transport-node';
import { Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { PARAM_ARGS_METADATA } from '@nestjs/microservices/constants.js';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum.js';
import { routes, type ResourceRef } from '@pn/contracts';
import { currentDeadline } from './deadline.js';
import { DEADLINE_HEADER } from './deadline-rules.js';
import { Rpc } from './rpc.decorator.js';

Logger.overrideLogger(false); // the "not run" debug line

class Handler {
  readonly seen: Array<number | undefined> = [];

  @Rpc(routes.getResource)
  get(request: ResourceRef) {
    this.seen.push(currentDeadline());
    return { id: request.resourceId };
  }
}

/** What Nest passes after the payload for a NATS message: a context whose getHeaders() gives its headers. */
function natsContext(deadline?: string) {
  const h = headers();
  if (deadline !== undefined) h.set(DEADLINE_HEADER, deadline);
  return { getHeaders: () => h };
}

const payload = { accountId: 'acc_1', kind: 'vm', resourceId: 'vm_1' };
const invoke = (handler: Handler, context?: unknown) => (handler.get as unknown as (p: unknown, c?: unknown) => Promise<unknown>).call(handler, payload, context);

describe('@Rpc and the Pn-Deadline header', () => {
  it('asks Nest for the NATS context after the payload (Nest 12 passes the payload alone otherwise)', () => {
    const args = Reflect.getMetadata(PARAM_ARGS_METADATA, Handler, 'get') as Record<string, { index: number }>;
    expect(args[`${RpcParamtype.PAYLOAD}:0`]).toMatchObject({ index: 0 });
    expect(args[`${RpcParamtype.CONTEXT}:1`]).toMatchObject({ index: 1 });
  });

  it('runs the handler under the deadline the request carries', async () => {
    const handler = new Handler();
    const deadline = Date.now() + 2000;
    await expect(invoke(handler, natsContext(String(deadline)))).resolves.toMatchObject({ id: 'vm_1' });
    expect(handler.seen).toEqual([deadline]);
  });

  it('does not run a request whose deadline has passed, and answers 504 upstream_timeout', async () => {
    const handler = new Handler();
    const error = await invoke(handler, natsContext(String(Date.now() - 1))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toMatchObject({ code: 'upstream_timeout', status: 504 });
    expect(handler.seen).toEqual([]);
  });

  it.each([
    ['no header', natsContext()],
    ['a malformed header', natsContext('-1')],
    ['no context', undefined],
    ['a context without headers', {}],
  ])('runs under no deadline with %s', async (_, context) => {
    const handler = new Handler();
    await expect(invoke(handler, context)).resolves.toMatchObject({ id: 'vm_1' });
    expect(handler.seen).toEqual([undefined]);
  });
});
