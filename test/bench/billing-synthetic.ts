// Synthetic input for bench/billing's in-process measure: an ownership
// timeline the size of a busy region (NETWORKS networks of RESOURCES_PER
// resources, a tenth of the addresses released and reused, a public address
// for one resource in eight), and flows over it in the proportions a real
// data plane reports, each tagged with the class billing must give it, so the
// benchmark also checks it classified every one right.
import { OwnershipTimeline, type FlowClass } from '@pn/billing-domain';

export const NETWORKS = 2_000;
export const RESOURCES_PER = 20;
/** Every address was first held from here; a reused one changed hands at REUSED_AT. */
const FROM_MS = Date.UTC(2026, 0, 1);
const REUSED_AT = Date.UTC(2026, 0, 15);
/** Flows are on the 20th onwards: after every reuse, so the newer holder is the one billed. */
const FLOW_START = Math.floor(Date.UTC(2026, 0, 20) / 1000);

interface Res {
  readonly id: string;
  readonly privateIp: string;
  readonly publicIp?: string;
}
interface Net {
  readonly id: string;
  readonly account: string;
  readonly resources: Res[];
  readonly publics: Res[];
}

export interface Synthetic {
  readonly timeline: OwnershipTimeline;
  readonly holdings: number;
  /** One flow as the data plane writes it (JSON object) and the class it must get. */
  flow(i: number): { json: Record<string, unknown>; expected: FlowClass };
}

/** Deterministic and cheap (xorshift), so runs compare. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export function synthetic(): Synthetic {
  const timeline = new OwnershipTimeline();
  const nets: Net[] = [];
  let holdings = 0;
  let pub = 0;
  for (let n = 0; n < NETWORKS; n++) {
    const id = `net_bench${n}`;
    const account = `acc_bench${Math.floor(n / 4)}`; // four projects an account
    const resources: Res[] = [];
    for (let r = 0; r < RESOURCES_PER; r++) {
      const rid = `vm_bench${n}x${r}`;
      const privateIp = `10.${n % 256}.1.${r + 1}`;
      const publicIp = r % 8 === 0 ? `100.${64 + Math.floor(pub / 65536)}.${Math.floor(pub / 256) % 256}.${pub++ % 256}` : undefined;
      const base = { accountId: account, projectId: `prj_${n}`, networkId: id, kind: 'vm', name: `vm-${r}` };
      if (r % 10 === 0) {
        // A reused address: an earlier resource held it and let it go.
        timeline.held({ ...base, resourceId: `${rid}old`, sourceEventId: `h-${rid}old`, scope: 'private', ip: privateIp, fromMs: FROM_MS });
        timeline.ended({ sourceEventId: `e-${rid}old`, scope: 'private', ip: privateIp, networkId: id, resourceId: `${rid}old`, untilMs: REUSED_AT - 600_000 });
        holdings++;
      }
      const fromMs = r % 10 === 0 ? REUSED_AT : FROM_MS;
      timeline.held({ ...base, resourceId: rid, sourceEventId: `h-${rid}`, scope: 'private', ip: privateIp, fromMs });
      holdings++;
      if (publicIp) {
        timeline.held({ ...base, resourceId: rid, sourceEventId: `p-${rid}`, scope: 'public', ip: publicIp, fromMs });
        holdings++;
      }
      resources.push({ id: rid, privateIp, publicIp });
    }
    nets.push({ id, account, resources, publics: resources.filter((r) => r.publicIp) });
  }

  const random = rng(0x9e3779b9);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const flow = (i: number) => {
    const net = pick(nets);
    const a = pick(net.resources);
    const x = random();
    let src: string, dst: string, expected: FlowClass;
    // Proportions: private 40%, egress 30%, responses 12%, ingress 13%, hairpin 3%, rejected 2%.
    if (x < 0.4) [src, dst, expected] = [a.privateIp, pick(net.resources.filter((r) => r !== a)).privateIp, 'private'];
    else if (x < 0.7) [src, dst, expected] = [a.privateIp, `192.0.2.${1 + Math.floor(random() * 254)}`, 'egress'];
    else if (x < 0.82) [src, dst, expected] = [pick(net.publics).publicIp!, `198.51.100.${1 + Math.floor(random() * 254)}`, 'egress'];
    else if (x < 0.95) [src, dst, expected] = [`198.51.100.${1 + Math.floor(random() * 254)}`, pick(net.publics).privateIp, 'ingress'];
    else if (x < 0.98) [src, dst, expected] = [a.privateIp, pick(net.publics).publicIp!, 'hairpin'];
    else [src, dst, expected] = [a.privateIp, `10.${Number(net.id.slice(9)) % 256}.9.9`, 'rejected'];
    const start = FLOW_START + (i % 86_400);
    return {
      json: { flow_id: `f${i}`, network_id: net.id, src_ip: src, src_port: 30000 + (i % 30000), dst_ip: dst, dst_port: 443, protocol: 6, bytes: 1 + (i % 100_000), packets: 1 + (i % 80), start, end: start + 5 },
      expected,
    };
  };
  return { timeline, holdings, flow };
}
