// The platform's names on the bus, from its configuration: what the access
// table (@pn/bus-access) grants on.
import { dataplaneBucket, dnsFleetSubject, IDEMPOTENCY_BUCKET, type BusNames } from '@pn/bus-access';
import type { PlatformConfig } from './config.js';
import { snapshotBucket } from './event-store.module.js';

export const busNames = (config: PlatformConfig): BusNames => ({
  eventStream: config.eventStream,
  eventSubjectPrefix: config.eventSubjectPrefix,
  integrationStream: config.integrationStream,
  integrationSubjectPrefix: config.integrationSubjectPrefix,
  flowsStream: config.flowsStream,
  flowsSubjectPrefix: config.flowsSubjectPrefix,
  snapshotBucket: snapshotBucket(config),
  idempotencyBucket: IDEMPOTENCY_BUCKET,
  dataplaneBucket: dataplaneBucket(config.eventStream),
  dnsFleetSubject: dnsFleetSubject(config.eventStream),
});
