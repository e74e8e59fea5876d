// A checkpoint on the wire, and the one writer and reader of every read
// model's checkpoints. A read model keeps its state in WatchedMaps ("tables");
// a checkpoint is one JSON line per entry, written a slice at a time
// (SLICE_MS of work, then a rest for the event loop) while events go on changing
// the state: before an entry changes for the first time since the checkpoint
// began, its value (the one at the checkpoint's position) is written into a
// late section (copy on write), so the checkpoint holds the state at its
// position whatever happened during the writing. Nothing whole-state runs on
// the event loop, whatever the model's size: no copy of the state, no set of
// every key (whose growth alone would stall), only the keys changed meanwhile.
//
//   {"v":2,"projection":"<name>","position":"<decimal>","parked":<n>}
//   ["<table>","<key>",<entry json>]      one per entry walked
//   ["<table>","<key>",<entry json>]      late: one per entry changed while writing
//   {"end":<entries walked>,"late":<late entries>,"lateAt":<byte offset of the late section>}
//
// An entry walked and then changed is in both sections with the same value;
// the reader takes the late one. Read back with suspicion: a checkpoint that
// does not parse, belongs to another projection or is cut short is ignored
// (the projection rebuilds from the start), never trusted halfway.
import { setImmediate as turn, setTimeout as rest } from 'node:timers/promises';
import type { WatchedMap } from '@pn/decider';

/** How a read model's state is saved in checkpoints and read back. */
export interface CheckpointFormat<S> {
  /** The maps that hold the state, by table name: everything a checkpoint keeps. */
  tables(state: S): Readonly<Record<string, WatchedMap<unknown>>>;
  /** One entry as JSON-able data. */
  entryToJson(table: string, key: string, value: unknown): unknown;
  /** Puts one entry of a checkpoint into `state` (initialState() at first); returns the state. */
  restoreEntry(state: S, table: string, key: string, json: unknown): S;
}

export interface CheckpointHeader {
  readonly position: bigint;
  readonly parked: number;
}

/** Work between two turns of the event loop, while writing or reading a checkpoint. */
export const SLICE_MS = 4;
/**
 * Rest after each slice of writing: the writer takes at most a fifth of the
 * event loop however little else a turn has to do (while a model catches up,
 * a turn may apply a handful of events, and slices back to back would take
 * most of the time).
 */
const REST_MS = 4 * SLICE_MS;
/** Entries between two looks at the clock. */
const CLOCK_EVERY = 64;
/** Bytes gathered before they become a chunk of the checkpoint. */
const CHUNK_CHARS = 64 * 1024;

export interface WrittenCheckpoint {
  readonly chunks: Uint8Array[];
  readonly entries: number;
  /** Time spent writing, turns of the event loop left out. */
  readonly busyMs: number;
}

/** JSON lines gathered into chunks of about CHUNK_CHARS. */
class Lines {
  readonly chunks: Uint8Array[] = [];
  bytes = 0;
  count = 0;
  private text = '';

  add(line: string): void {
    this.text += line + '\n';
    this.count++;
    if (this.text.length >= CHUNK_CHARS) this.flush();
  }

  flush(): void {
    if (this.text === '') return;
    const chunk = Buffer.from(this.text);
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
    this.text = '';
  }
}

/**
 * Writes the checkpoint of `state` as it is now, at `header.position`,
 * yielding to the event loop every SLICE_MS; `state` may change meanwhile
 * through its tables' set and delete.
 */
export async function writeCheckpoint<S>(projection: string, format: CheckpointFormat<S>, state: S, header: CheckpointHeader): Promise<WrittenCheckpoint> {
  const tables = Object.entries(format.tables(state));
  const walked = new Lines();
  const late = new Lines();
  walked.add(JSON.stringify({ v: 2, projection, position: header.position.toString(), parked: header.parked }));
  const line = (table: string, key: string, value: unknown) => JSON.stringify([table, key, format.entryToJson(table, key, value)]);
  // Keys changed since the checkpoint began, per table: their value at the position is in the late section (or they were added since).
  const changed = tables.map(() => new Set<string>());
  tables.forEach(([name, map], t) => {
    map.watcher = (key) => {
      if (changed[t]!.has(key)) return;
      changed[t]!.add(key);
      if (map.has(key)) late.add(line(name, key, map.get(key)));
    };
  });
  let busyMs = 0;
  let sliceStart = performance.now();
  try {
    for (const [t, [name, map]] of tables.entries()) {
      let sinceClock = 0;
      // A Map's iterator is live: it skips deleted keys (in the late section already) and reaches added ones (changed, skipped).
      for (const [key, value] of map) {
        if (!changed[t]!.has(key)) walked.add(line(name, key, value));
        if (++sinceClock < CLOCK_EVERY) continue;
        sinceClock = 0;
        const now = performance.now();
        if (now - sliceStart < SLICE_MS) continue;
        busyMs += now - sliceStart;
        await rest(REST_MS);
        sliceStart = performance.now();
      }
    }
  } finally {
    for (const [, map] of tables) map.watcher = undefined;
  }
  walked.flush();
  late.add(JSON.stringify({ end: walked.count - 1, late: late.count, lateAt: walked.bytes }));
  late.flush();
  busyMs += performance.now() - sliceStart;
  return { chunks: [...walked.chunks, ...late.chunks], entries: walked.count - 1 + late.count - 1, busyMs };
}

