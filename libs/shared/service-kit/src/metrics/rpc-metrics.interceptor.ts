// Server side of bus metrics: how long each @Rpc handler took to answer, and
// which answered an error (by the error reply's code). @Rpc attaches it to
// every handler it decorates, so no controller registers it; it measures the
// whole decorated method, a request refused for its expired deadline included.
import { Injectable, Optional, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { tap, type Observable } from 'rxjs';
import { isErrorReply, toErrorReply } from '../rpc-errors.js';
import { Metrics, secondsSince } from './metrics.js';

export const RPC_SUBJECT = 'pn:rpc-subject';

/** @Rpc throws RpcException(ErrorReply); anything else is named as it would be answered. */
const codeOf = (error: unknown): string => {
  const reply = error instanceof RpcException ? error.getError() : undefined;
  return isErrorReply(reply) ? reply.code : toErrorReply(error).code;
};

@Injectable()
export class RpcMetricsInterceptor implements NestInterceptor {
  // Optional: a module without MetricsModule (a unit test's) runs its handlers unmeasured.
  constructor(@Optional() private readonly metrics?: Metrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const metrics = this.metrics;
    const subject: unknown = Reflect.getMetadata(RPC_SUBJECT, context.getHandler());
    if (!metrics || typeof subject !== 'string') return next.handle();
    const start = performance.now();
    return next.handle().pipe(
      tap({
        next: () => metrics.rpcServerDuration.observe({ subject, outcome: 'ok' }, secondsSince(start)),
        error: (error: unknown) => {
          metrics.rpcServerDuration.observe({ subject, outcome: 'error' }, secondsSince(start));
          metrics.rpcServerFailures.inc({ subject, code: codeOf(error) });
        },
      }),
    );
  }
}
