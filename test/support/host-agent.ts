// A host agent beside a suite's platform: the real one (services/host-agent),
// in this process, as role host-agent, making the suite's networks real in
// namespaces under a prefix of its own (so suites and a developer's
// `npm start` never touch each other's), removed after the suite. Needs root
// and `ip`/`nft`: without them the suite says why and its tests are skipped.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import { beforeAll } from '@jest/globals';
import { LOCAL_HOST } from '@pn/bus-access';
import { namesFor, removeEverything } from '@pn/dataplane-linux';
import { credentialsHost } from '@pn/service-kit';
import { loadAgentConfig } from '../../services/host-agent/src/agent-config.js';
import { LINUX_PLANE, type LinuxPlane } from '../../services/host-agent/src/linux-plane.js';
import { dataPlaneBlocker } from '../../services/host-agent/src/preconditions.js';
import { startHostAgent } from '../../services/host-agent/src/start.js';
import type { PlatformContext } from './platform.js';

const run = promisify(execFile);

/** Why suites that need a data plane cannot run here; undefined when they can. */
export const noDataPlane = await dataPlaneBlocker();

export interface HostAgentContext {
  app: INestApplication;
  plane: LinuxPlane;
  url: string;
  /** Runs a command inside a resource's namespace (its stand-in VM); never throws, returns what it did. */
  exec(resourceId: string, command: string[], timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The same in the development internet's namespace. */
  internet(command: string[], timeoutMs?: number): Promise<{ code: number; stdout: string; stderr: string }>;
}

async function inNamespace(namespace: string, command: string[], timeoutMs: number) {
  try {
    const { stdout, stderr } = await run('ip', ['netns', 'exec', namespace, ...command], { timeout: timeoutMs, env: process.env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

export function useHostAgent(ctx: PlatformContext, options: { workloads?: boolean } = {}): HostAgentContext {
  const agent = {} as HostAgentContext;
  const prefix = `t${Math.random().toString(36).slice(2, 7).replace(/[^a-z0-9]/g, 'x')}`;
  // Workloads run as their own users (postgres): they must be able to reach their directories under it.
  const runDir = agentRunDir();
  beforeAll(async () => {
    if (noDataPlane) return;
    const platform = ctx.platform.configAs('host-agent');
    // Its host is the one its credentials are for.
    const env = { HOST_AGENT_PORT: '0', DATAPLANE_PREFIX: prefix, DATAPLANE_RUN_DIR: runDir, DATAPLANE_WORKLOADS: options.workloads === false ? 'off' : 'on' };
    const config = loadAgentConfig(env, credentialsHost(platform.natsCredentials));
    // The platform's dns listens on an ephemeral port: the one it got.
    agent.app = await startHostAgent({ ...platform, dnsPort: ctx.platform.dnsPort }, config);
    agent.plane = agent.app.get(LINUX_PLANE);
    agent.url = (await agent.app.getUrl()).replace('[::1]', '127.0.0.1');
    agent.exec = (id, command, timeoutMs = 15_000) => inNamespace(agent.plane.namespaceOf(id), command, timeoutMs);
    agent.internet = (command, timeoutMs = 15_000) => inNamespace(agent.plane.internetNamespace, command, timeoutMs);
  }, 120_000);
  // While the platform still runs: the agent takes its reports back on the bus as it stops.
  ctx.beforeStop(async () => {
    await agent.app?.close();
    if (!noDataPlane) await removeEverything(prefix);
    rmSync(runDir, { recursive: true, force: true });
  });
  return agent;
}

/** Where an agent process connects: a platform in this process (agentTarget) or one of processes (bench). */
export interface AgentTarget {
  readonly natsUrl: string;
  /** The host-agent role's credentials file. */
  readonly credentials: string;
  /** EVENT_STREAM, DNS_PORT, DNS_FORWARDER_SECRET, PUBLIC_IP_POOL, FLOWS_SUBJECT_PREFIX of the platform. */
  readonly env: Readonly<Record<string, string>>;
  /** The gateway's /healthz body. */
  healthz(): Promise<{ data_plane?: { hosts?: Array<{ host_id: string }> } } | undefined>;
}

export function agentTarget(ctx: PlatformContext): AgentTarget {
  const config = ctx.platform.config;
  return {
    natsUrl: ctx.nats.url,
    credentials: ctx.nats.credentials['host-agent'],
    env: {
      EVENT_STREAM: config.eventStream,
      DNS_PORT: String(ctx.platform.dnsPort),
      DNS_FORWARDER_SECRET: config.dnsForwarderSecret,
      PUBLIC_IP_POOL: config.publicIpPool,
      FLOWS_SUBJECT_PREFIX: config.flowsSubjectPrefix,
    },
    healthz: async () => (await ctx.api('GET', '/healthz')).body,
  };
}

export interface AgentProcessOptions {
  /** The host its credentials (the target's) are for. */
  readonly hostId: string;
  readonly prefix: string;
  readonly runDir: string;
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * The agent as its own process (`services/host-agent/dist/main.js`, built),
 * for suites that kill it: same prefix and run directory each time, so a
 * restarted one takes over what the last one made. Resolves once the
 * platform's /healthz lists its host.
 */
export async function startAgentProcess(target: AgentTarget, options: AgentProcessOptions): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'services', 'host-agent', 'dist', 'main.js')], {
    env: {
      ...process.env,
      ...target.env,
      NATS_URL: target.natsUrl,
      NATS_CREDENTIALS: target.credentials,
      HOST_ID: options.hostId,
      HOST_AGENT_PORT: '0',
      DATAPLANE_PREFIX: options.prefix,
      DATAPLANE_RUN_DIR: options.runDir,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    const body = await target.healthz().catch(() => undefined);
    if (body?.data_plane?.hosts?.some((h) => h.host_id === options.hostId)) return child;
    if (child.exitCode !== null) throw new Error(`the host agent exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the host agent process did not report within 30 s');
}

/** Stops a child process (SIGTERM: a clean stop; SIGKILL: a crash) and waits for it to be gone. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await gone;
}

/** A temporary run directory that workloads (running as their own users) can enter. */
export function agentRunDir(): string {
  const runDir = mkdtempSync(join(tmpdir(), 'pn-agent-'));
  chmodSync(runDir, 0o755);
  return runDir;
}

/**
 * A suite's agent process: its own prefix and run directory, started (and
 * restarted) with `start()`, killed with `stop('SIGKILL')`, and removed with
 * everything it made after the suite.
 */
export function useAgentProcess(ctx: PlatformContext, env: Readonly<Record<string, string>> = {}) {
  const prefix = `p${Math.random().toString(36).slice(2, 7).replace(/[^a-z0-9]/g, 'x')}`;
  const runDir = agentRunDir();
  // The suites' platform gives the host agent's credentials to host `local`.
  const options = { hostId: LOCAL_HOST, prefix, runDir, env };
  const agent = {
    prefix,
    hostId: options.hostId,
    names: namesFor(prefix),
    process: undefined as ChildProcess | undefined,
    async start() {
      agent.process = await startAgentProcess(agentTarget(ctx), options);
      return agent.process;
    },
    stop: (signal: NodeJS.Signals = 'SIGTERM') => stopChild(agent.process, signal),
  };
  ctx.beforeStop(async () => {
    await agent.stop();
    if (!noDataPlane) await removeEverything(prefix);
    rmSync(runDir, { recursive: true, force: true });
  });
  return agent;
}
