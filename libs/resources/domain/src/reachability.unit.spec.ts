// Reachability as given (the facts) / when (a port and protocol) / then (the
// verdict): the private path inside a network, the public path across
// networks and accounts, and what another account's resource may show.
import { describe, expect, it } from '@jest/globals';
import { checkReachability, publicPortsOf, publicView, servesPrivately, type DestinationFacts, type OwnEndpoint, type ReachabilityProtocol } from './reachability.js';
import { parseDestination } from './reachability-target.js';

const endpoint = (overrides: Partial<OwnEndpoint> = {}): OwnEndpoint => ({
  id: 'vm_src',
  kind: 'vm',
  name: 'worker',
  status: 'running',
  networkId: 'net_1',
  project: 'default',
  privateIp: '10.0.1.1',
  publicIp: undefined,
  exposed: false,
  publicPorts: [],
  ...overrides,
});
const source = endpoint();
const own = (overrides: Partial<OwnEndpoint>, viaPublicAddress = false): DestinationFacts => ({ found: 'own', resource: endpoint({ id: 'vm_dst', name: 'api', privateIp: '10.0.1.2', ...overrides }), viaPublicAddress });
const check = (destination: DestinationFacts, port: number, protocol: ReachabilityProtocol = 'tcp', from = source) => checkReachability({ source: from, destination, port, protocol });

describe('the private path (same network)', () => {
  it('given a running VM, when asked for any port and protocol, then it is reachable: nothing filters inside a network', () => {
    for (const [port, protocol] of [[22, 'tcp'], [53, 'udp'], [31337, 'tcp']] as const) {
      const verdict = check(own({}), port, protocol);
      expect(verdict).toMatchObject({ reachable: true, path: 'private', blockedBy: undefined });
      expect(verdict.hops.map((h) => h.type)).toEqual(['source', 'network', 'destination']);
      expect(verdict.hops[2]).toMatchObject({ id: 'vm_dst', address: '10.0.1.2', port, protocol });
    }
  });

  it('given a managed service, then only its own port over TCP is served', () => {
    expect(check(own({ kind: 'database' }), 5432).reachable).toBe(true);
    expect(check(own({ kind: 'cache' }), 6379).reachable).toBe(true);
    expect(check(own({ kind: 'bucket' }), 443).reachable).toBe(true);
    const wrong = check(own({ kind: 'database', name: 'pg' }), 3306);
    expect(wrong).toMatchObject({ reachable: false, path: 'none', blockedBy: { code: 'PORT_NOT_SERVED', component: 'destination' } });
    expect(wrong.blockedBy!.reason).toMatch(/5432\/tcp/);
    expect(check(own({ kind: 'cache' }), 6379, 'udp').blockedBy!.code).toBe('PORT_NOT_SERVED');
    expect(servesPrivately('bucket', 80, 'tcp')).toBe(false);
  });

  it('given a stopped, failed or deleting destination, then RESOURCE_STOPPED at the destination', () => {
    for (const status of ['stopped', 'failed', 'deleting', 'provisioning'] as const) {
      expect(check(own({ status }), 22).blockedBy).toMatchObject({ code: 'RESOURCE_STOPPED', component: 'destination' });
    }
  });

  it('given a stopped source, then RESOURCE_STOPPED at the source, whatever the destination', () => {
    expect(check(own({}), 22, 'tcp', endpoint({ status: 'stopped' })).blockedBy).toMatchObject({ code: 'RESOURCE_STOPPED', component: 'source' });
  });
});

