// The data plane of one host: startDataPlane() makes the edge and internet
// namespaces, then each reconcile() observes the kernel, plans, executes,
// and brings the agent-side services (resolvers, workloads) in line. A
// timer re-runs the last reconcile to repair drift. Kernel state and the
// daemons outlive the agent; stop({ removeAll: true }) removes everything.
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesiredHost, ResourceStatus } from './desired-state.js';
import { deleteNamespace, execute, type Failure } from './execute.js';
import { parseCidr, parseIp, resolverOf, type Cidr } from './ipv4.js';
import { layout, type LayoutConfig } from './layout.js';
import { namesFor, transitName, type Names } from './names.js';
import { listNamespaces, NETNS_DIR } from './observe.js';
import { KernelWatch } from './kernel-watch.js';
import { Observer, type Pass, type Reading } from './observer.js';
import { mapLimit } from './run.js';
import type { ObservedHost } from './observed.js';
import { plan } from './plan.js';
import { Resolvers, type DnsUpstream } from './resolver.js';
import { namespacesTouchedBy, TouchedSince } from './touched.js';
import { serveInternetHost } from './internet-host.js';
import { writeOpener } from './sockets.js';
import { ALL_WORKLOADS, openRunDirToPostgres, Workloads, type WorkloadKind } from './workloads.js';

export interface DataPlaneOptions {
  /** Prefix of every namespace (`<prefix>-n-…`, `<prefix>-v-…`, `<prefix>-edge`, `<prefix>-inet`); default `pn`. */
  readonly prefix?: string;
  /** Where the plane keeps its helper, workload data and credentials. */
  readonly runDir: string;
  /** The dns service the resolvers forward to (on the host's loopback). */
  readonly dns: DnsUpstream;
  /** Public addresses come from here; default 203.0.113.0/24. */
  readonly publicPool?: string;
  /** The edge ↔ internet link; defaults: edge 198.51.100.1, internet host 198.51.100.10, /24. */
  readonly uplink?: { readonly edge?: string; readonly internet?: string; readonly prefix?: number };
  /** Transit /30s between the edge and the networks; default 100.64.0.0/10. */
  readonly transitPool?: string;
  /** Which workloads run (default all); `[]` for none. */
  readonly workloads?: readonly WorkloadKind[];
  /** How often the last desired state is re-applied to repair drift; default 2000 ms, 0 for never. */
  readonly driftCheckMs?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** What the drift passes have done since the plane started (for /healthz). */
export interface DriftHealth {
  /** Namespaces the kernel watch holds; the others are read on every drift pass. */
  readonly watched: number;
  /** Kernel messages that made a watched namespace changed. */
  readonly changes: number;
  /** Namespaces read from the kernel, by any pass. */
  readonly reads: number;
  /** Times the kernel watch's helper ended and was started again. */
  readonly watchRestarts: number;
}

export interface DataPlane {
  /** Makes the host match `desired` (the whole state: what is not in it is removed); idempotent. */
  reconcile(desired: DesiredHost): Promise<ResourceStatus[]>;
  /** The latest status of every resource of the last desired state. */
  statuses(): ResourceStatus[];
  /** What the drift passes have done so far (the agent's /healthz `drift`). */
  drift(): DriftHealth;
  /** Told of every status change, including later ones (a workload that fails, drift repaired). Returns an unsubscribe. */
  onStatus(listener: (status: ResourceStatus) => void): () => void;
  /** The namespace standing in for a resource's micro-VM (for `npm run vm -- exec`). */
  namespaceOf(resourceId: string): string;
  /** The namespace holding a network's bridge, gateway and resolver. */
  networkNamespaceOf(networkId: string): string;
  readonly internetNamespace: string;
  readonly edgeNamespace: string;
  /** The internet host's address (serves `GET /bytes/N`). */
  readonly internetHost: string;
  /** Resolves when the resource's workload answers (PostgreSQL starts in the background); rejects while it is failed. */
  workloadReady(resourceId: string): Promise<void>;
  /** The file holding a database's or cache's password. */
  credentialsFile(resourceId: string): string;
  /** Stops the agent side; `removeAll` also removes every namespace, daemon and file the plane made, else kernel state, daemons and data stay for the next agent. */
  stop(options?: { readonly removeAll?: boolean }): Promise<void>;
}

export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  if (!/^\/[\w./-]+$/.test(options.runDir)) throw new Error(`runDir ${JSON.stringify(options.runDir)} must be an absolute path of [A-Za-z0-9_./-]`);
  const names = namesFor(options.prefix ?? 'pn');
  const config: LayoutConfig = {
    names,
    publicPool: parseCidr(options.publicPool ?? '203.0.113.0/24'),
    uplink: { edge: options.uplink?.edge ?? '198.51.100.1', internet: options.uplink?.internet ?? '198.51.100.10', prefix: options.uplink?.prefix ?? 24 },
    transitPool: parseCidr(options.transitPool ?? '100.64.0.0/10'),
  };
  parseIp(config.uplink.edge);
  parseIp(config.uplink.internet);
  await mkdir(options.runDir, { recursive: true });
  const opener = await writeOpener(options.runDir);
  const log = options.log ?? (() => undefined);
  const enabled = new Set(options.workloads ?? ALL_WORKLOADS);
  if (enabled.has('postgres')) await openRunDirToPostgres(options.runDir);

