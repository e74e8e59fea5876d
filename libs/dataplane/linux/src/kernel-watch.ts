// Which of the plane's namespaces changed since they were last read. The
// drift pass read every network namespace (`ip` and `nft -j list ruleset`)
// and a rotation of VMs every 2 s whether or not anything had changed: with
// nothing to repair, that was a tenth of a core on an idle host. The kernel
// says when something changes: one helper process (Python, as Node cannot
// open a netlink socket) holds, per namespace, an rtnetlink socket in the
// link, IPv4 address and IPv4 route groups, and in namespaces with nft
// tables a netfilter socket in the nftables group, and prints the namespace
// a message comes from. A namespace that is watched and quiet since a
// reading began needs no reading; one whose messages may have been lost
// (a receive error, a helper that ended) counts as changed.
//
// A socket keeps its namespace alive, links and all (a VM's veth would stay
// on its network's bridge): the plane releases a namespace before deleting
// it, and one deleted by hand is released as soon as a pass lists the host.
//
// stdin, a line each: `watch <ns> [tables]`, `release <ns>`. stdout, a line
// each: `watching <ns> <dev:ino>` (the instance watched: a namespace made
// again under the same name is watched again), `released <ns>`,
// `failed <ns> <why>`, `changed <ns>`.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NETNS_DIR } from './observe.js';
import { onLines, PythonHelper } from './python-helper.js';
import { mapLimit } from './run.js';

const HELPER = String.raw`
import ctypes, os, resource, selectors, socket, sys
NETLINK_ROUTE, NETLINK_NETFILTER, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 0, 12, 270, 1
ROUTE_GROUPS = 0x1 | 0x10 | 0x40  # RTMGRP_LINK, RTMGRP_IPV4_IFADDR, RTMGRP_IPV4_ROUTE
NFNLGRP_NFTABLES, CLONE_NEWNET = 7, 0x40000000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
libc = ctypes.CDLL(None, use_errno=True)
home = os.open('/proc/self/ns/net', os.O_RDONLY)
sel = selectors.DefaultSelector()
watched = {}
def say(line):
    sys.stdout.write(line + '\n')
def opened(fd, protocol):
    if libc.setns(fd, CLONE_NEWNET) != 0: raise OSError(ctypes.get_errno(), 'setns')
    try: return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, protocol)
    finally: libc.setns(home, CLONE_NEWNET)
def release(ns):
    for s in watched.pop(ns, []):
        sel.unregister(s)
        s.close()
def watch(ns, tables):
    release(ns)
    socks = []
    fd = os.open('/run/netns/' + ns, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        socks.append(opened(fd, NETLINK_ROUTE))
        socks[0].bind((0, ROUTE_GROUPS))
        if tables:
            socks.append(opened(fd, NETLINK_NETFILTER))
            socks[1].bind((0, 0))
            socks[1].setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NFNLGRP_NFTABLES)
    except OSError:
        for s in socks: s.close()
        raise
    finally:
        os.close(fd)
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ns)
    watched[ns] = socks
    say('watching %s %d:%d' % (ns, st.st_dev, st.st_ino))
def command(words):
    try:
        if words[0] == 'watch': watch(words[1], len(words) > 2)
        elif words[0] == 'release':
            release(words[1])
            say('released ' + words[1])
    except OSError as e:
        say('failed %s %s' % (words[1], e))
sel.register(0, selectors.EVENT_READ, None)
pending = b''
while True:
    changed = set()
    for key, _ in sel.select():
        if key.data is None:
            chunk = os.read(0, 65536)
            if not chunk: sys.exit(0)
            *lines, pending = (pending + chunk).split(b'\n')
            for line in lines:
                words = line.decode().split()
                if len(words) >= 2: command(words)
            continue
        while True:
            try:
                if not key.fileobj.recv(65536): break
            except BlockingIOError:
                break
            except OSError:
                changed.add(key.data)  # messages lost (ENOBUFS), or a socket released meanwhile
                break
            changed.add(key.data)
    for ns in changed:
        if ns in watched: say('changed ' + ns)
    sys.stdout.flush()
`;

const RESTART_MS = 1000;
const watchLine = (namespace: string, tables: boolean) => `watch ${namespace}${tables ? ' tables' : ''}`;
/** How long a release is waited for before the namespace is deleted anyway. */
const RELEASE_MS = 1000;
/** What the plane names namespaces: nothing else reaches the helper's line. */
const NAMESPACE = /^[a-z][a-z0-9-]{0,62}$/;

export interface Watched {
  readonly name: string;
  /** Whether it holds nft tables (then the nftables group is watched too). */
  readonly tables: boolean;
}

export class KernelWatch {
  // It runs as long as the plane; it keeps no process alive by itself.
  private readonly helper = new PythonHelper({
    script: HELPER,
    stdio: ['pipe', 'pipe', 'inherit'],
    unref: true,
    attach: (child) => onLines(child.stdout!, (line) => this.said(line)),
    ended: (why) => {
      // Nothing is watched now: every namespace is read until watched again.
      this.watching.clear();
      this.adopting.clear();
      this.quiet.clear();
      for (const done of this.releases.values()) done();
      this.releases.clear();
      this.stats.restarts++;
      this.log('the kernel watch ended; started again soon, every namespace is read meanwhile', { why });
    },
    resume: { afterMs: RESTART_MS, lines: () => [...this.wanted].map(([ns, { tables }]) => watchLine(ns, tables)) },
  });
  /** What should be watched: namespace → its instance (dev:ino of its /run/netns file) when last listed. */
  private readonly wanted = new Map<string, { id: string; tables: boolean }>();
  /** What the helper running now acknowledged: namespace → instance. */
  private readonly watching = new Map<string, string>();
  /** Watched, and quiet since a reading of it began. */
  private readonly quiet = new Set<string>();
  private readonly releases = new Map<string, () => void>();
  /** Made and set up by the plane: quiet once watched (adopt). */
  private readonly adopting = new Set<string>();
  /** Released while a track() was listing: not watched again by it (the plane is deleting them). */
  private readonly releasedMeanwhile = new Set<string>();
  /** Namespaces a failure was logged for (a namespace that cannot be watched is asked again on every pass). */
  private readonly failedOnce = new Set<string>();
  readonly stats = { changes: 0, failures: 0, restarts: 0 };

