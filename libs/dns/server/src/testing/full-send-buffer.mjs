// Run by batch-udp.int.spec.ts inside a network namespace of its own, whose
// loopback tbf slows down: a server with a small send buffer answers a client
// that sends its queries and then does not read for a while. Prints, as JSON,
// how many answers arrived once the client read, how often the server's send
// buffer was full, and the CPU time this process used while answers waited.
// Uses the built package (dist/), as it runs outside jest.
import { spawn } from 'node:child_process';
import { DnsServer } from '../../dist/index.js';

const QUERIES = 100;
// About 500 bytes each: the 100 answers fit the client's receive buffer, not the server's send buffer.
const records = Array.from({ length: 28 }, (_, i) => ({ type: 'A', address: `10.0.0.${i + 1}` }));
const server = new DnsServer({
  port: 0,
  udp: 'batched',
  udpSendBufferSize: 1, // the kernel's minimum: a few datagrams
  lookup: () => ({ kind: 'answer', zone: 'internal', records }),
});
const { udpPort } = await server.start();

// The client: sends every query, sleeps 1.5 s without reading, then counts the answers.
const client = spawn(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `
    import dgram from 'node:dgram';
    import { encodeDnsQuery } from '${new URL('../../dist/index.js', import.meta.url).href}';
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
    await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const ids = new Set();
    for (let i = 0; i < ${QUERIES}; i++) socket.send(encodeDnsQuery({ id: i, name: 'big.internal', networkId: 'net_a' }), ${udpPort}, '127.0.0.1');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
    socket.on('message', (m) => ids.add(m.readUInt16BE(0)));
    setTimeout(() => { process.stdout.write(String(ids.size)); process.exit(0); }, 3000);
    `,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let answers = '';
client.stdout.on('data', (d) => (answers += d));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
for (let i = 0; i < 300 && !server.udpStats().waitingToSend; i++) await sleep(5);
const cpu = process.cpuUsage();
const t0 = performance.now();
await sleep(300);
const used = process.cpuUsage(cpu);
const waitedMs = performance.now() - t0;
await new Promise((resolve) => client.once('exit', resolve));
const stats = server.udpStats();
await server.stop();
process.stdout.write(
  JSON.stringify({
    queries: QUERIES,
    answers: Number(answers),
    sendWaits: stats.sendWaits,
    waitedMs,
    cpuMsWhileWaiting: (used.user + used.system) / 1000,
    stillWaiting: stats.waitingToSend,
  }),
);
