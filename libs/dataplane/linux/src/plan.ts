// The planner: what to do to turn what the kernel holds (observed) into the
// layout. Pure and deterministic; the executor only runs its actions.
import type { Action, PlannedAction } from './actions.js';
import type { Layout, LinkSpec, NamespaceSpec } from './layout.js';
import type { Names } from './names.js';
import { routeKey, type ObservedHost, type ObservedLink, type ObservedNamespace } from './observed.js';

// Stale namespaces, routes and links go first (0), then new namespaces (1), links (2), configuration (3), rulesets and files (4), conntrack clean-up (5).
const PHASE = { remove: 0, create: 1, links: 2, configure: 3, rules: 4, cleanup: 5 } as const;
type Phase = keyof typeof PHASE;
const EMPTY_NAMESPACE = (name: string): ObservedNamespace => ({ name, links: [], routes: [], tables: [] });
const NEW_LINK = (name: string): ObservedLink => ({ name, up: false, addresses: [] });

export function plan(layout: Layout, observed: ObservedHost, names: Names): PlannedAction[] {
  const wanted = new Map(layout.namespaces.map((spec) => [spec.name, spec]));
  const actions: PlannedAction[] = [];
  const push = (phase: Phase, spec: NamespaceSpec | undefined, action: Action) =>
    actions.push({ action, phase: PHASE[phase], ...(spec?.networkId !== undefined && { networkId: spec.networkId }), ...(spec?.resourceId !== undefined && { resourceId: spec.resourceId }) });

  const stale = Object.keys(observed.namespaces)
    .filter((name) => names.owns(name) && !wanted.has(name))
    .sort();
  for (const name of stale) push('remove', undefined, { type: 'delete-namespace', namespace: name });
  const current = (spec: NamespaceSpec) => observed.namespaces[spec.name] ?? EMPTY_NAMESPACE(spec.name);
  // A deleted namespace takes its veths along, far ends included (`v<hash>` of `<prefix>-v-<hash>`, `n<hash>` of `<prefix>-n-<hash>`): no `link del` for those.
  const goneWithNamespaces = new Set(stale.map((name) => name.slice(names.prefix.length + 3)));
  for (const spec of layout.namespaces) {
    if (!observed.namespaces[spec.name]) push('create', spec, { type: 'create-namespace', namespace: spec.name, sysctls: spec.sysctls });
  }
  // Links are made before any namespace is configured: a veth's far end is configured by its own namespace.
  for (const spec of layout.namespaces) {
    const lines = linksToCreate(spec, current(spec));
    if (lines.length > 0) push('links', spec, { type: 'ip', namespace: spec.name, lines });
  }
  for (const spec of layout.namespaces) {
    const removals = removeStale(spec, current(spec), goneWithNamespaces);
    if (removals.length > 0) push('remove', spec, { type: 'ip', namespace: spec.name, lines: removals, removals: true });
    const lines = configure(spec, current(spec));
    if (lines.length > 0) push('configure', spec, { type: 'ip', namespace: spec.name, lines });
  }
  for (const spec of layout.namespaces) {
    const now = current(spec);
    if (spec.nft && !rulesetInPlace(spec, now)) {
      push('rules', spec, { type: 'nft', namespace: spec.name, ruleset: spec.nft.text });
      if (spec.openPublic && mayHaveClosedPorts(spec, now)) push('cleanup', spec, { type: 'flush-closed-ports', namespace: spec.name, open: spec.openPublic });
    }
    if (spec.resolvConf !== undefined && now.resolvConf !== spec.resolvConf) push('rules', spec, { type: 'write-resolv-conf', namespace: spec.name, content: spec.resolvConf });
  }
  return actions;
}

function linksToCreate(spec: NamespaceSpec, now: ObservedNamespace): string[][] {
  const have = new Set(now.links.map((l) => l.name));
  return spec.links.flatMap((link): string[][] => {
    if (have.has(link.name) || link.create === null) return [];
    const head = ['link', 'add', link.name, 'address', link.create.mac, 'type', link.create.kind];
    return [link.create.kind === 'bridge' ? head : [...head, 'peer', 'name', link.create.peer, 'netns', link.create.peerNamespace]];
  });
}

