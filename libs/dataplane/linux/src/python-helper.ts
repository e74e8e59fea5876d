// The plane's small long-lived helpers (commands, kernel watch, the meter's
// DESTROY listener) are Python programs: Node can neither open a netlink
// socket nor fork cheaply once it holds hundreds of MB. Each runs through
// one PythonHelper: started at its first line (or warm()), told one line per
// request on its stdin, dying with its parent, even a kill -9 of it (its
// sockets go with it, and a namespace is not kept alive by them), and,
// when it ends by itself, started again with what it must take up again.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

export interface PythonHelperOptions {
  readonly script: string;
  readonly stdio: StdioOptions;
  /** Neither the process nor its pipes keep Node running (its owner refs what it waits on). */
  readonly unref?: boolean;
  /** Wires a new process's outputs. */
  readonly attach: (child: ChildProcess) => void;
  /** It ended by itself (not by close()): what it held is gone. */
  readonly ended?: (why: string) => void;
  /** A new one is started this long after it ended and sent these lines; without, the next line starts one. */
  readonly resume?: { readonly afterMs: number; readonly lines: () => Iterable<string> };
}

export class PythonHelper {
  private child: ChildProcess | undefined;
  private restart: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: PythonHelperOptions) {}

  /** A process runs now (what it was told, it holds). */
  get running(): boolean {
    return this.child !== undefined;
  }

  send(line: string): void {
    if (this.closed) return;
    this.process().stdin!.write(`${line}\n`);
  }

  /** Starts it now rather than at its first line (a Python start takes 100-300 ms on a busy host). */
  warm(): void {
    if (!this.closed) this.process();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.restart);
    this.child?.kill();
    this.child = undefined;
  }

  /** The process, started if none runs. */
  process(): ChildProcess {
    if (this.child) return this.child;
    const { script, stdio, unref, attach, ended, resume } = this.options;
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', 'python3', '-c', script], { stdio });
    this.child = child;
    if (unref) {
      child.unref();
      (child.stdin as Socket).unref();
      (child.stdout as Socket).unref();
    }
    attach(child);
    child.stdin!.on('error', () => undefined); // a helper gone: its exit below says so
    const gone = (why: unknown) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.closed) return;
      ended?.(String(why));
      if (!resume) return;
      this.restart = setTimeout(() => {
        for (const line of resume.lines()) this.send(line);
      }, resume.afterMs);
      this.restart.unref();
    };
    child.once('exit', (code, signal) => gone(signal ?? code));
    child.once('error', gone);
    return child;
  }
}

/** Calls `line` for each whole line the stream carries (utf-8). */
export function onLines(stream: Readable, line: (text: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const l of lines) line(l);
  });
}
