// What the kernel should hold for a DesiredHost: every namespace with its
// links, addresses, routes, sysctls, nft ruleset and resolv.conf. Pure: the
// planner diffs this against what observe() read.
import type { DesiredHost, DesiredResource, ResourceStatus } from './desired-state.js';
import { IFACE, macFor, portName, shortHash, transitName, type Names } from './names.js';
import { acceptResources, checkNetworks } from './accept.js';
import { type Cidr, formatIp, gatewayOf, resolverOf, cidrSize } from './ipv4.js';
import { edgeRuleset, networkRuleset, type NftRuleset } from './rulesets.js';

export interface LayoutConfig {
  readonly names: Names;
  /** Where public addresses come from (default 203.0.113.0/24). */
  readonly publicPool: Cidr;
  /** The edge ↔ internet link: the edge's address, the internet host's, and the prefix length. */
  readonly uplink: { readonly edge: string; readonly internet: string; readonly prefix: number };
  /** Transit /30s between the edge and each network come from here (default 100.64.0.0/10). */
  readonly transitPool: Cidr;
}

export type NamespaceRole = 'edge' | 'internet' | 'network' | 'resource';

export interface LinkSpec {
  readonly name: string;
  /** How to make it when missing: a bridge, or a veth pair whose peer lands in another namespace. */
  readonly create: { readonly kind: 'bridge'; readonly mac: string } | { readonly kind: 'veth'; readonly mac: string; readonly peer: string; readonly peerNamespace: string } | null;
  readonly up: boolean;
  readonly master?: string;
  readonly addresses: readonly string[];
}

export interface RouteSpec {
  readonly dst: string;
  readonly via: string;
  readonly dev: string;
}

export interface NamespaceSpec {
  readonly name: string;
  readonly role: NamespaceRole;
  readonly networkId?: string;
  readonly resourceId?: string;
  readonly sysctls: readonly string[];
  readonly links: readonly LinkSpec[];
  /** Links of this namespace that the plane made and may delete when no longer wanted. */
  readonly ownedLinks: RegExp;
  readonly routes: readonly RouteSpec[];
  readonly nft?: NftRuleset;
  readonly resolvConf?: string;
  /** Public (address, protocol, port) still open, so a changed ruleset drops the others' conntrack entries. */
  readonly openPublic?: readonly string[];
}

export interface Layout {
  readonly namespaces: readonly NamespaceSpec[];
  /** Resources that cannot be attached as stated, with the reason. */
  readonly rejected: readonly ResourceStatus[];
  /** The resources the layout attaches. */
  readonly accepted: readonly DesiredResource[];
}

export const SERVICE_PORT: Readonly<Record<string, number>> = { database: 5432, cache: 6379, bucket: 443 };
/** The search list a VM's resolver uses: the suffixes the dns service answers under (libs/shared/contracts hostnames.ts). */
export const SEARCH_DOMAINS = ['vm.internal', 'internal', 'storage.internal'] as const;

/**
 * How long conntrack keeps a closed TCP connection (TIME_WAIT), in a network's
 * and the edge's namespace: 15 s, not the kernel's 120 s (twice Linux's own
 * TCP TIME_WAIT of 60 s). The entry only classifies stray segments of a closed
 * connection; a retransmitted FIN 15 s late is the fifth or sixth in a row.
 * Held for 120 s, a VM making 10,000 connections a second fills 1.2 million
 * entries, past the kernel's default `nf_conntrack_max` (262,144 per
 * namespace), which then refuses new connections, and every entry is read by
 * the flow meter each round. Still longer than twice the meter's longest gap
 * between reads (5 s, flow-meter.ts): each closed connection is read in its
 * final state.
 */
export const CONNTRACK_TIME_WAIT_SECONDS = 15;
const TIME_WAIT = `net.netfilter.nf_conntrack_tcp_timeout_time_wait=${CONNTRACK_TIME_WAIT_SECONDS}`;

const NETWORK_SYSCTLS = [
  'net.ipv4.ip_forward=1',
  'net.netfilter.nf_conntrack_acct=1',
  TIME_WAIT,
  // Entries carry their start time: the meter's identity for a connection (the kernel's id comes back on a reused tuple).
  'net.netfilter.nf_conntrack_timestamp=1',
  'net.bridge.bridge-nf-call-iptables=1',
  'net.ipv4.conf.all.send_redirects=0',
  'net.ipv4.conf.default.send_redirects=0',
  'net.ipv6.conf.all.disable_ipv6=1',
  'net.ipv6.conf.default.disable_ipv6=1',
];
const EDGE_SYSCTLS = ['net.ipv4.ip_forward=1', 'net.netfilter.nf_conntrack_acct=1', TIME_WAIT, 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];
const LEAF_SYSCTLS = ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];
const SLOTS_PER_POOL = (pool: Cidr) => cidrSize(pool) / 4;

/**
 * The transit /30 slot of each network: kept when the edge already has one
 * (observed), else its hash's slot, probing past slots in use. Stable across
 * restarts because the kernel remembers the assignment.
 */
export function transitSlots(networkIds: readonly string[], pool: Cidr, existing: ReadonlyMap<string, number>): Map<string, number> {
  const slots = new Map<string, number>();
  const used = new Set<number>();
  for (const id of networkIds) {
    const slot = existing.get(id);
    if (slot !== undefined && !used.has(slot)) {
      slots.set(id, slot);
      used.add(slot);
    }
  }
  const total = SLOTS_PER_POOL(pool);
  for (const id of [...networkIds].sort()) {
    if (slots.has(id)) continue;
    let slot = Number.parseInt(shortHash(id).slice(0, 8), 16) % total;
    while (used.has(slot)) slot = (slot + 1) % total;
    slots.set(id, slot);
    used.add(slot);
  }
  return slots;
}

