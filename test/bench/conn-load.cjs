// Short TCP connections at a steady rate, for bench/billing's row from the
// wire (run inside a VM's namespace with `ip netns exec`):
//   node conn-load.cjs client <host> <port> <per second> <seconds> <concurrency>
//   node conn-load.cjs server <address> <port>
// A client connection sends 64 bytes, reads the server's 256-byte answer to
// its end and closes; the server closes first, so the TIME_WAIT is its own and
// the client's ports come free at once. Prints {"done", "failed", "seconds"}.
'use strict';
const net = require('node:net');

const [mode, host, portText, rateText, secondsText, concurrencyText] = process.argv.slice(2);
const port = Number(portText);
const ASK = Buffer.alloc(64, 'q');
const ANSWER = Buffer.alloc(256, 'a');

if (mode === 'server') {
  net
    .createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end(ANSWER));
    })
    .listen({ host, port, backlog: 4096 });
} else {
  const rate = Number(rateText);
  const seconds = Number(secondsText);
  const concurrency = Number(concurrencyText);
  const total = Math.round(rate * seconds);
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let launched = 0;
  let done = 0;
  let failed = 0;
  let open = 0;

  const finish = () => {
    process.stdout.write(JSON.stringify({ done, failed, seconds: elapsed() }) + '\n');
    process.exit(0);
  };
  const one = () => {
    launched++;
    open++;
    let received = 0;
    const socket = net.connect({ host, port }, () => socket.write(ASK));
    socket.on('data', (chunk) => (received += chunk.length));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      open--;
      if (received === ANSWER.length) done++;
      else failed++;
      if (done + failed === total) finish();
      else pump();
    });
  };
  // As many as the schedule allows by now, never more than `concurrency` at once.
  const pump = () => {
    const due = Math.min(total, Math.floor(elapsed() * rate) + 1);
    while (launched < due && open < concurrency) one();
  };
  setInterval(pump, 1);
  pump();
}
