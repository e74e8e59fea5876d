// Which namespaces a reconcile reads from the kernel. Reading a namespace
// costs a process (10-30 ms on a busy 2-core host), so: the edge, the
// internet and every network namespace are always read (a few), and a
// resource's namespace only when its bridge port looks wrong from the
// network side (missing, off the bridge, up when it should be down or the
// reverse: a NIC deleted by hand takes its port along), when its spec
// changed since it was last applied, or in its turn of a rotation on drift
// passes. Otherwise the plan trusts it to hold what was applied. After a
// start nothing was applied by this process: the port check alone decides
// (a thousand VMs resync in seconds), and the rotation then reads every
// VM's inside within a minute. A pass for changes (a create, a port opened)
// reads no infrastructure namespace whose last apply succeeded either: it
// plans against what that apply made, so a create costs the actions it
// needs and no reading (the drift pass, every few seconds, reads them all,
// outside the apply queue: see touched.ts).
import type { Failure } from './execute.js';
import type { Layout, NamespaceSpec } from './layout.js';
import type { Names } from './names.js';
import { expectedNamespace, listNamespaces, observeNamespaces } from './observe.js';
import type { ObservedHost, ObservedNamespace } from './observed.js';

export type Pass = 'start' | 'changes' | 'drift';
const ROTATION = 64;

/** What a pass read from the kernel, by namespace, and the resource namespaces whose turn it was. */
export interface Reading {
  readonly namespaces: ReadonlyMap<string, ObservedNamespace>;
  readonly turn: ReadonlySet<string>;
}

export class Observer {
  private readonly appliedSpecs = new Map<string, string>();
  /** The edge, internet and network namespaces as the last apply left them (those it did not fail on). */
  private appliedInfra: Record<string, ObservedNamespace> = {};
  private rotation = 0;

  constructor(private readonly names: Names) {}

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
      const fresh = await observeNamespaces(namespaces.filter((ns) => !earlier?.namespaces.has(ns)), this.names);
      for (const ns of [...known, ...fresh]) reads.set(ns.name, ns);
      return [...known, ...fresh];
    };
    const listed = await listNamespaces(this.names);
    const isResource = (ns: string) => ns.startsWith(`${this.names.prefix}-v-`);
    const infraNames = listed.filter((ns) => !isResource(ns));
    const trust = (ns: string) => pass === 'changes' && this.appliedInfra[ns] !== undefined;
    const infra = {
      ...byName(infraNames.filter(trust).map((ns) => this.appliedInfra[ns]!)),
      ...byName(await read(infraNames.filter((ns) => !trust(ns)))),
    };
    const wanted = layoutFor({ namespaces: infra });
    const present = new Set(listed);
    const resources = wanted.namespaces.filter((spec) => spec.role === 'resource' && present.has(spec.name));
    const turn = earlier?.turn ?? new Set(pass === 'drift' ? rotate(resources, this.rotation, ROTATION).map((s) => s.name) : []);
    if (!earlier) this.rotation += ROTATION;
    const changed = (spec: NamespaceSpec) => pass !== 'start' && this.appliedSpecs.get(spec.name) !== keyOf(spec);
    const toRead = resources.filter((spec) => turn.has(spec.name) || changed(spec) || !portLooksRight(spec, infra));
    const readResources = byName(await read(toRead.map((s) => s.name)));
    const trusted = byName(resources.filter((spec) => !toRead.includes(spec)).map(expectedNamespace));
    // Stale resource namespaces need no reading: the plan deletes them whole.
    const stale = byName(listed.filter((ns) => isResource(ns) && !wanted.namespaces.some((s) => s.name === ns)).map((name) => ({ name, links: [], routes: [], tables: [] })));
    return { observed: { namespaces: { ...infra, ...stale, ...trusted, ...readResources } }, wanted, reading: { namespaces: reads, turn } };
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

function rotate<T>(items: readonly T[], from: number, count: number): T[] {
  if (items.length <= count) return [...items];
  const start = from % items.length;
  return [...items.slice(start), ...items.slice(0, start)].slice(0, count);
}

/** From the network's side: the resource's bridge port exists, on the bridge, up or down as its NIC should be. */
function portLooksRight(spec: NamespaceSpec, infra: Record<string, ObservedNamespace>): boolean {
  const nic = spec.links[0];
  if (!nic?.create || nic.create.kind !== 'veth') return false;
  const { peer, peerNamespace } = nic.create;
  const port = infra[peerNamespace]?.links.find((l) => l.name === peer);
  return port !== undefined && port.master !== undefined && port.up === nic.up;
}
