// A server-sent events client for the suites, as an agent would write one:
// fetch with the API key in a header, the body read as a stream of frames.
export interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: any;
}

export interface SseStream {
  readonly status: number;
  readonly frames: SseFrame[];
  /** Resolves when the server ends the stream (not when close() aborts it). */
  readonly ended: Promise<void>;
  /** The first frame (already received or to come) that `match` accepts, or a rejection after `timeoutMs`. */
  next(match: (frame: SseFrame) => boolean, timeoutMs?: number): Promise<SseFrame>;
  close(): void;
}

export async function openEvents(url: string, key: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { 'x-api-key': key, accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const frames: SseFrame[] = [];
  const waiters = new Set<() => void>();
  let serverEnded!: () => void;
  const ended = new Promise<void>((resolve) => (serverEnded = resolve));
  void (async () => {
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const raw = text.slice(0, end);
          text = text.slice(end + 2);
          const fields = Object.fromEntries(raw.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
          if (!fields.data && !fields.id) continue;
          frames.push({ id: fields.id, event: fields.event, data: fields.data ? JSON.parse(fields.data) : undefined });
          for (const wake of waiters) wake();
        }
      }
      serverEnded();
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: response.status,
    frames,
    ended,
    next(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(frames.map((f) => f.data?.type))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
