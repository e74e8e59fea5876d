// Reads the plane's namespaces from the kernel: links and IPv4 addresses
// (`ip -j addr`), static routes (`ip -j route`), nft tables (`nft -j`) and
// resolv.conf, into the plain ObservedHost the planner compares.
import { readdir, readFile } from 'node:fs/promises';
import type { Names } from './names.js';
import { routeKey, type ObservedHost, type ObservedLink, type ObservedNamespace, type ObservedTable } from './observed.js';
import { mapLimit, run, runIn } from './run.js';

export const NETNS_DIR = '/run/netns';
export const resolvConfPath = (namespace: string) => `/etc/netns/${namespace}/resolv.conf`;

export async function listNamespaces(names: Names): Promise<string[]> {
  const entries = await readdir(NETNS_DIR).catch(() => [] as string[]);
  return entries.filter((n) => names.owns(n)).sort();
}

export async function observe(names: Names, concurrency = 8): Promise<ObservedHost> {
  const list = await listNamespaces(names);
  const observed = await mapLimit(list, concurrency, (ns) => observeNamespace(ns, names).catch(() => null));
  return { namespaces: Object.fromEntries(observed.filter((o) => o !== null).map((o) => [o.name, o])) };
}

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

async function observeNamespace(name: string, names: Names): Promise<ObservedNamespace> {
  const [addrJson, routeJson] = (await run('ip', ['-n', name, '-j', '-batch', '-'], 'addr show\nroute show\n')).trim().split('\n');
  const links: ObservedLink[] = (JSON.parse(addrJson ?? '[]') as IpAddr[]).map((l) => ({
    name: l.ifname,
    up: (l.flags ?? []).includes('UP'),
    ...(l.master !== undefined && { master: l.master }),
    addresses: (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
  }));
  const routes = (JSON.parse(routeJson ?? '[]') as IpRoute[])
    .filter((r) => r.protocol !== 'kernel' && r.gateway !== undefined && r.dev !== undefined)
    .map((r) => routeKey(r.dst, r.gateway!, r.dev!));
  const isResource = name.startsWith(`${names.prefix}-v-`);
  const tables = isResource ? [] : await observeTables(name);
  const resolvConf = isResource ? await readFile(resolvConfPath(name), 'utf8').catch(() => undefined) : undefined;
  return { name, links, routes, tables, ...(resolvConf !== undefined && { resolvConf }) };
}

type NftObject = { table?: { family: string; name: string }; chain?: { family: string; table: string; name: string }; rule?: { family: string; table: string } };

export async function observeTables(namespace: string): Promise<ObservedTable[]> {
  const json = JSON.parse(await runIn(namespace, ['nft', '-j', 'list', 'ruleset'])) as { nftables: NftObject[] };
  const tables = new Map<string, { family: string; name: string; comment?: string; rules: number }>();
  const key = (family: string, table: string) => `${family} ${table}`;
  for (const o of json.nftables) {
    if (o.table) tables.set(key(o.table.family, o.table.name), { family: o.table.family, name: o.table.name, rules: 0 });
    else if (o.chain?.name.startsWith('fp_')) {
      const t = tables.get(key(o.chain.family, o.chain.table));
      if (t) t.comment = o.chain.name.slice(3);
    } else if (o.rule) {
      const t = tables.get(key(o.rule.family, o.rule.table));
      if (t) t.rules++;
    }
  }
  return [...tables.values()];
}
