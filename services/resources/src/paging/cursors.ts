// Cursors are opaque to clients (base64url) and checked on the way back in:
// anything but a cursor this API handed out is a 400 naming `cursor`.
import { DomainError } from '@pn/decider';

const invalid = () => new DomainError('invalid_request', 'cursor is not one this API returned', { field: 'cursor' });

const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** The cursor's text, only if the cursor is exactly how this API writes it (base64url decoding alone skips stray characters). */
function decode(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (encode(text) !== cursor) throw invalid();
  return text;
}

/** After the item with this id (`<prefix>_<ULID>`): lists of resources, topology, projects. */
export const idCursor = {
  encode,
  /** The id the cursor names, '' for none; `prefix` is the id prefix it must have (any by default). */
  decode(cursor: string, prefix = '[a-z]+'): string {
    if (!cursor) return '';
    const id = decode(cursor);
    if (!new RegExp(`^${prefix}_[0-9a-z]{26}$`).test(id)) throw invalid();
    return id;
  },
};

/** Where the next page of a stream's history starts. */
export interface HistoryPosition {
  /** The next revision to read. */
  readonly fromRevision: number;
  /** The store position of the event before it: a hint that saves reading from the stream's start. */
  readonly afterPosition?: bigint;
}

const HISTORY = /^h\.(\d{1,10})\.(\d{1,20})$/;

export const historyCursor = {
  encode: (next: { fromRevision: number; afterPosition: bigint }) => encode(`h.${next.fromRevision}.${next.afterPosition}`),
  decode(cursor: string): HistoryPosition {
    if (!cursor) return { fromRevision: 0 };
    const match = HISTORY.exec(decode(cursor));
    const fromRevision = Number(match?.[1]);
    // Revisions are uint32 on the bus; the store checks the hint, so a forged one costs a longer read, never a wrong page.
    if (!match || fromRevision > 0xffff_ffff) throw invalid();
    return { fromRevision, afterPosition: BigInt(match[2]!) };
  },
};
