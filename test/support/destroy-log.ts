// A test's own record of the connections a network namespace's kernel drops
// (its DESTROY events), the host agent's aside: a listener of its own (the
// agent's program, with reliable delivery: `conntrack -E` lost tens of
// thousands of events at 10,000 connections a second) writes them straight to
// a file, read as it grows. Nothing passes through the test's process, which
// may block on a table read meanwhile. With the table, it
// makes KernelCount: the kernel's count of every connection since it began.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConntrackXml, type CtEntry } from '../../services/host-agent/src/flows/conntrack-line.js';
import { parseCtnetlink } from '../../services/host-agent/src/flows/ctnetlink.js';
import { DESTROY_HELPER, splitFrames } from '../../services/host-agent/src/flows/destroy-helper.js';

export class DestroyLog {
  private readonly child: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'pn-destroy-'));
  private readonly fd: number;
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  private closed = false;
  /** Overruns the listener reported (with reliable delivery, none unless the kernel could not keep an entry). */
  lost = 0;
  /** Resolves once the listener is subscribed; rejects if it exits or fails first. */
  readonly ready: Promise<void>;

  constructor(namespace: string) {
    const file = join(this.dir, 'destroyed.frames');
    const out = openSync(file, 'w');
    // The agent's listening program (its socket per namespace, reliable delivery), in a process of the test's own.
    this.child = spawn('python3', ['-c', DESTROY_HELPER], { stdio: ['pipe', out, 'pipe'] });
    closeSync(out);
    this.fd = openSync(file, 'r');
    this.ready = new Promise((resolve, reject) => {
      this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
        if (text.includes(`subscribed ${namespace}`)) resolve();
        if (text.includes('failed')) reject(new Error(`the DESTROY listener for ${namespace}: ${text.trim()}`));
        this.lost += text.split('lost ').length - 1;
      });
      this.child.once('exit', (code, signal) => reject(new Error(`the DESTROY listener for ${namespace} exited (${signal ?? code})`)));
    });
    this.ready.catch(() => undefined); // a listener closed before anyone waited
    this.child.stdin!.write(`+${namespace}\n`);
  }

  /** The entries dropped since the last call. */
  take(): CtEntry[] {
    const bytes = Buffer.alloc(fstatSync(this.fd).size - this.offset);
    this.offset += readSync(this.fd, bytes, 0, bytes.length, this.offset);
    const { frames, rest } = splitFrames(Buffer.concat([this.partial, bytes]));
    this.partial = Buffer.from(rest);
    return frames.flatMap((f) => parseCtnetlink(f.data).entries);
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

  constructor(private readonly namespace: string) {
    this.dropped = new DestroyLog(namespace);
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
