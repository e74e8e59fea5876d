// A NATS server with JetStream that a test can stop and start again on the
// same port and store, to see how the platform behaves while the bus is
// down and after it is back. A local nats-server process (Debian's, the one
// the container image is built from) rather than a container: a restarted
// container gets a new mapped port, and the services must find the bus
// where they left it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export interface RestartableNats {
  readonly url: string;
  /**
   * Stops the server (the bus is down until start()): SIGKILL by default, an
   * outage; SIGTERM for a clean restart (nats-server 2.9 acknowledges writes
   * before they reach the disk, so only a clean stop keeps every acknowledged one).
   */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again, with the same port and JetStream store. */
  start(): Promise<void>;
  readonly storeDir: string;
  /** Stops it for good and removes its store. */
  dispose(): Promise<void>;
}

/** `config`: configuration text for the server (an `authorization` block, say). */
export async function startRestartableNats(options: { config?: string } = {}): Promise<RestartableNats> {
  if (!existsSync(NATS_SERVER)) throw new Error(`${NATS_SERVER} is missing (Debian's nats-server package, or set NATS_SERVER_BIN)`);
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'pn-nats-restartable-'));
  const configArgs: string[] = [];
  if (options.config) {
    const file = join(storeDir, 'nats.conf');
    await writeFile(file, options.config, { mode: 0o600 });
    configArgs.push('-c', file);
  }
  let child: ChildProcess | undefined;

  const start = async () => {
    if (child) return;
    const process_ = spawn(NATS_SERVER, [...configArgs, '-a', '127.0.0.1', '-p', String(port), '--jetstream', '--store_dir', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = process_;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`nats-server did not get ready in 10 s: ${output}`)), 10_000);
      process_.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      process_.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}: ${output}`));
      });
    });
    process_.stderr!.resume(); // keep draining its log
  };

  const stop = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal); // SIGKILL: an outage, not a goodbye: clients see the connection drop
    });
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
    start,
    storeDir,
    dispose: async () => {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
    server.once('error', reject);
  });
}
