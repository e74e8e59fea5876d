// bench/boot: how long each service takes from process start to ready (its
// read models caught up, answering its health check with ready=true) with
// 10k, 100k and 1M events in the store — cold (no checkpoint: every read
// model folds all history) and warm (resumed from the checkpoint the previous
// run saved on SIGTERM) — and its resident memory once ready. The history
// keeps LIVE resources whatever its size (the rest were created and deleted),
// so memory must stay flat across sizes. Run with `npm run bench:boot`
// (BOOT_SIZES=10000,100000 to choose sizes; BOOT_LIVE=100000 for a dns
// instance with 100k records in its views; BOOT_SERVICES=resources,dns to
// boot only those).
import { afterAll, beforeAll, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore } from '@pn/event-store';
import { networkDecider, networkEventCodec, type NetworkCommand } from '@pn/ipam-domain';
import { deleteEventStream } from '../support/event-stream.js';
import { startSecuredRun, type SecuredRun } from '../support/processes.js';
import { LIVE, resourcesFor, writeHistory } from './boot-history.js';
import { printTable } from './table.js';

const NETWORK_ADDRESSES = Number(process.env.BOOT_NETWORK_ADDRESSES ?? 60_000);
const SIZES = (process.env.BOOT_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const SERVICES = (process.env.BOOT_SERVICES ?? 'gateway,resources,dns,ipam,billing').split(',');
const root = join(import.meta.dirname, '..', '..');

// One run's streams for every boot below, in turn (each size's are deleted before the next), on a NATS
// secured for them: every service as its role, the bench itself (seeding history, asking health) as admin.
let bus: SecuredRun;
let nc: NatsConnection;

beforeAll(async () => {
  bus = await startSecuredRun('boot');
  nc = await connect(bus.nats.connectOptions('admin'));
  process.stdout.write(`bench/boot: ${bus.nats.note}\n`);
}, 120_000);

afterAll(async () => {
  await nc?.close();
  await bus?.nats.stop();
});

const rssMb = (pid: number) => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
};

/** A request to a service over Nest's NATS transport: {pattern, data, id} in, {response | err} out. */
async function rpc(subject: string, data: unknown): Promise<{ response?: unknown; err?: unknown }> {
  const reply = await nc.request(subject, JSON.stringify({ pattern: subject, data, id: '1' }), { timeout: 60_000 });
  return reply.json();
}

/**
 * Starts one service, waits until it answers its health check with ready=true;
 * returns ms and RSS (and what `then` returned, run once it is ready), then
 * stops it (SIGTERM saves checkpoints).
 */
