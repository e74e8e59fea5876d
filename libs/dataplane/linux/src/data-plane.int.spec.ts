// The data plane proven by packets: namespaces made by this test's plane
// (prefix pn-t<hex>), traffic only between them; every negative check sits
// beside its positive control.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkHost } from './check-host.js';
import { startDataPlane, type DataPlane, type DataPlaneOptions } from './data-plane.js';
import type { DesiredHost, DesiredNetwork, DesiredResource } from './desired-state.js';
import { CLOSED_MARK } from './closed-mark.js';
import { CONNTRACK_TIME_WAIT_SECONDS } from './layout.js';
import { commandsRun, run, runIn } from './run.js';
import { httpGet, listen, ruleCount, sleep, tcpConnects, tearDownPlane, testPrefix, testRunDir, vm, whoAnswers, within } from './testing/packets.js';

const net = (id: string, cidr = '10.0.0.0/16'): DesiredNetwork => ({ id, accountId: `acct_${id}`, projectId: `prj_${id}`, cidr });
const A = net('net_a');
const B = net('net_b'); // same CIDR, same addresses as A
const a1 = vm('vm_a1', A.id, '10.0.1.1', { publicIp: '203.0.113.11', publicPorts: [{ port: 3000, protocol: 'tcp' }] });
const a2 = vm('vm_a2', A.id, '10.0.1.2');
const aDb: DesiredResource = { id: 'db_a', networkId: A.id, kind: 'database', name: 'db', privateIp: '10.0.2.1', publicPorts: [], stopped: false };
const b1 = vm('vm_b1', B.id, '10.0.1.1');
const b2 = vm('vm_b2', B.id, '10.0.1.2');
const b3 = vm('vm_b3', B.id, '10.0.1.3');

const base: DesiredHost = { networks: [A, B], resources: [a1, a2, aDb, b1, b2, b3] };
const withResource = (host: DesiredHost, id: string, change: Partial<DesiredResource>): DesiredHost => ({
  ...host,
  resources: host.resources.map((r) => (r.id === id ? { ...r, ...change } : r)),
});

jest.setTimeout(20_000);

/** A TCP server on 10.0.1.1:7070 that holds every connection open after the client's FIN, bar those that say 'c'. */
const MARK_SERVER = `
import socket, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(('10.0.1.1', 7070)); srv.listen()
held = []
def serve(c):
    said = b''
    while (chunk := c.recv(100)): said += chunk
    if said == b'c': c.close()
    else: held.append(c)
while True: threading.Thread(target=serve, args=(srv.accept()[0],), daemon=True).start()
`;

/** Opens one connection of each kind to it, prints their source ports, holds the open ones; sends on the open one when told. */
const MARK_CLIENT = `
import socket, struct, sys, time, json
def conn(say):
    for _ in range(50):
        try: s = socket.create_connection(('10.0.1.1', 7070), timeout=2); break
        except OSError: time.sleep(0.1)
    s.sendall(say); return s
o = conn(b'o')
h = conn(b'h'); h.shutdown(socket.SHUT_WR)
c = conn(b'c'); port_c = c.getsockname()[1]; c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
r = conn(b'r'); r.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); port_r = r.getsockname()[1]; r.close()
time.sleep(0.3)
print(json.dumps({'open': o.getsockname()[1], 'half': h.getsockname()[1], 'closed': port_c, 'reset': port_r}), flush=True)
sys.stdin.readline()
o.sendall(b'more data ' * 20)
time.sleep(0.3)
print('sent', flush=True)
time.sleep(30)
`;
/** The host's own TIME_WAIT for conntrack, before the plane: the plane sets its namespaces', never the host's. */
const hostTimeWait = (() => {
  try {
    return readFileSync('/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait', 'utf8').trim();
  } catch {
    return ''; // no conntrack here: the suite skips
  }
})();

