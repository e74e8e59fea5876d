// Running the tools the plane drives (ip, nft, conntrack, sysctl): execFile,
// never a shell; stdin for batches; a failure carries the tool's stderr.
import { spawn } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly command: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${command.slice(0, 6).join(' ')}… exited ${code}: ${stderr.trim().split('\n').slice(0, 3).join(' / ')}`);
  }
}

export function run(file: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString();
      if (code === 0) resolve(stdout);
      else reject(new CommandError([file, ...args], code, Buffer.concat(err).toString() || stdout));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Runs `command` inside a namespace (`ip netns exec` also bind-mounts /etc/netns/<ns>/*). */
export const runIn = (namespace: string, command: readonly string[], input?: string): Promise<string> =>
  run('ip', ['netns', 'exec', namespace, ...command], input);

/** Maps over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
