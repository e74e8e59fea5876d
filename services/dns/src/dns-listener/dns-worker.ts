// An answering worker (node:cluster): a DnsServer on the port the primary
// shares, answering from its own copy of the zone view, which the primary
// keeps up to date (see dns-workers.ts). It listens only once it has loaded
// the whole view, so a worker restarted after a crash never answers from less.
import cluster from 'node:cluster';
import { deserialize } from 'node:v8';
import { answerInView } from '@pn/dns-domain';
import { DnsServer } from '@pn/dns-server';
import { ViewLaggingError } from '../zone/view-lagging.js';
import { zoneViewProjection } from '../zone/zone-view.projection.js';
import { AnswerCounter } from './answer-tally.js';
import type { FromWorker, ToWorker } from './worker-messages.js';
import { WorkerCopy } from './worker-copy.js';
import { workerLagMs } from './worker-lag.js';

const TALLY_EVERY_MS = 1000;
/** One error report a second at most: a lagging view fails every query. */
const ERRORS_EVERY_MS = 1000;

if (!cluster.isWorker) throw new Error('dns-worker.js runs as a node:cluster worker of the dns service');

const send = (message: FromWorker) => {
  if (process.connected) process.send!(message);
};
let copy: WorkerCopy | undefined;
let behindSince: number | null = null;
/** When the primary last said anything: it says something every LAG_EVERY_MS while it runs. */
let lastHeard = Date.now();
let lastError = 0;

process.on('message', (message: ToWorker) => {
  lastHeard = Date.now();
  switch (message.t) {
    case 'start':
      void start(message);
      return;
    case 'apply': {
      // Acknowledged only once applied (see worker-copy.ts): a failure is reported instead, and the primary replaces this worker.
      const answer = copy!.apply(message);
      if (answer) send(answer);
      return;
    }
    case 'lag':
      behindSince = message.behindSince;
      return;
  }
});
// The primary is gone: nobody keeps the view current any more.
process.on('disconnect', () => process.exit(0));
// Messages that arrive before a listener exists are dropped: ask for the start only now.
send({ t: 'ready' });

async function start(message: Extract<ToWorker, { t: 'start' }>): Promise<void> {
  const bytes = message.view;
  const loaded = zoneViewProjection.fromJson(deserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  const own = new WorkerCopy(loaded);
  copy = own;
  behindSince = message.behindSince;
  const counter = message.tally ? new AnswerCounter() : null;
  const server = new DnsServer({
    ...message.server,
    clusterShared: true,
    lookup: (networkId, qname, qtype) => {
      const lagMs = workerLagMs(Date.now(), behindSince, lastHeard);
      if (lagMs > message.maxLagMs) throw new ViewLaggingError(lagMs);
      // Missing a change until replaced: SERVFAIL, never an answer from less.
      if (own.failed) throw new Error('this worker could not apply a change and is being replaced');
      return answerInView(loaded.index, networkId, qname, qtype);
    },
    onError: report,
    ...(counter ? { onAnswer: (rcode: number, ms: number) => counter.add(rcode, ms) } : {}),
  });
  const sendTally = (then?: () => void) => {
    const tally = counter?.take();
    if (tally && process.connected) process.send!({ t: 'answers', tally } satisfies FromWorker, undefined, {}, () => then?.());
    else then?.();
  };
  // Stopped by the primary: the answers since the last tally are sent first, then
  // exit the ordinary way (Node's own SIGTERM exit skips exit hooks such as --cpu-prof's).
  process.once('SIGTERM', () => void server.stop().finally(() => sendTally(() => process.exit(0))));
  try {
    const address = await server.start();
    send({ t: 'listening', seq: message.seq, port: address.udpPort });
  } catch (error) {
    send({ t: 'failed', message: String(error) });
    process.exit(1);
  }
  if (counter) {
    setInterval(() => sendTally(), TALLY_EVERY_MS).unref();
  }
}

function report(error: unknown): void {
  const now = Date.now();
  if (now - lastError < ERRORS_EVERY_MS) return;
  lastError = now;
  send(error instanceof ViewLaggingError ? { t: 'error', message: error.message, lagMs: error.lagMs } : { t: 'error', message: String(error) });
}
