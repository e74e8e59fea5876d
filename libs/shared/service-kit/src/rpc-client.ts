// Typed request/reply over NATS through Nest's ClientProxy: pass a route and
// the request, get the reply message or a typed error.
import { create, fromJson, toJson, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { ClientProxy } from '@nestjs/microservices';
import type { Route } from '@pn/contracts';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { busUnavailable, isBusOutage, isErrorReply, RemoteError, RequestTimeoutError, ServiceUnavailableError } from './rpc-errors.js';

export class RpcClient {
  constructor(
    private readonly proxy: ClientProxy,
    private readonly defaultTimeoutMs: number,
  ) {}

  async call<Req extends DescMessage, Res extends DescMessage>(
    route: Route<Req, Res>,
    request: MessageInitShape<Req>,
    options: { timeoutMs?: number } = {},
  ): Promise<MessageShape<Res>> {
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const payload = toJson(route.request, create(route.request, request));
    try {
      const reply = await firstValueFrom(this.proxy.send(route.subject, payload).pipe(timeout(timeoutMs)));
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
