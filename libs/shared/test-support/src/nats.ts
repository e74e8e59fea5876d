// NATS with JetStream for integration tests: a throwaway container when a
// container engine is reachable, otherwise a NATS server that is already
// running (NATS_URL, default nats://127.0.0.1:4222).
//
// TEST_NATS chooses the mode:
//   unset       container if an engine is reachable, else external
//   container   container or fail (for CI, where silently falling back hides a broken engine)
//   external    always the external server (exercises the fallback while an engine runs)
//
// No registry can be reached, so the image (pn/nats-test:2.9) is built locally
// from the host's Debian nats-server, see infra/images/nats-test/. Ryuk, the
// testcontainers reaper, is disabled (its image cannot be pulled either), so
// stop() removes the container; a run killed midway can leave one behind
// (`docker ps --filter label=org.testcontainers=true`).
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { firstLine, ipv4Host, reachEngine } from './container-engine.js';
import { startRestartableNats } from './restartable-nats.js';

export interface StartedNats {
  readonly url: string;
  /** Connection options that authenticate as `role` (credentials of a secured NATS); plain servers options otherwise. */
  connectOptions(role?: string): { servers: string[] } & Record<string, unknown>;
  readonly mode: 'container' | 'external' | 'local';
  /** One sentence saying what the suite runs against and why. */
  readonly note: string;
  stop(): Promise<void>;
}

export const NATS_TEST_IMAGE = 'pn/nats-test:2.9';

const DOCKERFILE = fileURLToPath(new URL('../../../../infra/images/nats-test/Dockerfile', import.meta.url));
const IMAGE_FILES = ['/usr/sbin/nats-server', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'];
const run = promisify(execFile);

/**
 * `config`: configuration text for the server (an `authorization` block, say).
 * An external server cannot take it, so a NATS with a configuration runs as a
 * local nats-server process where no container can.
 */
export async function startNats(options: { config?: string } = {}): Promise<StartedNats> {
  const wanted = process.env.TEST_NATS;
  if (wanted !== undefined && wanted !== '' && wanted !== 'container' && wanted !== 'external') {
    throw new Error(`TEST_NATS must be "container" or "external", got "${wanted}"`);
  }
  const nats =
    wanted === 'external'
      ? await externalOrLocal('TEST_NATS=external', options.config)
      : await startContainerOr(wanted === 'container', options.config);
  console.log(`[test-support] NATS ${nats.mode}: ${nats.note}`);
  return nats;
}

async function startContainerOr(required: boolean, config: string | undefined): Promise<StartedNats> {
  const engine = await reachEngine();
  if (!engine.ok) {
    if (required) throw new Error(`TEST_NATS=container, but ${engine.reason}`);
    return externalOrLocal(engine.reason, config);
  }
  const { tc, runtime } = engine;
  if (!(await runtime.image.exists(tc.ImageName.fromString(NATS_TEST_IMAGE)))) await buildImage();
  // GenericContainer rather than @testcontainers/nats: NatsContainer always
  // turns on user/password auth, and callers only get a URL.
  const container = await new tc.GenericContainer(NATS_TEST_IMAGE)
    .withCopyContentToContainer(config ? [{ content: config, target: '/etc/nats/nats.conf' }] : [])
    .withCommand(['--jetstream', '--store_dir', '/data', ...(config ? ['-c', '/etc/nats/nats.conf'] : [])])
    .withExposedPorts(4222)
    .withWaitStrategy(tc.Wait.forLogMessage('Server is ready'))
    .withStartupTimeout(30_000)
    .start();
  const url = `nats://${ipv4Host(container.getHost())}:${container.getMappedPort(4222)}`;
  return {
    url,
    connectOptions: () => ({ servers: [url] }),
    mode: 'container',
    note: `a fresh NATS with JetStream in a container (${NATS_TEST_IMAGE})`,
    stop: async () => {
      await container.stop();
    },
  };
}

async function externalOrLocal(reason: string, config: string | undefined): Promise<StartedNats> {
  if (!config) return external(reason);
  const local = await startRestartableNats({ config });
  return {
    url: local.url,
    connectOptions: () => ({ servers: [local.url] }),
    mode: 'local',
    note: `a configured nats-server process (no external server can take its configuration, and ${reason})`,
    stop: () => local.dispose(),
  };
}

function external(reason: string): StartedNats {
  const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  return {
    url,
    connectOptions: () => ({ servers: url.split(',') }),
    mode: 'external',
    note: `the suite runs against an external NATS at ${url}, because ${reason}; it must have JetStream enabled`,
    stop: async () => {},
  };
}

/** Docker needs a build context without symlinks, so the files are copied to a temp dir. */
async function buildImage(): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), 'pn-nats-test-'));
  try {
    await Promise.all([DOCKERFILE, ...IMAGE_FILES].map((file) => copyFile(file, join(context, basename(file)))));
    await run('docker', ['build', '--quiet', '--tag', NATS_TEST_IMAGE, context], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
  } catch (error) {
    throw new Error(`could not build ${NATS_TEST_IMAGE} (needs Debian's nats-server and the docker CLI): ${firstLine(error)}`, {
      cause: error,
    });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
