// A Lookup over a plain table, recording its calls, so tests state the zone
// data inline and can check what the server asked.

import type { Lookup, LookupResult } from '../lookup.js';

/** networkId → name → IPv4 addresses (an empty list: the name exists with no A). */
export type Table = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface RecordingLookup extends Lookup {
  readonly calls: Array<{ networkId: string; qname: string; qtype: string }>;
}

export function tableLookup(table: Table): RecordingLookup {
  const calls: RecordingLookup['calls'] = [];
  const lookup = (networkId: string, qname: string, qtype: string): LookupResult => {
    calls.push({ networkId, qname, qtype });
    const addresses = Object.hasOwn(table, networkId) ? table[networkId]![qname] : undefined;
    if (addresses === undefined) return { kind: 'nxdomain', zone: 'internal' };
    if ((qtype !== 'A' && qtype !== 'ANY') || addresses.length === 0) return { kind: 'nodata', zone: 'internal' };
    return { kind: 'answer', zone: 'internal', records: addresses.map((address) => ({ type: 'A' as const, address })) };
  };
  return Object.assign(lookup, { calls });
}
