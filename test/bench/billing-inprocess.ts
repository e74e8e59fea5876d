// bench/billing, in process: what FlowMeter does to each batch before it
// appends, with no bus and no store — JSON.parse of a 1,000-flow batch,
// parseFlowJson, meterFlow (the network's owner, classify at the flow's
// time, its period, invoice and dedupKey), and the meter partition decider
// (dedup against the partition's keys, bytes summed per usage row) with its
// event folded in, as the command handler does (a twentieth of the flows are
// sent twice). Two passes: the whole of that, and classification
// plus dedup key alone on flows already parsed. Generating the input is not
// timed. Every flow's class is checked against the one the generator meant.
import { classify, dedupKey, meterFlow, meterPartitionDecider, parseFlowJson, parseFlowMessage, partitionOf, type Flow, type MeteredFlow } from '@pn/billing-domain';
import { synthetic } from './billing-synthetic.js';

const BATCH = 1000;
const REPEAT_EVERY = 20;

export interface InProcessResult {
  readonly holdings: number;
  readonly fullPerSecond: number;
  readonly classifyPerSecond: number;
  readonly duplicates: number;
  readonly misclassified: number;
}

export function measureInProcess(flows: number): InProcessResult {
  const input = synthetic();
  const { timeline } = input;
  const partitions = new Map<number, ReturnType<typeof meterPartitionDecider.initialState>>();
  const arrivedAtMs = Date.now();
  let fullMs = 0;
  let classifyMs = 0;
  let duplicates = 0;
  let misclassified = 0;
  for (let first = 0; first < flows; first += BATCH) {
    const made: Array<ReturnType<typeof input.flow>> = [];
    for (let i = first; i < Math.min(flows, first + BATCH); i++) {
      // Every REPEAT_EVERY-th flow is the one before it again (a replay): counted once.
      made.push(i % REPEAT_EVERY === REPEAT_EVERY - 1 && made.length > 0 ? made[made.length - 1]! : input.flow(i));
    }
    const text = JSON.stringify(made.map((m) => m.json));

    let t = performance.now();
    const parsed: Flow[] = [];
    const message = parseFlowMessage(text);
    if (!message.ok) throw new Error(message.reason);
    const batches = new Map<number, MeteredFlow[]>();
    const periods = new Map<number, [string, string, string]>();
    for (let k = 0; k < message.value.length; k++) {
      const p = parseFlowJson(message.value[k]);
      if (!p.ok) throw new Error(p.reason);
      const flow = p.value;
      const metered = meterFlow(flow, timeline, arrivedAtMs, 48 * 3_600_000, periods);
      if (!metered.ok) throw new Error(metered.reason);
      if (metered.value.class !== made[k]!.expected) misclassified++;
      const partition = partitionOf(metered.value.networkId, 16);
      let batch = batches.get(partition);
      if (!batch) batches.set(partition, (batch = []));
      batch.push(metered.value);
      parsed.push(flow);
    }
    for (const [partition, flows] of batches) {
      let state = partitions.get(partition) ?? meterPartitionDecider.initialState();
      const events = meterPartitionDecider.decide({ flows, finalThrough: '' }, state);
      let counted = 0;
      for (const e of events) {
        state = meterPartitionDecider.evolve(state, e);
        for (const keys of e.keys.values()) counted += keys.length;
      }
      partitions.set(partition, state);
      duplicates += flows.length - counted;
    }
    fullMs += performance.now() - t;

    // Classification and the dedup key alone, on the flows parsed above.
    t = performance.now();
    for (const flow of parsed) {
      classify({ networkId: flow.networkId!, srcIp: flow.srcIp, dstIp: flow.dstIp, atMs: flow.start * 1000 }, timeline);
      dedupKey(flow, flow.networkId!);
    }
    classifyMs += performance.now() - t;
  }
  return {
    holdings: input.holdings,
    fullPerSecond: flows / (fullMs / 1000),
    classifyPerSecond: flows / (classifyMs / 1000),
    duplicates,
    misclassified,
  };
}
