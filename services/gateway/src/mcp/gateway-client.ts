// How the MCP tools reach the platform: its public HTTP API, with the caller's
// own key, exactly as curl or any other client would. Validation, idempotency,
// scopes and rate limits therefore stay the API's, written once; a tool only
// translates its arguments into a request and the answer into a tool result.
// No Nest and no bus here: the stdio entry runs this on a desktop, far from
// the platform.

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Built with `apiPath`, so every caller-given segment is encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: Readonly<Record<string, unknown>>;
  readonly idempotencyKey?: string;
}

/** The API's error body, `{"error": {code, message, field?, resource_id?}}`, plus what the HTTP answer said around it. */
export interface ApiFailure {
  readonly status: number;
  readonly error: { readonly code: string; readonly message: string; readonly field?: string; readonly resource_id?: string };
  readonly retry_after_seconds?: number;
}

export type ApiAnswer = { readonly ok: true; readonly status: number; readonly body: unknown } | ({ readonly ok: false } & ApiFailure);

/**
 * The gateway answers within REQUEST_DEADLINE_MS (10 s by default) on its own;
 * this only stops a tool from hanging on a gateway that never answers.
 */
const TIMEOUT_MS = 30_000;

/** A path argument that cannot be sent: refused here, in the API's error shape. */
export class BadPathArgument extends Error {
  constructor(readonly field: string) {
    super(`${field} must be a non-empty id, not "." or ".."`);
  }
}

/**
 * A path from literal parts and caller-given segments, each one encoded. `.`
 * and `..` are refused: URL parsing resolves them (encoded or not), which
 * would send the request to another path than the tool names.
 */
export function apiPath(strings: TemplateStringsArray, ...segments: Array<{ readonly value: string | number; readonly field: string }>): string {
  return strings.reduce((path, literal, i) => {
    if (i === 0) return literal;
    const { value, field } = segments[i - 1]!;
    const text = String(value);
    if (text === '' || text === '.' || text === '..') throw new BadPathArgument(field);
    return path + encodeURIComponent(text) + literal;
  }, '');
}

export class GatewayClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
    /** The request id to pass on (X-Request-Id), so a tool call is followed through the API's logs. */
    private readonly requestId?: string,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async send(request: ApiRequest, signal?: AbortSignal): Promise<ApiAnswer> {
    const url = new URL(this.baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { 'x-api-key': this.apiKey, accept: 'application/json' };
    if (request.body) headers['content-type'] = 'application/json';
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    if (this.requestId) headers['x-request-id'] = this.requestId;
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body ? JSON.stringify(request.body) : undefined,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (timeout.aborted) return failure(504, 'gateway_timeout', `the gateway at ${this.baseUrl} did not answer within ${TIMEOUT_MS / 1000} s`);
      const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      return failure(503, 'gateway_unreachable', `cannot reach the gateway at ${this.baseUrl}: ${reason}`);
    }
    return readAnswer(response);
  }
}

async function readAnswer(response: Response): Promise<ApiAnswer> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    return failure(502, 'bad_gateway_answer', `the gateway answered ${response.status} with a body that is not JSON`);
  }
  if (response.ok) return { ok: true, status: response.status, body };
  const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
  const error = (body as { error?: ApiFailure['error'] } | undefined)?.error;
  const shaped = error && typeof error.code === 'string' ? error : { code: `http_${response.status}`, message: text.slice(0, 500) || response.statusText };
  return { ok: false, status: response.status, error: shaped, ...(Number.isFinite(retryAfter) ? { retry_after_seconds: retryAfter } : {}) };
}

const failure = (status: number, code: string, message: string): ApiAnswer => ({ ok: false, status, error: { code, message } });
