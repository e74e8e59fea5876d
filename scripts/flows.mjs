#!/usr/bin/env node
// `npm run flows -- --account <api key | account id> [--project <name>]
//    [--minutes N] [--rate flows/s] [--gateway URL] [--nats URL] [--json]`

// Publishes a realistic stream of flow records for an account's resources, as
// a data plane would, so a new user can watch usage fill in: reads the
// account's networks and resources over the gateway API, publishes a batch of
// JSON flows each second on FLOWS_SUBJECT_PREFIX (default telemetry.flows)
// through JetStream, prints what it published, then waits for the usage
// endpoint to show it and prints its totals. Exits 1 if they do not match
// (by the change since it started, so earlier usage does not matter).
//
// The gateway API needs the API key: pass it as --account, or pass the
// account id and set API_KEY (or PN_API_KEY) to a key of that account.
// "The internet" is RFC 5737 documentation addresses: only records go out.
// NATS: --nats, else NATS_URL, else the one `npm start` runs (its credentials
// for the `operator` role are found in .run/nats/credentials/); NATS_CREDENTIALS
// names another credentials file (an operator's NATS).
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { accountIdOf, gatewayClient, readNetworks } from './lib/account-resources.mjs';
import { toolConnectOptions, toolNatsUrl } from './lib/bus.mjs';
import { flowMaker, KINDS, possibleKinds, TOTAL_OF } from './lib/flow-mix.mjs';

const USAGE = 'usage: npm run flows -- --account <api key | account id> [--project <name>] [--minutes N] [--rate flows/s] [--gateway URL] [--nats URL] [--json]';
const TOTALS = ['private_bytes', 'egress_bytes', 'ingress_bytes', 'rejected_bytes'];
/** JetStream refuses messages over max_payload (1 MB by default); 1,000 flows are about 250 KB. */
const BATCH = 1000;

const { values: opts } = parseArgs({
  options: {
    account: { type: 'string' },
    project: { type: 'string' },
    minutes: { type: 'string', default: '1' },
    rate: { type: 'string', default: '20' },
    gateway: { type: 'string', default: process.env.PN_GATEWAY_URL ?? 'http://127.0.0.1:8080' },
    nats: { type: 'string', default: toolNatsUrl() },
    json: { type: 'boolean', default: false },
  },
});
const minutes = Number(opts.minutes);
const rate = Number(opts.rate);
if (!opts.account || !(minutes > 0) || !(rate > 0)) fail(USAGE, 2);

// With --json the summary is the only thing on stdout (for scripts and tests); the narration goes to stderr.
const say = (line = '') => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const apiKey = opts.account.startsWith('acc_') ? (process.env.API_KEY ?? process.env.PN_API_KEY) : opts.account;
if (!apiKey) fail(`${opts.account} is an account id: the gateway API needs one of its API keys too; set API_KEY (or pass the key as --account)`, 2);
const get = gatewayClient(opts.gateway.replace(/\/$/, ''), apiKey);
const month = (ms) => new Date(ms).toISOString().slice(0, 7);
const usageOf = (period) => get(`/v1/hosting/billing/usage?period=${period}${opts.project ? `&project=${encodeURIComponent(opts.project)}` : ''}`);

try {
  await main();
} catch (error) {
  fail(`flows: ${error.message}`);
}