async function boot<T = undefined>(service: string, env: Record<string, string>, then?: () => Promise<T>): Promise<{ readyMs: number; rssMb: number; then?: T }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'services', service, 'dist', 'main.js')], {
    env: { ...process.env, ...env, NATS_CREDENTIALS: bus.platform.credentials[service] },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode} before it was ready`);
      try {
        // Nest's NATS transport: a request is {pattern, data, id}; the answer {response, isDisposed, id}.
        const subject = `${service}.health`;
        const reply = await nc.request(subject, JSON.stringify({ pattern: subject, data: {}, id: '1' }), { timeout: 200 });
        if ((reply.json() as { response?: { ready?: boolean } }).response?.ready) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
      if (performance.now() - started > 600_000) throw new Error(`${service} not ready after 10 minutes`);
    }
    const readyMs = performance.now() - started;
    const after = then ? await then() : undefined;
    return { readyMs, rssMb: rssMb(child.pid!), then: after };
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

it(
  'boots every service from 10k, 100k and 1M events, cold and from checkpoints',
  async () => {
    const rows: Array<Record<string, string | number>> = [];
    for (const size of SIZES) {
      const env = {
        ...bus.streams,
        NATS_URL: bus.nats.url,
        GATEWAY_PORT: '0',
        DNS_PORT: '0',
        LOG_LEVEL: 'warn',
      };
      const store = await createJetStreamEventStore(nc, { stream: env.EVENT_STREAM, subjectPrefix: env.EVENT_SUBJECT_PREFIX });
      try {
        const writeStarted = performance.now();
        const written = await writeHistory(store, size);
        const { deleted } = resourcesFor(size);
        process.stdout.write(
          `bench/boot: ${written.toLocaleString('en-US')} events written in ${((performance.now() - writeStarted) / 1000).toFixed(1)} s ` +
            `(${deleted.toLocaleString('en-US')} resources created and deleted, ${LIVE.toLocaleString('en-US')} live)\n`,
        );
        for (const service of SERVICES) {
          const cold = await boot(service, env); // no checkpoint yet: folds everything, saves one on SIGTERM
          const warm = await boot(service, env); // resumes from it
          rows.push({
            events: written,
            service,
            'cold ready (ms)': Math.round(cold.readyMs),
            'warm ready (ms)': Math.round(warm.readyMs),
            'cold RSS (MB)': cold.rssMb,
            'warm RSS (MB)': warm.rssMb,
          });
        }
      } finally {
        await store.close();
        await deleteEventStream(bus.platform.admin, env.EVENT_STREAM, env.INTEGRATION_STREAM, env.FLOWS_STREAM);
      }
    }
    printTable('Boot to ready, cold (full replay) and warm (from checkpoints), and resident memory once ready', rows);
  },
  3 * 3600_000,
);

it(
  'loads a large network from its snapshot rather than from every allocation',
  async () => {
    const run = bus.run;
    const env = { ...bus.streams, NATS_URL: bus.nats.url, LOG_LEVEL: 'warn' };
    const store = await createJetStreamEventStore(nc, { stream: env.EVENT_STREAM, subjectPrefix: env.EVENT_SUBJECT_PREFIX });
    const networkId = `net_${run.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
    try {
      // The allocations ipam itself would have made, one append each, as it writes them.
      let state = networkDecider.initialState();
      const now = new Date();
      for (let i = 0; i < NETWORK_ADDRESSES; i++) {
        const command: NetworkCommand = { type: 'AllocateAddress', networkId, cidr: '10.0.0.0/16', resourceId: `vm_seed${i}`, kind: 'vm', now };
        const events = networkDecider.decide(command, state);
        state = events.reduce(networkDecider.evolve, state);
        await store.append(`network-${networkId}`, events.map((e) => networkEventCodec.encode(e)), i === 0 ? 'no_stream' : i - 1);
      }
      const allocate = (n: number) => async () => {
        // A first request on another network takes the instance's warm-up (connections, JIT) out of the figure.
        await rpc('ipam.address.allocate', { networkId: `${networkId}w${n}`, cidr: '10.0.0.0/16', resourceId: `vm_warm${n}`, kind: 'vm' });
        const started = performance.now();
        const reply = await rpc('ipam.address.allocate', { networkId, cidr: '10.0.0.0/16', resourceId: `vm_probe${n}`, kind: 'vm' });
        if (reply.err) throw new Error(`allocate failed: ${JSON.stringify(reply.err)}`);
        return performance.now() - started;
      };
      // No snapshot yet: the first command folds every allocation (and saves a snapshot).
      const cold = await boot('ipam', env, allocate(1));
      await new Promise((r) => setTimeout(r, 2000)); // the snapshot is saved in the background
      // A new instance: loads the snapshot and folds only what came after it.
      const warm = await boot('ipam', env, allocate(2));
      printTable(`ipam: first allocation in a network of ${NETWORK_ADDRESSES.toLocaleString('en-US')} addresses after a restart`, [
        { 'loaded from': 'every allocation (no snapshot)', 'first allocation (ms)': Math.round(cold.then!) },
        { 'loaded from': 'its snapshot', 'first allocation (ms)': Math.round(warm.then!) },
      ]);
    } finally {
      await store.close();
      await deleteEventStream(bus.platform.admin, env.EVENT_STREAM, env.INTEGRATION_STREAM, env.FLOWS_STREAM);
    }
  },
  30 * 60_000,
);