  const current = new Map<string, ResourceStatus>();
  const workloadFailures = new Map<string, string>();
  const listeners = new Set<(status: ResourceStatus) => void>();
  const publish = (status: ResourceStatus) => {
    const before = current.get(status.resourceId);
    current.set(status.resourceId, status);
    if (before?.state !== status.state || before.reason !== status.reason) for (const l of listeners) l(status);
  };
  const workloads = new Workloads(options.runDir, opener, enabled, (resourceId, reason) => {
    workloadFailures.set(resourceId, reason);
    if (current.has(resourceId)) publish({ resourceId, state: 'failed', reason });
  });
  const resolvers = new Resolvers(opener, options.dns);
  let stopInternetHost: (() => void) | null = null;
  let internetHostNamespaceId = '';
  // Nothing is touched before the first reconcile: it carries the full state (an empty one would remove everything).
  let last: DesiredHost | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const watch = new KernelWatch(log);
  watch.warm();
  const observer = new Observer(names, watch);
  let firstPass = true;

  const touched = new TouchedSince();

  const observe = (desired: DesiredHost, pass: Pass, earlier?: Reading) =>
    observer.observe(pass, (infra) => layout(desired, config, existingSlots(infra, desired, names, config.transitPool)), earlier);

  /** In the queue only: reads the kernel (bar what `earlier` holds), plans, executes, brings resolvers and workloads in line. */
  const apply = async (desired: DesiredHost, pass: Pass, earlier?: Reading): Promise<ResourceStatus[]> => {
    const started = Date.now();
    const { observed, wanted } = await observe(desired, pass, earlier);
    const observedAt = Date.now();
    const actions = plan(wanted, observed, names);
    // Noted once executed: a reading begun before the end of the execution may hold a namespace half made.
    const failures = await execute(actions, { beforeDelete: (ns) => watch.release(ns) }).finally(() => touched.note(actions.map((a) => a.action)));
    observer.applied(wanted, failures);
    // What it made whole is as applied: not read by the next drift pass, only watched from now on.
    const failed = new Set(failures.flatMap((f) => namespacesTouchedBy(f.planned.action)));
    const made = new Set(actions.flatMap((a) => (a.action.type === 'create-namespace' && !failed.has(a.action.namespace) ? [a.action.namespace] : [])));
    void watch.adopt(wanted.namespaces.filter((spec) => made.has(spec.name)).map((spec) => ({ name: spec.name, tables: spec.role !== 'resource' })));
    const executedAt = Date.now();
    // The edge and the internet carry every public path; a stale namespace that resists deletion hurts nobody (logged below).
    const hostFailures = failures.filter((f) => [names.edge, names.internet].includes(f.planned.action.namespace)).map((f) => f.reason);
    const namespaceIds = await namespaceIdsOf(wanted.namespaces.map((n) => n.name));
    const networkFailures = new Map<string, string>();
    for (const f of failures) if (f.planned.networkId !== undefined && f.planned.resourceId === undefined) networkFailures.set(f.planned.networkId, f.reason);

    hostFailures.push(...(await serveInternet(namespaceIds.get(names.internet))));
    for (const id of resolvers.networks()) if (!desired.networks.some((n) => n.id === id)) resolvers.close(id);
    await mapLimit(desired.networks, 8, async (network) => {
      const ns = names.network(network.id);
      const nsId = namespaceIds.get(ns);
      if (nsId === undefined || networkFailures.has(network.id)) return;
      await resolvers.serve(network.id, ns, resolverOf(parseCidr(network.cidr)), nsId).catch((error: Error) => networkFailures.set(network.id, `resolver: ${error.message}`));
    });
    const cidrOf = new Map(desired.networks.map((n) => [n.id, n.cidr]));
    workloads.reconcile(
      wanted.accepted
        .filter((r) => namespaceIds.has(names.resource(r.id)))
        .map((r) => ({ resource: r, namespace: names.resource(r.id), namespaceId: namespaceIds.get(names.resource(r.id))!, cidr: cidrOf.get(r.networkId)! })),
    );
    const statuses = [...wanted.rejected, ...wanted.accepted.map((r) => statusOf(r.id, r.networkId, failures, networkFailures, hostFailures, workloadFailures))];
    for (const id of current.keys()) if (!statuses.some((s) => s.resourceId === id)) current.delete(id);
    for (const s of statuses) publish(s);
    for (const id of workloadFailures.keys()) if (!current.has(id)) workloadFailures.delete(id);
    for (const id of workloadFailures.keys()) void workloads.ready(id).then(() => clearWorkloadFailure(id), () => undefined);
    const ms = Date.now() - started;
    if (actions.length > 0 || ms > 1000) {
      log('data plane reconciled', { actions: actions.length, failures: failures.map((f) => f.reason), ms, observeMs: observedAt - started, executeMs: executedAt - observedAt });
    }
    return statuses;
  };

