// Billing as its own process (services/billing/dist: build first), for suites
// that kill it and start it again: the platform runs without billing, and
// this starts one on the suite's NATS with the suite's names.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { PlatformContext } from './platform.js';

const root = join(import.meta.dirname, '..', '..');

export function startBillingProcess(ctx: PlatformContext, env: Record<string, string> = {}): ChildProcess {
  const c = ctx.platform.config;
  return spawn(process.execPath, [join(root, 'services/billing/dist/main.js')], {
    env: {
      ...process.env,
      NATS_URL: ctx.nats.url,
      NATS_CREDENTIALS: ctx.nats.credentials.billing,
      EVENT_STREAM: c.eventStream,
      EVENT_SUBJECT_PREFIX: c.eventSubjectPrefix,
      INTEGRATION_STREAM: c.integrationStream,
      INTEGRATION_SUBJECT_PREFIX: c.integrationSubjectPrefix,
      FLOWS_STREAM: c.flowsStream,
      FLOWS_SUBJECT_PREFIX: c.flowsSubjectPrefix,
      METRICS_PORT: '0',
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Resolves once billing answers a usage read for the key's account (it has made the flows stream by then). */
export async function untilBillingAnswers(ctx: PlatformContext, key: string, timeoutMs = 30_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
    if ((await ctx.api('GET', `/v1/hosting/billing/usage?period=2026-01`, { key })).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('billing did not answer');
}
