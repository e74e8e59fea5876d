// A flows message as records: the lines of a VPC v2 message, the elements of
// a JSON one (an object or an array). Each record keeps what is needed to
// park it, but its text is only made when it is parked: re-serialising every
// good flow cost more than reading it.
import { NO_DATA, parseFlowJson, parseFlowMessage, parseVpcFlowLine, type Flow, type Parsed } from '@pn/billing-domain';

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

// Plain records, no closure each: a thousand closures a message showed as garbage to collect.
export function readRecords(text: string, vpc: boolean): FlowRecord[] {
  const records: FlowRecord[] = [];
  if (vpc) {
    for (const line of text.split(/\r?\n/)) if (line.trim()) records.push({ parsed: parseVpcFlowLine(line), text: line });
    return records;
  }
  const message = parseFlowMessage(text);
  if (!message.ok) return [{ parsed: message as Parsed<Flow>, text }];
  for (const element of message.value) records.push({ parsed: parseFlowJson(element), json: element });
  return records;
}

/** Where a record that could not be read says it belongs (best effort, for showing it to that network's account). */
export const claimedNetwork = (raw: string): string => /"network_id"\s*:\s*"(net_[0-9A-Za-z]{1,60})"/.exec(raw)?.[1] ?? '';

export { NO_DATA };
