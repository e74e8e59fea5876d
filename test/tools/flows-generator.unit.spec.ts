// `npm run flows` (scripts/flows.mjs): which resources it makes traffic for
// and what that traffic looks like (issue 18, item 13).
import { describe, expect, it } from '@jest/globals';
// @ts-expect-error -- plain ESM scripts, no type declarations
import { readNetworks } from '../../scripts/lib/account-resources.mjs';
// @ts-expect-error -- plain ESM scripts, no type declarations
import { flowMaker } from '../../scripts/lib/flow-mix.mjs';

/** The gateway API of an account with two projects, a VM and a public database in each: the lists answer per project, as the real ones do. */
function fakeGateway() {
  const resources: Record<string, Array<Record<string, unknown>>> = {
    default: [
      { id: 'vm_a', name: 'a', status: 'running', private_ip: '10.0.1.1', public_ip: null, kind: 'vms' },
      { id: 'db_a', name: 'pg', status: 'available', private_ip: '10.0.2.1', public_ip: '203.0.113.2', kind: 'databases' },
    ],
    shop: [
      { id: 'vm_b', name: 'b', status: 'running', private_ip: '10.1.1.1', public_ip: null, kind: 'vms' },
      { id: 'db_b', name: 'pg', status: 'available', private_ip: '10.1.2.1', public_ip: '203.0.113.3', kind: 'databases' },
    ],
  };
  return async (path: string) => {
    const url = new URL(path, 'http://gateway');
    const project = url.searchParams.get('project') ?? 'default';
    if (url.pathname === '/v1/hosting/projects') return { items: [{ name: 'default' }, { name: 'shop' }], next_cursor: null };
    if (url.pathname === '/v1/hosting/network/topology') {
      return { network_id: `net_${project}`, resources: resources[project]!.map(({ id, name, private_ip }) => ({ id, name, private_ip })), next_cursor: null };
    }
    const kind = url.pathname.split('/').pop();
    return { items: resources[project]!.filter((r) => r.kind === kind), next_cursor: null };
  };
}

describe('npm run flows', () => {
  it('without --project, makes traffic for the resources of every project', async () => {
    const networks = await readNetworks(fakeGateway(), undefined);
    expect(networks.map((n: { project: string; resources: Array<{ id: string }> }) => [n.project, n.resources.map((r) => r.id)])).toEqual([
      ['default', ['vm_a', 'db_a']],
      ['shop', ['vm_b', 'db_b']],
    ]);
  });

  it('with --project, only that one', async () => {
    const networks = await readNetworks(fakeGateway(), 'shop');
    expect(networks.map((n: { project: string }) => n.project)).toEqual(['shop']);
    expect(networks[0].resources.map((r: { id: string }) => r.id)).toEqual(['vm_b', 'db_b']);
  });

  it('sends hairpin traffic from a VM to a public address of its network, never a database to its own', async () => {
    const networks = await readNetworks(fakeGateway(), undefined);
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const next = flowMaker(networks, { runId: 't', random });
    const vms = new Set(['10.0.1.1', '10.1.1.1']);
    const hairpins = Array.from({ length: 5000 }, () => next(0, 1)).filter((f) => f.kind === 'hairpin');
    expect(hairpins.length).toBeGreaterThan(0);
    for (const { record } of hairpins) expect([record.src_ip, vms.has(record.src_ip)]).toEqual([record.src_ip, true]);
  });
});
