// Requests Node's HTTP parser refuses before any route sees them (headers
// over --max-http-header-size, a malformed request line, a client too slow
// to send its headers). Node answers those itself with a bare status line
// and no body; hooking `clientError` lets them carry the API's one error shape.
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

export interface ClientErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** The answer to a parser error, by its code; undefined when the client is gone and nothing should be written. */
export function clientErrorAnswer(errorCode: string | undefined): ClientErrorAnswer | undefined {
  switch (errorCode) {
    case 'ECONNRESET':
      return undefined;
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'request_header_fields_too_large', message: 'request headers are too large (at most 16 KB in all)' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: 'payload_too_large', message: 'chunk extensions are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'request_timeout', message: 'the request did not arrive in time' };
    default:
      return { status: 400, code: 'bad_request', message: 'malformed HTTP request' };
  }
}

/** The whole HTTP/1.1 response for an answer: the connection is closed after it. */
export function clientErrorResponse(answer: ClientErrorAnswer): string {
  const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
  return [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex & { bytesWritten?: number }) => {
    const answer = clientErrorAnswer(error.code);
    // Only on a connection that has not started a response: otherwise the bytes would corrupt it.
    if (!answer || !socket.writable || (socket.bytesWritten ?? 0) > 0) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(answer), () => socket.destroy());
  });
}
