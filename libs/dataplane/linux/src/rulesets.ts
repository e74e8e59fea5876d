// The nft rulesets of a network's namespace and of the edge. Each is loaded
// whole in one `nft -f -` transaction that deletes and redefines its tables:
// atomic, idempotent, and never a duplicate rule. A table's marker chain carries
// the ruleset's fingerprint (an empty chain fp_<hex>), and observe() counts its rules, so a resync
// reloads only what changed or drifted.
import { createHash } from 'node:crypto';
import { formatCidr, type Cidr } from './ipv4.js';
import { IFACE } from './names.js';
import type { PublicPort } from './desired-state.js';
import { CLOSED_MARK_RULES, CLOSING_CHAIN } from './closed-mark.js';

export const TABLE = 'pn';

export interface NftRuleset {
  readonly text: string;
  readonly fingerprint: string;
  /**
   * Of a network's ruleset: a hash of its DNAT rules (an empty chain op_<hex>
   * in each table), so a reload that closes no public port needs no conntrack
   * flush (plan.ts): a create reloads its network's rules, and the flush's
   * `conntrack -L` was 11 of its ~70 ms.
   */
  readonly open?: string;
  readonly tables: ReadonlyArray<{ readonly family: string; readonly name: string; readonly rules: number }>;
}

interface Chain {
  readonly name: string;
  /** A base chain's hook; none for a chain that rules jump to. */
  readonly hook?: string;
  readonly rules: readonly string[];
}

interface Table {
  readonly family: 'inet' | 'bridge';
  readonly sets: readonly string[];
  readonly chains: readonly Chain[];
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

function render(tables: readonly Table[], dnat?: readonly string[]): NftRuleset {
  const open = dnat && hash([...dnat].sort().join('\n'));
  const body = tables
    .map((t) =>
      [
        `table ${t.family} ${TABLE} {`,
        // nft 1.0.6 JSON leaves table comments out: an empty chain named after the fingerprint carries it.
        '  chain fp_@FP@ {',
        '  }',
        ...(open ? [`  chain op_${open} {`, '  }'] : []),
        ...t.sets.map((s) => `  ${s}`),
        ...t.chains.flatMap((c) => [`  chain ${c.name} {`, ...(c.hook ? [`    ${c.hook}`] : []), ...c.rules.map((r) => `    ${r}`), '  }']),
        '}',
      ].join('\n'),
    )
    .join('\n');
  const fingerprint = hash(body);
  const reset = tables.map((t) => `table ${t.family} ${TABLE}\ndelete table ${t.family} ${TABLE}`).join('\n');
  return {
    text: `${reset}\n${body.replaceAll('@FP@', fingerprint)}\n`,
    fingerprint,
    ...(open && { open }),
    tables: tables.map((t) => ({ family: t.family, name: TABLE, rules: t.chains.reduce((n, c) => n + c.rules.length, 0) })),
  };
}

const set = (name: string, type: string, elements: readonly string[], flags = '') =>
  `set ${name} { type ${type};${flags ? ` flags ${flags};` : ''}${elements.length ? ` elements = { ${elements.join(', ')} };` : ''} }`;

export interface NetworkMember {
  readonly port: string;
  readonly privateIp: string;
  readonly publicIp?: string;
  readonly publicPorts: readonly PublicPort[];
  /** A managed service's only port; absent for a VM (any port). */
  readonly servicePort?: number;
}

/**
 * A network's rules, for its running members:
 * - bridge family, keyed on the bridge port: a member sends IPv4 and ARP
 *   from its own address only (the source check); anything else is dropped;
 * - inet family (bridged traffic passes it through br_netfilter): managed
 *   services take new connections on their service port only; from the
 *   edge, only connections to an open public port (DNAT) get in; egress
 *   leaves SNAT'd to the member's public address, else the transit address;
 *   a member reaching another's public address from inside (hairpin) is
 *   masqueraded so the answer comes back through the gateway; a closed TCP
 *   connection is marked, for the meter (closed-mark.ts).
 */
export function networkRuleset(input: { cidr: Cidr; resolver: string; members: readonly NetworkMember[] }): NftRuleset {
  const { members, resolver } = input;
  const owned = members.map((m) => `"${m.port}" . ${m.privateIp}`);
  const services = members.filter((m) => m.servicePort !== undefined);
  const dnat = members.flatMap((m) => m.publicPorts.map((p) => `ip daddr ${m.publicIp} ${p.protocol} dport ${p.port} dnat ip to ${m.privateIp}`));
  const snat = members.filter((m) => m.publicIp !== undefined).map((m) => `oifname "${IFACE.uplink}" ip saddr ${m.privateIp} snat ip to ${m.publicIp}`);
  const bridge: Table = {
    family: 'bridge',
    sets: [set('owned', 'ifname . ipv4_addr', owned)],
    chains: [
      {
        name: 'source_check',
        hook: 'type filter hook prerouting priority -200; policy drop;',
        rules: ['ether type ip iifname . ip saddr @owned accept', 'ether type arp iifname . arp saddr ip @owned accept'],
      },
    ],
  };
  const inet: Table = {
    family: 'inet',
    sets: [
      set('managed', 'ipv4_addr', services.map((m) => m.privateIp)),
      set('service_ports', 'ipv4_addr . inet_service', services.map((m) => `${m.privateIp} . ${m.servicePort}`)),
    ],
    chains: [
      { name: 'dstnat', hook: 'type nat hook prerouting priority dstnat; policy accept;', rules: dnat },
      {
        name: 'forward',
        hook: 'type filter hook forward priority filter; policy drop;',
        rules: [
          ...CLOSED_MARK_RULES,
          'ct state established,related accept',
          'ct state invalid drop',
          'ip daddr . tcp dport @service_ports accept',
          'ip daddr @managed drop',
          'ct status dnat accept',
          `iifname "${IFACE.bridge}" accept`,
        ],
      },
      CLOSING_CHAIN,
      {
        name: 'input',
        hook: 'type filter hook input priority filter; policy drop;',
        rules: [
          'ct state established,related accept',
          'iif lo accept',
          `iifname "${IFACE.bridge}" ip daddr ${resolver} meta l4proto { tcp, udp } th dport 53 accept`,
          `iifname "${IFACE.bridge}" icmp type echo-request accept`,
        ],
      },
      {
        name: 'srcnat',
        hook: 'type nat hook postrouting priority srcnat; policy accept;',
        rules: [...snat, `oifname "${IFACE.uplink}" masquerade`, `ip saddr ${formatCidr(input.cidr)} oifname "${IFACE.bridge}" ct status dnat masquerade`],
      },
    ],
  };
  return render([bridge, inet], dnat);
}

/** The edge routes public addresses between networks and the internet; private ranges never cross it, and transit sources leave as the edge's address. */
export function edgeRuleset(input: { transitCidr: string; edgeAddress: string }): NftRuleset {
  return render([
    {
      family: 'inet',
      sets: [],
      chains: [
        {
          name: 'forward',
          hook: 'type filter hook forward priority filter; policy accept;',
          rules: ['ip daddr { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 } drop', 'ip saddr { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 } drop'],
        },
        {
          name: 'srcnat',
          hook: 'type nat hook postrouting priority srcnat; policy accept;',
          rules: [`ip saddr ${input.transitCidr} snat ip to ${input.edgeAddress}`],
        },
      ],
    },
  ]);
}
