// A lean HTTP/1.1 client for load: node:http with keep-alive sockets, which
// costs the load generator far less CPU per request than fetch, so the
// machine's two cores go to the system being measured.
import http from 'node:http';

/**
 * Any method, a JSON body only when one is given. A network error (refused,
 * reset) rejects; every HTTP status resolves.
 */
export function jsonRequester(baseUrl: string, sockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const { hostname, port } = new URL(baseUrl);
  return (method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = http.request(
        {
          agent,
          hostname,
          port,
          path,
          method,
          headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
}

/** POSTs of JSON bodies. */
export function jsonPoster(baseUrl: string, sockets: number) {
  const request = jsonRequester(baseUrl, sockets);
  return (path: string, body: unknown, headers: Record<string, string>) => request('POST', path, headers, body);
}
