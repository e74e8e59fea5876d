// Typed request/reply over NATS through Nest's ClientProxy: pass a route and
// the request, get the reply message or a typed error. A call made while
// handling a request waits no longer than that request's deadline allows (see
// deadline.ts), and tells the callee when it stops waiting (Pn-Deadline).
import { create, fromJson, toJson, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { NatsRecordBuilder, type ClientProxy } from '@nestjs/microservices';
import type { Route } from '@pn/contracts';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { randomUUID } from 'node:crypto';
import { currentDeadline, DeadlineExceededError } from './deadline.js';
import { currentRequestContext, MESSAGE_ID_HEADER, REQUEST_ID_HEADER } from './request-context.js';
import { callTimeoutMs, DEADLINE_HEADER } from './deadline-rules.js';
import { busUnavailable, isBusOutage, isErrorReply, RemoteError, RequestTimeoutError, ServiceUnavailableError, toErrorReply } from './rpc-errors.js';
import { secondsSince, type Metrics } from './metrics/metrics.js';

export class RpcClient {
  constructor(
    private readonly proxy: ClientProxy,
    private readonly defaultTimeoutMs: number,
    private readonly metrics?: Metrics,
  ) {}

  /** Latency and failures by subject (by the error's code), when the service has metrics. */
  async call<Req extends DescMessage, Res extends DescMessage>(
    route: Route<Req, Res>,
    request: MessageInitShape<Req>,
    options: { timeoutMs?: number } = {},
  ): Promise<MessageShape<Res>> {
    const metrics = this.metrics;
    if (!metrics) return this.send(route, request, options);
    const subject = route.subject;
    const start = performance.now();
    try {
      const reply = await this.send(route, request, options);
      metrics.rpcClientDuration.observe({ subject, outcome: 'ok' }, secondsSince(start));
      return reply;
    } catch (error) {
      metrics.rpcClientDuration.observe({ subject, outcome: 'error' }, secondsSince(start));
      metrics.rpcClientFailures.inc({ subject, code: toErrorReply(error).code });
      throw error;
    }
  }

  private async send<Req extends DescMessage, Res extends DescMessage>(
    route: Route<Req, Res>,
    request: MessageInitShape<Req>,
    options: { timeoutMs?: number },
  ): Promise<MessageShape<Res>> {
    const now = Date.now();
    const timeoutMs = callTimeoutMs(options.timeoutMs ?? this.defaultTimeoutMs, currentDeadline(), now);
    // Sending would only start work whose answer nobody can wait for.
    if (timeoutMs <= 0) throw new DeadlineExceededError(route.subject, `no time was left before the request's deadline to call ${route.subject}`);
    const payload = toJson(route.request, create(route.request, request));
    // Every request says when its caller stops waiting, so the callee stops too
    // (rpc.decorator.ts) and its own calls end no later.
    const headers = natsHeaders();
    headers.set(DEADLINE_HEADER, String(now + timeoutMs));
    // And which request it serves, so the callee's logs and events name it too.
    const context = currentRequestContext();
    if (context) headers.set(REQUEST_ID_HEADER, context.requestId);
    headers.set(MESSAGE_ID_HEADER, randomUUID());
    const message = new NatsRecordBuilder(payload).setHeaders(headers).build();
    try {
      const reply = await firstValueFrom(this.proxy.send(route.subject, message).pipe(timeout(timeoutMs)));
      return fromJson(route.reply, reply, { ignoreUnknownFields: true });
    } catch (error) {
      if (error instanceof TimeoutError) throw new RequestTimeoutError(route.subject, timeoutMs);
      // NATS answers a request nobody listens to with an empty "no responders"
      // message; Nest reports it as EmptyResponseException, which it does not export.
      if (error instanceof Error && error.constructor.name === 'EmptyResponseException') throw new ServiceUnavailableError(route.subject);
      if (isErrorReply(error)) throw new RemoteError(error);
      // NATS itself down: Nest's client fails at once while it reconnects (and
      // reconnects forever, see natsOptions), so the caller hears 503 right away.
      if (isBusOutage(error)) throw busUnavailable(route.subject);
      throw error;
    }
  }
}
