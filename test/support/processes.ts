// The platform as it runs in production: every service its own Node process,
// started from its build (`npm run build` first), on NATS at `natsUrl`. Used
// where the numbers must reflect separate processes on separate cores.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_RATE_LIMITS } from './rate-limits.js';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { busNames, loadConfig } from '@pn/service-kit';
import { startSecuredNats, uniqueId, type SecuredNats } from '@pn/test-support';
import { runStreams, serviceEnv, serviceEnvironment } from './service-env.js';
import { deleteEventStream } from './event-stream.js';

const root = join(import.meta.dirname, '..', '..');


export interface PlatformProcesses {
  readonly url: string;
  readonly dnsPort: number;
  readonly adminToken: string;
  /** Each service process, in start order (an ipam per instance), e.g. to read its memory with residentMemoryKb. */
  readonly services: ReadonlyArray<{ readonly name: string; readonly pid: number }>;
  /** With `captureStdout`: what each service (by name, ipam instances together) has written to stdout so far. */
  stdoutOf?(name: string): string;
  stop(): Promise<void>;
}

/**
 * Resident memory (VmRSS of /proc/<pid>/status) in kB of a service process
 * and every process it started; a service is all of its processes. Undefined
 * once it is gone or off Linux.
 */
export function residentMemoryKb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (!match) return undefined;
    return childPids(pid).reduce((kb, child) => kb + (residentMemoryKb(child) ?? 0), Number(match[1]));
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of a process, of the children it has waited for (utime, stime,
 * cutime, cstime; 100 ticks a second) and of those still running (an agent's
 * helpers, whose children are its `ip`, `nft` and `conntrack` commands).
 */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100 + childPids(pid).reduce((sum, child) => sum + cpuSeconds(child), 0);
  } catch {
    return 0; // gone meanwhile
  }
}

/** The processes `pid` started that still run. */
export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** A NATS secured for one run (its streams' names), and what starts that run's platform on it, each service as its role. */
export interface SecuredRun {
  readonly nats: SecuredNats;
  readonly run: string;
  /** The run's streams and subject prefixes (EVENT_STREAM, FLOWS_SUBJECT_PREFIX, …). */
  readonly streams: ReturnType<typeof runStreams>;
  readonly platform: { run: string; credentials: Readonly<Record<string, string>>; admin: ConnectionOptions };
}

export async function startSecuredRun(runPrefix = 'run'): Promise<SecuredRun> {
  const run = uniqueId(runPrefix);
  const streams = runStreams(run);
  const nats = await startSecuredNats(busNames(loadConfig(streams)));
  return { nats, run, streams, platform: { run, credentials: nats.credentials, admin: nats.connectOptions('admin') } };
}

export async function startPlatformProcesses(
  natsUrl: string,
  // logLevel: LOG_LEVEL for every service (default warn); captureStdout: keep their stdout (the JSON logs) for stdoutOf instead of passing it through.
  // rateLimits: 'lifted' (the default) for benchmarks, which measure capacity rather than one key's fair share; tests pass 'default'.
  // run, credentials, admin: on a NATS secured for the run, each role's credentials file and the admin's connection (for cleanup).
  options: {
    ipamInstances?: number;
    logLevel?: string;
    captureStdout?: boolean;
    rateLimits?: 'default' | 'lifted';
    run?: string;
    credentials?: Readonly<Record<string, string>>;
    admin?: ConnectionOptions;
  } = {},
): Promise<PlatformProcesses> {
  const lifted = (options.rateLimits ?? 'lifted') === 'lifted' ? NO_RATE_LIMITS : {};
  const { env, gatewayPort, dnsPort, adminToken } = await serviceEnvironment(natsUrl, 'run', options.logLevel ?? 'warn', lifted, options.run);
  // e.g. SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile every service.
  const nodeArgs = (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const services = [...Array.from({ length: options.ipamInstances ?? 1 }, () => 'ipam'), 'dns', 'billing', 'resources', 'gateway'];
  const children: ChildProcess[] = services.map((service) =>
    spawn(process.execPath, [...nodeArgs, join(root, 'services', service, 'dist', 'main.js')], {
      env: serviceEnv(env, service, options.credentials),
      stdio: ['ignore', options.captureStdout ? 'pipe' : 'inherit', 'inherit'],
    }),
  );
  const captured = new Map<string, string[]>();
  if (options.captureStdout) {
    children.forEach((child, i) => {
      const chunks = captured.get(services[i]!) ?? [];
      captured.set(services[i]!, chunks);
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => chunks.push(chunk));
    });
  }
  const stdoutOf = options.captureStdout ? (name: string) => (captured.get(name) ?? []).join('') : undefined;
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await deleteEventStream(options.admin ?? natsUrl, env.EVENT_STREAM, env.INTEGRATION_STREAM, env.FLOWS_STREAM);
  };
  const url = `http://127.0.0.1:${gatewayPort}`;
  const processes = services.map((name, i) => ({ name, pid: children[i]!.pid ?? 0 }));
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, dnsPort, adminToken, services: processes, ...(stdoutOf ? { stdoutOf } : {}), stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('the platform did not become healthy within 30 s');
}
