// Access to a container engine through testcontainers, for the helpers that
// start servers. Loaded lazily, so suites that never need a container never
// load testcontainers.
import type { ContainerRuntimeClient } from 'testcontainers';

export type Testcontainers = typeof import('testcontainers');

export type Engine =
  | { readonly ok: true; readonly tc: Testcontainers; readonly runtime: ContainerRuntimeClient }
  | { readonly ok: false; readonly reason: string };

export async function reachEngine(): Promise<Engine> {
  // Ryuk, the reaper container, is an image nobody can pull here. The
  // variable must be set before testcontainers loads: it is read at import.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const tc = await import('testcontainers');
  try {
    return { ok: true, tc, runtime: await tc.getContainerRuntimeClient() };
  } catch (error) {
    return { ok: false, reason: `no container engine is reachable (${firstLine(error)})` };
  }
}

export function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0]!;
}

/** Docker publishes on IPv4; "localhost" may resolve to ::1 first. */
export function ipv4Host(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host;
}
