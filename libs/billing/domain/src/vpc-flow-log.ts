// AWS VPC Flow Logs version 2, default format, one record per line:
//   version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
// Here `account-id` is our account id and `interface-id` the resource id.
import { counterOf } from './flow-json.js';
import { isIpv4 } from './ipv4.js';
import { bad, ok, type Flow, type Parsed } from './flow.js';

const ID = /^[a-z]{2,4}_[0-9A-Za-z]{1,60}$/;

/** A line with no traffic to report (`NODATA`, `SKIPDATA`): read, and nothing to count. */
export const NO_DATA = 'no_data';

export function parseVpcFlowLine(line: string): Parsed<Flow> {
  const f = line.trim().split(/\s+/);
  if (f.length !== 14) return bad(`a VPC flow log v2 line has 14 fields, this one ${f.length}`);
  const [version, accountId, interfaceId, src, dst, sp, dp, proto, packets, bytes, start, end, action, status] = f as [string, ...string[]] as string[];
  if (version !== '2') return bad('version must be 2');
  if (status === 'NODATA' || status === 'SKIPDATA') return bad(NO_DATA);
  if (status !== 'OK') return bad('log-status must be OK, NODATA or SKIPDATA');
  if (!ID.test(accountId!)) return bad('account-id must be an account id (acc_…)');
  if (!ID.test(interfaceId!)) return bad('interface-id must be a resource id');
  if (!isIpv4(src!) || !isIpv4(dst!)) return bad('srcaddr and dstaddr must be IPv4 addresses');
  const num = (s: string, max: number) => (/^(0|[1-9]\d{0,9})$/.test(s) && Number(s) <= max ? Number(s) : undefined);
  const srcPort = num(sp!, 65535);
  const dstPort = num(dp!, 65535);
  const protocol = num(proto!, 255);
  if (srcPort === undefined || dstPort === undefined || protocol === undefined) return bad('ports must be 0-65535 and protocol 0-255');
  const b = counterOf(bytes);
  const p = counterOf(packets);
  if (b === undefined || p === undefined) return bad('packets and bytes must be non-negative integers');
  const s = num(start!, 4_102_444_800);
  const e = num(end!, 4_102_444_800);
  if (s === undefined || e === undefined || s < 946_684_800 || e < s) return bad('start and end must be epoch seconds, end not before start');
  if (action !== 'ACCEPT' && action !== 'REJECT') return bad('action must be ACCEPT or REJECT');
  return ok({
    accountId: accountId!,
    interfaceId: interfaceId!,
    srcIp: src!,
    srcPort,
    dstIp: dst!,
    dstPort,
    protocol,
    bytes: b,
    packets: p,
    start: s,
    end: e,
    ...(action === 'REJECT' ? { refused: true } : {}),
  });
}