describe('the public path (another network)', () => {
  const elsewhere = { networkId: 'net_2', project: 'shop' };

  it('given an own resource in another project with no public address, then DIFFERENT_NETWORK', () => {
    const verdict = check(own({ ...elsewhere }), 22);
    expect(verdict).toMatchObject({ reachable: false, path: 'none', blockedBy: { code: 'DIFFERENT_NETWORK', component: 'network' } });
    expect(verdict.blockedBy!.reason).toMatch(/shop/);
  });

  it('given one that asked for a public address not yet filled, then NO_PUBLIC_ADDRESS', () => {
    expect(check(own({ ...elsewhere, exposed: true }), 22).blockedBy!.code).toBe('NO_PUBLIC_ADDRESS');
  });

  it('given a public address with the port open, then reachable over the public path; another port or UDP is PORT_NOT_OPEN', () => {
    const exposed = own({ ...elsewhere, exposed: true, publicIp: '203.0.113.7', publicPorts: [{ port: 3000, protocol: 'http' }] });
    const verdict = check(exposed, 3000);
    expect(verdict).toMatchObject({ reachable: true, path: 'public', blockedBy: undefined });
    expect(verdict.hops.map((h) => h.type)).toEqual(['source', 'network', 'internet', 'public-address', 'destination']);
    expect(verdict.hops[3]).toMatchObject({ address: '203.0.113.7', port: 3000 });
    expect(check(exposed, 22).blockedBy).toMatchObject({ code: 'PORT_NOT_OPEN', component: 'public-address', reason: expect.stringMatching(/open: 3000\/tcp/) });
    expect(check(exposed, 3000, 'udp').blockedBy!.code).toBe('PORT_NOT_OPEN');
  });

  it('given an own resource in the same network named by its public address, then the public path (hairpin)', () => {
    const exposed = own({ exposed: true, publicIp: '203.0.113.7', publicPorts: [{ port: 22, protocol: 'tcp' }] }, true);
    expect(check(exposed, 22)).toMatchObject({ reachable: true, path: 'public' });
  });

  it('given a public database, then its service port is open and no other', () => {
    expect(publicPortsOf('database', [], true)).toEqual([{ port: 5432, protocol: 'tcp' }]);
    expect(publicPortsOf('database', [], false)).toEqual([]);
    expect(publicPortsOf('bucket', [], true)).toEqual([]);
  });
});

describe('another account', () => {
  const theirs = endpoint({ id: 'vm_theirs', name: 'secret-name', privateIp: '10.0.1.9', networkId: 'net_9', project: 'hidden', exposed: true, publicIp: '203.0.113.9', publicPorts: [{ port: 443, protocol: 'tcp' }] });
  const seen: DestinationFacts = { found: 'public', endpoint: publicView({ ...theirs, publicIp: '203.0.113.9' }) };
  const leaks = (verdict: unknown) => /vm_theirs|secret-name|10\.0\.1\.9|hidden|running|stopped/.test(JSON.stringify(verdict));

  it('given their public address with the port open, then reachable, showing nothing but the address', () => {
    const verdict = check(seen, 443);
    expect(verdict).toMatchObject({ reachable: true, path: 'public' });
    expect(leaks(verdict)).toBe(false);
  });

  it('given a closed port, then PORT_NOT_OPEN without listing their ports', () => {
    const verdict = check(seen, 22);
    expect(verdict.blockedBy!.code).toBe('PORT_NOT_OPEN');
    expect(verdict.blockedBy!.reason).not.toMatch(/443/);
    expect(leaks(verdict)).toBe(false);
  });

  it('given their stopped VM behind an open port, then RESOURCE_STOPPED in words that name nothing of it', () => {
    const verdict = check({ found: 'public', endpoint: publicView({ ...theirs, status: 'stopped', publicIp: '203.0.113.9' }) }, 443);
    expect(verdict.blockedBy!.code).toBe('RESOURCE_STOPPED');
    expect(leaks(verdict)).toBe(false);
  });

  it('given nothing the caller may know of, then UNKNOWN_DESTINATION at the destination', () => {
    expect(check({ found: 'none', given: 'vm_x', why: 'no resource vm_x' }, 22)).toMatchObject({
      reachable: false,
      path: 'none',
      blockedBy: { code: 'UNKNOWN_DESTINATION', component: 'destination', reason: 'no resource vm_x' },
    });
  });
});

describe('naming the destination', () => {
  it('tells ids, private and public addresses and hostnames apart', () => {
    expect(parseDestination('vm_01jtx5z8k3m4n5p6q7r8s9t0va')).toEqual({ type: 'id', id: 'vm_01jtx5z8k3m4n5p6q7r8s9t0va' });
    expect(parseDestination('10.0.2.1')).toEqual({ type: 'private-address', ip: '10.0.2.1' });
    expect(parseDestination('203.0.113.4')).toEqual({ type: 'public-address', ip: '203.0.113.4' });
    expect(parseDestination('API.vm.internal.')).toEqual({ type: 'hostname', name: 'api.vm.internal' });
    expect(parseDestination('db_01jtx5z8k3m4n5p6q7r8s9t0va.internal')).toEqual({ type: 'hostname', name: 'db_01jtx5z8k3m4n5p6q7r8s9t0va.internal' });
    for (const junk of ['', '  ', '10.0.1.256', '010.0.1.1', 'a b', 'x/y', 'a..b']) expect(parseDestination(junk)).toBeUndefined();
  });
});
