// @Rpc(route) on a Nest controller method: subscribes it to the route's
// subject, decodes the request with the route's protobuf schema, encodes the
// reply with the other, and turns failures into ErrorReplies. Handlers see
// typed messages only.
import { create, fromJson, toJson, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { Logger } from '@nestjs/common';
import { MessagePattern, RpcException } from '@nestjs/microservices';
import { DomainError } from '@pn/decider';
import type { Route } from '@pn/contracts';
import { toErrorReply } from './rpc-errors.js';

const logger = new Logger('Rpc');

type RpcMethod<Req extends DescMessage, Res extends DescMessage> = (
  request: MessageShape<Req>,
) => Promise<MessageInitShape<Res>> | MessageInitShape<Res>;

export function Rpc<Req extends DescMessage, Res extends DescMessage>(route: Route<Req, Res>) {
  return <M extends RpcMethod<Req, Res>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<M>) => {
    const handler: RpcMethod<Req, Res> = descriptor.value!;
    descriptor.value = async function (this: unknown, payload: unknown) {
      let request: MessageShape<Req>;
      try {
        request = fromJson(route.request, payload as never, { ignoreUnknownFields: true });
      } catch (error) {
        throw new RpcException(toErrorReply(new DomainError('invalid_request', `malformed ${route.subject} request: ${String(error)}`)));
      }
      try {
        const reply = await handler.call(this, request);
        return toJson(route.reply, create(route.reply, reply));
      } catch (error) {
        const reply = toErrorReply(error);
        if (reply.status >= 500) logger.error(`${route.subject} failed`, error instanceof Error ? error.stack : String(error));
        throw new RpcException(reply);
      }
    } as never;
    MessagePattern(route.subject)(target, key, descriptor);
  };
}
