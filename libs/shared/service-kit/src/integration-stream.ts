// The integration stream, made by whichever of its publisher (resources) and
// its reader (billing) starts first: the same settings from both, so neither
// can make it differently, and waiting while a cluster elects its leaders
// rather than failing the service's start.
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ensureHistoryStream, untilJetStreamAvailable } from '@pn/event-store';
import type { PlatformConfig } from './config.js';

export async function ensureIntegrationStream(nc: NatsConnection, config: PlatformConfig): Promise<JetStreamManager> {
  const jsm = await untilJetStreamAvailable('JetStream API', () => jetstreamManager(nc));
  await untilJetStreamAvailable(`stream ${config.integrationStream}`, () =>
    ensureHistoryStream(jsm, {
      name: config.integrationStream,
      subjectPrefix: config.integrationSubjectPrefix,
      duplicateWindowMs: 120_000,
      replicas: config.eventStreamReplicas,
    }),
  );
  return jsm;
}
