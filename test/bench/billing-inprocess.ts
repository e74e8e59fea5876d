// bench/billing, in process: what FlowMeter does to each flow before it
// appends, with no bus and no store — JSON.parse of a 1,000-flow batch,
// parseFlowJson, the network's owner, classify at the flow's time, its
// period and dedupKey, and an in-memory Set as the dedup (a twentieth of the
// flows are sent twice). Two passes: the whole of that, and classification
// plus dedup key alone on flows already parsed. Generating the input is not
// timed. Every flow's class is checked against the one the generator meant.
import { classify, dedupKey, parseFlowJson, parseFlowMessage, periodOf, type Flow } from '@pn/billing-domain';
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
  const seen = new Set<string>();
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
    for (let k = 0; k < message.value.length; k++) {
      const p = parseFlowJson(message.value[k]);
      if (!p.ok) throw new Error(p.reason);
      const flow = p.value;
      if (!timeline.network(flow.networkId!)) throw new Error(`unknown network ${flow.networkId}`);
      const c = classify({ networkId: flow.networkId!, srcIp: flow.srcIp, dstIp: flow.dstIp, atMs: flow.start * 1000 }, timeline);
      periodOf(flow.start * 1000);
      const key = dedupKey(flow, flow.networkId!);
      if (seen.has(key)) duplicates++;
      else seen.add(key);
      if (c.class !== made[k]!.expected) misclassified++;
      parsed.push(flow);
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
