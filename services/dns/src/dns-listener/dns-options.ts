// How the dns service answers DNS: in its own process, or in answering
// workers (dns-workers.ts). Given to startDns rather than read from
// PlatformConfig, so the in-process test platform keeps answering in-process
// and only the suites about workers fork them.
import { availableParallelism } from 'node:os';

export interface DnsOptions {
  /** Answering workers; 0 or 1: this process answers (no workers). */
  readonly workers?: number;
}

export const DNS_OPTIONS = Symbol('DNS_OPTIONS');

/** More workers than this only adds idle processes and memory. */
const MAX_DEFAULT_WORKERS = 8;

/** DNS_WORKERS, or one worker per core (none on a single core, where a worker would only add a hop). */
export function dnsWorkersFromEnv(env: NodeJS.ProcessEnv, cores = availableParallelism()): number {
  const raw = env.DNS_WORKERS;
  if (raw === undefined || raw === '') {
    return cores > 1 ? Math.min(cores, MAX_DEFAULT_WORKERS) : 0;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new RangeError(`DNS_WORKERS must be an integer from 0 to 256, got ${raw}`);
  return n;
}
