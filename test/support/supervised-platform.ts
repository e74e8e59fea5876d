// The platform as `npm start` runs it: every service its own process (from
// its build) under the supervisor of scripts/lib, on a NATS the test can
// restart. For the chaos suite: kill -9 a service and the supervisor brings
// it back while the others keep serving.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { serviceEnv, serviceEnvironment } from './service-env.js';
import { Supervisor } from '../../scripts/lib/supervisor.mjs';

const root = join(import.meta.dirname, '..', '..');
export const SERVICE_NAMES = ['ipam', 'dns', 'billing', 'resources', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];


export interface SupervisedPlatform {
  readonly url: string;
  readonly dnsPort: number;
  readonly adminToken: string;
  /** The services' environment (stream names, …). */
  readonly env: NodeJS.ProcessEnv;
  /** Lines the supervisor reported (crashes, restarts). */
  readonly reports: string[];
  pidOf(service: ServiceName): number | undefined;
  /** kill -9 of one service; resolves once the supervisor has started it again. */
  crash(service: ServiceName): Promise<void>;
  /** Starts every service (again, after stop()). */
  start(): Promise<void>;
  /** Stops every service cleanly. */
  stop(): Promise<void>;
  /** Resolves once /healthz answers 200 (every service up), or throws after `ms`. */
  healthy(ms?: number): Promise<void>;
}

/**
 * `run` and `credentials`: the run's name and each role's credentials file, on a NATS secured for that run;
 * `overrides` win over the caller's environment (the cluster suite's EVENT_STREAM_REPLICAS=3, say).
 */
export async function startSupervisedPlatform(
  natsUrl: string,
  options: { run?: string; credentials?: Readonly<Record<string, string>>; overrides?: Readonly<Record<string, string>> } = {},
): Promise<SupervisedPlatform> {
  const base = await serviceEnvironment(natsUrl, 'chaos', process.env.LOG_LEVEL ?? 'error', {}, options.run);
  const { gatewayPort, dnsPort, adminToken } = base;
  const env = { ...base.env, ...options.overrides };
  const reports: string[] = [];
  let supervisor: Supervisor | undefined;
  const url = `http://127.0.0.1:${gatewayPort}`;

  const platform: SupervisedPlatform = {
    url,
    dnsPort,
    adminToken,
    env,
    reports,
    pidOf: (service) => supervisor?.pidOf(service),
    async crash(service) {
      const s = supervisor!;
      const pid = s.pidOf(service);
      if (pid === undefined) throw new Error(`${service} is not running`);
      const respawned = new Promise<void>((resolve) => {
        const onSpawn = (event: { name: string }) => {
          if (event.name !== service) return;
          s.off('spawn', onSpawn);
          resolve();
        };
        s.on('spawn', onSpawn);
      });
      process.kill(pid, 'SIGKILL');
      await respawned;
    },
    async start() {
      supervisor = new Supervisor({ report: (line) => reports.push(line), stopGraceMs: 10_000 });
      for (const name of SERVICE_NAMES) {
        supervisor.add(name, () =>
          spawn(process.execPath, [join(root, 'services', name, 'dist', 'main.js')], { env: serviceEnv(env, name, options.credentials), stdio: ['ignore', 'ignore', 'inherit'] }),
        );
      }
      await platform.healthy();
    },
    async stop() {
      await supervisor?.stop();
    },
    async healthy(ms = 60_000) {
      const end = Date.now() + ms;
      let last = 'no answer';
      for (;;) {
        try {
          const response = await fetch(`${url}/healthz`);
          if (response.status === 200) return;
          last = await response.text();
        } catch {
          // the gateway is not listening (yet)
        }
        if (Date.now() > end) throw new Error(`the platform was not healthy within ${ms} ms (last /healthz: ${last.slice(0, 2000)}); supervisor said: ${reports.join(' | ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  await platform.start();
  return platform;
}
