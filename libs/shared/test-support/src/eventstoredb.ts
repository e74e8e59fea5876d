// An EventStoreDB/KurrentDB server for integration tests, when one can be had:
//   EVENTSTORE_URL       an external server (e.g. esdb://localhost:2113?tls=false)
//   EVENTSTORE_IMAGE     a local image to run in a container (else a few usual names are tried)
// No image can be pulled on machines without registry access, so only images
// already present are used. Suites decide at load time whether to run, hence
// the split between finding a server and starting it.
import { ipv4Host, reachEngine } from './container-engine.js';

export interface StartedEventStoreDb {
  readonly url: string;
  readonly mode: 'container' | 'external';
  readonly note: string;
  stop(): Promise<void>;
}

export type FoundEventStoreDb = { readonly start: () => Promise<StartedEventStoreDb> } | { readonly skipReason: string };

const USUAL_IMAGES = [
  'docker.kurrent.io/kurrent-latest/kurrentdb:latest',
  'kurrentplatform/kurrentdb:latest',
  'eventstore/eventstore:latest',
  'docker.eventstore.com/eventstore/eventstore:latest',
];

export async function findEventStoreDb(): Promise<FoundEventStoreDb> {
  const url = process.env.EVENTSTORE_URL;
  if (url) {
    return { start: async () => announce({ url, mode: 'external', note: `EventStoreDB at EVENTSTORE_URL`, stop: async () => {} }) };
  }
  const engine = await reachEngine();
  if (!engine.ok) return { skipReason: `no EVENTSTORE_URL, and ${engine.reason}` };
  const { tc, runtime } = engine;
  const candidates = process.env.EVENTSTORE_IMAGE ? [process.env.EVENTSTORE_IMAGE] : USUAL_IMAGES;
  for (const image of candidates) {
    if (!(await runtime.image.exists(tc.ImageName.fromString(image)))) continue;
    return {
      start: async () => {
        const container = await new tc.GenericContainer(image)
          // Both prefixes: EventStoreDB reads EVENTSTORE_*, KurrentDB KURRENTDB_*.
          .withEnvironment({
            EVENTSTORE_INSECURE: 'true',
            EVENTSTORE_MEM_DB: 'true',
            KURRENTDB_INSECURE: 'true',
            KURRENTDB_MEM_DB: 'true',
          })
          .withExposedPorts(2113)
          .withWaitStrategy(tc.Wait.forHttp('/health/live', 2113).forStatusCodeMatching((c) => c >= 200 && c < 300))
          .withStartupTimeout(120_000)
          .start();
        return announce({
          url: `esdb://${ipv4Host(container.getHost())}:${container.getMappedPort(2113)}?tls=false`,
          mode: 'container',
          note: `a fresh in-memory server in a container (${image})`,
          stop: async () => {
            await container.stop();
          },
        });
      },
    };
  }
  return { skipReason: `no EVENTSTORE_URL and no local EventStoreDB/KurrentDB image (looked for ${candidates.join(', ')})` };
}

function announce(started: StartedEventStoreDb): StartedEventStoreDb {
  console.log(`[test-support] EventStoreDB ${started.mode}: ${started.note}`);
  return started;
}
