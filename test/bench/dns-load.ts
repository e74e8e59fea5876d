// A UDP load generator for the DNS server: one socket, a fixed number of
// queries in flight, responses matched by id. Queries are encoded once and
// only their id is patched, so the generator spends little CPU per query.
import dgram from 'node:dgram';
import { encodeDnsQuery } from '@pn/dns-server';

export interface DnsLoadResult {
  readonly sent: number;
  /** Answers received within `seconds`. */
  readonly answered: number;
  readonly lost: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
  readonly rcodes: Map<number, number>;
}

export async function dnsLoad(options: {
  port: number;
  networkId: string;
  names: string[];
  inFlight: number;
  seconds: number;
}): Promise<DnsLoadResult> {
  const templates = options.names.map((name) => encodeDnsQuery({ name, type: 'A', networkId: options.networkId, id: 0 }));
  const socket = dgram.createSocket('udp4');
  const pending = new Map<number, number>(); // id -> send time
  const latenciesMs: number[] = [];
  const rcodes = new Map<number, number>();
  let sent = 0;
  let answered = 0;
  let nextId = 0;
  let stopping = false;
  const started = performance.now();

  const sendOne = () => {
    if (stopping) return;
    const id = nextId;
    nextId = (nextId + 1) & 0xffff;
    const query = Buffer.from(templates[Math.floor(Math.random() * templates.length)]!);
    query.writeUInt16BE(id, 0);
    pending.set(id, performance.now());
    sent++;
    socket.send(query, options.port, '127.0.0.1');
  };

  socket.on('message', (msg) => {
    const id = msg.readUInt16BE(0);
    const at = pending.get(id);
    if (at === undefined) return;
    pending.delete(id);
    answered++;
    latenciesMs.push(performance.now() - at);
    const rcode = msg[3]! & 0x0f;
    rcodes.set(rcode, (rcodes.get(rcode) ?? 0) + 1);
    sendOne();
  });
  // Lost datagrams would shrink the window: refill it for queries older than a second.
  const refill = setInterval(() => {
    const now = performance.now();
    for (const [id, at] of pending) {
      if (now - at > 1000) {
        pending.delete(id);
        sendOne();
      }
    }
  }, 200);

  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  for (let i = 0; i < options.inFlight; i++) sendOne();
  await new Promise((r) => setTimeout(r, options.seconds * 1000));
  stopping = true;
  const seconds = (performance.now() - started) / 1000;
  const answeredInTime = answered;
  await new Promise((r) => setTimeout(r, 300)); // let the last answers in, to count what was lost
  clearInterval(refill);
  socket.close();
  return { sent, answered: answeredInTime, lost: sent - answered, seconds, latenciesMs, rcodes };
}
