// Reads a namespace's connection table (`conntrack -L -o xml,id,ktimestamp`:
// the xml format is the one that gives an entry's start time to the ns)
// through one long-lived shell rather than a process spawned from the agent
// per read: Node forks its whole process to spawn one, and with a large
// ledger in memory that fork cost the agent more CPU than reading the table
// (measured with bench/billing's row from the wire). The shell is small; it
// forks `ip netns exec … conntrack` for each namespace name it is given on a
// line, and ends each table with a marker line carrying the exit code. A
// line `<namespace> open` asks for the connections not marked closed only
// (closed-mark.ts in the data plane): the kernel leaves the rest out.
import { spawn, type ChildProcess } from 'node:child_process';
import { CLOSED_MARK } from '@pn/dataplane-linux';

const SCRIPT = [
  'while IFS=" " read -r ns which; do',
  `  if [ "$which" = open ]; then set -- --mark 0/${CLOSED_MARK}; else set --; fi`,
  '  ip netns exec "$ns" conntrack -L -o xml,id,ktimestamp "$@" 2>/dev/null; echo "@@end $?"',
  'done',
].join('\n');
const END = /(?:^|\n)@@end (\d+)\n$/;
/** Only what the data plane names namespaces (prefix, dashes, hex): nothing else reaches the shell's line. */
const NAMESPACE = /^[a-z][a-z0-9-]{0,62}$/;
const READ_TIMEOUT_MS = 60_000;

export class ConntrackReader {
  private child: ChildProcess | undefined;
  /** What the shell printed since the last table ended, as it came: never joined until the table is whole. */
  private chunks: string[] = [];
  /** The last characters printed, where the end marker is looked for. */
  private tail = '';
  private waiting: { resolve: (table: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | undefined;

  /**
   * The table's lines, all of them or (`which` 'open') those of connections
   * not closed; rejects when it could not be read (never an empty table in
   * place of an unreadable one). Reads one at a time.
   */
  read(namespace: string, which: 'all' | 'open' = 'all'): Promise<string> {
    if (!NAMESPACE.test(namespace)) return Promise.reject(new Error(`not a namespace name: ${JSON.stringify(namespace).slice(0, 80)}`));
    if (this.waiting) return Promise.reject(new Error('a read is already running'));
    const child = this.shell();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no table from ${namespace} within ${READ_TIMEOUT_MS / 1000} s`)), READ_TIMEOUT_MS);
      this.waiting = { resolve, reject, timer };
      child.stdin!.write(`${namespace}${which === 'open' ? ' open' : ''}\n`);
    });
  }

  close(): void {
    this.child?.kill();
    this.child = undefined;
  }

  private shell(): ChildProcess {
    if (this.child) return this.child;
    const child = spawn('sh', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    this.chunks = [];
    this.tail = '';
    // Looking for the marker at the end of the whole output so far (a string
    // grown chunk by chunk) made V8 flatten it on every chunk: quadratic in the
    // table's size, 55 s a read for 50,000 entries in the xml format.
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.chunks.push(chunk);
      this.tail = (this.tail + chunk).slice(-64);
      const end = END.exec(this.tail);
      if (!end || !this.waiting) return;
      const output = this.chunks.join('');
      const table = output.slice(0, output.length - end[0].length + (end[0].startsWith('\n') ? 1 : 0));
      const code = Number(end[1]);
      this.chunks = [];
      this.tail = '';
      const { resolve, reject, timer } = this.waiting;
      this.waiting = undefined;
      clearTimeout(timer);
      if (code === 0) resolve(table);
      else reject(new Error(`conntrack exited with ${code}`));
    });
    child.stdin!.on('error', () => undefined); // a shell gone: its exit below says so
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.fail(new Error(`the conntrack shell exited (${signal ?? code})`));
    });
    return child;
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    // Whatever it was in the middle of, the next read starts with a new shell.
    this.close();
    waiting.reject(error);
  }
}
