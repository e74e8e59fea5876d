// Chaos: creates in flight while each service in turn is killed with -9
// (the supervisor brings it back) and NATS is restarted with its store.
// Afterwards every create has ended running/available or failed (none stuck),
// addresses are distinct, names resolve, and every client got exactly one
// resource for its idempotency key. Then a whole-system restart keeps every
// resource, address and answer.
//
// Short by default (inside `npm test`); `npm run test:chaos` runs it with
// CHAOS=full: 100 creates in flight and every service killed twice.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addressesOf, queryDns } from '@pn/dns-server';
import { busNames, loadConfig } from '@pn/service-kit';
import { startSecuredRestartableNats, uniqueId, type SecuredRestartableNats } from '@pn/test-support';
import { runStreams } from '../support/service-env.js';
import { CreateClients, expectEveryCreateAccountedFor, expectKeptAcrossRestart, type Outcome } from '../support/create-clients.js';
import { SERVICE_NAMES, startSupervisedPlatform, type SupervisedPlatform } from '../support/supervised-platform.js';

const FULL = process.env.CHAOS === 'full';
const IN_FLIGHT = FULL ? 100 : 12;
const ROUNDS = FULL ? 2 : 1;
let nats: SecuredRestartableNats;
let platform: SupervisedPlatform;
let clients: CreateClients;

beforeAll(async () => {
  // Every service as its role, on a NATS secured for the run.
  const run = uniqueId('chaos');
  nats = await startSecuredRestartableNats(busNames(loadConfig(runStreams(run))));
  platform = await startSupervisedPlatform(nats.url, { run, credentials: nats.credentials });
  clients = new CreateClients(platform);
  const account = await clients.request('POST', '/v1/admin/accounts', { body: { name: 'chaos' }, admin: true });
  clients.key = account.body.api_key;
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await nats?.dispose();
});

const networkId = async (): Promise<string> => (await clients.readAnswer('/v1/hosting/network/topology')).body.network_id;

const resolve = async (net: string, name: string) =>
  queryDns({ host: '127.0.0.1', port: platform.dnsPort, name, networkId: net, transport: 'udp', type: 'A', timeoutMs: 2000 });

describe(`chaos (${FULL ? 'full' : 'short'}: ${IN_FLIGHT} creates in flight, every service killed ${ROUNDS}×, NATS restarted)`, () => {
  it(
    'ends every create running or failed, with distinct addresses, resolvable names and one resource per client',
    async () => {
      let chaosOver = false;
      let giveUp = false;
      // Clients keep creating (each its own name and key) for as long as the chaos lasts.
      let next = 0;
      const outcomes: Outcome[] = [];
      const workers = Array.from({ length: IN_FLIGHT }, async () => {
        while (!chaosOver || next < IN_FLIGHT) {
          outcomes.push(await clients.create(next++, () => giveUp));
        }
      });

      for (let round = 0; round < ROUNDS; round++) {
        for (const service of SERVICE_NAMES) {
          await new Promise((r) => setTimeout(r, 700));
          await platform.crash(service);
        }
        await new Promise((r) => setTimeout(r, 700));
        await nats.stop('SIGTERM');
        await new Promise((r) => setTimeout(r, 1000));
        await nats.start();
      }
      chaosOver = true;
      const stopWaiting = setTimeout(() => (giveUp = true), 90_000);
      await Promise.all(workers);
      clearTimeout(stopWaiting);
      await platform.healthy();

      const seen = new Map<string, number>();
      for (const o of outcomes) for (const s of o.statuses) seen.set(String(s), (seen.get(String(s)) ?? 0) + 1);
      process.stdout.write(
        `chaos: ${outcomes.length} creates, ${outcomes.reduce((n, o) => n + o.attempts, 0)} attempts; answers seen: ` +
          `${[...seen].map(([s, n]) => `${s}×${n}`).join(', ')}\n`,
      );
      // Every client got its resource (none gave up, none got a non-retryable refusal, nobody saw a 500).
      expect(outcomes.filter((o) => o.error)).toEqual([]);
      expect(outcomes.filter((o) => o.statuses.includes(500))).toEqual([]);
      expect(platform.reports.filter((line) => /killed by SIGKILL/.test(line))).toHaveLength(SERVICE_NAMES.length * ROUNDS);

      const all = await clients.settled();
      const net = await networkId();
      const ready = await expectEveryCreateAccountedFor(outcomes, all, async (name) => addressesOf(await resolve(net, name)));

      // A whole-system restart keeps every resource, address and answer.
      await platform.stop();
      await nats.stop('SIGTERM');
      await nats.start();
      await platform.start();
      await expectKeptAcrossRestart(clients, all, ready, (name) => resolve(net, name));
    },
    (FULL ? 15 : 5) * 60_000,
  );
});
