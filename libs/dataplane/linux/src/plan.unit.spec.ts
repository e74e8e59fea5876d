// The planner as a specification: given what the kernel holds, when the
// desired state is this, then these actions (and nothing else).
import { describe, expect, it } from '@jest/globals';
import type { Action } from './actions.js';
import type { DesiredHost, DesiredResource } from './desired-state.js';
import { parseCidr } from './ipv4.js';
import { layout, transitSlots, type LayoutConfig } from './layout.js';
import { namesFor, portName } from './names.js';
import type { ObservedHost } from './observed.js';
import { plan } from './plan.js';
import { kernelAfter, withNamespace } from './testing/simulated-kernel.js';

const names = namesFor('pn');
const config: LayoutConfig = {
  names,
  publicPool: parseCidr('203.0.113.0/24'),
  uplink: { edge: '198.51.100.1', internet: '198.51.100.10', prefix: 24 },
  transitPool: parseCidr('100.64.0.0/10'),
};
const network = (id: string) => ({ id, accountId: 'acct', projectId: 'prj', cidr: '10.0.0.0/16' });
const vm = (id: string, privateIp: string, more: Partial<DesiredResource> = {}): DesiredResource => ({
  id,
  networkId: 'net_a',
  kind: 'vm',
  name: id.replace('_', '-'),
  image: 'ubuntu-24',
  privateIp,
  publicPorts: [],
  stopped: false,
  ...more,
});
const host = (...resources: DesiredResource[]): DesiredHost => ({ networks: [network('net_a'), network('net_b')], resources });
const EMPTY: ObservedHost = { namespaces: {} };

const given = (observed: ObservedHost) => ({
  when: (desired: DesiredHost) => {
    const wanted = layout(desired, config, new Map());
    const actions = plan(wanted, observed, names).map((a) => a.action);
    return { actions, rejected: wanted.rejected, then: (check: (actions: Action[]) => void) => check(actions) };
  },
});
const matching = (desired: DesiredHost) => kernelAfter(layout(desired, config, new Map()));
const ipLines = (actions: Action[], namespace: string) => actions.flatMap((a) => (a.type === 'ip' && a.namespace === namespace ? a.lines.map((l) => l.join(' ')) : []));
const ofType = (actions: Action[], type: Action['type']) => actions.filter((a) => a.type === type).map((a) => a.namespace);

const web = vm('vm_web', '10.0.1.1');
const api = vm('vm_api', '10.0.1.2', { publicIp: '203.0.113.5', publicPorts: [{ port: 3000, protocol: 'tcp' }] });

