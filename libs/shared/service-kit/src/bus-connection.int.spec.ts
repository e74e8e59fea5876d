// How a service instance gets its one connection: it waits for a NATS that
// is not there yet (starting, or a node down) and connects once it is; with
// credentials the server does not know, it fails at once instead of waiting
// for ever.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizationConfig, writeCredentials } from '@pn/bus-access';
import { startRestartableNats, type RestartableNats } from '@pn/test-support';
import { busNames } from './bus-names.js';
import { connectBus } from './bus-connection.js';
import { loadConfig } from './config.js';

const names = busNames(loadConfig({}));
let dir: string;
let nats: RestartableNats;
let files: ReturnType<typeof writeCredentials>['files'];
let strangers: ReturnType<typeof writeCredentials>['files'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pn-bus-connection-'));
  const known = writeCredentials(join(dir, 'known'));
  files = known.files;
  strangers = writeCredentials(join(dir, 'strangers')).files;
  nats = await startRestartableNats({ config: authorizationConfig(names, known.keys) });
});

afterAll(async () => {
  await nats?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('connectBus', () => {
  it('waits while NATS is down and connects once it is back, as its role', async () => {
    await nats.stop();
    let connected = false;
    const connecting = connectBus(loadConfig({ NATS_URL: nats.url, NATS_CREDENTIALS: files.ipam, LOG_LEVEL: 'error' }), 'ipam').then((nc) => ((connected = true), nc));
    await new Promise((r) => setTimeout(r, 1500));
    expect(connected).toBe(false);
    await nats.start();
    const nc = await connecting;
    try {
      // As ipam: it may answer ipam requests, and not resources ones.
      const ok = nc.subscribe('ipam.address.allocate');
      await nc.flush();
      expect(ok.isClosed()).toBe(false);
      await expect(nc.request('resources.resource.create', '{}', { timeout: 1000 })).rejects.toThrow(/permissions violation/i);
    } finally {
      await nc.close();
    }
  }, 30_000);

  it('fails at once with credentials the server does not know', async () => {
    // It rejects (a wait would never end): wrong credentials are no outage to ride out.
    await expect(connectBus(loadConfig({ NATS_URL: nats.url, NATS_CREDENTIALS: strangers.ipam }), 'ipam')).rejects.toThrow(/authorization violation/i);
    // Beside it, the known credential of the same role gets in.
    const nc = await connectBus(loadConfig({ NATS_URL: nats.url, NATS_CREDENTIALS: files.ipam }), 'ipam');
    await nc.close();
  });
});
