// A tiny authoritative DNS server on loopback (UDP, dns-packet) standing in
// for the public DNS a customer's domain lives on: tests put A and TXT records
// in its table and point DOMAIN_VERIFY_RESOLVER at it.
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface PublicDns {
  readonly address: string;
  readonly a: Map<string, string[]>;
  readonly txt: Map<string, string[]>;
  stop(): Promise<void>;
}

export async function startPublicDns(): Promise<PublicDns> {
  const a = new Map<string, string[]>();
  const txt = new Map<string, string[]>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (message, peer) => {
    let query;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    const answers =
      question.type === 'A'
        ? (a.get(name) ?? []).map((data) => ({ type: 'A' as const, name: question.name, ttl: 1, data }))
        : question.type === 'TXT'
          ? (txt.get(name) ?? []).map((data) => ({ type: 'TXT' as const, name: question.name, ttl: 1, data }))
          : [];
    const known = a.has(name) || txt.has(name);
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (known ? 0 : 3), // rcode 3: NXDOMAIN
      questions: query.questions,
      answers,
    });
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    a,
    txt,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