async function main() {
  const networks = await readNetworks(get, opts.project);
  const count = networks.reduce((s, n) => s + n.resources.length, 0);
  if (count === 0) fail(`no running resource with an address${opts.project ? ` in project ${opts.project}` : ''}: create a VM first (see the README's "Try it")`);
  if (opts.account.startsWith('acc_')) {
    // Flows for another account's key would fill the wrong usage: refuse rather than guess.
    const owner = await accountIdOf(get, networks);
    if (owner !== opts.account) fail(`API_KEY belongs to ${owner ?? 'an account this cannot tell'}, not ${opts.account}`, 2);
  }
  for (const n of networks) {
    if (n.resources.length === 0) continue;
    say(`project ${n.project} (${n.networkId}):`);
    for (const r of n.resources) say(`  ${r.kind.padEnd(8)} ${r.name.padEnd(24)} ${r.privateIp.padEnd(15)} ${r.publicIp ?? ''}`);
  }
  const possible = possibleKinds(networks);
  const missing = KINDS.filter((k) => !possible[k]);
  if (missing.length) say(`no ${missing.join(', ')} flows: ${!possible.private ? 'private needs two resources in one project; ' : ''}${!possible.response ? 'responses, ingress and hairpins need a public address (open a port, or public_access); ' : ''}${possible.response && !possible.hairpin ? 'a hairpin needs a VM in a project with a public address' : ''}`);

  // As the `operator` role: it may publish flow records and nothing else.
  const nc = await connect(await toolConnectOptions(opts.nats, 'operator', 'flows-generator'));
  const js = jetstream(nc);
  const subject = process.env.FLOWS_SUBJECT_PREFIX || 'telemetry.flows';
  const started = Date.now();
  const ends = started + minutes * 60_000;
  // Usage before: what this run adds is read as the change, so earlier flows do not matter.
  const periods = [...new Set([month(started), month(ends + 10_000)])];
  const baseline = Object.fromEntries(await Promise.all(periods.map(async (p) => [p, (await usageOf(p)).totals])));

  const next = flowMaker(networks, { runId: randomBytes(4).toString('hex') });
  const published = Object.fromEntries(KINDS.map((k) => [k, { flows: 0, bytes: 0n }]));
  const expected = {}; // period → total → bytes
  // A flow may not start before the addresses it names were read as held (billing would reject it).
  const firstSecond = Math.floor(started / 1000);
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  say(`publishing about ${rate} flows/s on ${subject} for ${minutes} min (Ctrl-C stops early and still reports)`);
  let owed = 0;
  for (let tick = started; tick < ends && !stop; tick += 1000) {
    await new Promise((r) => setTimeout(r, Math.max(0, tick - Date.now())));
    owed += rate;
    const n = Math.floor(owed);
    owed -= n;
    const end = Math.floor(Date.now() / 1000);
    const batch = [];
    for (let i = 0; i < n; i++) {
      // Flows are reported when they close; they lasted up to a few seconds.
      const start = Math.max(firstSecond, end - Math.floor(Math.random() * 5));
      const { kind, record } = next(start, end);
      batch.push(record);
      published[kind].flows++;
      published[kind].bytes += BigInt(record.bytes);
      const byTotal = (expected[month(start * 1000)] ??= Object.fromEntries(TOTALS.map((t) => [t, 0n])));
      byTotal[TOTAL_OF[kind]] += BigInt(record.bytes);
    }
    for (let i = 0; i < batch.length; i += BATCH) await publishBatch(js, subject, batch.slice(i, i + BATCH));
  }
  await nc.drain();

  say('');
  say('published:');
  for (const k of KINDS) say(`  ${k.padEnd(9)} ${String(published[k].flows).padStart(8)} flows ${published[k].bytes.toLocaleString('en-US').padStart(20)} bytes`);
  const flows = KINDS.reduce((s, k) => s + published[k].flows, 0);
  say(`waiting for the usage endpoint to show ${flows} flows…`);
  const { shown, matches } = await awaitUsage(expected, baseline, flows);
  for (const [period, totals] of Object.entries(shown)) {
    say(`usage ${period}${opts.project ? ` (project ${opts.project})` : ''}: ${TOTALS.map((t) => `${t} ${BigInt(totals[t]).toLocaleString('en-US')}`).join(', ')}`);
  }
  say(matches ? 'the usage totals grew by exactly what was published' : 'the usage totals did not grow by what was published (is billing running? another publisher on this account?)');
  if (opts.json) {
    const text = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
    const summary = {
      flows,
      published: Object.fromEntries(KINDS.map((k) => [k, { flows: published[k].flows, bytes: published[k].bytes.toString() }])),
      expected: Object.fromEntries(Object.entries(expected).map(([p, t]) => [p, text(t)])),
      usage: shown,
      matches,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  process.exitCode = matches ? 0 : 1;
}

async function publishBatch(js, subject, flows) {
  try {
    await js.publish(subject, JSON.stringify(flows));
  } catch (error) {
    // No stream captures the subject until billing has started once and made it.
    throw new Error(`publishing on ${subject} failed (${error.message}): is billing running, and is FLOWS_SUBJECT_PREFIX the one it uses?`);
  }
}

/** Polls usage until each period's totals grew by what was published (or it gives up); billing meters thousands of flows a second. */
async function awaitUsage(expected, baseline, flows) {
  const until = Date.now() + 30_000 + flows;
  for (;;) {
    const shown = {};
    let matches = true;
    for (const period of Object.keys(expected)) {
      const totals = (await usageOf(period)).totals;
      shown[period] = totals;
      const before = baseline[period] ?? Object.fromEntries(TOTALS.map((t) => [t, 0]));
      for (const t of TOTALS) if (BigInt(totals[t]) - BigInt(before[t]) !== expected[period][t]) matches = false;
    }
    if (matches || Date.now() > until) return { shown, matches };
    await new Promise((r) => setTimeout(r, 500));
  }
}
