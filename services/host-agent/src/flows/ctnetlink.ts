// Conntrack's netlink messages (ctnetlink) as the kernel sends a DESTROY
// event: the entry as it was when dropped, counters final, read strictly into
// the same CtEntry a table read gives (conntrack-line.ts). A message that is
// not a well-formed IPv4 entry with both tuples and both counters is counted
// as unread, never guessed at. Netlink headers are in the host's byte order
// (little-endian on the machines the agent runs on), attribute values in
// network order.
import type { CtEntry, Tuple } from './conntrack-line.js';

const HEADER = 16;
const NFGENMSG = 4;
/** (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW / _DELETE: an entry (a DESTROY event is a DELETE). */
const CT_NEW = 0x100;
const CT_DELETE = 0x102;
const AF_INET = 2;

const CTA = { tupleOrig: 1, tupleReply: 2, protoinfo: 4, countersOrig: 9, countersReply: 10, id: 12, timestamp: 20 } as const;
const TUPLE = { ip: 1, proto: 2 } as const;
const IP = { v4src: 1, v4dst: 2 } as const;
const PROTO = { num: 1, sport: 2, dport: 3 } as const;
const COUNTERS = { packets: 1, bytes: 2 } as const;
const TCP_STATES = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'];

/** A message's attributes by type (nested and byte-order flags dropped); undefined if one overruns the message. */
function attributes(data: Buffer, from: number, to: number): Map<number, Buffer> | undefined {
  const found = new Map<number, Buffer>();
  let at = from;
  while (at + 4 <= to) {
    const length = data.readUInt16LE(at);
    if (length < 4 || at + length > to) return undefined;
    found.set(data.readUInt16LE(at + 2) & 0x3fff, data.subarray(at + 4, at + length));
    at += (length + 3) & ~3;
  }
  return found;
}

const nested = (value: Buffer | undefined) => (value ? attributes(value, 0, value.length) : undefined);
const ipv4 = (b: Buffer | undefined) => (b?.length === 4 ? `${b[0]}.${b[1]}.${b[2]}.${b[3]}` : undefined);
const u64 = (b: Buffer | undefined) => (b?.length === 8 ? b.readBigUInt64BE(0) : undefined);

function tuple(value: Buffer | undefined, counters: Buffer | undefined): Tuple | undefined {
  const t = nested(value);
  const ip = nested(t?.get(TUPLE.ip));
  const proto = nested(t?.get(TUPLE.proto));
  const count = nested(counters);
  const src = ipv4(ip?.get(IP.v4src));
  const dst = ipv4(ip?.get(IP.v4dst));
  const packets = u64(count?.get(COUNTERS.packets));
  const bytes = u64(count?.get(COUNTERS.bytes));
  if (!src || !dst || packets === undefined || bytes === undefined || !proto) return undefined;
  // Ports for TCP, UDP and the like; ICMP has none (its id, type and code are left out, as in a table read).
  const port = (b: Buffer | undefined) => (b?.length === 2 ? b.readUInt16BE(0) : 0);
  return { src, dst, sport: port(proto.get(PROTO.sport)), dport: port(proto.get(PROTO.dport)), packets, bytes };
}

function entry(data: Buffer, at: number, length: number): CtEntry | undefined {
  if (data[at + HEADER] !== AF_INET) return undefined;
  const a = attributes(data, at + HEADER + NFGENMSG, at + length);
  if (!a) return undefined;
  const orig = tuple(a.get(CTA.tupleOrig), a.get(CTA.countersOrig));
  const reply = tuple(a.get(CTA.tupleReply), a.get(CTA.countersReply));
  const protocol = nested(nested(a.get(CTA.tupleOrig))?.get(TUPLE.proto))?.get(PROTO.num);
  const id = a.get(CTA.id);
  if (!orig || !reply || protocol?.length !== 1 || id?.length !== 4) return undefined;
  const start = u64(nested(a.get(CTA.timestamp))?.get(1));
  const tcpState = nested(nested(a.get(CTA.protoinfo))?.get(1))?.get(1);
  const state = protocol[0] === 6 && tcpState?.length === 1 ? (TCP_STATES[tcpState[0]!] ?? '') : '';
  return { id: String(id.readUInt32BE(0)), start: start === undefined ? '' : String(start), protocol: protocol[0]!, state, orig, reply };
}

/** The entries in a datagram of ctnetlink messages; `unread` counts the entry messages that did not parse. */
export function parseCtnetlink(data: Buffer): { entries: CtEntry[]; unread: number } {
  const entries: CtEntry[] = [];
  let unread = 0;
  let at = 0;
  while (at + HEADER <= data.length) {
    const length = data.readUInt32LE(at);
    if (length < HEADER || at + length > data.length) {
      unread++; // a message cut short: the rest of the datagram cannot be framed
      break;
    }
    const type = data.readUInt16LE(at + 4);
    if (type === CT_DELETE || type === CT_NEW) {
      const e = length >= HEADER + NFGENMSG ? entry(data, at, length) : undefined;
      if (e) entries.push(e);
      else unread++;
    }
    at += (length + 3) & ~3;
  }
  return { entries, unread };
}