  /** Namespaces the helper running now holds sockets in. */
  get watchedCount(): number {
    return this.watching.size;
  }

  constructor(private readonly log: (message: string, fields?: Record<string, unknown>) => void = () => undefined) {}

  /** Watches exactly these namespaces: new or remade ones (a new instance) are watched, gone ones released. */
  async track(namespaces: readonly Watched[]): Promise<void> {
    this.releasedMeanwhile.clear();
    const ids = await this.identities(namespaces);
    const listed = new Set<string>();
    namespaces.forEach((ns, i) => {
      const id = ids[i];
      if (id === undefined || !NAMESPACE.test(ns.name) || this.releasedMeanwhile.has(ns.name)) return;
      listed.add(ns.name);
      const known = this.wanted.get(ns.name);
      this.wanted.set(ns.name, { id, tables: ns.tables });
      if (known?.id !== id || known.tables !== ns.tables) this.helper.send(watchLine(ns.name, ns.tables));
    });
    // Not listed: gone, unless made (and adopted) since the listing.
    const unlisted = [...this.wanted.keys()].filter((ns) => !listed.has(ns)).map((name) => ({ name, tables: false }));
    const still = await this.identities(unlisted);
    unlisted.forEach((ns, i) => {
      if (still[i] === undefined && this.wanted.has(ns.name)) void this.release(ns.name);
    });
  }

  /**
   * Watches namespaces the plane has just made and set up without a failure:
   * nobody else has touched them, so they are as applied, and quiet from the
   * moment the watch holds (its own messages, all sent before, do not count).
   * Without this, every VM made would be read once by the next drift pass
   * (during a burst of creates, 20 readings a pass, competing with them).
   */
  async adopt(namespaces: readonly Watched[]): Promise<void> {
    const ids = await this.identities(namespaces);
    namespaces.forEach((ns, i) => {
      const id = ids[i];
      if (id === undefined || !NAMESPACE.test(ns.name)) return;
      this.wanted.set(ns.name, { id, tables: ns.tables });
      this.adopting.add(ns.name);
      this.helper.send(watchLine(ns.name, ns.tables));
    });
  }

  /** A reading of `namespace` begins: it is quiet from now until it changes (if it is watched now). */
  reading(namespace: string): void {
    if (this.isWatched(namespace)) this.quiet.add(namespace);
  }

  /** Nothing changed in `namespace` since a reading of it began. */
  unchanged(namespace: string): boolean {
    return this.quiet.has(namespace) && this.isWatched(namespace);
  }

  /** Stops watching `namespace`, before it is deleted (a socket in it would keep it alive). */
  release(namespace: string): Promise<void> {
    this.forget(namespace);
    this.releasedMeanwhile.add(namespace);
    if (!this.helper.running || !NAMESPACE.test(namespace)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, RELEASE_MS);
      const previous = this.releases.get(namespace);
      function done() {
        clearTimeout(timer);
        previous?.();
        resolve();
      }
      this.releases.set(namespace, done);
      this.helper.send(`release ${namespace}`);
    });
  }

  /** Starts the helper now rather than at the first namespace made (a Python start, beside the first create). */
  warm(): void {
    this.helper.warm();
  }

  close(): void {
    this.helper.close();
    for (const done of this.releases.values()) done();
    this.releases.clear();
    this.wanted.clear();
    this.watching.clear();
    this.adopting.clear();
    this.quiet.clear();
  }

  /** Each namespace's instance (dev:ino of its /run/netns file); undefined for one gone. */
  private identities(namespaces: readonly Watched[]): Promise<Array<string | undefined>> {
    return mapLimit(namespaces, 16, (ns) => stat(join(NETNS_DIR, ns.name)).then((s) => `${s.dev}:${s.ino}`, () => undefined));
  }

  private isWatched(namespace: string): boolean {
    const id = this.watching.get(namespace);
    return id !== undefined && id === this.wanted.get(namespace)?.id;
  }

  private forget(namespace: string): void {
    this.adopting.delete(namespace);
    this.wanted.delete(namespace);
    this.watching.delete(namespace);
    this.quiet.delete(namespace);
  }

  private said(line: string): void {
    const [what, ns = '', ...rest] = line.split(' ');
    if (what === 'changed') {
      this.stats.changes++;
      this.quiet.delete(ns);
    } else if (what === 'watching') {
      // Quiet only once a reading begins from now on, or from now if adopted as applied.
      this.failedOnce.delete(ns);
      if (this.wanted.has(ns)) this.watching.set(ns, rest[0] ?? '');
      if (this.adopting.delete(ns) && this.isWatched(ns)) this.quiet.add(ns);
      else this.quiet.delete(ns);
    } else if (what === 'released') {
      const done = this.releases.get(ns);
      this.releases.delete(ns);
      done?.();
    } else if (what === 'failed') {
      // Not watched: read on every pass, and asked again once it is listed anew.
      this.stats.failures++;
      this.forget(ns);
      if (this.failedOnce.has(ns)) return;
      this.failedOnce.add(ns);
      this.log('cannot watch a namespace now; it is read on every pass', { namespace: ns, why: rest.join(' ').slice(0, 200) });
    }
  }
}
