// Reads the plane's namespaces from the kernel: links and IPv4 addresses
// (`ip -j addr`), static routes (`ip -j route`), nft tables (`nft -j`) and
// resolv.conf, into the plain ObservedHost the planner compares. One small
// shell walks many namespaces (namespace names are its arguments, never
// part of its script): a process per namespace from a large Node process
// would cost more than the reading.
import { readdir, readFile } from 'node:fs/promises';
import type { NamespaceSpec } from './layout.js';
import type { Names } from './names.js';
import { routeKey, type ObservedLink, type ObservedNamespace, type ObservedTable } from './observed.js';
import { mapLimit, run, runIn } from './run.js';

export const NETNS_DIR = '/run/netns';
export const resolvConfPath = (namespace: string) => `/etc/netns/${namespace}/resolv.conf`;

export async function listNamespaces(names: Names): Promise<string[]> {
  const entries = await readdir(NETNS_DIR).catch(() => [] as string[]);
  return entries.filter((n) => names.owns(n)).sort();
}

const WALK = `for ns; do echo "@@ $ns"; printf 'addr show\\nroute show\\n' | ip -n "$ns" -j -batch - 2>/dev/null; done`;
const WALKERS = 4;

interface IpAddr {
  ifname: string;
  flags?: string[];
  master?: string;
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}
interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
}

/** Reads the given namespaces (a namespace that vanished meanwhile is left out). */
export async function observeNamespaces(namespaces: readonly string[], names: Names): Promise<ObservedNamespace[]> {
  if (namespaces.length === 0) return [];
  const size = Math.ceil(namespaces.length / WALKERS);
  const chunks = Array.from({ length: Math.ceil(namespaces.length / size) }, (_, i) => namespaces.slice(i * size, (i + 1) * size));
  const outputs = await Promise.all(chunks.map((chunk) => run('sh', ['-c', WALK, 'sh', ...chunk]).catch(() => '')));
  const blocks = outputs.join('\n').split(/^@@ /m).slice(1);
  const observed = blocks.flatMap((block) => {
    const [name, addrJson, routeJson] = block.trim().split('\n');
    return name && addrJson && routeJson ? [parseNamespace(name, addrJson, routeJson)] : [];
  });
  const isResource = (name: string) => name.startsWith(`${names.prefix}-v-`);
  return mapLimit(observed, 8, async (ns) =>
    isResource(ns.name)
      ? { ...ns, ...(await readResolvConf(ns.name)) }
      : { ...ns, tables: await observeTables(ns.name).catch(() => []) },
  );
}

/** A namespace's resolv.conf as the ObservedNamespace field (absent when the file is). */
export async function readResolvConf(namespace: string): Promise<{ resolvConf?: string }> {
  const content = await readFile(resolvConfPath(namespace), 'utf8').catch(() => undefined);
  return content === undefined ? {} : { resolvConf: content };
}

function parseNamespace(name: string, addrJson: string, routeJson: string): ObservedNamespace {
  const links: ObservedLink[] = (JSON.parse(addrJson) as IpAddr[]).map((l) => ({
    name: l.ifname,
    up: (l.flags ?? []).includes('UP'),
    ...(l.master !== undefined && { master: l.master }),
    addresses: (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
  }));
  const routes = (JSON.parse(routeJson) as IpRoute[])
    .filter((r) => r.protocol !== 'kernel' && r.gateway !== undefined && r.dev !== undefined)
    .map((r) => routeKey(r.dst, r.gateway!, r.dev!));
  return { name, links, routes, tables: [] };
}

/** What a namespace holds once its spec is applied: how the plan sees a namespace it trusts without reading it. */
export function expectedNamespace(spec: NamespaceSpec): ObservedNamespace {
  return {
    name: spec.name,
    links: [
      { name: 'lo', up: true, addresses: ['127.0.0.1/8'] },
      ...spec.links.map((l) => ({ name: l.name, up: l.up, addresses: l.addresses, ...(l.master !== undefined && { master: l.master }) })),
    ],
    routes: spec.routes.map((r) => routeKey(r.dst, r.via, r.dev)),
    tables: spec.nft ? spec.nft.tables.map((t) => ({ ...t, comment: spec.nft!.fingerprint, ...(spec.nft!.open && { open: spec.nft!.open }) })) : [],
    ...(spec.resolvConf !== undefined && { resolvConf: spec.resolvConf }),
  };
}

type NftObject = { table?: { family: string; name: string }; chain?: { family: string; table: string; name: string }; rule?: { family: string; table: string } };

export async function observeTables(namespace: string): Promise<ObservedTable[]> {
  const json = JSON.parse(await runIn(namespace, ['nft', '-j', 'list', 'ruleset'])) as { nftables: NftObject[] };
  const tables = new Map<string, { family: string; name: string; comment?: string; open?: string; rules: number }>();
  const key = (family: string, table: string) => `${family} ${table}`;
  for (const o of json.nftables) {
    if (o.table) tables.set(key(o.table.family, o.table.name), { family: o.table.family, name: o.table.name, rules: 0 });
    else if (o.chain) {
      // The empty marker chains: fp_<the ruleset's fingerprint>, op_<its DNAT rules' hash> (rulesets.ts).
      const t = tables.get(key(o.chain.family, o.chain.table));
      const [marker, value] = [o.chain.name.slice(0, 3), o.chain.name.slice(3)];
      if (t && marker === 'fp_') t.comment = value;
      if (t && marker === 'op_') t.open = value;
    } else if (o.rule) {
      const t = tables.get(key(o.rule.family, o.rule.table));
      if (t) t.rules++;
    }
  }
  return [...tables.values()];
}
