// A test's own record of the connections a network namespace's kernel drops
// (its DESTROY events), the host agent's aside: `conntrack -E` writes them
// straight to a file, read as it grows. Nothing passes through the test's
// process, which may block on a table read meanwhile (a listener fed through
// a pipe into a benchmark lost events in a saturated run). With the table, it
// makes KernelCount: the kernel's count of every connection since it began.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConntrackXml, parseDestroyEvent, type CtEntry } from '../../services/host-agent/src/flows/conntrack-line.js';

export class DestroyLog {
  private readonly child: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'pn-destroy-'));
  private readonly fd: number;
  private offset = 0;
  private partial = '';
  private closed = false;
  /** ENOBUFS warnings: events the kernel dropped before the listener read them. */
  lost = 0;
  /** Resolves once the listener is subscribed (it says it has set its buffer); rejects if it exits first. */
  readonly ready: Promise<void>;

  constructor(namespace: string, bufferBytes = 64 * 1024 * 1024) {
    const file = join(this.dir, 'destroyed.xml');
    const out = openSync(file, 'w');
    // At the highest CPU priority: on a saturated machine a listener that waits for the CPU has its events dropped.
    this.child = spawn('ip', ['netns', 'exec', namespace, 'nice', '-n', '-20', 'conntrack', '-E', '-e', 'DESTROY', '-o', 'xml,id,ktimestamp', '-b', String(bufferBytes)], { stdio: ['ignore', out, 'pipe'] });
    closeSync(out);
    this.fd = openSync(file, 'r');
    this.ready = new Promise((resolve, reject) => {
      this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
        if (text.includes('buffer size has been set')) resolve();
        this.lost += text.split('ENOBUFS').length - 1;
      });
      this.child.once('exit', (code, signal) => reject(new Error(`conntrack -E in ${namespace} exited (${signal ?? code})`)));
    });
    this.ready.catch(() => undefined); // a listener closed before anyone waited
  }

  /** The entries dropped since the last call. */
  take(): CtEntry[] {
    const bytes = Buffer.alloc(fstatSync(this.fd).size - this.offset);
    this.offset += readSync(this.fd, bytes, 0, bytes.length, this.offset);
    const lines = (this.partial + bytes.toString('utf8')).split('\n');
    this.partial = lines.pop()!;
    return lines.flatMap((line) => (line.startsWith('<flow') ? (parseDestroyEvent(line) ?? []) : []));
  }

  /** Ends the listener; again, nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.kill();
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The kernel's own count of a network namespace's connections since the count
 * began: its table as it is, and every entry it dropped meanwhile, so a
 * connection that expired (a closed one is kept 15 s, the data plane's
 * CONNTRACK_TIME_WAIT_SECONDS) or was replaced on a reused tuple is still
 * counted, once: a connection is its kernel id and start time, with its
 * latest counters (a dropped entry's are final).
 */
export class KernelCount {
  private readonly dropped: DestroyLog;
  private readonly seen = new Map<string, CtEntry>();
  readonly ready: Promise<void>;

  constructor(private readonly namespace: string, bufferBytes?: number) {
    this.dropped = new DestroyLog(namespace, bufferBytes);
    this.ready = this.dropped.ready;
  }

  /** DESTROY events the kernel dropped before the count's listener read them (the count may be short by those). */
  get lost(): number {
    return this.dropped.lost;
  }

  /** Every connection counted so far that `keep` keeps. Reads the table now (then the drops, newer than it). */
  connections(keep: (e: CtEntry) => boolean = () => true): CtEntry[] {
    const table = execFileSync('ip', ['netns', 'exec', this.namespace, 'conntrack', '-L', '-o', 'xml,id,ktimestamp'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
    for (const e of [...table.split('\n').flatMap((l) => parseConntrackXml(l) ?? []), ...this.dropped.take()]) {
      this.seen.set(`${e.id}@${e.start}|${e.protocol}|${e.orig.src}:${e.orig.sport}>${e.orig.dst}:${e.orig.dport}`, e);
    }
    return [...this.seen.values()].filter(keep);
  }

  /** Ends the listener (which, while it runs, keeps the namespace alive). */
  close(): void {
    this.dropped.close();
  }
}
