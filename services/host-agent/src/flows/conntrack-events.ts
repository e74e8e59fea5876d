// The connections each network's kernel drops, as they are dropped: one
// `conntrack -E -e DESTROY` per metered namespace, its lines parsed as they
// come and kept until the meter takes them. A reading of the table sees a
// connection only if it is still there: one opened and replaced between two
// readings (a new connection on the same tuple replaces one in TIME_WAIT or
// CLOSE at once) was never read, and its bytes went unbilled. Its DESTROY
// event carries its final counters.
//
// Events can be lost (the kernel drops them when the listener's buffer is
// full: conntrack says so on stderr, counted in `lost`); the readings still
// cover every connection they see. A listener that exits is started again.
import { spawn, type ChildProcess } from 'node:child_process';
import { parseDestroyEvent, type CtEntry } from './conntrack-line.js';

/** The listener's socket buffer: room for a burst of ~40,000 events while the agent is busy. */
const BUFFER_BYTES = 16 * 1024 * 1024;
const RESTART_MS = 1000;
/** The longest a new listener is waited for (it subscribes in milliseconds). */
const READY_MS = 1000;
/** Events kept per namespace while the meter does not take them: past this they are dropped (and counted). */
const MAX_KEPT = 500_000;

interface Listener {
  child: ChildProcess | undefined;
  events: CtEntry[];
  restart: NodeJS.Timeout | undefined;
}

export class ConntrackEvents {
  private readonly listeners = new Map<string, Listener>();
  readonly stats = { lost: 0, unread: 0 };

  /**
   * Listens on these namespaces too (names already checked by the data
   * plane's naming); resolves once each new listener has subscribed (or has
   * not within READY_MS: the readings cover it meanwhile).
   */
  follow(namespaces: Iterable<string>): Promise<void> {
    const started: Array<Promise<void>> = [];
    for (const ns of namespaces) if (!this.listeners.has(ns)) started.push(this.listen(ns, { child: undefined, events: [], restart: undefined }));
    return Promise.all(started).then(() => undefined);
  }

  /** Stops listening on every other namespace; what their listeners received and was not taken goes with them. */
  keepOnly(namespaces: ReadonlySet<string>): void {
    for (const ns of [...this.listeners.keys()]) if (!namespaces.has(ns)) this.forget(ns);
  }

  /** The events received for `namespace` since the last call. */
  take(namespace: string): CtEntry[] {
    const listener = this.listeners.get(namespace);
    if (!listener) return [];
    const events = listener.events;
    listener.events = [];
    return events;
  }

  close(): void {
    for (const ns of [...this.listeners.keys()]) this.forget(ns);
  }

  private listen(namespace: string, listener: Listener): Promise<void> {
    this.listeners.set(namespace, listener);
    // One process per network: `ip netns exec` and setpriv (util-linux) exec in place, and the parent-death
    // signal ends the listener with the agent, even a kill -9 of it, rather than let it live on in the
    // namespace (and keep a deleted namespace alive).
    const command = ['netns', 'exec', namespace, 'setpriv', '--pdeathsig', 'KILL', 'conntrack', '-E', '-e', 'DESTROY', '-o', 'xml,id,ktimestamp', '-b', String(BUFFER_BYTES)];
    const child = spawn('ip', command, { stdio: ['ignore', 'pipe', 'pipe'] });
    listener.child = child;
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('<flow')) continue; // the document's own lines
        const entry = parseDestroyEvent(line);
        if (!entry) this.stats.unread++;
        else if (listener.events.length >= MAX_KEPT) this.stats.lost++;
        else listener.events.push(entry);
      }
    });
    // conntrack says it has set the socket's buffer once its socket is open and subscribed.
    let subscribed!: () => void;
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    const giveUp = setTimeout(subscribed, READY_MS);
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      if (text.includes('buffer size has been set')) subscribed();
      // "WARNING: We have hit ENOBUFS! We are losing events." — how many is not said: one loss counted per warning.
      this.stats.lost += text.split('ENOBUFS').length - 1;
    });
    // Ended (or never started): started again while the namespace is still listened on.
    const ended = () => {
      subscribed();
      if (this.listeners.get(namespace) !== listener || listener.child !== child) return;
      listener.child = undefined;
      listener.restart = setTimeout(() => this.listeners.get(namespace) === listener && void this.listen(namespace, listener), RESTART_MS);
      listener.restart.unref();
    };
    child.once('exit', ended);
    child.once('error', ended);
    return ready.finally(() => clearTimeout(giveUp));
  }

  private forget(namespace: string): void {
    const listener = this.listeners.get(namespace);
    this.listeners.delete(namespace);
    if (!listener) return;
    clearTimeout(listener.restart);
    listener.child?.kill();
  }
}
