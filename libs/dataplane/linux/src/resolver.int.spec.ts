// Names from inside a VM: glibc (getent) and dig in a VM's namespace ask the
// network's `.2`, which forwards to a real DnsServer (@pn/dns-server) with
// option 65001 and its HMAC; each network reads its own view.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DnsServer, type Lookup, type LookupResult } from '@pn/dns-server';
import { startDataPlane, type DataPlane } from './data-plane.js';
import type { DesiredHost, DesiredNetwork } from './desired-state.js';
import { runIn } from './run.js';
import { tearDownPlane, testPrefix, testRunDir, vm } from './testing/packets.js';

jest.setTimeout(20_000);

const net = (id: string): DesiredNetwork => ({ id, accountId: `acct_${id}`, projectId: `prj_${id}`, cidr: '10.0.0.0/16' });
const A = net('net_dns_a');
const B = net('net_dns_b');
const SECRET = 'forwarder-secret-for-the-test';

// The two views, as the dns service would hold them.
const views: Record<string, Record<string, LookupResult>> = {
  [A.id]: {
    api: answer('10.0.1.1'),
    'api.vm.internal': answer('10.0.1.1'),
    db: answer('10.0.2.1'),
    'db.internal': answer('10.0.2.1'),
    '1.2.0.10.in-addr.arpa': { kind: 'answer', zone: '0.10.in-addr.arpa', records: [{ type: 'PTR', target: 'db.internal' }] },
  },
  [B.id]: { api: answer('10.0.1.9'), 'api.vm.internal': answer('10.0.1.9') },
};
function answer(address: string): LookupResult {
  return { kind: 'answer', zone: 'internal', records: [{ type: 'A', address }] };
}
const lookup: Lookup = (networkId, qname, qtype) => {
  const found = views[networkId]?.[qname];
  if (!found) return { kind: 'nxdomain', zone: 'internal' };
  if (found.kind === 'answer' && found.records[0]?.type === 'A' && qtype !== 'A') return { kind: 'nodata', zone: 'internal' };
  return found;
};

describe('resolver at each network .2', () => {
  const prefix = testPrefix();
  let dns: DnsServer;
  let plane: DataPlane;
  let runDir: string;
  const apiA = vm('vm_dns_api', A.id, '10.0.1.1');
  const apiB = vm('vm_dns_apib', B.id, '10.0.1.9');
  const host: DesiredHost = { networks: [A, B], resources: [apiA, apiB] };
  const getent = (id: string, name: string) => runIn(plane.namespaceOf(id), ['getent', 'hosts', name]).then((out) => out.trim().split(/\s+/), () => null);

  beforeAll(async () => {
    dns = new DnsServer({ host: '127.0.0.1', port: 0, lookup, forwarderSecret: SECRET });
    const { udpPort } = await dns.start();
    runDir = await testRunDir();
    plane = await startDataPlane({ prefix, runDir, dns: { host: '127.0.0.1', port: udpPort, forwarderSecret: SECRET }, workloads: [], driftCheckMs: 0 });
    expect((await plane.reconcile(host)).filter((s) => s.state !== 'attached')).toEqual([]);
  });

  afterAll(async () => {
    await dns?.stop();
    expect(await tearDownPlane(prefix, plane, runDir)).toEqual([]);
  });

  it('resolves the bare name, the full names and the reverse name through glibc, in the VM network view', async () => {
    expect(await getent(apiA.id, 'db')).toEqual(['10.0.2.1', 'db']);
    expect(await getent(apiA.id, 'db.internal')).toEqual(['10.0.2.1', 'db.internal']);
    expect(await getent(apiA.id, 'api.vm.internal')).toEqual(['10.0.1.1', 'api.vm.internal']);
    expect(await getent(apiA.id, '10.0.2.1')).toEqual(['10.0.2.1', 'db.internal']);
    expect(await getent(apiB.id, 'api')).toEqual(['10.0.1.9', 'api']);
    expect(await getent(apiB.id, 'db')).toBeNull();
  });

  it('answers over TCP too, and ignores an option 65001 a VM forges for another network', async () => {
    const dig = (args: string[]) => runIn(plane.namespaceOf(apiA.id), ['dig', '+short', '+time=2', '+tries=1', '@10.0.0.2', ...args]).then((o) => o.trim());
    expect(await dig(['+tcp', 'api'])).toBe('10.0.1.1');
    const forged = Buffer.from(B.id, 'ascii').toString('hex');
    expect(await dig([`+ednsopt=65001:${forged}`, 'api'])).toBe('10.0.1.1');
  });
});
