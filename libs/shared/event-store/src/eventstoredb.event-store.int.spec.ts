// The EventStoreDB adapter against a real server, when one can be had:
// EVENTSTORE_URL (e.g. esdb://localhost:2113?tls=false), or a container from
// an EventStoreDB/KurrentDB image already present locally (none can be
// pulled here). Otherwise the suite registers one skipped test that says why.
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { findEventStoreDb, type StartedEventStoreDb } from '@pn/test-support';
import { createEventStoreDbEventStore } from './eventstoredb.event-store.js';
import { describeEventStoreContract } from './testing/event-store.contract.js';

const found = await findEventStoreDb();

if ('skipReason' in found) {
  const reason = `EventStoreDB contract: skipped — ${found.skipReason}`;
  console.warn(reason);
  describe.skip('EventStore contract: EventStoreDB', () => {
    it.skip(reason, () => {});
  });
} else {
  let esdb: StartedEventStoreDb;
  beforeAll(async () => {
    esdb = await found.start();
  }, 120_000);
  afterAll(async () => {
    await esdb?.stop();
  });
  describeEventStoreContract('EventStoreDB', () =>
    createEventStoreDbEventStore(esdb.url, { retryDelayMs: 50, onHandlerError: () => {} }),
  );
}