/** The state a checkpoint holds and its header, or a reason it cannot be used; reads a slice at a time. */
export async function readCheckpoint<S>(
  projection: string,
  format: CheckpointFormat<S>,
  initial: S,
  bytes: Uint8Array,
): Promise<(CheckpointHeader & { readonly state: S }) | { readonly unusable: string }> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // One line at a time: never the whole checkpoint as one string (as large again as the bytes).
  const linesOf = function* (from: number, to: number): Generator<string> {
    for (let at = from; at < to; ) {
      let end = text.indexOf(10, at);
      if (end < 0 || end > to) end = to;
      if (end > at) yield text.toString('utf8', at, end);
      at = end + 1;
    }
  };
  const firstEnd = text.indexOf(10);
  let header: { v?: unknown; projection?: unknown; position?: unknown; parked?: unknown };
  try {
    header = JSON.parse(text.toString('utf8', 0, firstEnd < 0 ? text.length : firstEnd)) as typeof header;
  } catch (error) {
    return { unusable: `not JSON (${String(error)})` };
  }
  if (typeof header !== 'object' || header === null || header.v !== 2) return { unusable: 'unknown format' };
  if (header.projection !== projection) return { unusable: `it belongs to ${String(header.projection)}` };
  if (typeof header.position !== 'string' || !/^\d{1,30}$/.test(header.position)) return { unusable: 'no valid position' };
  const parked = Number.isSafeInteger(header.parked) && (header.parked as number) >= 0 ? (header.parked as number) : 0;
  // The trailer says where the late section starts: its entries are read first, so the walked copies of them are skipped.
  const trailerAt = text.lastIndexOf(10, text.length - 2) + 1;
  const trailer = parseOrNull(text.toString('utf8', trailerAt)) as { end?: unknown; late?: unknown; lateAt?: unknown } | null;
  const lateAt = trailer?.lateAt;
  if (!trailer || typeof trailer.end !== 'number' || typeof lateAt !== 'number' || !Number.isSafeInteger(lateAt) || lateAt <= firstEnd || lateAt > trailerAt) {
    return { unusable: 'cut short (no trailer)' };
  }
  const late = [...linesOf(lateAt, trailerAt)].map((l) => JSON.parse(l) as [string, string, unknown]);
  const lateKeys = new Set(late.map(([table, key]) => `${table}\n${key}`));
  let state = initial;
  let walked = 0;
  let sliceStart = performance.now();
  for (const line of linesOf(firstEnd + 1, lateAt)) {
    const [table, key, json] = JSON.parse(line) as [string, string, unknown];
    if (!lateKeys.has(`${table}\n${key}`)) state = format.restoreEntry(state, table, key, json);
    if (++walked % CLOCK_EVERY === 0 && performance.now() - sliceStart >= SLICE_MS) {
      await turn();
      sliceStart = performance.now();
    }
  }
  if (walked !== trailer.end || late.length !== trailer.late) {
    return { unusable: `cut short: ${walked} + ${late.length} entries, not ${String(trailer.end)} + ${String(trailer.late)}` };
  }
  for (const [table, key, json] of late) state = format.restoreEntry(state, table, key, json);
  return { position: BigInt(header.position), parked, state };
}

function parseOrNull(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

/** The state as a checkpoint of it reads back (what a restart starts from). */
export async function throughCheckpoint<S>(projection: { name: string; checkpoint: CheckpointFormat<S>; initialState(): S }, state: S): Promise<S> {
  const written = await writeCheckpoint(projection.name, projection.checkpoint, state, { position: 0n, parked: 0 });
  const read = await readCheckpoint(projection.name, projection.checkpoint, projection.initialState(), Buffer.concat(written.chunks));
  if ('unusable' in read) throw new Error(`checkpoint unusable: ${read.unusable}`);
  return read.state;
}
