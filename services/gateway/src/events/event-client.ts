// One live events connection: SSE framing, a heartbeat, and a bound on what
// may wait for it. A client that reads too slowly is cut off rather than
// allowed to hold the gateway's memory; it reconnects with Last-Event-ID and
// misses nothing.
import type { Response } from 'express';
import type { ResourceChange } from './resource-change.js';

export const HEARTBEAT_MS = 15_000;
/** Bytes written to a client and not yet taken by its socket, past which it is cut off. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface ClientFilter {
  readonly accountId: string;
  /** The API key the stream was opened with: its revocation ends the stream. */
  readonly keyId: string;
  /** A project name, or undefined for every project of the account. */
  readonly project: string | undefined;
}

export class EventClient {
  /** Position of the last event sent: nothing at or before it is sent again. */
  private lastSent: bigint;
  /** While a replay runs, live events wait here (bounded like the socket buffer). */
  private held: Array<{ position: bigint; change: ResourceChange }> | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  closed = false;

  constructor(
    readonly filter: ClientFilter,
    private readonly res: Response,
    after: bigint | undefined,
    private readonly onClose: (client: EventClient) => void,
  ) {
    this.lastSent = after ?? -1n;
    this.held = after === undefined ? undefined : [];
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    // Tells EventSource-style clients how soon to come back after a cut.
    res.write('retry: 1000\n\n');
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), HEARTBEAT_MS).unref();
    res.once('close', () => this.close());
  }

  /** A live event for this client (already filtered to it). */
  live(position: bigint, change: ResourceChange): void {
    if (this.held) {
      this.held.push({ position, change });
      if (this.held.length > 10_000) this.close();
      return;
    }
    this.send(position, change);
  }

  /** An event of the replay from Last-Event-ID. */
  replayed(position: bigint, change: ResourceChange): void {
    this.send(position, change);
  }

  /**
   * The Last-Event-ID is past the newest event (never handed out by this
   * store, or one since wiped): without this, every live event would be at or
   * before it and the stream silent for ever. Live events from `head` on
   * follow, after a reset that says to list again.
   */
  aheadOfStore(head: bigint): void {
    this.lastSent = head;
    // With the head as its id, a client that reconnects before the next event resumes from there, not from its stale id again.
    this.reset('Last-Event-ID is past the newest event; list the resources again', head);
    this.endReplay(false);
  }

  /** The replay is over: what arrived live meanwhile follows; `truncated` says some of the gap was not replayed. */
  endReplay(truncated: boolean): void {
    if (truncated) this.reset('too many events missed to replay; list the resources again');
    const held = this.held ?? [];
    this.held = undefined;
    for (const { position, change } of held) this.send(position, change);
  }

  private reset(reason: string, id?: bigint): void {
    this.write(`${id === undefined ? '' : `id: ${id}\n`}event: reset\ndata: ${JSON.stringify({ reason })}\n\n`);
  }

  private send(position: bigint, change: ResourceChange): void {
    if (position <= this.lastSent) return;
    this.lastSent = position;
    this.write(`id: ${position}\nevent: resource\ndata: ${JSON.stringify(change)}\n\n`);
  }

  private write(frame: string): void {
    if (this.closed) return;
    this.res.write(frame);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.res.end();
    this.onClose(this);
  }
}
