import { describe, expect, it } from '@jest/globals';
import { clientErrorAnswer, clientErrorResponse } from './client-error.js';

describe('clientErrorAnswer', () => {
  it('answers headers that are too large with 431, in the API’s error shape', () => {
    const answer = clientErrorAnswer('HPE_HEADER_OVERFLOW')!;
    expect(answer.status).toBe(431);
    const raw = clientErrorResponse(answer);
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(head).toContain('Content-Type: application/json');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body!)}`);
    expect(JSON.parse(body!)).toEqual({ error: { code: 'request_header_fields_too_large', message: expect.any(String) } });
  });

  it('answers a malformed request with 400 and a slow one with 408', () => {
    expect(clientErrorAnswer('HPE_INVALID_METHOD')).toMatchObject({ status: 400, code: 'bad_request' });
    expect(clientErrorAnswer('ERR_HTTP_REQUEST_TIMEOUT')).toMatchObject({ status: 408 });
  });

  it('writes nothing to a client that reset the connection', () => {
    expect(clientErrorAnswer('ECONNRESET')).toBeUndefined();
  });
});
