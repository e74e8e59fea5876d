// Which namespaces a reconcile reads from the kernel. Reading a namespace
// costs a process (10-30 ms on a busy 2-core host), so a namespace is read
// only when it may differ from what the last apply made of it:
// - a pass for changes (a create, a port opened) reads no infrastructure
//   namespace (edge, internet, networks) whose last apply succeeded: it
//   plans against what that apply made, so a create costs the actions it
//   needs and no reading;
// - a drift pass (every few seconds, read outside the apply queue: see
//   touched.ts) reads what the kernel says changed since it was last read
//   (kernel-watch.ts), and what is not watched; with nothing changed it
//   reads nothing but the list of namespaces and a rotation of resolv.conf
//   files (a file edit makes no kernel message);
// - a resource's namespace is read whenever its bridge port looks wrong from
//   the network side (missing, off the bridge, up when it should be down or
//   the reverse: a NIC deleted by hand takes its port along) or its spec
//   changed since it was last applied; otherwise, on drift passes, when it
//   changed, at most ROTATION a pass, in turn. After a start nothing is
//   trusted but what the port check passes (a thousand VMs resync in
//   seconds); the drift passes then read every VM's inside once, ROTATION at
//   a time, and after that only what changes.
import type { Failure } from './execute.js';
import type { Watched } from './kernel-watch.js';
import type { Layout, NamespaceSpec } from './layout.js';
import type { Names } from './names.js';
import { expectedNamespace, listNamespaces, observeNamespaces, readResolvConf } from './observe.js';
import type { ObservedHost, ObservedLink, ObservedNamespace } from './observed.js';
import { mapLimit } from './run.js';

export type Pass = 'start' | 'changes' | 'drift';
const ROTATION = 64;

/** What tells the observer that a namespace is as it last read it (kernel-watch.ts). */
export interface Changes {
  /** Watches exactly these namespaces. */
  track(namespaces: readonly Watched[]): Promise<void>;
  /** A reading of the namespace begins. */
  reading(namespace: string): void;
  /** Nothing changed in it since a reading began. */
  unchanged(namespace: string): boolean;
}

/** Without a watch, every namespace may have changed: drift passes read them all (resources in turn). */
export const NO_WATCH: Changes = { track: async () => undefined, reading: () => undefined, unchanged: () => false };

/** What a pass read from the kernel, by namespace, and the resource namespaces whose turn it was. */
export interface Reading {
  readonly namespaces: ReadonlyMap<string, ObservedNamespace>;
  /** Resources read whole. */
  readonly turn: ReadonlySet<string>;
  /** Resources trusted but for their resolv.conf, read afresh. */
  readonly checks: ReadonlySet<string>;
}

export class Observer {
  private readonly appliedSpecs = new Map<string, string>();
  /** The edge, internet and network namespaces as the last apply left them (those it did not fail on). */
  private appliedInfra: Record<string, ObservedNamespace> = {};
  private rotation = 0;
  /** Namespaces read from the kernel so far (a host at rest adds none). */
  reads = 0;

  constructor(
    private readonly names: Names,
    private readonly changes: Changes = NO_WATCH,
  ) {}

