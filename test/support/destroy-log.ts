// A test's own record of the connections a network namespace's kernel drops
// (its DESTROY events), the host agent's aside: `conntrack -E` writes them
// straight to a file, read as it grows. Nothing passes through the test's
// process, which may block on a table read meanwhile (a listener fed through
// a pipe into a benchmark lost events in a saturated run).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDestroyEvent, type CtEntry } from '../../services/host-agent/src/flows/conntrack-line.js';

export class DestroyLog {
  private readonly child: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'pn-destroy-'));
  private readonly fd: number;
  private offset = 0;
  private partial = '';
  /** ENOBUFS warnings: events the kernel dropped before the listener read them. */
  lost = 0;
  /** Resolves once the listener is subscribed (it says it has set its buffer); rejects if it exits first. */
  readonly ready: Promise<void>;

  constructor(namespace: string, bufferBytes = 64 * 1024 * 1024) {
    const file = join(this.dir, 'destroyed.xml');
    const out = openSync(file, 'w');
    this.child = spawn('ip', ['netns', 'exec', namespace, 'conntrack', '-E', '-e', 'DESTROY', '-o', 'xml,id,ktimestamp', '-b', String(bufferBytes)], { stdio: ['ignore', out, 'pipe'] });
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

  close(): void {
    this.child.kill();
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
