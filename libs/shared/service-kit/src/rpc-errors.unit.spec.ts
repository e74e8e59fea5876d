import { describe, expect, it } from '@jest/globals';
import { errors } from '@nats-io/transport-node';
import { DomainError } from '@pn/decider';
import { isBusOutage, ServiceUnavailableError, toErrorReply } from './rpc-errors.js';

describe('toErrorReply', () => {
  it('maps a domain error to its status, and an unknown code to 422', () => {
    expect(toErrorReply(new DomainError('not_found', 'gone'))).toMatchObject({ code: 'not_found', status: 404 });
    expect(toErrorReply(new DomainError('something_else', 'no'))).toMatchObject({ code: 'something_else', status: 422 });
  });

  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty'])('never takes the inherited %s for a status', (code) => {
    expect(toErrorReply(new DomainError(code, 'odd')).status).toBe(422);
    expect(toErrorReply(Object.assign(new Error('odd'), { code })).status).toBe(500);
  });

  it('says 503 when the bus is unreachable, never 500', () => {
    const outages: unknown[] = [
      new errors.ClosedConnectionError(),
      new errors.ConnectionError('connection refused'),
      new errors.RequestError('connection closed'),
      new errors.TimeoutError(),
      new Error('append failed', { cause: new errors.ClosedConnectionError() }),
      'Error: Connection lost. Trying to reconnect...',
      new Error('Connection closed'),
      new ServiceUnavailableError('resources.resource.create'),
    ];
    for (const outage of outages) expect(toErrorReply(outage)).toMatchObject({ code: 'service_unavailable', status: 503 });
  });

  it('keeps saying internal for an unexplained error', () => {
    expect(toErrorReply(new TypeError('x is not iterable'))).toEqual({ code: 'internal', message: 'internal error', status: 500 });
    expect(isBusOutage(new TypeError('x'))).toBe(false);
  });
});
