// bench/billing, end to end: the five services each in its own process from
// their builds (billing included, as production runs it), a real account with
// three VMs (one public), and FLOWS flow records published on the flows
// subject through JetStream in arrays of BATCH, as fast as the bus takes
// them. Timed from the first publish until the usage endpoint's totals show
// every byte — and they must be exact, class by class.
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { deleteEventStream } from '../support/event-stream.js';
import { apiClient } from '../support/platform.js';
import { startPlatformProcesses, type SecuredRun } from '../support/processes.js';

/** Publishes awaited at once: enough to keep the bus busy without holding the whole run in memory. */
const PUBLISH_IN_FLIGHT = 16;

export interface E2eResult {
  readonly publishSeconds: number;
  readonly totalSeconds: number;
  readonly exact: boolean;
  readonly billingPid: number;
  readonly expected: Record<string, bigint>;
  readonly shown: Record<string, unknown>;
}

/** On `bus`, a NATS secured for its run: every service as its role, the flows published as the operator tools' role. */
export async function measureEndToEnd(bus: SecuredRun, flows: number, batch: number, timeoutMs: number, log: (line: string) => void): Promise<E2eResult> {
  const platform = await startPlatformProcesses(bus.nats.url, bus.platform);
  const nc = await connect(bus.nats.connectOptions('operator'));
  try {
    const api = apiClient(platform.url);
    const account = await api('POST', '/v1/admin/accounts', { admin: platform.adminToken, body: { name: 'bench' } });
    const key = account.body.api_key as string;
    const web = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'web', image: 'nodejs-24' } })).body;
    const a = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'worker-a' } })).body;
    const b = (await api('POST', '/v1/hosting/vms', { key, body: { name: 'worker-b' } })).body;
    const net = (await api('GET', '/v1/hosting/network/topology', { key })).body.network_id as string;
    const t = Math.floor(Date.now() / 1000);
    const period = new Date(t * 1000).toISOString().slice(0, 7);
    const usage = () => api('GET', `/v1/hosting/billing/usage?period=${period}`, { key });
    // Billing answers (and has made the flows stream) before the clock starts.
    for (const until = Date.now() + 60_000; (await usage()).status !== 200; ) {
      if (Date.now() > until) throw new Error('billing did not answer within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }

    // A quarter each: private, egress, a response from web's public address, ingress. Sizes differ per flow, so a lost or doubled one shows.
    const kinds = [
      { total: 'private_bytes', src: a.private_ip, dst: b.private_ip },
      { total: 'egress_bytes', src: a.private_ip, dst: '192.0.2.10' },
      { total: 'egress_bytes', src: web.public_ip, dst: '198.51.100.7' },
      { total: 'ingress_bytes', src: '198.51.100.7', dst: web.private_ip },
    ];
    const expected: Record<string, bigint> = { private_bytes: 0n, egress_bytes: 0n, ingress_bytes: 0n, rejected_bytes: 0n };
    const js = jetstream(nc);
    const subject = bus.streams.FLOWS_SUBJECT_PREFIX;
    // Billing knows the VMs before the clock starts: one private flow of 1 byte, counted (a flow of a network billing
    // has not heard of yet is parked, so on a loaded machine it may take more than one), then the run (the same flow id each time, so it counts once however many reach billing).
    for (let n = 0, until = Date.now() + 60_000; ; n++) {
      if (Date.now() > until) throw new Error('billing did not count a warm-up flow within 60 s');
      const w = Math.floor(Date.now() / 1000);
      await js.publish(subject, JSON.stringify({ flow_id: 'warm', network_id: net, src_ip: a.private_ip, src_port: 1, dst_ip: b.private_ip, dst_port: 1, protocol: 6, bytes: 1, packets: 1, start: w, end: w }));
      const seen = async () => BigInt((await usage()).body?.totals?.private_bytes ?? 0) > 0n;
      for (const by = Date.now() + 5_000; Date.now() < by && !(await seen()); ) await new Promise((r) => setTimeout(r, 100));
      if (await seen()) break;
    }
    expected.private_bytes = 1n;
    const started = performance.now();
    const pending = new Set<Promise<unknown>>();
    for (let first = 0; first < flows; first += batch) {
      const records = [];
      for (let i = first; i < Math.min(flows, first + batch); i++) {
        const k = kinds[i % 4]!;
        const bytes = 1_000 + (i % 9_973);
        expected[k.total]! += BigInt(bytes);
        records.push({ flow_id: `b${i}`, network_id: net, src_ip: k.src, src_port: 1024 + (i % 60_000), dst_ip: k.dst, dst_port: 443, protocol: 6, bytes, packets: 1, start: t, end: t + 1 });
      }
      const p = js.publish(subject, JSON.stringify(records)).finally(() => pending.delete(p));
      pending.add(p);
      if (pending.size >= PUBLISH_IN_FLIGHT) await Promise.race(pending);
    }
    await Promise.all(pending);
    const publishSeconds = (performance.now() - started) / 1000;
    log(`bench/billing: ${flows.toLocaleString('en-US')} flows published in ${publishSeconds.toFixed(1)} s; waiting for usage to show them`);

    let shown: Record<string, unknown> = {};
    let exact = false;
    let lastLog = performance.now();
    for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
      shown = (await usage()).body?.totals ?? {};
      exact = Object.keys(expected).every((k) => shown[k] !== undefined && BigInt(shown[k] as number) === expected[k]);
      const reached = Object.keys(expected).every((k) => shown[k] !== undefined && BigInt(shown[k] as number) >= expected[k]!);
      if (exact || reached) break;
      if (performance.now() - lastLog > 30_000) {
        lastLog = performance.now();
        log(`bench/billing: after ${((lastLog - started) / 1000).toFixed(0)} s usage shows ${JSON.stringify(shown)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const totalSeconds = (performance.now() - started) / 1000;
    const billingPid = platform.services.find((s) => s.name === 'billing')!.pid;
    return { publishSeconds, totalSeconds, exact, billingPid, expected, shown };
  } finally {
    await nc.close();
    await platform.stop();
    await deleteEventStream(bus.platform.admin, bus.streams.INTEGRATION_STREAM, bus.streams.FLOWS_STREAM);
  }
}
