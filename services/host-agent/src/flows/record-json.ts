// A flow record's JSON, made once: the journal writes it and the publisher
// sends it, and at 10,000 connections a second stringifying each record twice
// was a tenth of the agent's CPU (measured with bench/billing's row from the
// wire). Records are never changed once made, so the text stays true.
import type { FlowRecordJson } from './flow-ledger.js';

const made = new WeakMap<FlowRecordJson, string>();

export function recordJson(record: FlowRecordJson): string {
  let json = made.get(record);
  if (json === undefined) {
    json = JSON.stringify(record);
    made.set(record, json);
  }
  return json;
}

/** A JSON array of records, from their texts. */
export const recordsJson = (records: readonly FlowRecordJson[]): string => `[${records.map(recordJson).join(',')}]`;