  /**
   * Reads what the pass needs and lays out the desired state on it. With
   * `earlier` (a drift pass's reading made outside the queue, less what was
   * changed since), a namespace it holds is not read again, and the same
   * resource namespaces have their turn.
   */
  async observe(pass: Pass, layoutFor: (infra: ObservedHost) => Layout, earlier?: Reading): Promise<{ observed: ObservedHost; wanted: Layout; reading: Reading }> {
    const reads = new Map<string, ObservedNamespace>();
    const read = async (namespaces: readonly string[]): Promise<ObservedNamespace[]> => {
      const known = namespaces.flatMap((ns) => (earlier?.namespaces.has(ns) ? [earlier.namespaces.get(ns)!] : []));
      const toRead = namespaces.filter((ns) => !earlier?.namespaces.has(ns));
      for (const ns of toRead) this.changes.reading(ns);
      this.reads += toRead.length;
      const fresh = await observeNamespaces(toRead, this.names);
      for (const ns of [...known, ...fresh]) reads.set(ns.name, ns);
      return [...known, ...fresh];
    };
    const listed = await listNamespaces(this.names);
    const isResource = (ns: string) => ns.startsWith(`${this.names.prefix}-v-`);
    if (pass !== 'changes' && !earlier) await this.changes.track(listed.map((name) => ({ name, tables: !isResource(name) })));
    const infraNames = listed.filter((ns) => !isResource(ns));
    // What `earlier` read stands (it was quiet when that reading began, not necessarily as last applied).
    const trust = (ns: string) =>
      !earlier?.namespaces.has(ns) && this.appliedInfra[ns] !== undefined && (pass === 'changes' || (pass === 'drift' && this.changes.unchanged(ns)));
    const infra = {
      ...byName(infraNames.filter(trust).map((ns) => this.appliedInfra[ns]!)),
      ...byName(await read(infraNames.filter((ns) => !trust(ns)))),
    };
    const wanted = layoutFor({ namespaces: infra });
    const present = new Set(listed);
    const resources = wanted.namespaces.filter((spec) => spec.role === 'resource' && present.has(spec.name));
    const quiet = (spec: NamespaceSpec) => this.changes.unchanged(spec.name);
    const turn = earlier?.turn ?? new Set(pass === 'drift' ? rotate(resources.filter((s) => !quiet(s)), this.rotation, ROTATION).map((s) => s.name) : []);
    const checks = earlier?.checks ?? new Set(pass === 'drift' ? rotate(resources.filter(quiet), this.rotation, ROTATION).map((s) => s.name) : []);
    if (!earlier) this.rotation += ROTATION;
    const changed = (spec: NamespaceSpec) => pass !== 'start' && this.appliedSpecs.get(spec.name) !== keyOf(spec);
    const ports = new Map(Object.values(infra).flatMap((ns) => ns.links.map((l) => [`${ns.name} ${l.name}`, l] as const)));
    const toRead = resources.filter((spec) => turn.has(spec.name) || earlier?.namespaces.has(spec.name) || changed(spec) || !portLooksRight(spec, ports));
    const readResources = byName(await read(toRead.map((s) => s.name)));
    const readNow = new Set(toRead);
    const trusted = await mapLimit(
      resources.filter((spec) => !readNow.has(spec)),
      16,
      async (spec) => (checks.has(spec.name) ? withResolvConf(expectedNamespace(spec), await readResolvConf(spec.name)) : expectedNamespace(spec)),
    );
    // Stale resource namespaces need no reading: the plan deletes them whole.
    const wantedNames = new Set(wanted.namespaces.map((s) => s.name));
    const stale = byName(listed.filter((ns) => isResource(ns) && !wantedNames.has(ns)).map((name) => ({ name, links: [], routes: [], tables: [] })));
    return { observed: { namespaces: { ...infra, ...stale, ...byName(trusted), ...readResources } }, wanted, reading: { namespaces: reads, turn, checks } };
  }

  /** Remembers what each namespace now holds, unless an action on it failed. */
  applied(wanted: Layout, failures: readonly Failure[]): void {
    const failed = new Set(failures.map((f) => f.planned.action.namespace));
    this.appliedSpecs.clear();
    for (const spec of wanted.namespaces) if (!failed.has(spec.name)) this.appliedSpecs.set(spec.name, keyOf(spec));
    this.appliedInfra = byName(wanted.namespaces.filter((spec) => spec.role !== 'resource' && !failed.has(spec.name)).map(expectedNamespace));
  }
}

const keyOf = (spec: NamespaceSpec): string => JSON.stringify(spec);
const byName = (list: readonly ObservedNamespace[]): Record<string, ObservedNamespace> => Object.fromEntries(list.map((ns) => [ns.name, ns]));

function withResolvConf(ns: ObservedNamespace, file: { resolvConf?: string }): ObservedNamespace {
  const { resolvConf: _expected, ...rest } = ns;
  return { ...rest, ...file };
}

function rotate<T>(items: readonly T[], from: number, count: number): T[] {
  if (items.length <= count) return [...items];
  const start = from % items.length;
  return [...items.slice(start), ...items.slice(0, start)].slice(0, count);
}

/** From the network's side (`ports`: the infrastructure's links by namespace and name): the resource's bridge port exists, on the bridge, up or down as its NIC should be. */
function portLooksRight(spec: NamespaceSpec, ports: ReadonlyMap<string, ObservedLink>): boolean {
  const nic = spec.links[0];
  if (!nic?.create || nic.create.kind !== 'veth') return false;
  const { peer, peerNamespace } = nic.create;
  const port = ports.get(`${peerNamespace} ${peer}`);
  return port !== undefined && port.master !== undefined && port.up === nic.up;
}
