// One line of `conntrack -L -o extended,id` (conntrack-tools 1.4), or one
// `<flow>` of `-o xml,id,ktimestamp` (what the agent reads, the only format
// with an entry's start time to the ns), read strictly: the original and
// reply tuples with their counters (accounting on: nf_conntrack_acct=1), the
// TCP state and the entry's id. A line that does not parse is skipped by the
// caller and counted, never guessed at.
//   ipv4 2 tcp 6 119 TIME_WAIT src=… dst=… sport=… dport=… packets=4 bytes=216
//     src=… dst=… sport=… dport=… packets=4 bytes=5216 [ASSURED] mark=0 use=1 id=3276806062
// ICMP tuples carry type=, code= and their own id= instead of ports.

export interface Tuple {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly packets: bigint;
  readonly bytes: bigint;
}

export interface CtEntry {
  readonly id: string;
  /**
   * When the kernel made the entry (ns; nf_conntrack_timestamp=1), '' where
   * not known. The id alone does not tell two connections apart: it is a hash
   * of the entry's address and tuple, and a connection that reuses the tuple
   * of one in TIME_WAIT gets the freed entry's memory, so the same id (seen
   * here: three connections, one id, the same counters).
   */
  readonly start: string;
  readonly protocol: number;
  /** TCP's state (ESTABLISHED, TIME_WAIT, …); empty for other protocols. */
  readonly state: string;
  readonly orig: Tuple;
  readonly reply: Tuple;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DIGITS = /^\d{1,20}$/;

/** A tuple from its fields (`field(name)`: the text of src, dst, sport, dport, packets or bytes), checked. */
function tuple(field: (name: string) => string | undefined): Tuple | undefined {
  const src = field('src');
  const dst = field('dst');
  const packets = field('packets');
  const bytes = field('bytes');
  if (!src || !dst || !IPV4.test(src) || !IPV4.test(dst) || !packets || !bytes || !DIGITS.test(packets) || !DIGITS.test(bytes)) return undefined;
  const port = (name: string) => {
    const v = field(name);
    return v !== undefined && /^\d{1,5}$/.test(v) && Number(v) <= 65535 ? Number(v) : 0;
  };
  return { src, dst, sport: port('sport'), dport: port('dport'), packets: BigInt(packets), bytes: BigInt(bytes) };
}

export function parseConntrackLine(line: string): CtEntry | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] !== 'ipv4' || words.length < 8) return undefined;
  const protocol = Number(words[3]);
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) return undefined;
  // Two tuples, each from `src=` to its `bytes=`; after them the entry's own fields (mark, use, id).
  const tuples: Array<Map<string, string>> = [];
  let current: Map<string, string> | undefined;
  let state = '';
  const tail = new Map<string, string>();
  for (const word of words.slice(5)) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      if (tuples.length === 0 && current === undefined && /^[A-Z_]+$/.test(word)) state = word;
      continue; // [ASSURED], [UNREPLIED]
    }
    const key = word.slice(0, eq);
    const value = word.slice(eq + 1);
    if (key === 'src' && tuples.length < 2) tuples.push((current = new Map()));
    if (current) {
      current.set(key, value);
      if (key === 'bytes') current = undefined;
    } else tail.set(key, value);
  }
  const id = tail.get('id');
  if (tuples.length !== 2 || !id || !DIGITS.test(id)) return undefined;
  const orig = tuple((name) => tuples[0]!.get(name));
  const reply = tuple((name) => tuples[1]!.get(name));
  if (!orig || !reply) return undefined;
  return { id, start: '', protocol, state: protocol === 6 ? state : '', orig, reply };
}

/** The text between the first `<name>` from `from` on and its `</name>`; undefined when absent. */
function element(line: string, name: string, from = 0): string | undefined {
  const open = line.indexOf(`<${name}>`, from);
  if (open < 0) return undefined;
  const start = open + name.length + 2;
  const close = line.indexOf(`</${name}>`, start);
  return close < 0 ? undefined : line.slice(start, close);
}

function xmlTuple(meta: string): Tuple | undefined {
  const counters = meta.indexOf('<counters>');
  // The counters are the ones inside <counters> (nothing else is called packets or bytes, but only those count).
  return tuple((name) => (name !== 'packets' && name !== 'bytes' ? element(meta, name) : counters < 0 ? undefined : element(meta, name, counters)));
}

/**
 * One `<flow>` line of `conntrack -L -o xml,id,ktimestamp`: what the line
 * format gives, plus the entry's start time in ns (the line format has it to
 * the second only).
 */
export function parseConntrackXml(line: string): CtEntry | undefined {
  if (!line.startsWith('<flow><meta direction="original">') || !line.endsWith('</flow>')) return undefined;
  const reply = line.indexOf('<meta direction="reply">');
  const own = line.indexOf('<meta direction="independent">');
  if (reply < 0 || own < reply) return undefined;
  const original = line.slice(0, reply);
  const l3 = /<layer3 protonum="2" protoname="ipv4">/.test(original);
  const l4 = /<layer4 protonum="(\d{1,3})"/.exec(original);
  if (!l3 || !l4) return undefined;
  const protocol = Number(l4[1]);
  if (protocol > 255) return undefined;
  const orig = xmlTuple(original);
  const back = xmlTuple(line.slice(reply, own));
  const rest = line.slice(own);
  const id = element(rest, 'id');
  const timestamp = rest.indexOf('<timestamp>');
  const start = (timestamp < 0 ? undefined : element(rest, 'start', timestamp)) ?? '';
  if (!orig || !back || !id || !DIGITS.test(id) || (start && !DIGITS.test(start))) return undefined;
  const state = protocol === 6 ? (element(rest, 'state') ?? '') : '';
  if (state && !/^[A-Z_]{1,20}$/.test(state)) return undefined;
  return { id, start, protocol, state, orig, reply: back };
}

const DESTROY = '<flow type="destroy">';

/**
 * One line of `conntrack -E -e DESTROY -o xml,id,ktimestamp`: the entry as it
 * was when the kernel dropped it, counters final. The tool may append
 * ` [USERSPACE] portid=…` after the element (an entry deleted by a program).
 */
export function parseDestroyEvent(line: string): CtEntry | undefined {
  if (!line.startsWith(DESTROY)) return undefined;
  const end = line.indexOf('</flow>');
  return end < 0 ? undefined : parseConntrackXml(`<flow>${line.slice(DESTROY.length, end)}</flow>`);
}