describe('data plane on Linux', () => {
  const prefix = testPrefix();
  let options: DataPlaneOptions;
  let plane: DataPlane;
  const ns = (id: string) => plane.namespaceOf(id);

  beforeAll(async () => {
    options = { prefix, runDir: await testRunDir(), dns: { host: '127.0.0.1', port: 1 }, workloads: ['http'], driftCheckMs: 1000, log: (m, f) => process.env.DEBUG_DATAPLANE && console.log(m, JSON.stringify(f)) };
    plane = await startDataPlane(options);
    const statuses = await plane.reconcile(base);
    expect(statuses.filter((s) => s.state !== 'attached')).toEqual([]);
    await Promise.all(base.resources.map((r) => plane.workloadReady(r.id)));
  }, 60_000);

  afterAll(async () => {
    expect(await tearDownPlane(prefix, plane, options?.runDir)).toEqual([]);
  }, 60_000);

  it('finds this host able to run it', async () => {
    expect(await checkHost({ workloads: true })).toEqual({ ok: true });
  });

  it('reaches a neighbour in the same network, and the right one when another network holds the same address', async () => {
    expect(await whoAnswers(ns(a2.id), '10.0.1.1')).toBe(a1.id);
    expect(await whoAnswers(ns(b2.id), '10.0.1.1')).toBe(b1.id);
  });

  it('counts bytes per flow in the network and edge namespaces (conntrack accounting, for billing)', async () => {
    for (const namespace of [plane.networkNamespaceOf(A.id), plane.edgeNamespace]) {
      expect((await runIn(namespace, ['sysctl', '-n', 'net.netfilter.nf_conntrack_acct'])).trim()).toBe('1');
      // A closed connection is kept 15 s, not 120 (layout.ts): the host's own setting is left as it is.
      expect((await runIn(namespace, ['sysctl', '-n', 'net.netfilter.nf_conntrack_tcp_timeout_time_wait'])).trim()).toBe(String(CONNTRACK_TIME_WAIT_SECONDS));
    }
    expect(readFileSync('/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait', 'utf8').trim()).toBe(hostTimeWait);
    expect(await whoAnswers(ns(a2.id), '10.0.1.1')).toBe(a1.id);
    const flows = await runIn(plane.networkNamespaceOf(A.id), ['conntrack', '-L', '-p', 'tcp', '--orig-src', '10.0.1.2', '--orig-dst', '10.0.1.1', '--orig-port-dst', '3000']);
    expect(flows).toMatch(/bytes=\d+/);
  });

  it('marks a closed connection for the meter (closed-mark.ts), never an open or half-closed one, and the kernel filters a dump by it', async () => {
    // The server keeps a connection open after the client's FIN unless told 'c' (close then); the client makes one
    // of each kind, prints their source ports, and holds what is open while the dumps are taken.
    const server = spawn('ip', ['netns', 'exec', ns(a1.id), 'python3', '-c', MARK_SERVER], { stdio: 'ignore' });
    const client = spawn('ip', ['netns', 'exec', ns(a2.id), 'python3', '-c', MARK_CLIENT], { stdio: ['pipe', 'pipe', 'inherit'] });
    const said = (): Promise<string> =>
      new Promise((resolve, reject) => {
        client.stdout!.once('data', (line: Buffer) => resolve(line.toString()));
        client.once('exit', (code) => reject(new Error(`the client exited (${code})`)));
      });
    try {
      const ports = JSON.parse(await said()) as Record<string, number>;
      const listed = async (mark: string) => {
        const out = await runIn(plane.networkNamespaceOf(A.id), ['conntrack', '-L', '-p', 'tcp', '--orig-dst', '10.0.1.1', '--orig-port-dst', '7070', '--mark', mark]);
        return new Set([...out.matchAll(/sport=(\d+) dport=7070/g)].map((m) => Number(m[1])));
      };
      const [open, closed] = [await listed(`0/${CLOSED_MARK}`), await listed(`${CLOSED_MARK}/${CLOSED_MARK}`)];
      const where = (port: number) => (open.has(port) ? 'open' : '') + (closed.has(port) ? 'closed' : '');
      expect(Object.fromEntries(Object.entries(ports).map(([kind, port]) => [kind, where(port)]))).toEqual({ open: 'open', half: 'open', closed: 'closed', reset: 'closed' });
      // A live connection marked as closed (as by a RST that conntrack ignored) that carries data again loses the mark.
      const tuple = ['-p', 'tcp', '-s', '10.0.1.2', '-d', '10.0.1.1', '--sport', String(ports.open), '--dport', '7070'];
      await runIn(plane.networkNamespaceOf(A.id), ['conntrack', '-U', ...tuple, '--mark', String(CLOSED_MARK)]);
      expect(await listed(`${CLOSED_MARK}/${CLOSED_MARK}`)).toContain(ports.open);
      client.stdin!.write('\n');
      expect(await said()).toBe('sent\n');
      expect([await listed(`0/${CLOSED_MARK}`), await listed(`${CLOSED_MARK}/${CLOSED_MARK}`)].map((set) => set.has(ports.open!))).toEqual([true, false]);
    } finally {
      client.kill('SIGKILL');
      server.kill('SIGKILL');
    }
  });

  it('does not reach another network: an address only network B holds answers in B, not from A', async () => {
    expect(await whoAnswers(ns(b2.id), '10.0.1.3')).toBe(b3.id);
    expect(await whoAnswers(ns(a2.id), '10.0.1.3')).toBeNull();
  });

  it('drops a resource sending from an address that is not its own', async () => {
    // On lo, which the plane leaves alone (an address added to eth0 is drift it removes); packets still leave by eth0.
    await runIn(ns(a2.id), ['ip', 'addr', 'add', '10.0.1.50/32', 'dev', 'lo']);
    try {
      expect(await whoAnswers(ns(a2.id), '10.0.1.1', 3000, ['--interface', '10.0.1.2'])).toBe(a1.id);
      expect(await whoAnswers(ns(a2.id), '10.0.1.1', 3000, ['--interface', '10.0.1.50'])).toBeNull();
    } finally {
      await runIn(ns(a2.id), ['ip', 'addr', 'del', '10.0.1.50/32', 'dev', 'lo']);
    }
  });

  it('lets a database answer its service port only, and a VM any port', async () => {
    const stops = await Promise.all([listen(ns(aDb.id), 5432), listen(ns(aDb.id), 8080), listen(ns(a1.id), 8080)]);
    try {
      expect(await tcpConnects(ns(a2.id), '10.0.2.1', 5432)).toBe(true);
      expect(await tcpConnects(ns(a2.id), '10.0.2.1', 8080)).toBe(false);
      expect(await tcpConnects(ns(a2.id), '10.0.1.1', 8080)).toBe(true);
    } finally {
      for (const stop of stops) stop();
    }
  });

  it('opens a public port to the internet, and closes it at once, established connections included', async () => {
    const inet = plane.internetNamespace;
    expect(await whoAnswers(inet, '203.0.113.11')).toBe(a1.id);
    const stop = await listen(ns(a1.id), 7000);
    await plane.reconcile(withResource(base, a1.id, { publicPorts: [{ port: 3000, protocol: 'tcp' }, { port: 7000, protocol: 'tcp' }] }));
    // A connection held open across the close: it must stop carrying data.
    const held = spawn('ip', ['netns', 'exec', inet, 'socat', '-', 'TCP:203.0.113.11:7000'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let echoed = '';
    held.stdout.on('data', (b: Buffer) => (echoed += b.toString()));
    try {
      held.stdin.write('before\n');
      await within(2000, async () => echoed.includes('before'));
      await plane.reconcile(base);
      expect(await whoAnswers(inet, '203.0.113.11', 7000)).toBeNull();
      held.stdin.write('after\n');
      await sleep(500);
      expect(echoed).not.toContain('after');
      expect(await whoAnswers(inet, '203.0.113.11')).toBe(a1.id);
      await plane.reconcile(withResource(base, a1.id, { publicPorts: [] }));
      expect(await whoAnswers(inet, '203.0.113.11')).toBeNull();
    } finally {
      held.kill('SIGKILL');
      stop();
      await plane.reconcile(base);
    }
  });

  it('opens a UDP public port, and closes it', async () => {
    const echo = spawn('ip', ['netns', 'exec', ns(a1.id), 'socat', 'UDP-LISTEN:7001,bind=10.0.1.1,fork', 'EXEC:cat'], { stdio: 'ignore' });
    const ask = () => runIn(plane.internetNamespace, ['socat', '-t1', '-', 'UDP:203.0.113.11:7001'], 'ping\n').then((o) => o.trim(), () => '');
    try {
      await within(3000, async () => (await runIn(ns(a1.id), ['ss', '-Hlun', 'sport = :7001'])).trim() !== '');
      await plane.reconcile(withResource(base, a1.id, { publicPorts: [...a1.publicPorts, { port: 7001, protocol: 'udp' }] }));
      expect(await ask()).toBe('ping');
      await plane.reconcile(base);
      expect(await ask()).toBe('');
    } finally {
      echo.kill('SIGKILL');
    }
  });

  it('opens a database to the internet with public access, then closes it', async () => {
    const stop = await listen(ns(aDb.id), 5432);
    try {
      const open = withResource(base, aDb.id, { publicIp: '203.0.113.12', publicPorts: [{ port: 5432, protocol: 'tcp' }] });
      await plane.reconcile(open);
      expect(await tcpConnects(plane.internetNamespace, '203.0.113.12', 5432)).toBe(true);
      expect(await tcpConnects(plane.internetNamespace, '203.0.113.12', 8080)).toBe(false);
      await plane.reconcile(base);
      expect(await tcpConnects(plane.internetNamespace, '203.0.113.12', 5432)).toBe(false);
    } finally {
      stop();
    }
  });

  it('lets a VM reach the internet host, which sees its public address (else the edge address)', async () => {
    const publicOne = await httpGet(ns(a1.id), `http://${plane.internetHost}/bytes/100000`);
    expect(publicOne?.body.length).toBe(100000);
    expect(publicOne?.headers).toMatch(/x-client-address: 203\.0\.113\.11\r?$/m);
    const privateOne = await httpGet(ns(a2.id), `http://${plane.internetHost}/ip`);
    expect(privateOne?.body.trim()).toBe('198.51.100.1');
  });

  it('reaches a VM through its public address from its own network and from another (hairpin)', async () => {
    expect(await whoAnswers(ns(a2.id), '203.0.113.11')).toBe(a1.id);
    expect(await whoAnswers(ns(b2.id), '203.0.113.11')).toBe(a1.id);
  });

  it('makes a stopped VM unreachable, and brings it back at the same address', async () => {
    expect(await whoAnswers(ns(a2.id), '10.0.1.1')).toBe(a1.id);
    await plane.reconcile(withResource(base, a1.id, { stopped: true }));
    expect(await whoAnswers(ns(a2.id), '10.0.1.1')).toBeNull();
    expect(await whoAnswers(plane.internetNamespace, '203.0.113.11')).toBeNull();
    await plane.reconcile(base);
    await plane.workloadReady(a1.id);
    expect(await whoAnswers(ns(a2.id), '10.0.1.1')).toBe(a1.id);
    expect(await whoAnswers(plane.internetNamespace, '203.0.113.11')).toBe(a1.id);
  });

  it('repairs drift: a VM link deleted by hand comes back within seconds', async () => {
    expect(await whoAnswers(ns(a2.id), '10.0.1.1')).toBe(a1.id);
    await runIn(ns(a1.id), ['ip', 'link', 'del', 'eth0']);
    expect(await runIn(ns(a1.id), ['ip', '-o', 'link'])).not.toContain('eth0');
    const ms = await within(5000, async () => (await whoAnswers(ns(a2.id), '10.0.1.1', 3000, [], 1)) === a1.id).catch(async (error: unknown) => {
      for (const id of [a1.id, a2.id]) console.log(id, await runIn(ns(id), ['sh', '-c', 'ip addr; ip route; ip neigh; ss -ltn']));
      console.log(await runIn(plane.networkNamespaceOf(A.id), ['sh', '-c', 'ip -d link; bridge fdb; nft list ruleset']));
      throw error;
    });
    expect(ms).toBeLessThan(5000);
  });

  it('repairs drift: rules flushed by hand come back within seconds, without duplicates', async () => {
    const network = plane.networkNamespaceOf(A.id);
    const rules = await ruleCount(network);
    await runIn(network, ['nft', 'flush', 'chain', 'inet', 'pn', 'dstnat']);
    expect(await ruleCount(network)).toBeLessThan(rules);
    await within(5000, async () => (await ruleCount(network)) === rules);
    expect(await whoAnswers(plane.internetNamespace, '203.0.113.11')).toBe(a1.id);
  });

  it('runs no command while nothing changes, and still repairs what is changed by hand (kernel-watch.ts)', async () => {
    // Two drift passes to settle (what earlier tests changed is read once more), then two with nothing changed.
    await sleep(4500);
    const before = commandsRun();
    await sleep(4500);
    expect(commandsRun() - before).toBe(0);
    // The same passes see a change inside a VM (its route) and in a network (a rule), and repair both.
    await runIn(ns(a2.id), ['ip', 'route', 'del', 'default']);
    const network = plane.networkNamespaceOf(A.id);
    const rules = await ruleCount(network);
    await runIn(network, ['nft', 'flush', 'chain', 'inet', 'pn', 'dstnat']);
    await within(5000, async () => (await runIn(ns(a2.id), ['ip', 'route', 'show', 'default'])).includes('via') && (await ruleCount(network)) === rules);
    expect(commandsRun() - before).toBeGreaterThan(0);
    expect(await whoAnswers(plane.internetNamespace, '203.0.113.11')).toBe(a1.id);
  });

  it('repairs a resolv.conf edited by hand (a file edit makes no kernel message: read in turn)', async () => {
    const path = `/etc/netns/${ns(a2.id)}/resolv.conf`;
    const content = readFileSync(path, 'utf8');
    expect(content).toContain('nameserver 10.0.0.2');
    writeFileSync(path, 'nameserver 192.0.2.53\n');
    await within(5000, async () => readFileSync(path, 'utf8') === content);
  });

  it('repairs drift while changes keep coming, and its reading (made outside the apply queue) undoes none of them', async () => {
    const network = plane.networkNamespaceOf(A.id);
    const rules = await ruleCount(network);
    await runIn(ns(a1.id), ['ip', 'link', 'del', 'eth0']);
    await runIn(network, ['nft', 'flush', 'chain', 'inet', 'pn', 'dstnat']);
    // A VM more in network B every ~100 ms for 4 s (and at least 11 of them: a slow machine makes fewer in 4 s,
    // seen here: 10): several drift ticks read while these are applied.
    const added: DesiredResource[] = [];
    const failed: string[] = [];
    // Drift passes report through onStatus: a failed action of theirs would show there.
    const unsubscribe = plane.onStatus((s) => s.state !== 'attached' && failed.push(`${s.resourceId}: ${s.reason}`));
    const deadline = Date.now() + 4000;
    for (let i = 0; Date.now() < deadline || added.length <= 10; i++) {
      added.push(vm(`vm_b_churn${i}`, B.id, `10.0.3.${i + 1}`, { image: 'ubuntu-24' }));
      const statuses = await plane.reconcile({ ...base, resources: [...base.resources, ...added] });
      failed.push(...statuses.filter((s) => s.state !== 'attached').map((s) => `${s.resourceId}: ${s.reason}`));
      await sleep(100);
    }
    unsubscribe();
    expect(failed).toEqual([]);
    // Drift repaired meanwhile (four drift ticks went by), not after…
    expect(await ruleCount(network)).toBe(rules);
    expect(await whoAnswers(ns(a2.id), '10.0.1.1')).toBe(a1.id);
    expect(await whoAnswers(plane.internetNamespace, '203.0.113.11')).toBe(a1.id);
    // …and every VM made while the drift passes read is still there and answers, its own neighbour first.
    expect(await whoAnswers(ns(b2.id), '10.0.1.3')).toBe(b3.id);
    // (They run nothing: a refused connect is the VM's kernel answering; without a path the connect times out.)
    const reaches = (address: string) => runIn(ns(b2.id), ['timeout', '1', 'bash', '-c', `exec 3<>/dev/tcp/${address}/9`]).then(() => true, (e: Error) => /refused/i.test(e.message));
    for (const r of added) expect([r.id, await reaches(r.privateIp)]).toEqual([r.id, true]);
    expect(await reaches('10.0.3.250')).toBe(false);
    expect((await plane.reconcile(base)).filter((s) => s.state !== 'attached')).toEqual([]);
  });

  it('survives an agent restart: a transfer keeps flowing, no rule is duplicated, changes made meanwhile are applied', async () => {
    const rulesBefore = await ruleCount(plane.networkNamespaceOf(A.id));
    const server = spawn('ip', ['netns', 'exec', ns(a1.id), 'iperf3', '-s', '-1', '-B', '10.0.1.1'], { stdio: 'ignore' });
    await within(3000, async () => (await runIn(ns(a1.id), ['ss', '-Hltn', 'sport = :5201'])).trim() !== '');
    const client = run('ip', ['netns', 'exec', ns(a2.id), 'iperf3', '-c', '10.0.1.1', '-t', '4', '-i', '1', '-J']);
    await sleep(1000);
    await plane.stop({ removeAll: false });
    const a4 = vm('vm_a4', A.id, '10.0.1.4');
    const meanwhile: DesiredHost = { networks: [A, B], resources: [...base.resources.filter((r) => r.id !== b3.id), a4] };
    await sleep(500);
    plane = await startDataPlane(options);
    const statuses = await plane.reconcile(meanwhile);
    expect(statuses.filter((s) => s.state !== 'attached')).toEqual([]);
    const report = JSON.parse(await client) as { intervals: Array<{ sum: { bytes: number } }>; end: { sum_received: { bytes: number } } };
    server.kill('SIGKILL');
    expect(report.intervals.length).toBeGreaterThanOrEqual(4);
    expect(report.intervals.every((i) => i.sum.bytes > 0)).toBe(true);
    expect(await ruleCount(plane.networkNamespaceOf(A.id))).toBe(rulesBefore);
    await plane.workloadReady(a4.id);
    expect(await whoAnswers(ns(a2.id), '10.0.1.4')).toBe(a4.id);
    expect(await whoAnswers(ns(b2.id), '10.0.1.3')).toBeNull();
    expect((await run('ip', ['netns', 'list'])).includes(ns(b3.id))).toBe(false);
    // A second full resync changes nothing.
    await plane.reconcile(meanwhile);
    expect(await ruleCount(plane.networkNamespaceOf(A.id))).toBe(rulesBefore);
    await plane.reconcile(base);
  }, 30_000);

  it('removes everything it made on a full stop', async () => {
    const stopped = plane;
    plane = undefined as unknown as DataPlane;
    expect(await tearDownPlane(prefix, stopped, undefined)).toEqual([]);
    expect((await run('ip', ['netns', 'list'])).split('\n').filter((ns) => ns.startsWith(`${prefix}-`))).toEqual([]);
  });
});
