// Reading one JSON flow (`telemetry.flows`): every field checked, since the
// input is hostile. A record that fails names the first field it broke and
// is parked, never guessed at.
import { isIpv4 } from './ipv4.js';
import { bad, ok, type Flow, type Parsed } from './flow.js';

const NETWORK_ID = /^net_[0-9A-Za-z]{1,60}$/;

/** 1-128 printable ASCII characters, by a loop: a regex per flow showed in the profile. */
function isFlowId(text: string): boolean {
  if (text.length < 1 || text.length > 128) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/**
 * Texts already found valid (network ids, addresses): a batch names the same
 * few again and again, so each is checked by its regex once. Bounded: cleared
 * when full, which only costs the checks again.
 */
class Valid {
  private readonly seen = new Set<string>();
  constructor(
    private readonly test: (text: string) => boolean,
    private readonly max = 100_000,
  ) {}
  has(text: string): boolean {
    if (this.seen.has(text)) return true;
    if (!this.test(text)) return false;
    if (this.seen.size >= this.max) this.seen.clear();
    this.seen.add(text);
    return true;
  }
}
const validNetwork = new Valid((t) => NETWORK_ID.test(t), 10_000);
const validIp = new Valid(isIpv4);
const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17 };
/** 2^63 - 1: more bytes than that in one flow is a lie, and would not fit an int64 anywhere else. */
const MAX_COUNTER = (1n << 63n) - 1n;
/** Epoch seconds from 2000 to 2100: anything else is a unit mistake (ms) or garbage. */
const MIN_TIME = 946_684_800;
const MAX_TIME = 4_102_444_800;

/** A non-negative integer counter, from a JSON number (safe integers only) or a decimal string (exact). */
export function counterOf(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  if (typeof value === 'string' && /^(0|[1-9]\d{0,18})$/.test(value)) {
    const n = BigInt(value);
    return n <= MAX_COUNTER ? n : undefined;
  }
  return undefined;
}

const port = (value: unknown) => (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535 ? (value as number) : undefined);
const time = (value: unknown) => (Number.isInteger(value) && (value as number) >= MIN_TIME && (value as number) <= MAX_TIME ? (value as number) : undefined);

function protocolOf(value: unknown): number | undefined {
  if (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 255) return value as number;
  return typeof value === 'string' && Object.hasOwn(PROTOCOLS, value.toLowerCase()) ? PROTOCOLS[value.toLowerCase()] : undefined;
}

export function parseFlowJson(value: unknown): Parsed<Flow> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('a flow must be a JSON object');
  const r = value as Record<string, unknown>;
  if (r.flow_id !== undefined && (typeof r.flow_id !== 'string' || !isFlowId(r.flow_id))) return bad('flow_id must be 1-128 printable ASCII characters');
  if (typeof r.network_id !== 'string' || !validNetwork.has(r.network_id)) return bad('network_id must be a network id (net_…)');
  if (typeof r.src_ip !== 'string' || !validIp.has(r.src_ip)) return bad('src_ip must be an IPv4 address');
  if (typeof r.dst_ip !== 'string' || !validIp.has(r.dst_ip)) return bad('dst_ip must be an IPv4 address');
  const srcPort = port(r.src_port);
  if (srcPort === undefined) return bad('src_port must be an integer from 0 to 65535');
  const dstPort = port(r.dst_port);
  if (dstPort === undefined) return bad('dst_port must be an integer from 0 to 65535');
  const protocol = protocolOf(r.protocol);
  if (protocol === undefined) return bad('protocol must be an IP protocol number (0-255) or tcp, udp, icmp');
  const bytes = counterOf(r.bytes);
  if (bytes === undefined) return bad('bytes must be a non-negative integer');
  const packets = counterOf(r.packets);
  if (packets === undefined) return bad('packets must be a non-negative integer');
  const start = time(r.start);
  const end = time(r.end);
  if (start === undefined || end === undefined) return bad('start and end must be epoch seconds (integers)');
  if (end < start) return bad('end must not be before start');
  // A plain literal, always the same shape: a conditional spread here made every flow a slow object.
  return ok({
    flowId: r.flow_id as string | undefined,
    networkId: r.network_id,
    srcIp: r.src_ip,
    srcPort,
    dstIp: r.dst_ip,
    dstPort,
    protocol,
    bytes,
    packets,
    start,
    end,
  });
}

/**
 * A message body on `telemetry.flows`: one object or an array of them. Each
 * element is judged alone, so one bad flow in a batch parks only itself.
 */
export function parseFlowMessage(text: string): Parsed<unknown[]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad('not JSON');
  }
  return ok(Array.isArray(value) ? value : [value]);
}