/** Stale routes and links of a namespace that stays. */
function removeStale(spec: NamespaceSpec, now: ObservedNamespace, goneWithNamespaces: ReadonlySet<string>): string[][] {
  const wantedLinks = new Set(spec.links.map((l) => l.name));
  const wantedRoutes = new Set(spec.routes.map((r) => routeKey(r.dst, r.via, r.dev)));
  const staleLinks = now.links.filter((l) => spec.ownedLinks.test(l.name) && !wantedLinks.has(l.name));
  const gone = new Set(staleLinks.map((l) => l.name));
  const lines: string[][] = [];
  for (const key of now.routes) {
    const [dst, , via, , dev] = key.split(' ');
    if (!wantedRoutes.has(key) && !gone.has(dev!)) lines.push(['route', 'del', dst!, 'via', via!, 'dev', dev!]);
  }
  for (const link of staleLinks) if (!goneWithNamespaces.has(link.name.slice(1))) lines.push(['link', 'del', link.name]);
  return lines;
}

/** Masters, addresses, up/down, and routes last (a route needs its link up and addressed). */
function configure(spec: NamespaceSpec, now: ObservedNamespace): string[][] {
  const observedLinks = new Map(now.links.map((l) => [l.name, l]));
  const wantedRoutes = new Map(spec.routes.map((r) => [routeKey(r.dst, r.via, r.dev), r]));
  const lines: string[][] = [];
  const lo = observedLinks.get('lo');
  if (!lo?.up) lines.push(['link', 'set', 'lo', 'up']);
  const state = spec.links.map((link) => [link, observedLinks.get(link.name) ?? NEW_LINK(link.name)] as const);
  for (const [link, seen] of state) lines.push(...configureLink(link, seen));
  for (const [key, route] of wantedRoutes) {
    if (!now.routes.includes(key)) lines.push(['route', 'replace', route.dst, 'via', route.via, 'dev', route.dev]);
  }
  return lines;
}

function configureLink(link: LinkSpec, seen: ObservedLink): string[][] {
  const lines: string[][] = [];
  if (link.master !== undefined && seen.master !== link.master) {
    lines.push(['link', 'set', link.name, 'master', link.master]);
    // Hairpin: a resource reaching its own public address is DNAT'd back to itself, and br_netfilter
    // bridges that frame out of the port it came in on, which a bridge only does with hairpin on.
    lines.push(['link', 'set', 'dev', link.name, 'type', 'bridge_slave', 'hairpin', 'on']);
  }
  for (const address of seen.addresses) if (!link.addresses.includes(address)) lines.push(['addr', 'del', address, 'dev', link.name]);
  for (const address of link.addresses) if (!seen.addresses.includes(address)) lines.push(['addr', 'add', address, 'dev', link.name]);
  if (seen.up !== link.up) lines.push(['link', 'set', link.name, link.up ? 'up' : 'down']);
  return lines;
}

/**
 * Whether reloading the rules may close a port with connections through it:
 * the DNAT rules in place differ from the desired ones, or the rules were
 * changed by hand (the fingerprint in place, its rules not: a DNAT added by
 * hand may have let some in). A ruleset reloaded for a new member, with the
 * same ports open, closes none.
 */
function mayHaveClosedPorts(spec: NamespaceSpec, now: ObservedNamespace): boolean {
  const nft = spec.nft!;
  return nft.tables.some((want) => {
    const t = now.tables.find((o) => o.family === want.family && o.name === want.name);
    return t !== undefined && (t.open !== nft.open || t.comment === nft.fingerprint);
  });
}

function rulesetInPlace(spec: NamespaceSpec, now: ObservedNamespace): boolean {
  const nft = spec.nft!;
  return nft.tables.every((want) =>
    now.tables.some((t) => t.family === want.family && t.name === want.name && t.comment === nft.fingerprint && t.rules === want.rules),
  );
}
