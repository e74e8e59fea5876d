// Test helpers that send packets, always from inside a namespace the test's
// plane made (never from the host's own namespace).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { run, runIn } from '../run.js';
import type { DesiredResource } from '../desired-state.js';
import { removeEverything, type DataPlane } from '../data-plane.js';

/** A prefix of the test's own (`pn-t<hex>`), so parallel runs and a running agent never touch each other's namespaces. */
export const testPrefix = (): string => `pn-t${randomBytes(3).toString('hex')}`;
export const testRunDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'pn-dataplane-'));

/** GET over HTTP from inside `namespace`; null when nothing answered within the timeout. */
export async function httpGet(namespace: string, url: string, extra: readonly string[] = [], timeoutSeconds = 2): Promise<{ body: string; headers: string } | null> {
  try {
    const out = await runIn(namespace, ['curl', '-sS', '-D', '-', '--max-time', String(timeoutSeconds), ...extra, url]);
    const split = out.indexOf('\r\n\r\n');
    return { headers: out.slice(0, split), body: out.slice(split + 4) };
  } catch {
    return null;
  }
}

/** Which resource answered `GET /` of a nodejs-24 VM (its id), or null. */
export async function whoAnswers(namespace: string, address: string, port = 3000, extra: readonly string[] = [], timeoutSeconds = 2): Promise<string | null> {
  const reply = await httpGet(namespace, `http://${address}:${port}/`, extra, timeoutSeconds);
  return reply ? (JSON.parse(reply.body) as { id: string }).id : null;
}

/** Does a TCP connect from `namespace` succeed? */
export async function tcpConnects(namespace: string, address: string, port: number, timeoutSeconds = 1): Promise<boolean> {
  return runIn(namespace, ['timeout', String(timeoutSeconds), 'bash', '-c', `exec 3<>/dev/tcp/${address}/${port}`]).then(
    () => true,
    () => false,
  );
}

/** A TCP listener (socat) in `namespace` that accepts and echoes; killed by the returned function. */
export async function listen(namespace: string, port: number): Promise<() => void> {
  const child = spawn('ip', ['netns', 'exec', namespace, 'socat', `TCP-LISTEN:${port},fork,reuseaddr`, 'EXEC:cat'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const out = await runIn(namespace, ['ss', '-Hltn', `sport = :${port}`]).catch(() => '');
    if (out.trim()) break;
    await sleep(20);
  }
  return () => kill(child);
}

export function kill(child: ChildProcess): void {
  if (child.exitCode === null) child.kill('SIGKILL');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it holds or `ms` pass; returns the elapsed ms, or throws. */
export async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await sleep(100);
  }
  throw new Error(`not within ${ms} ms`);
}

/** nft rules in a namespace (for "no duplicate rule"). */
export async function ruleCount(namespace: string): Promise<number> {
  const json = JSON.parse(await runIn(namespace, ['nft', '-j', 'list', 'ruleset'])) as { nftables: Array<{ rule?: unknown }> };
  return json.nftables.filter((o) => o.rule).length;
}

/** Stops a test's plane, removes whatever carries its prefix and its run dir, and returns what is left (nothing, or the test leaks). */
export async function tearDownPlane(prefix: string, plane: DataPlane | undefined, runDir: string | undefined): Promise<string[]> {
  try {
    await plane?.stop({ removeAll: true });
  } finally {
    await removeEverything(prefix);
    if (runDir) await rm(runDir, { recursive: true, force: true, maxRetries: 5 });
  }
  return [...(await leftovers(prefix)), ...(runDir && existsSync(runDir) ? [runDir] : [])];
}

/** Namespaces, links or nft tables of the host that carry `prefix`. */
export async function leftovers(prefix: string): Promise<string[]> {
  const namespaces = (await run('ip', ['netns', 'list'])).split('\n').filter((l) => l.startsWith(`${prefix}-`));
  const links = (await run('ip', ['-o', 'link'])).split('\n').filter((l) => l.includes(prefix));
  const tables = (await run('nft', ['list', 'tables'])).split('\n').filter((l) => l.includes(prefix));
  return [...namespaces, ...links, ...tables];
}

export const vm = (id: string, networkId: string, privateIp: string, more: Partial<DesiredResource> = {}): DesiredResource => ({
  id,
  networkId,
  kind: 'vm',
  name: id.replace(/_/g, '-'),
  image: 'nodejs-24',
  privateIp,
  publicPorts: [],
  stopped: false,
  ...more,
});
