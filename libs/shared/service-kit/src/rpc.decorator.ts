// @Rpc(route) on a Nest controller method: subscribes it to the route's
// subject, decodes the request with the route's protobuf schema, encodes the
// reply with the other, and turns failures into ErrorReplies. Handlers see
// typed messages only. It also honours the request's deadline (Pn-Deadline):
// one already past is not run, and the handler runs under it (deadline.ts).
import { randomUUID } from 'node:crypto';
import { create, fromJson, toJson, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { Logger, SetMetadata, UseInterceptors } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { DomainError } from '@pn/decider';
import type { Route } from '@pn/contracts';
import { DeadlineExceededError, withDeadline } from './deadline.js';
import { DEADLINE_HEADER, isExpired, parseDeadline } from './deadline-rules.js';
import { acceptRequestId, MESSAGE_ID_HEADER, REQUEST_ID_HEADER, withRequestContext, type RequestContext } from './request-context.js';
import { isErrorReply, toErrorReply } from './rpc-errors.js';
import { RPC_SUBJECT, RpcMetricsInterceptor } from './metrics/rpc-metrics.interceptor.js';

const logger = new Logger('Rpc');

/** What Nest passes a handler after the payload: for NATS a NatsContext, whose getHeaders() gives the message's headers. */
interface HeadersContext {
  getHeaders?(): { values(key: string): string[] } | undefined;
}

const deadlineOf = (context: HeadersContext | undefined, now: number): number | undefined =>
  parseDeadline(typeof context?.getHeaders === 'function' ? context.getHeaders()?.values(DEADLINE_HEADER) : undefined, now);

/** The request this message serves (a new id when the caller named none) and the message's own id. */
function requestContextOf(context: HeadersContext | undefined): RequestContext {
  const headers = typeof context?.getHeaders === 'function' ? context.getHeaders() : undefined;
  const requestId = acceptRequestId(headers?.values(REQUEST_ID_HEADER)[0]) ?? randomUUID();
  const messageId = acceptRequestId(headers?.values(MESSAGE_ID_HEADER)[0]);
  return messageId ? { requestId, messageId } : { requestId };
}

/** `ok`, or the code of the error reply the caller gets. */
const outcomeOf = (error: unknown): string => {
  const reply = error instanceof RpcException ? error.getError() : undefined;
  return isErrorReply(reply) ? reply.code : 'error';
};

type RpcMethod<Req extends DescMessage, Res extends DescMessage> = (
  request: MessageShape<Req>,
) => Promise<MessageInitShape<Res>> | MessageInitShape<Res>;

export function Rpc<Req extends DescMessage, Res extends DescMessage>(route: Route<Req, Res>) {
  return <M extends RpcMethod<Req, Res>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>) => {
    const handler: RpcMethod<Req, Res> = descriptor.value!;
    descriptor.value = async function (this: unknown, payload: unknown, context?: HeadersContext) {
      // One debug line per bus request handled, under its request id: a request
      // is followed through every service it touched, not only where it failed.
      const started = performance.now();
      const requestContext = requestContextOf(context);
      let outcome = 'ok';
      try {
        return await withRequestContext(requestContext, () => handle.call(this, payload, context));
      } catch (error) {
        outcome = outcomeOf(error);
        throw error;
      } finally {
        withRequestContext(requestContext, () => logger.debug({ msg: 'bus request', subject: route.subject, ms: Math.round(performance.now() - started), outcome }));
      }
    } as never;
    async function handle(this: unknown, payload: unknown, context?: HeadersContext) {
      const now = Date.now();
      const deadline = deadlineOf(context, now);
      // The caller has stopped waiting (say, it sat in a queue behind a slow
      // burst): running it would be work for nobody. It is answered rather than
      // dropped, cheaply: should the caller's clock run behind ours, it is still
      // waiting and hears 504 now instead of at its own timeout.
      if (deadline !== undefined && isExpired(deadline, now)) {
        logger.debug(`${route.subject} arrived ${now - deadline} ms after its deadline; not run`);
        throw new RpcException(toErrorReply(new DeadlineExceededError(route.subject, `${route.subject} arrived after its deadline and was not run`)));
      }
      let request: MessageShape<Req>;
      try {
        request = fromJson(route.request, payload as never, { ignoreUnknownFields: true });
      } catch (error) {
        throw new RpcException(toErrorReply(new DomainError('invalid_request', `malformed ${route.subject} request: ${String(error)}`)));
      }
      try {
        const reply = await withDeadline(deadline, () => handler.call(this, request));
        return toJson(route.reply, create(route.reply, reply));
      } catch (error) {
        const reply = toErrorReply(error);
        // Stopped because the caller stopped waiting: expected under load, not a fault to log with its stack.
        if (error instanceof DeadlineExceededError) logger.debug(`${route.subject}: ${error.message}`);
        else if (reply.status >= 500) logger.error(`${route.subject} failed`, error instanceof Error ? error.stack : String(error));
        throw new RpcException(reply);
      }
    }
    // Nest 12 hands a handler nothing but its payload unless its parameters
    // ask for more: ask for the NATS context as the second, for its headers.
    Payload()(target, key, 0);
    Ctx()(target, key, 1);
    MessagePattern(route.subject)(target, key, descriptor);
    // Latency and failures by subject (metrics/rpc-metrics.interceptor.ts).
    SetMetadata(RPC_SUBJECT, route.subject)(target, key, descriptor);
    UseInterceptors(RpcMetricsInterceptor)(target, key, descriptor);
  };
}
