// Addresses under load: two ipam instances and hundreds of concurrent creates
// into one network never hand out one address twice; a full network is a 409
// and nothing is half created.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createEventStore, type EventStore } from '@pn/event-store';
import { networkDecider, networkEventCodec, type NetworkEvent } from '@pn/ipam-domain';
import { fetchFrom } from '../support/fetch-from.js';
import { apiClient, usePlatform } from '../support/platform.js';

const CONCURRENT_CREATES = 500;
// The creates stand for many clients: they come from several loopback
// addresses, each under the gateway's connections-per-address cap (256).
const CLIENT_ADDRESSES = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'];

const ctx = usePlatform('ipam-under-load suite', { env: { RPC_TIMEOUT_MS: '20000' }, extraIpam: 1 });
const api: typeof ctx.api = (...args) => ctx.api(...args);
let store: EventStore;

// The platform's own event store, to read what ipam recorded and to set up a full network.
beforeAll(async () => {
  const { config } = ctx.platform;
  store = await createEventStore({
    eventStore: config.eventStore,
    nats: ctx.nats.connectOptions('admin'),
    jetstream: { stream: config.eventStream, subjectPrefix: config.eventSubjectPrefix },
  });
  ctx.beforeStop(() => store.close());
});

const newKey = () => ctx.newKey('load');

describe('ipam with two instances', () => {
  it(`hands out ${CONCURRENT_CREATES} distinct addresses to ${CONCURRENT_CREATES} concurrent creates`, async () => {
    const key = await newKey();
    const { network_id } = (await api('GET', '/v1/hosting/network/topology', { key })).body;
    const clients = CLIENT_ADDRESSES.map((address) => apiClient(ctx.platform.url, fetchFrom(address)));
    const creates = await Promise.all(
      Array.from({ length: CONCURRENT_CREATES }, (_, i) => clients[i % clients.length]('POST', '/v1/hosting/vms', { key, body: { name: `w-${i}` } })),
    );
    expect(creates.filter((c) => c.status !== 201).map((c) => c.body)).toEqual([]);
    const ips = creates.map((c) => c.body.private_ip as string);
    expect(new Set(ips).size).toBe(CONCURRENT_CREATES);

    // What ipam recorded agrees: one allocation per resource, no address twice.
    const allocations = (await store.read(`network-${network_id}`))
      .map((r) => networkEventCodec.decode(r))
      .filter((e): e is Extract<NetworkEvent, { type: 'AddressAllocated' }> => e?.type === 'AddressAllocated');
    expect(allocations).toHaveLength(CONCURRENT_CREATES);
    expect(new Set(allocations.map((a) => a.data.ip)).size).toBe(CONCURRENT_CREATES);
    // Lowest free first: 254 fill 10.0.1.0/24, the rest spill into the next spare block, 10.0.5.0/24.
    const expected = Array.from({ length: CONCURRENT_CREATES }, (_, i) => (i < 254 ? `10.0.1.${i + 1}` : `10.0.5.${i - 253}`));
    expect([...ips].sort()).toEqual([...expected].sort());
  }, 120_000);
});

describe('a full network', () => {
  it('answers 409 address_space_exhausted and leaves nothing half created', async () => {
    const key = await newKey();
    const { network_id, private_cidr } = (await api('GET', '/v1/hosting/network/topology', { key })).body;
    // Given: every VM address already allocated, as ipam itself would have recorded it.
    let state = networkDecider.initialState();
    const events: NetworkEvent[] = [];
    for (let i = 0; ; i++) {
      let next: NetworkEvent[];
      try {
        next = networkDecider.decide(
          { type: 'AllocateAddress', networkId: network_id, cidr: private_cidr, resourceId: `vm_filler${i}`, kind: 'vm', now: new Date() },
          state,
        );
      } catch {
        break; // the VM blocks are full
      }
      next.forEach((e) => (state = networkDecider.evolve(state, e)));
      events.push(...next);
    }
    expect(events).toHaveLength(252 * 254);
    for (let i = 0, revision = -1; i < events.length; i += 2000) {
      const batch = events.slice(i, i + 2000).map((e) => networkEventCodec.encode(e));
      revision = (await store.append(`network-${network_id}`, batch, revision < 0 ? 'no_stream' : revision)).nextExpectedRevision;
    }

    const create = await api('POST', '/v1/hosting/vms', { key, body: { name: 'one-too-many' } });
    expect(create.status).toBe(409);
    expect(create.body).toEqual({ error: { code: 'address_space_exhausted', message: expect.any(String), request_id: expect.any(String) } });
    // Nothing half created: no address, no name, nothing in the topology; the attempt is recorded as failed.
    const topology = (await api('GET', '/v1/hosting/network/topology', { key })).body;
    expect(topology.resources).toEqual([]);
    const listed = (await api('GET', '/v1/hosting/vms', { key })).body.items;
    expect(listed).toEqual([expect.objectContaining({ name: 'one-too-many', status: 'failed', private_ip: null, failure: expect.objectContaining({ code: 'address_space_exhausted' }) })]);
    const resolved = (await api('GET', '/v1/hosting/network/resolve?name=one-too-many', { key })).body;
    expect(resolved.rcode).toBe('NXDOMAIN');
    // Other kinds keep their own blocks.
    expect((await api('POST', '/v1/hosting/databases', { key, body: { name: 'still-fits' } })).body.private_ip).toBe('10.0.2.1');
  }, 120_000);
});
