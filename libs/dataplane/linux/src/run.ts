// Running the tools the plane drives (ip, nft, conntrack, sysctl): an argv,
// never a shell line; stdin for batches; a failure carries the tool's stderr.
// They run from one small helper process (command-runner.ts), not spawned
// from Node, whose fork costs what the process holds.
import { CommandRunner } from './command-runner.js';

export class CommandError extends Error {
  constructor(
    readonly command: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${command.slice(0, 6).join(' ')}… exited ${code}: ${stderr.trim().split('\n').slice(0, 3).join(' / ')}`);
  }
}

const runner = new CommandRunner();

/** How many commands this process has run (a host at rest should run none: see kernel-watch.ts). */
export const commandsRun = (): number => runner.count;

export async function run(file: string, args: readonly string[], input?: string): Promise<string> {
  const { code, stdout, stderr } = await runner.run([file, ...args], input ?? '');
  if (code === 0) return stdout;
  throw new CommandError([file, ...args], code, stderr || stdout);
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
