// Runs the plane's commands from a small long-lived helper process rather than
// from Node: Node forks its whole process for each spawn, and a host agent
// metering 10,000 connections a second holds hundreds of MB, so the drift
// pass's few commands a second cost it more CPU than anything it metered
// (a quarter of its time, profiled with bench/billing's row from the wire).
// The helper (Python, which the agent needs anyway, docs/host-agent.md) takes
// one request per line, runs each in a thread of its own, and answers with
// the exit code and both outputs; requests overlap as run()'s callers do.
import type { Socket } from 'node:net';
import { onLines, PythonHelper } from './python-helper.js';

const HELPER = String.raw`
import base64, json, subprocess, sys, threading
lock = threading.Lock()
def answer(reply):
    line = json.dumps(reply) + '\n'
    with lock:
        sys.stdout.write(line)
        sys.stdout.flush()
def handle(request):
    try:
        p = subprocess.run(request['argv'], input=base64.b64decode(request['input']), capture_output=True)
        answer({'id': request['id'], 'code': p.returncode, 'out': base64.b64encode(p.stdout).decode(), 'err': base64.b64encode(p.stderr).decode()})
    except Exception as e:
        answer({'id': request['id'], 'code': None, 'spawn': str(e)})
for line in sys.stdin:
    threading.Thread(target=handle, args=(json.loads(line),), daemon=True).start()
`;

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Reply {
  id: number;
  code: number | null;
  out?: string;
  err?: string;
  spawn?: string;
}

interface Waiting {
  resolve: (finished: Finished) => void;
  reject: (error: Error) => void;
}

export class CommandRunner {
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting>();
  // An idle helper keeps nothing alive: neither the process handle nor its pipes.
  private readonly helper = new PythonHelper({
    script: HELPER,
    stdio: ['pipe', 'pipe', 'inherit'],
    unref: true,
    attach: (child) =>
      onLines(child.stdout!, (line) => {
        this.answered(line);
        if (this.waiting.size === 0) (child.stdout as Socket).unref();
      }),
    ended: (why) => {
      const error = new Error(`the command helper ended (${why})`);
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
    },
  });

  /** Commands asked for so far. */
  get count(): number {
    return this.nextId;
  }

  /** Runs `argv` with `input` on its stdin; rejects only when it could not be run at all (or the helper died under it). */
  run(argv: readonly string[], input: string): Promise<Finished> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // A command in flight keeps the process alive, as a child of its own would; an idle helper does not.
      (this.helper.process().stdout as Socket).ref();
      this.helper.send(JSON.stringify({ id, argv, input: Buffer.from(input).toString('base64') }));
    });
  }

  private answered(line: string): void {
    let reply: Reply;
    try {
      reply = JSON.parse(line) as Reply;
    } catch {
      return; // not an answer (the helper prints nothing else): ignored
    }
    const w = this.waiting.get(reply.id);
    if (!w) return;
    this.waiting.delete(reply.id);
    if (reply.spawn !== undefined) w.reject(new Error(reply.spawn));
    else w.resolve({ code: reply.code, stdout: Buffer.from(reply.out ?? '', 'base64').toString(), stderr: Buffer.from(reply.err ?? '', 'base64').toString() });
  }
}
