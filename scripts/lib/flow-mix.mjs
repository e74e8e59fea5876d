// The traffic `npm run flows` makes up for an account: what a data plane
// would report for a few busy resources. Pure (randomness passed in), so the
// same mix can be reasoned about apart from the bus.
//
// "The internet" is only ever the documentation ranges (RFC 5737):
// 192.0.2.0/24 for services the resources call, 198.51.100.0/24 for the
// browsers calling them. Nothing is sent anywhere: these are records.
//
// Each flow says which usage total it should land in, as billing's rules
// classify it (libs/billing/domain/src/classify.ts):
//   private   resource → resource of the same network          free
//   egress    resource → internet                              billed
//   response  resource's public address → a browser           billed (egress)
//   ingress   browser → resource (after DNAT, its private ip)  free
//   hairpin   VM → public address of a resource of its network billed (egress), hinted
//             (a VM may call its own public URL; a managed service calls no one)
export const KINDS = ['private', 'egress', 'response', 'ingress', 'hairpin'];
/** The usage total each kind adds to. */
export const TOTAL_OF = { private: 'private_bytes', egress: 'egress_bytes', response: 'egress_bytes', ingress: 'ingress_bytes', hairpin: 'egress_bytes' };
/** How often each kind comes up when possible (hairpins are the occasional mistake). */
const WEIGHTS = { private: 40, egress: 25, response: 18, ingress: 15, hairpin: 2 };
/** Services on the internet the resources call: port and typical transfer size range. */
const UPSTREAMS = [
  { ip: '192.0.2.10', port: 443, protocol: 6, bytes: [2_000, 5_000_000] }, // an HTTPS API
  { ip: '192.0.2.53', port: 53, protocol: 17, bytes: [80, 600] }, // DNS
  { ip: '192.0.2.80', port: 443, protocol: 6, bytes: [50_000, 80_000_000] }, // a package mirror
  { ip: '192.0.2.200', port: 443, protocol: 6, bytes: [500, 200_000] }, // telemetry
];
/** The port a managed service serves on (a VM serves whatever it opened; 3000 is nodejs-24's). */
const SERVICE_PORT = { database: 5432, cache: 6379, bucket: 443, vm: 3000 };

const int = (random, lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
/** Log-uniform: transfers span orders of magnitude (a DNS answer, an image pull). */
const size = (random, [lo, hi]) => Math.round(Math.exp(Math.log(lo) + random() * (Math.log(hi) - Math.log(lo))));
const pick = (random, list) => list[Math.floor(random() * list.length)];
const browser = (random) => `198.51.100.${int(random, 1, 254)}`;
const ephemeral = (random) => int(random, 32768, 60999);

/**
 * Which kinds an account's resources allow: private needs two resources in a
 * network, responses and ingress a public address, hairpin a public address
 * of the account (reached from another resource or the same one).
 */
export function possibleKinds(networks) {
  const resources = networks.flatMap((n) => n.resources);
  const anyPublic = resources.some((r) => r.publicIp);
  return {
    private: networks.some((n) => n.resources.length >= 2),
    egress: resources.length > 0,
    response: anyPublic,
    ingress: anyPublic,
    hairpin: hairpinTargets(networks).length > 0,
  };
}

/** Public addresses a VM of the same network could call back on: [{ network, r }]. */
const hairpinTargets = (networks) =>
  networks.flatMap((n) => (n.resources.some((r) => r.kind === 'vm') ? n.resources.filter((r) => r.publicIp).map((r) => ({ network: n, r })) : []));

/**
 * A flow maker for the account: `next(start, end)` → { kind, record }.
 * networks: [{ networkId, resources: [{ id, kind, privateIp, publicIp }] }].
 */
export function flowMaker(networks, { runId, random = Math.random }) {
  const possible = possibleKinds(networks);
  const kinds = KINDS.filter((k) => possible[k]);
  const weightSum = kinds.reduce((s, k) => s + WEIGHTS[k], 0);
  const publicOnes = networks.flatMap((n) => n.resources.filter((r) => r.publicIp).map((r) => ({ network: n, r })));
  const hairpins = hairpinTargets(networks);
  const usable = networks.filter((n) => n.resources.length > 0);
  const paired = networks.filter((n) => n.resources.length >= 2);
  let seq = 0;

  const chooseKind = () => {
    let x = random() * weightSum;
    for (const k of kinds) if ((x -= WEIGHTS[k]) < 0) return k;
    return kinds[kinds.length - 1];
  };

  const record = (networkId, src_ip, src_port, dst_ip, dst_port, protocol, bytes, start, end) => ({
    flow_id: `gen-${runId}-${seq++}`,
    network_id: networkId,
    src_ip,
    src_port,
    dst_ip,
    dst_port,
    protocol,
    bytes,
    // About one packet per 1,200 bytes (an MTU's worth of payload).
    packets: Math.max(1, Math.ceil(bytes / 1200)),
    start,
    end,
  });

  return function next(start, end) {
    const kind = chooseKind();
    switch (kind) {
      case 'private': {
        const n = pick(random, paired);
        const a = pick(random, n.resources);
        const others = n.resources.filter((r) => r !== a);
        const b = pick(random, others);
        return { kind, record: record(n.networkId, a.privateIp, ephemeral(random), b.privateIp, SERVICE_PORT[b.kind] ?? 443, 6, size(random, [200, 50_000_000]), start, end) };
      }
      case 'egress': {
        const n = pick(random, usable);
        const a = pick(random, n.resources);
        const up = pick(random, UPSTREAMS);
        return { kind, record: record(n.networkId, a.privateIp, ephemeral(random), up.ip, up.port, up.protocol, size(random, up.bytes), start, end) };
      }
      case 'response': {
        const { network, r } = pick(random, publicOnes);
        return { kind, record: record(network.networkId, r.publicIp, SERVICE_PORT[r.kind] ?? 443, browser(random), ephemeral(random), 6, size(random, [1_000, 3_000_000]), start, end) };
      }
      case 'ingress': {
        const { network, r } = pick(random, publicOnes);
        return { kind, record: record(network.networkId, browser(random), ephemeral(random), r.privateIp, SERVICE_PORT[r.kind] ?? 443, 6, size(random, [300, 60_000]), start, end) };
      }
      default: {
        // hairpin: a VM of the target's network reaching it by its public address.
        const { network, r: target } = pick(random, hairpins);
        const a = pick(random, network.resources.filter((r) => r.kind === 'vm'));
        return { kind, record: record(network.networkId, a.privateIp, ephemeral(random), target.publicIp, SERVICE_PORT[target.kind] ?? 443, 6, size(random, [1_000, 20_000_000]), start, end) };
      }
    }
  };
}
