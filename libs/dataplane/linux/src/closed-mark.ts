// The mark a network's ruleset sets on a TCP connection once it has closed,
// so that the host agent's meter can ask the kernel for open connections only.
// At 10,000 connections a second the table holds ~150,000 closed entries
// (TIME_WAIT), and reading them all every round cost the agent more than a
// core; the kernel filters a dump by mark before it formats anything (150,000
// entries, none matching: 40 ms, against ~1 s for all of them). A closed
// connection's final counters come from its DESTROY event, which the agent
// receives reliably (services/host-agent, conntrack-events.ts).
//
// Closed means both FINs seen, or a RST. One FIN is a half-close: data may
// still flow the other way for as long as the peer likes, and the meter must
// go on reporting it every interval. Bits of the connection's ct mark (no
// other rule of the plane uses it):
//   0x1  a FIN went the original way      0x2  a FIN went the reply way
//   0x4  closed (0x1 and 0x2, or a RST)
// A closed connection carries no more data: its last packets are bare ACKs,
// FINs and RSTs, and it leaves conntrack within minutes (TIME_WAIT 15 s,
// LAST_ACK 30 s, CLOSE 10 s, 300 s with data unacknowledged). A marked one
// that carries data again (a packet longer than any bare header: two ends
// that craft packets can keep a TIME_WAIT entry alive and stream through
// it), or that conntrack still times as open (five days, ESTABLISHED: a RST
// it ignored, out of the window), loses the mark, so the readings report it
// every interval again: no one hides a live connection from the meter.

/** The bit that says a connection has closed; a dump with `--mark 0/CLOSED_MARK` lists only the others. */
export const CLOSED_MARK = 0x4;
const ORIGINAL_FIN = 0x1;
const REPLY_FIN = 0x2;
/** Longer than any closed state lasts (the 300 s of unacknowledged data), far shorter than ESTABLISHED's five days. */
const STILL_OPEN_AFTER = '10m';
/** An IPv4 header without options and a TCP header with every one (20 + 60 bytes): longer carries data (or IP options, rare: then the mark is undone for nothing, and the connection is read until it goes). */
const BARE_HEADERS = 80;

const hex = (n: number) => `0x${n.toString(16)}`;
const CLEARED = hex(~(ORIGINAL_FIN | REPLY_FIN | CLOSED_MARK) >>> 0);

/**
 * Rules at the head of the network's forward chain: every forwarded packet
 * meets these three. The mark is undone before a FIN can set it again: a
 * FIN that carries the last data marks its connection, and only a packet
 * after it with data undoes that.
 */
export const CLOSED_MARK_RULES: readonly string[] = [
  `ct mark & ${hex(CLOSED_MARK)} == ${hex(CLOSED_MARK)} ip length > ${BARE_HEADERS} ct mark set ct mark & ${CLEARED}`,
  `ct mark & ${hex(CLOSED_MARK)} == ${hex(CLOSED_MARK)} ct expiration > ${STILL_OPEN_AFTER} ct mark set ct mark & ${CLEARED}`,
  'tcp flags & (fin | rst) != 0 jump closing',
];

/** The chain those packets jump to. */
export const CLOSING_CHAIN = {
  name: 'closing',
  rules: [
    `tcp flags & rst == rst ct mark set ct mark | ${hex(CLOSED_MARK)} return`,
    `ct direction original ct mark set ct mark | ${hex(ORIGINAL_FIN)}`,
    `ct direction reply ct mark set ct mark | ${hex(REPLY_FIN)}`,
    `ct mark & ${hex(ORIGINAL_FIN | REPLY_FIN)} == ${hex(ORIGINAL_FIN | REPLY_FIN)} ct mark set ct mark | ${hex(CLOSED_MARK)}`,
  ],
} as const;