  const clearWorkloadFailure = (resourceId: string) => {
    if (!workloadFailures.delete(resourceId)) return;
    const status = current.get(resourceId);
    if (status?.reason?.startsWith('workload:')) publish({ resourceId, state: 'attached' });
  };

  const serveInternet = async (namespaceId: string | undefined): Promise<string[]> => {
    if (namespaceId === undefined || namespaceId === internetHostNamespaceId) return [];
    stopInternetHost?.();
    try {
      stopInternetHost = await serveInternetHost(opener, names.internet, config.uplink.internet);
      internetHostNamespaceId = namespaceId;
      return [];
    } catch (error) {
      return [`internet host: ${(error as Error).message}`];
    }
  };

  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };

  // A drift pass reads outside the queue, then plans in it on that reading, bar what applies changed meanwhile (touched.ts).
  let drifting = false;
  const driftPass = async (): Promise<void> => {
    if (stopped || !last || drifting) return;
    drifting = true;
    const since = touched.begin();
    try {
      const { reading } = await observe(last, 'drift');
      await enqueue(() => {
        touched.stop(since);
        if (stopped || !last) return Promise.resolve([]);
        const unchanged = new Map([...reading.namespaces].filter(([ns]) => !since.has(ns)));
        return apply(last, 'drift', { ...reading, namespaces: unchanged });
      });
    } finally {
      touched.stop(since);
      drifting = false;
    }
  };
  const driftMs = options.driftCheckMs ?? 2000;
  const timer = driftMs > 0 ? setInterval(() => void driftPass().catch((error: unknown) => log('drift repair failed', { error: String(error) })), driftMs) : null;
  timer?.unref();

  return {
    reconcile: (desired) => {
      if (stopped) return Promise.reject(new Error('data plane stopped'));
      last = desired;
      const pass: Pass = firstPass ? 'start' : 'changes';
      firstPass = false;
      return enqueue(() => apply(desired, pass));
    },
    statuses: () => [...current.values()],
    drift: () => ({ watched: watch.watchedCount, changes: watch.stats.changes, reads: observer.reads, watchRestarts: watch.stats.restarts }),
    onStatus: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    namespaceOf: (id) => names.resource(id),
    networkNamespaceOf: (id) => names.network(id),
    internetNamespace: names.internet,
    edgeNamespace: names.edge,
    internetHost: config.uplink.internet,
    workloadReady: (id) => workloads.ready(id),
    credentialsFile: (id) => workloads.credentialsFile(id),
    stop: async ({ removeAll = false } = {}) => {
      stopped = true;
      if (timer) clearInterval(timer);
      await queue;
      watch.close();
      resolvers.closeAll();
      stopInternetHost?.();
      // Daemons are left alone here: they stay for the next agent, or die with their namespace just below.
      await workloads.stopServed();
      if (!removeAll) return;
      await removeEverything(names.prefix);
      // What the plane wrote under the run dir (the run dir itself is the caller's).
      for (const made of ['opener.cjs', 'workloads', 'credentials']) await rm(join(options.runDir, made), { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

function statusOf(
  resourceId: string,
  networkId: string,
  failures: readonly Failure[],
  networkFailures: ReadonlyMap<string, string>,
  hostFailures: readonly string[],
  workloadFailures: ReadonlyMap<string, string>,
): ResourceStatus {
  const reason =
    failures.find((f) => f.planned.resourceId === resourceId)?.reason ?? networkFailures.get(networkId) ?? hostFailures[0] ?? workloadFailures.get(resourceId);
  return reason === undefined ? { resourceId, state: 'attached' } : { resourceId, state: 'failed', reason };
}

/** The transit slot each desired network already has on the edge (the kernel remembers assignments across restarts). */
function existingSlots(observed: ObservedHost, desired: DesiredHost, names: Names, pool: Cidr): Map<string, number> {
  const edge = observed.namespaces[names.edge];
  const slots = new Map<string, number>();
  if (!edge) return slots;
  for (const network of desired.networks) {
    const address = edge.links.find((l) => l.name === transitName(network.id))?.addresses[0];
    if (address === undefined) continue;
    const offset = parseIp(address.split('/')[0]!) - pool.base - 1;
    if (offset >= 0 && offset % 4 === 0) slots.set(network.id, offset / 4);
  }
  return slots;
}

/** Each namespace's identity (the inode of its /run/netns file), so agent-side sockets follow a recreated namespace. */
async function namespaceIdsOf(namespaces: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  await Promise.all(
    namespaces.map(async (ns) => {
      const s = await stat(join(NETNS_DIR, ns)).catch(() => null);
      if (s) ids.set(ns, `${s.dev}:${s.ino}`);
    }),
  );
  return ids;
}

/** Removes every namespace of the prefix's plane (and what runs in them): for Ctrl-C and test teardown. */
export async function removeEverything(prefix: string): Promise<void> {
  const names = namesFor(prefix);
  for (const ns of await listNamespaces(names)) await deleteNamespace(ns).catch(() => undefined);
}
