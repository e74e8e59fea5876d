// `npm run flows` against the platform: the generator reads a fresh account's
// resources over the gateway, publishes a few seconds of flows of every kind,
// and the usage totals must equal exactly what it says it published (the
// account had none before, so the totals are the run's).
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('billing-flows');
const root = join(import.meta.dirname, '..', '..');

/** Runs scripts/flows.mjs as a user would, asynchronously: the platform answers from this process. */
function runFlows(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'scripts/flows.mjs'), ...args, '--gateway', ctx.platform.url, '--nats', ctx.nats.url],
      { env: { ...process.env, NATS_CREDENTIALS: ctx.nats.credentials.operator, FLOWS_SUBJECT_PREFIX: ctx.platform.config.flowsSubjectPrefix, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run flows', () => {
  it('publishes every kind of flow for the account and the usage totals equal what it published', async () => {
    const key = await ctx.newKey('flows');
    const H = { key };
    // A web VM (public, :3000), a worker, a public database: every kind is possible.
    expect((await ctx.api('POST', '/v1/hosting/vms', { ...H, body: { name: 'web', image: 'nodejs-24' } })).status).toBe(201);
    expect((await ctx.api('POST', '/v1/hosting/vms', { ...H, body: { name: 'worker' } })).status).toBe(201);
    const db = (await ctx.api('POST', '/v1/hosting/databases', { ...H, body: { name: 'pg' } })).body;
    expect((await ctx.api('PATCH', `/v1/hosting/databases/${db.id}`, { ...H, body: { public_access: true } })).status).toBe(200);

    const run = await runFlows(['--account', key, '--minutes', '0.1', '--rate', '200', '--json']);
    if (run.code !== 0) console.log(run.stderr);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.matches).toBe(true);
    expect(summary.flows).toBeGreaterThanOrEqual(1000); // 6 s at 200/s
    for (const kind of ['private', 'egress', 'response', 'ingress']) expect(summary.published[kind].flows).toBeGreaterThan(0);

    // Read back here too, not only as the script saw it: the fresh account's totals are exactly the run's.
    const sum = (kinds: string[]) => kinds.reduce((s, k) => s + BigInt(summary.published[k].bytes), 0n);
    const [period] = Object.keys(summary.expected);
    const usage = (await ctx.api('GET', `/v1/hosting/billing/usage?period=${period}`, H)).body;
    expect(BigInt(usage.totals.private_bytes)).toBe(sum(['private']));
    expect(BigInt(usage.totals.egress_bytes)).toBe(sum(['egress', 'response', 'hairpin']));
    expect(BigInt(usage.totals.ingress_bytes)).toBe(sum(['ingress']));
    expect(usage.totals.rejected_bytes).toBe(0);
    expect(run.stderr).toContain('the usage totals grew by exactly what was published');
  }, 150_000);

  it('takes an account id with API_KEY, and refuses one that is not the key\'s account', async () => {
    const admin = ctx.platform.adminToken;
    const account = (await ctx.api('POST', '/v1/admin/accounts', { admin, body: { name: 'by-id' } })).body;
    expect((await ctx.api('POST', '/v1/hosting/vms', { key: account.api_key, body: { name: 'solo' } })).status).toBe(201);
    const ok = await runFlows(['--account', account.id, '--minutes', '0.02', '--rate', '50', '--json'], { API_KEY: account.api_key });
    expect(ok.code).toBe(0);
    // One VM without a public address: only egress is possible, and it says why the rest are not.
    expect(JSON.parse(ok.stdout).published.private.flows).toBe(0);
    expect(ok.stderr).toContain('no private, response, ingress, hairpin flows');
    const wrong = await runFlows(['--account', 'acc_01NOTTHISONE000000000000000', '--minutes', '0.02'], { API_KEY: account.api_key });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`belongs to ${account.id}`);
  }, 60_000);
});