export const transitAddresses = (pool: Cidr, slot: number) => ({
  edge: formatIp(pool.base + slot * 4 + 1),
  network: formatIp(pool.base + slot * 4 + 2),
});

export const resolvConfFor = (cidr: Cidr): string =>
  `# written by the data plane: the network's resolver\nnameserver ${resolverOf(cidr)}\nsearch ${SEARCH_DOMAINS.join(' ')}\noptions ndots:0 timeout:1 attempts:3\n`;

const publicKey = (ip: string, protocol: string, port: number) => `${ip} ${protocol} ${port}`;

/** The layout for a desired state; `existingSlots` are the transit slots the edge already uses, by network id. */
export function layout(desired: DesiredHost, config: LayoutConfig, existingSlots: ReadonlyMap<string, number>): Layout {
  const { names } = config;
  const { ok: networks, bad } = checkNetworks(desired.networks);
  const { accepted, rejected } = acceptResources(desired, networks, bad, config.publicPool);
  const slots = transitSlots([...networks.keys()], config.transitPool, existingSlots);
  const uplinkAddress = (ip: string) => `${ip}/${config.uplink.prefix}`;

  const edgeLinks: LinkSpec[] = [
    { name: IFACE.edgeToInternet, create: { kind: 'veth', mac: macFor(names.edge), peer: IFACE.internetToEdge, peerNamespace: names.internet }, up: true, addresses: [uplinkAddress(config.uplink.edge)] },
  ];
  const edgeRoutes: RouteSpec[] = [{ dst: 'default', via: config.uplink.internet, dev: IFACE.edgeToInternet }];
  const specs: NamespaceSpec[] = [];

  for (const { network, cidr } of networks.values()) {
    const ns = names.network(network.id);
    const transit = transitAddresses(config.transitPool, slots.get(network.id)!);
    const transitLink = transitName(network.id);
    edgeLinks.push({ name: transitLink, create: { kind: 'veth', mac: macFor(`transit:${network.id}`), peer: IFACE.uplink, peerNamespace: ns }, up: true, addresses: [`${transit.edge}/30`] });
    const members = accepted.filter((r) => r.networkId === network.id);
    for (const r of members) if (r.publicIp !== undefined) edgeRoutes.push({ dst: r.publicIp, via: transit.network, dev: transitLink });
    const live = members.filter((r) => !r.stopped);
    specs.push({
      name: ns,
      role: 'network',
      networkId: network.id,
      sysctls: NETWORK_SYSCTLS,
      links: [
        { name: IFACE.bridge, create: { kind: 'bridge', mac: macFor(`bridge:${network.id}`) }, up: true, addresses: [`${gatewayOf(cidr)}/${cidr.prefix}`, `${resolverOf(cidr)}/${cidr.prefix}`] },
        { name: IFACE.uplink, create: null, up: true, addresses: [`${transit.network}/30`] },
        ...members.map((r) => ({ name: portName(r.id), create: null, up: !r.stopped, master: IFACE.bridge, addresses: [] })),
      ],
      ownedLinks: /^v[0-9a-f]{10}$/,
      routes: [{ dst: 'default', via: transit.edge, dev: IFACE.uplink }],
      nft: networkRuleset({ cidr, resolver: resolverOf(cidr), members: live.map((r) => ({ ...r, port: portName(r.id), servicePort: SERVICE_PORT[r.kind] })) }),
      openPublic: live.flatMap((r) => r.publicPorts.map((p) => publicKey(r.publicIp!, p.protocol, p.port))),
    });
    for (const r of members) {
      specs.push({
        name: names.resource(r.id),
        role: 'resource',
        networkId: network.id,
        resourceId: r.id,
        // None: one process less per VM; the bridge's source check drops whatever IPv6 a VM sends.
        sysctls: [],
        links: [
          {
            name: IFACE.vmNic,
            create: { kind: 'veth', mac: macFor(`nic:${r.id}`), peer: portName(r.id), peerNamespace: ns },
            up: !r.stopped,
            addresses: [`${r.privateIp}/${cidr.prefix}`],
          },
        ],
        ownedLinks: /^$/,
        // The kernel drops the routes of a link that goes down; a stopped VM has none.
        routes: r.stopped ? [] : [{ dst: 'default', via: gatewayOf(cidr), dev: IFACE.vmNic }],
        resolvConf: resolvConfFor(cidr),
      });
    }
  }
  const transitCidr = `${formatIp(config.transitPool.base)}/${config.transitPool.prefix}`;
  specs.unshift(
    {
      name: names.edge,
      role: 'edge',
      sysctls: EDGE_SYSCTLS,
      links: edgeLinks,
      ownedLinks: /^n[0-9a-f]{10}$/,
      routes: edgeRoutes,
      nft: edgeRuleset({ transitCidr, edgeAddress: config.uplink.edge }),
    },
    {
      name: names.internet,
      role: 'internet',
      sysctls: LEAF_SYSCTLS,
      links: [{ name: IFACE.internetToEdge, create: null, up: true, addresses: [uplinkAddress(config.uplink.internet)] }],
      ownedLinks: /^$/,
      routes: [{ dst: `${formatIp(config.publicPool.base)}/${config.publicPool.prefix}`, via: config.uplink.edge, dev: IFACE.internetToEdge }],
    },
  );
  return { namespaces: specs, rejected, accepted };
}
