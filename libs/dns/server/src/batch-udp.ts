// The UDP side on the batched-UDP addon (native/batch-udp.c): the addon reads
// up to BATCH datagrams with one recvmmsg into a receive slab, calls onBatch
// once, and sends the answers written into the answer slab with one sendmmsg.
// Every slot is a preallocated Buffer: answering a query allocates nothing
// here (the lookup's name string aside). Where the addon cannot load, the
// server uses udp-listener.ts (dgram) and says why (batchUdpUnavailable).
import { createRequire } from 'node:module';
import type { Responder } from './responder.js';

interface BatchUdpAddon {
  readonly BATCH: number;
  open(host: string, port: number, recvBufferSize: number, sendBufferSize: number): [BatchUdpHandle, number];
  start(socket: BatchUdpHandle, inSlab: Buffer, inSlot: number, outSlab: Buffer, meta: Int32Array, onBatch: (count: number) => void): void;
  close(socket: BatchUdpHandle): void;
  stats(socket: BatchUdpHandle): number[];
}
declare const handleBrand: unique symbol;
type BatchUdpHandle = { readonly [handleBrand]: true };

/** Largest query read whole; a longer datagram is answered FORMERR (MSG_TRUNC). */
export const QUERY_SLOT = 4096;
/** Largest UDP answer (EDNS sizes up to 4,096). */
export const MAX_BATCHED_UDP_ANSWER = 4096;

const loaded: { addon: BatchUdpAddon } | { error: string } = (() => {
  try {
    const require = createRequire(import.meta.url);
    // src/ and dist/ both sit next to build/ in the package.
    return { addon: require('../build/Release/batch_udp.node') as BatchUdpAddon };
  } catch (error) {
    return { error: `batch-udp addon not loaded (${(error as Error).message.split('\n')[0]})` };
  }
})();

/** Why the addon cannot be used, or null when it can. */
export const batchUdpUnavailable = (): string | null => ('error' in loaded ? loaded.error : null);

export interface BatchUdpStats {
  readonly received: number;
  readonly sent: number;
  /** Datagrams longer than a query slot. */
  readonly truncated: number;
  readonly sendErrors: number;
  /** Times the send buffer was full and answers waited for the socket to be writable. */
  readonly sendWaits: number;
  readonly receiveErrors: number;
  /** recvmmsg calls that returned datagrams (received / batches: the mean batch). */
  readonly batches: number;
  /** Answers are waiting for the socket to be writable right now. */
  readonly waitingToSend: boolean;
}

export interface BatchUdpSocket {
  readonly port: number;
  stats(): BatchUdpStats;
  close(): void;
}

export interface BatchUdpOptions {
  readonly host: string;
  readonly port: number;
  readonly recvBufferSize?: number;
  /** SO_SNDBUF; OS default when absent (tests make it small to fill it). */
  readonly sendBufferSize?: number;
  readonly onError: (error: unknown) => void;
}

export function listenBatchedUdp(responder: Responder, options: BatchUdpOptions): BatchUdpSocket {
  if ('error' in loaded) throw new Error(loaded.error);
  const { addon } = loaded;
  const batch = addon.BATCH;
  const [handle, port] = addon.open(options.host, options.port, options.recvBufferSize ?? 0, options.sendBufferSize ?? 0);
  const inSlab = Buffer.alloc(batch * QUERY_SLOT);
  // Room for a whole batch of the largest answers; they are packed one after the other.
  const outSlab = Buffer.alloc(batch * MAX_BATCHED_UDP_ANSWER);
  const queries = Array.from({ length: batch }, (_, i) => inSlab.subarray(i * QUERY_SLOT, (i + 1) * QUERY_SLOT));
  // [0, batch) query lengths, [batch, 2 batch) MSG_TRUNC flags, [2 batch, 3 batch) answer lengths (0: none),
  // [3 batch, 4 batch) answer offsets in outSlab.
  const meta = new Int32Array(4 * batch);
  const onBatch = (count: number) => {
    let at = 0;
    for (let i = 0; i < count; i++) {
      let n = 0;
      try {
        n = responder.respondInto(queries[i]!, meta[i]!, meta[batch + i] !== 0, outSlab, at);
      } catch (error) {
        // Parsing is written not to throw; this is the last line against a crash on garbage.
        options.onError(error);
      }
      meta[2 * batch + i] = n;
      meta[3 * batch + i] = at;
      at += n;
    }
  };
  addon.start(handle, inSlab, QUERY_SLOT, outSlab, meta, onBatch);
  let closed = false;
  return {
    port,
    stats: () => {
      const [received, sent, truncated, sendErrors, sendWaits, receiveErrors, batches, waiting] = addon.stats(handle);
      return { received: received!, sent: sent!, truncated: truncated!, sendErrors: sendErrors!, sendWaits: sendWaits!, receiveErrors: receiveErrors!, batches: batches!, waitingToSend: waiting === 1 };
    },
    close: () => {
      if (closed) return;
      closed = true;
      addon.close(handle);
    },
  };
}
