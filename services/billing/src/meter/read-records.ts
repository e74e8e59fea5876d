// A flows message as records: the lines of a VPC v2 message, the elements of
// a JSON one (an object or an array). Each record keeps what is needed to
// park it, but its text is only made when it is parked: re-serialising every
// good flow cost more than reading it.
import { NO_DATA, parseFlowJson, parseVpcFlowLine, type Flow, type Parsed } from '@pn/billing-domain';
import { garbage, isObject, screenJson, type Screened } from '@pn/event-store';

export interface FlowRecord {
  readonly parsed: Parsed<Flow>;
  /** What was received: a line (text), or an element of a JSON message (json). */
  readonly text?: string;
  readonly json?: unknown;
}

/**
 * The record's text, as received (a line) or as JSON again (an element).
 * Never throws: an element nested deeper than JSON.stringify can recurse
 * (JSON.parse took it) must still be parked, not fail its message again and
 * again.
 */
export function rawOf(r: FlowRecord): string {
  if (r.text !== undefined) return r.text;
  try {
    return JSON.stringify(r.json) ?? String(r.json);
  } catch (error) {
    return `(an element that cannot be shown: ${String(error)})`;
  }
}

/**
 * A flows message as records, or garbage when it is not a flows message at
 * all: not UTF-8 text, not JSON, or JSON that is neither a flow object nor a
 * list. Garbage goes to the service's bin; each record of a real message that
 * is not a valid flow is parked by the meter, where its account sees it.
 * Plain records, no closure each: a thousand closures a message showed as garbage to collect.
 */
export function readRecords(bytes: Uint8Array, vpc: boolean): Screened<FlowRecord[]> {
  // The bus's payload limit is the only size limit: a batch of flows may use all of it.
  const screened = vpc ? textOf(bytes) : screenJson(bytes, Infinity);
  if (!screened.ok) return screened;
  const records: FlowRecord[] = [];
  if (vpc) {
    for (const line of (screened.value as string).split(/\r?\n/)) if (line.trim()) records.push({ parsed: parseVpcFlowLine(line), text: line });
    return { ok: true, value: records };
  }
  const message = screened.value;
  if (!Array.isArray(message) && !isObject(message)) return garbage('wrong_shape', 'neither a flow object nor a list of them');
  for (const element of Array.isArray(message) ? message : [message]) records.push({ parsed: parseFlowJson(element), json: element });
  return { ok: true, value: records };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function textOf(bytes: Uint8Array): Screened<string> {
  try {
    return { ok: true, value: utf8.decode(bytes) };
  } catch {
    return garbage('binary', 'not UTF-8 text');
  }
}

/** Where a record that could not be read says it belongs (best effort, for showing it to that network's account). */
export const claimedNetwork = (raw: string): string => /"network_id"\s*:\s*"(net_[0-9A-Za-z]{1,60})"/.exec(raw)?.[1] ?? '';

export { NO_DATA };
