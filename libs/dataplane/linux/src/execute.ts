// The executor: runs a plan's actions, phase by phase (actions of a phase
// together, a few at a time), and says which failed and why. It decides
// nothing; the next reconcile retries whatever is still missing.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Action, PlannedAction } from './actions.js';
import { resolvConfPath } from './observe.js';
import { CommandError, mapLimit, run, runIn } from './run.js';

export interface Failure {
  readonly planned: PlannedAction;
  readonly reason: string;
}

export interface ExecuteOptions {
  /** How many actions of a phase run at once; default 8. */
  readonly concurrency?: number;
  /** Called before a namespace is deleted (what holds it open must let go: kernel-watch.ts). */
  readonly beforeDelete?: (namespace: string) => Promise<void>;
}

export async function execute(actions: readonly PlannedAction[], { concurrency = 8, beforeDelete }: ExecuteOptions = {}): Promise<Failure[]> {
  const failures: Failure[] = [];
  const phases = [...new Set(actions.map((a) => a.phase))].sort((a, b) => a - b);
  for (const phase of phases) {
    await mapLimit(
      actions.filter((a) => a.phase === phase),
      concurrency,
      async (planned) => {
        try {
          if (planned.action.type === 'delete-namespace') await beforeDelete?.(planned.action.namespace);
          await perform(planned.action);
        } catch (error) {
          failures.push({ planned, reason: error instanceof CommandError ? error.message : String(error) });
        }
      },
    );
  }
  return failures;
}

async function perform(action: Action): Promise<void> {
  switch (action.type) {
    case 'delete-namespace':
      return deleteNamespace(action.namespace);
    case 'create-namespace':
      await run('ip', ['netns', 'add', action.namespace]);
      if (action.sysctls.length > 0) await runIn(action.namespace, ['sysctl', '-q', '-w', ...action.sysctls]);
      return;
    case 'ip': {
      const batch = action.lines.map((l) => l.join(' ')).join('\n') + '\n';
      if (!action.removals) return void (await run('ip', ['-n', action.namespace, '-batch', '-'], batch));
      // Each line on its own (-force); what is already gone is no failure.
      await run('ip', ['-force', '-n', action.namespace, '-batch', '-'], batch).catch((error: unknown) => {
        const complaints = error instanceof CommandError ? error.stderr.split('\n').filter((l) => l.trim() && !/^Command failed|Cannot find device|No such process|No such device/.test(l)) : [String(error)];
        if (complaints.length > 0) throw error;
      });
      return;
    }
    case 'nft':
      await runIn(action.namespace, ['nft', '-f', '-'], action.ruleset);
      return;
    case 'flush-closed-ports':
      return flushClosedPorts(action.namespace, new Set(action.open));
    case 'write-resolv-conf': {
      const path = resolvConfPath(action.namespace);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, action.content);
      return;
    }
    default: {
      const never: never = action;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

/** Kills what runs inside, then removes the namespace and its /etc/netns files. */
export async function deleteNamespace(namespace: string): Promise<void> {
  const pids = (await run('ip', ['netns', 'pids', namespace]).catch(() => ''))
    .split('\n')
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(dirname(resolvConfPath(namespace)), { recursive: true, force: true });
  await run('ip', ['netns', 'del', namespace]);
}

/** Drops DNAT'd conntrack entries whose public (address, protocol, port) is no longer open, so a closed port is closed mid-connection too. */
async function flushClosedPorts(namespace: string, open: ReadonlySet<string>): Promise<void> {
  const listing = await runIn(namespace, ['conntrack', '-L', '--dst-nat']).catch(() => '');
  const closed = new Set<string>();
  for (const line of listing.split('\n')) {
    const m = /^(tcp|udp)\s.*?\bdst=(\S+) .*?\bdport=(\d+)/.exec(line);
    if (m && !open.has(`${m[2]} ${m[1]} ${m[3]}`)) closed.add(`${m[1]} ${m[2]} ${m[3]}`);
  }
  for (const entry of closed) {
    const [protocol, dst, port] = entry.split(' ') as [string, string, string];
    // conntrack exits 1 when nothing matched (the flow just ended): not a failure.
    await runIn(namespace, ['conntrack', '-D', '-p', protocol, '--orig-dst', dst, '--orig-port-dst', port]).catch(() => undefined);
  }
}
