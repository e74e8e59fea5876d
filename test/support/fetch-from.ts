// A fetch whose connections leave from a given local address (127.0.0.x on
// loopback): suites that stand for many clients at once send from several
// addresses, as many clients would, rather than hold hundreds of connections
// from one address, which the gateway caps (GATEWAY_MAX_CONNECTIONS_PER_CLIENT).
// Only what apiClient uses: method, headers and a string body in; status,
// headers and the body as text out.
import { Agent, request } from 'node:http';

export function fetchFrom(localAddress: string): typeof fetch {
  const agent = new Agent({ keepAlive: true, localAddress });
  return (async (url: string | URL, init: RequestInit = {}) => {
    const body = typeof init.body === 'string' ? init.body : undefined;
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers: init.headers as Record<string, string>, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
          const status = res.statusCode ?? 0;
          resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers }));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }) as typeof fetch;
}