describe('plan', () => {
  it('builds everything on an empty host: namespaces, links with stable MACs, addresses, routes, rules, resolv.conf', () => {
    given(EMPTY)
      .when(host(web))
      .then((actions) => {
        expect(ofType(actions, 'create-namespace')).toEqual(['pn-edge', 'pn-inet', names.network('net_a'), names.resource('vm_web'), names.network('net_b')]);
        const vmNs = names.resource('vm_web');
        expect(ipLines(actions, vmNs)).toEqual([
          expect.stringMatching(new RegExp(`^link add eth0 address 02(:[0-9a-f]{2}){5} type veth peer name ${portName('vm_web')} netns ${names.network('net_a')}$`)),
          'link set lo up',
          'addr add 10.0.1.1/16 dev eth0',
          'link set eth0 up',
          'route replace default via 10.0.0.1 dev eth0',
        ]);
        expect(ipLines(actions, names.network('net_a'))).toEqual(
          expect.arrayContaining(['addr add 10.0.0.1/16 dev br0', 'addr add 10.0.0.2/16 dev br0', `link set ${portName('vm_web')} master br0`]),
        );
        expect(ofType(actions, 'nft')).toEqual(['pn-edge', names.network('net_a'), names.network('net_b')]);
        expect(ofType(actions, 'write-resolv-conf')).toEqual([vmNs]);
        expect(ofType(actions, 'flush-closed-ports')).toEqual([]);
      });
  });

  it('does nothing when the host already matches (a resync after a restart)', () => {
    given(matching(host(web, api)))
      .when(host(web, api))
      .then((actions) => expect(actions).toEqual([]));
  });

  it('removes what is not desired: the namespace, and no separate `link del` for the veth that goes with it', () => {
    given(matching(host(web, api)))
      .when(host(web))
      .then((actions) => {
        expect(ofType(actions, 'delete-namespace')).toEqual([names.resource('vm_api')]);
        expect(ipLines(actions, names.network('net_a'))).toEqual([]);
        expect(ipLines(actions, 'pn-edge')).toEqual([expect.stringMatching(/^route del 203\.0\.113\.5 via 100\.\S+ dev n[0-9a-f]{10}$/)]);
        expect(ofType(actions, 'nft')).toEqual([names.network('net_a')]);
        expect(ofType(actions, 'flush-closed-ports')).toEqual([names.network('net_a')]);
      });
  });

  it('removes a stale namespace of its prefix only', () => {
    const observed = { namespaces: { ...matching(host(web)).namespaces, 'pn-v-0123456789': { name: 'pn-v-0123456789', links: [], routes: [], tables: [] }, 'other-ns': { name: 'other-ns', links: [], routes: [], tables: [] } } };
    given(observed)
      .when(host(web))
      .then((actions) => expect(actions).toEqual([{ type: 'delete-namespace', namespace: 'pn-v-0123456789' }]));
  });

  it('stops a VM by taking its link down on both ends, and starts it again with its route', () => {
    given(matching(host(web)))
      .when(host({ ...web, stopped: true }))
      .then((actions) => {
        expect(ipLines(actions, names.resource('vm_web'))).toEqual(['route del default via 10.0.0.1 dev eth0', 'link set eth0 down']);
        expect(ipLines(actions, names.network('net_a'))).toEqual([`link set ${portName('vm_web')} down`]);
      });
    given(matching(host({ ...web, stopped: true })))
      .when(host(web))
      .then((actions) => expect(ipLines(actions, names.resource('vm_web'))).toEqual(['link set eth0 up', 'route replace default via 10.0.0.1 dev eth0']));
  });

  it('repairs a NIC deleted by hand: the veth again (same MAC), its address, route, and its bridge port', () => {
    const observed = withNamespace(matching(host(web)), names.resource('vm_web'), (ns) => ({ ...ns!, links: ns!.links.filter((l) => l.name !== 'eth0'), routes: [] }));
    const portGone = withNamespace(observed, names.network('net_a'), (ns) => ({ ...ns!, links: ns!.links.filter((l) => l.name !== portName('vm_web')) }));
    given(portGone)
      .when(host(web))
      .then((actions) => {
        expect(ipLines(actions, names.resource('vm_web'))).toEqual([
          expect.stringMatching(/^link add eth0 address /),
          'addr add 10.0.1.1/16 dev eth0',
          'link set eth0 up',
          'route replace default via 10.0.0.1 dev eth0',
        ]);
        expect(ipLines(actions, names.network('net_a'))).toEqual([
          `link set ${portName('vm_web')} master br0`,
          `link set dev ${portName('vm_web')} type bridge_slave hairpin on`,
          `link set ${portName('vm_web')} up`,
        ]);
      });
  });

  it('reloads a ruleset whose rules were changed by hand, and drops conntrack entries of ports no longer open', () => {
    const observed = withNamespace(matching(host(api)), names.network('net_a'), (ns) => ({ ...ns!, tables: ns!.tables.map((t) => ({ ...t, rules: t.rules - 1 })) }));
    given(observed)
      .when(host(api))
      .then((actions) => {
        expect(actions.filter((a) => a.type !== 'nft')).toEqual([{ type: 'flush-closed-ports', namespace: names.network('net_a'), open: ['203.0.113.5 tcp 3000'] }]);
      });
  });

  it('adds a VM with no public port: its network gets a new ruleset, and no conntrack flush (no port closed)', () => {
    given(matching(host(web, api)))
      .when(host(web, api, vm('vm_new', '10.0.1.9')))
      .then((actions) => {
        expect(ofType(actions, 'nft')).toEqual([names.network('net_a')]);
        expect(ofType(actions, 'flush-closed-ports')).toEqual([]);
      });
  });

  it('closes a public port: a new ruleset without its DNAT, and its conntrack entries dropped', () => {
    given(matching(host(api)))
      .when(host({ ...api, publicPorts: [] }))
      .then((actions) => {
        const nft = actions.find((a) => a.type === 'nft');
        expect(nft?.type === 'nft' && nft.ruleset).not.toContain('dnat ip to');
        expect(actions).toContainEqual({ type: 'flush-closed-ports', namespace: names.network('net_a'), open: [] });
      });
  });

  it('rejects what cannot be attached, with the reason, and attaches the rest', () => {
    const { rejected, actions } = given(EMPTY).when({
      networks: [network('net_a')],
      resources: [web, vm('vm_zwin', '10.0.1.1'), vm('vm_out', '10.1.0.5'), vm('vm_gw', '10.0.0.2'), vm('vm_lost', '10.0.1.9', { networkId: 'net_gone' }), vm('vm_bad name', '10.0.1.7')],
    });
    expect(rejected.map((r) => [r.resourceId, r.reason])).toEqual([
      ['vm_bad name', expect.stringContaining('is not an id')],
      ['vm_gw', expect.stringContaining('reserved')],
      ['vm_lost', 'network net_gone is not on this host'],
      ['vm_out', expect.stringContaining('is not a host address')],
      ['vm_zwin', 'private address 10.0.1.1 is taken in its network'],
    ]);
    expect(ofType(actions, 'create-namespace')).toContain(names.resource('vm_web'));
  });

  it('gives networks with the same CIDR their own namespace and their own transit /30', () => {
    const wanted = layout(host(web, { ...web, id: 'vm_web_b', networkId: 'net_b' }), config, new Map());
    const transit = wanted.namespaces.filter((n) => n.role === 'network').map((n) => n.links.find((l) => l.name === 'up0')!.addresses[0]);
    expect(new Set(transit).size).toBe(2);
    expect(wanted.namespaces.filter((n) => n.role === 'resource').map((n) => n.links[0]!.addresses)).toEqual([['10.0.1.1/16'], ['10.0.1.1/16']]);
  });
});

describe('transit slots', () => {
  const pool = parseCidr('100.64.0.0/29'); // two slots: forces collisions
  it('keeps the slot the kernel already has, and probes past a taken one', () => {
    expect([...transitSlots(['net_a', 'net_b'], pool, new Map([['net_b', 0]]))].sort()).toEqual([
      ['net_a', 1],
      ['net_b', 0],
    ]);
  });
});
