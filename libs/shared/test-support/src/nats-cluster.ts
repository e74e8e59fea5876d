// A three-node NATS cluster on loopback (Debian's nats-server 2.9), for
// tests of how the platform rides through a node's death: each node has its
// own client, route and monitoring port and its own JetStream store, and can
// be killed (-9) and started again on the same ports and store, as a node of
// a real cluster comes back. `extraConfig` is appended to every node's config
// (authorization, say), so the same cluster can run with users and
// permissions.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type ConnectionOptions } from '@nats-io/transport-node';
import { freePort } from './restartable-nats.js';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export interface NatsClusterOptions {
  /** Nodes in the cluster; default 3. */
  readonly size?: number;
  /** Config text appended to every node's config file (e.g. an `authorization { … }` block). */
  readonly extraConfig?: string;
  /** How the helper itself connects (leader lookups), e.g. credentials once `extraConfig` requires them. */
  readonly connectOptions?: Partial<ConnectionOptions>;
}

export interface ClusterNode {
  /** Its `server_name`: `n1`, `n2`, … */
  readonly name: string;
  readonly url: string;
  readonly running: boolean;
}

export interface NatsCluster {
  /** Every node's URL, comma separated (as NATS_URL takes them). */
  readonly url: string;
  readonly nodes: readonly ClusterNode[];
  /** kill -9 by default: the node vanishes without a goodbye. */
  stop(name: string, signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts a stopped node again on its ports and store; resolves once it accepts clients. */
  start(name: string): Promise<void>;
  /** Resolves once the cluster has a JetStream meta leader (answers `$JS.API.INFO`), or throws after `ms`. */
  jetStreamReady(ms?: number): Promise<void>;
  /** The `server_name` of a stream's leader (undefined while it has none). */
  streamLeader(stream: string): Promise<string | undefined>;
  /** The nodes holding client connections whose name starts with `prefix`, with how many each. */
  connectionsOf(prefix: string): Promise<Map<string, number>>;
  /** Stops every node and removes the stores. */
  dispose(): Promise<void>;
}

interface Node {
  readonly name: string;
  readonly port: number;
  readonly routePort: number;
  readonly monitorPort: number;
  readonly storeDir: string;
  readonly configFile: string;
  child?: ChildProcess;
}

export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  if (!existsSync(NATS_SERVER)) throw new Error(`${NATS_SERVER} is missing (Debian's nats-server package, or set NATS_SERVER_BIN)`);
  const size = options.size ?? 3;
  const dir = await mkdtemp(join(tmpdir(), 'pn-nats-cluster-'));
  const nodes: Node[] = [];
  for (let i = 1; i <= size; i++) {
    const name = `n${i}`;
    nodes.push({
      name,
      port: await freePort(),
      routePort: await freePort(),
      monitorPort: await freePort(),
      storeDir: join(dir, name),
      configFile: join(dir, `${name}.conf`),
    });
  }
  const routes = nodes.map((n) => `nats-route://127.0.0.1:${n.routePort}`);
  for (const n of nodes) {
    const config = [
      `server_name: ${n.name}`,
      `listen: 127.0.0.1:${n.port}`,
      `http: 127.0.0.1:${n.monitorPort}`,
      `jetstream { store_dir: "${n.storeDir}" }`,
      `cluster { name: pn-test, listen: 127.0.0.1:${n.routePort}, routes: [${routes.join(', ')}] }`,
      options.extraConfig ?? '',
    ].join('\n');
    await writeFile(n.configFile, `${config}\n`);
  }
  const url = nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(',');
  const byName = (name: string) => {
    const node = nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name} (nodes: ${nodes.map((n) => n.name).join(', ')})`);
    return node;
  };

  const start = async (name: string) => {
    const node = byName(name);
    if (node.child) return;
    const child = spawn(NATS_SERVER, ['-c', node.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    node.child = child;
    child.once('exit', () => {
      if (node.child === child) node.child = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`nats-server ${name} did not accept clients in 10 s: ${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Server is ready')) {
          clearTimeout(timer);
          child.stderr!.off('data', onData);
          child.stderr!.resume(); // keep draining its log
          resolve();
        }
      };
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`nats-server ${name} exited (${code ?? signal}): ${output}`));
      });
    });
  };

  const stop = async (name: string, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
    const node = byName(name);
    const child = node.child;
    node.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  };

  /** Runs `fn` on a short-lived connection to the running nodes. */
  const withConnection = async <T>(fn: (nc: Awaited<ReturnType<typeof connect>>) => Promise<T>): Promise<T> => {
    const servers = nodes.filter((n) => n.child).map((n) => `nats://127.0.0.1:${n.port}`);
    const nc = await connect({ servers, timeout: 2000, ...options.connectOptions });
    try {
      return await fn(nc);
    } finally {
      await nc.close();
    }
  };

  const cluster: NatsCluster = {
    url,
    get nodes() {
      return nodes.map((n) => ({ name: n.name, url: `nats://127.0.0.1:${n.port}`, running: n.child !== undefined }));
    },
    stop,
    start,
    async jetStreamReady(ms = 30_000) {
      const end = Date.now() + ms;
      let last: unknown;
      while (Date.now() < end) {
        try {
          await withConnection(async (nc) => (await jetstreamManager(nc, { timeout: 2000 })).getAccountInfo());
          return;
        } catch (error) {
          last = error;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      throw new Error(`JetStream cluster not ready in ${ms} ms: ${String(last)}`);
    },
    async streamLeader(stream) {
      return withConnection(async (nc) => (await (await jetstreamManager(nc, { timeout: 2000 })).streams.info(stream)).cluster?.leader).catch(
        () => undefined,
      );
    },
    async connectionsOf(prefix) {
      const found = new Map<string, number>();
      for (const n of nodes.filter((node) => node.child)) {
        const response = await fetch(`http://127.0.0.1:${n.monitorPort}/connz?limit=100000`).catch(() => undefined);
        if (!response?.ok) continue;
        const { connections = [] } = (await response.json()) as { connections?: Array<{ name?: string }> };
        const count = connections.filter((c) => c.name?.startsWith(prefix)).length;
        if (count > 0) found.set(n.name, count);
      }
      return found;
    },
    async dispose() {
      await Promise.all(nodes.map((n) => stop(n.name)));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    // All at once: a node waits for its routes, and JetStream for a meta leader, only once the others are up.
    await Promise.all(nodes.map((n) => start(n.name)));
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  return cluster;
}
