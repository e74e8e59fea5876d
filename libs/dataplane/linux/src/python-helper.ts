// The plane's small long-lived helpers (commands, kernel watch, the meter's
// DESTROY listener) are Python programs: Node can neither open a netlink
// socket nor fork cheaply once it holds hundreds of MB. Each is started the
// same way, so that it dies with its parent, even a kill -9 of it (its
// sockets go with it, and a namespace is not kept alive by them).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';

export function startPythonHelper(script: string, stdio: StdioOptions): ChildProcess {
  return spawn('setpriv', ['--pdeathsig', 'KILL', 'python3', '-c', script], { stdio });
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
