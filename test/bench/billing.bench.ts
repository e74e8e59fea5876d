// bench/billing: flows classified per second, in process and end to end over
// NATS (issue 11's goal: >= 100k flows/s end to end, totals exact). Run with
// `npm run bench:billing`.
//   1. In process: the pure domain work per batch (parse, classify at the
//      flow's time against an ownership timeline of 2,000 networks / 50k
//      holdings, period, dedup key, the partition decider's dedup and
//      sums) over BENCH_INPROCESS_FLOWS
//      (default 1M) synthetic flows. See billing-inprocess.ts.
//   2. End to end: every service in its own process, BENCH_FLOWS flows
//      published in arrays of BENCH_BATCH (1,000), timed until the usage
//      totals show them all, exactly. See billing-e2e.ts.
// BENCH_FLOWS defaults to 1,000,000, the count: billing meters a
// message's flows as one batch per meter partition (one event-store append
// for up to 1,000 flows, see meter-partition.ts), so a million flows take
// seconds, not the nine minutes one append per flow took. The clock includes
// the ownership wait: a flow is metered only once billing's ownership record
// is complete for its time plus PROJECTION_MAX_LAG_MS (2 s), so a run of a
// few seconds pays that wait once.
// BENCH_PROFILE_DIR=/tmp/prof writes a CPU profile of every service process
// (billing's is the one named by the pid printed).
import { afterAll, beforeAll, it } from '@jest/globals';
import { measureEndToEnd } from './billing-e2e.js';
import { startSecuredRun, type SecuredRun } from '../support/processes.js';
import { measureInProcess } from './billing-inprocess.js';
import { measureFromTheWire } from './billing-wire.js';
import { printTable } from './table.js';

const IN_PROCESS_FLOWS = Number(process.env.BENCH_INPROCESS_FLOWS ?? 1_000_000);
const E2E_FLOWS = Number(process.env.BENCH_FLOWS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 1200) * 1000;
const GOAL = 100_000;
// From the wire: short connections per second through a host agent, for this many seconds (the goal: 10,000/s).
const WIRE_RATE = Number(process.env.BENCH_WIRE_RATE ?? 10_000);
const WIRE_SECONDS = Number(process.env.BENCH_WIRE_SECONDS ?? 5);

let bus: SecuredRun;
const log = (line: string) => process.stdout.write(`${line}\n`);

beforeAll(async () => {
  bus = await startSecuredRun('bill');
  log(`bench/billing: ${bus.nats.note}`);
  if (process.env.BENCH_PROFILE_DIR) process.env.SERVICE_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`;
}, 120_000);

afterAll(async () => {
  await bus?.nats.stop();
});

const rate = (n: number) => Math.round(n);

it(
  'classifies flows in process and end to end over NATS',
  async () => {
    const inProcess = measureInProcess(IN_PROCESS_FLOWS);
    log(`bench/billing: in process, ${IN_PROCESS_FLOWS.toLocaleString('en-US')} flows over ${inProcess.holdings.toLocaleString('en-US')} holdings; ${inProcess.duplicates.toLocaleString('en-US')} duplicates dropped, ${inProcess.misclassified} misclassified`);
    if (inProcess.misclassified) throw new Error(`${inProcess.misclassified} flows classified other than meant`);

    const e2e = await measureEndToEnd(bus, E2E_FLOWS, BATCH, TIMEOUT_MS, log);
    log(`bench/billing: billing process pid ${e2e.billingPid}; expected ${JSON.stringify(Object.fromEntries(Object.entries(e2e.expected).map(([k, v]) => [k, v.toString()])))}, usage showed ${JSON.stringify(e2e.shown)}`);
    const perSecond = E2E_FLOWS / e2e.totalSeconds;
    const wire = await measureFromTheWire(bus, WIRE_RATE, WIRE_SECONDS, log);
    printTable('Billing: flows classified per second', [
      { measure: `in process: parse + classify + partition decide (dedup, sums), ${IN_PROCESS_FLOWS.toLocaleString('en-US')} flows, ${inProcess.holdings.toLocaleString('en-US')} holdings`, 'flows/s': rate(inProcess.fullPerSecond), goal: '', result: '' },
      { measure: 'in process: classify + dedup key only (flows already parsed)', 'flows/s': rate(inProcess.classifyPerSecond), goal: '', result: '' },
      {
        measure: `end to end over NATS: ${E2E_FLOWS.toLocaleString('en-US')} flows in arrays of ${BATCH.toLocaleString('en-US')}, publish → usage totals`,
        'flows/s': rate(perSecond),
        goal: `≥ ${GOAL.toLocaleString('en-US')}`,
        result: `${e2e.exact ? 'totals exact' : 'TOTALS NOT EXACT'}, ${e2e.totalSeconds.toFixed(1)} s (publish ${e2e.publishSeconds.toFixed(1)} s)`,
      },
      wire.skipped
        ? { measure: 'from the wire (host agent)', 'flows/s': '', goal: '', result: `skipped: ${wire.skipped}` }
        : {
            measure: `from the wire: ${wire.connections.toLocaleString('en-US')} short TCP connections (half VM→VM, half VM→internet) at ${Math.round(wire.connectionsPerSecond).toLocaleString('en-US')}/s through the host agent; records published → usage equal to the kernel's count`,
            'flows/s': rate(wire.recordsPerSecond),
            goal: `≥ ${WIRE_RATE.toLocaleString('en-US')} connections/s, no record dropped`,
            result: `${wire.exact ? 'totals exact' : 'TOTALS NOT EXACT'}; ${wire.tracked.toLocaleString('en-US')} flows, ${wire.records.toLocaleString('en-US')} records in ${wire.meteredSeconds.toFixed(1)} s (a closed connection's DESTROY event comes 15 s after its close, TIME_WAIT; it then waited in the agent ${(wire.longestEventWaitMs / 1000).toFixed(1)} s at most); ${wire.failed} connections failed, ${wire.kernelDrops} kernel drops; agent CPU ${wire.cpuMsPer1000Flows.toFixed(0)} ms per 1,000 flows (its work with no traffic: ${wire.idleCores.toFixed(3)} core), resident memory up to ${Math.round(wire.peakRssMb)} MB`,
          },
    ]);
    if (!e2e.exact) throw new Error('the usage totals did not equal the flows published');
    if (!wire.skipped && !wire.exact) throw new Error('from the wire: usage did not equal the kernel\'s count');
  },
  3 * 3600_000,
);
