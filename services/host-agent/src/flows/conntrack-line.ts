// One line of `conntrack -L -o extended,id` (conntrack-tools 1.4), read
// strictly: the original and reply tuples with their counters (accounting on:
// nf_conntrack_acct=1), the TCP state and the entry's id. A line that does not
// parse is skipped by the caller and counted, never guessed at.
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
  readonly protocol: number;
  /** TCP's state (ESTABLISHED, TIME_WAIT, …); empty for other protocols. */
  readonly state: string;
  readonly orig: Tuple;
  readonly reply: Tuple;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DIGITS = /^\d{1,20}$/;

function tuple(fields: Map<string, string>): Tuple | undefined {
  const src = fields.get('src');
  const dst = fields.get('dst');
  const packets = fields.get('packets');
  const bytes = fields.get('bytes');
  if (!src || !dst || !IPV4.test(src) || !IPV4.test(dst) || !packets || !bytes || !DIGITS.test(packets) || !DIGITS.test(bytes)) return undefined;
  const port = (name: string) => {
    const v = fields.get(name);
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
  const orig = tuple(tuples[0]!);
  const reply = tuple(tuples[1]!);
  if (!orig || !reply) return undefined;
  return { id, protocol, state: protocol === 6 ? state : '', orig, reply };
}
