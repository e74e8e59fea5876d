import { describe, expect, it } from '@jest/globals';
import { OwnershipTimeline, type EndedFact, type HeldFact } from './ownership.js';

const T = 1_700_000_000_000;
const held = (resourceId: string, fromMs: number, extra: Partial<HeldFact> = {}): HeldFact => ({
  sourceEventId: `h-${resourceId}-${fromMs}`,
  scope: 'private',
  ip: '10.0.1.1',
  fromMs,
  resourceId,
  accountId: 'acc_a',
  projectId: 'prj_a',
  networkId: 'net_a',
  kind: 'vm',
  name: resourceId,
  ...extra,
});
const ended = (resourceId: string, untilMs: number, extra: Partial<EndedFact> = {}): EndedFact => ({
  sourceEventId: `e-${resourceId}-${untilMs}`,
  scope: 'private',
  ip: '10.0.1.1',
  networkId: 'net_a',
  resourceId,
  untilMs,
  ...extra,
});
const DAY = 86_400_000;

describe('ownership timeline: facts applied once, by what they say', () => {
  it('a held fact published again (another event id) adds no holding', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    t.held({ ...held('vm_1', T), sourceEventId: 'again' });
    expect(t.size).toBe(1);
  });

  it('an ended fact seen again after the address was reused by the same resource leaves the new holding open', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    t.ended(ended('vm_1', T + 10_000));
    t.held(held('vm_1', T + 60_000));
    t.ended(ended('vm_1', T + 10_000));
    expect(t.privateHolder('net_a', '10.0.1.1', T + 5_000)?.resourceId).toBe('vm_1');
    expect(t.privateHolder('net_a', '10.0.1.1', T + 30_000)).toBeUndefined();
    expect(t.privateHolder('net_a', '10.0.1.1', T + 90 * DAY)?.resourceId).toBe('vm_1');
  });

  it('a held fact that arrives late is placed by its time, and the newer holder still wins its seconds', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_2', T + 20_000));
    t.held(held('vm_1', T));
    t.ended(ended('vm_1', T + 10_000));
    expect(t.privateHolder('net_a', '10.0.1.1', T + 5_000)?.resourceId).toBe('vm_1');
    expect(t.privateHolder('net_a', '10.0.1.1', T + 25_000)?.resourceId).toBe('vm_2');
  });
});

describe('ownership timeline: hold/release churn within a second is one holding', () => {
  it('the same resource taking its address back within the second: one holding, same answers', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    for (let i = 1; i <= 50; i++) {
      t.ended(ended('vm_1', T + i * 10_000 + 100));
      t.held(held('vm_1', T + i * 10_000 + 600));
    }
    expect(t.size).toBe(1);
    expect(t.privateHolder('net_a', '10.0.1.1', T + 250_000)?.resourceId).toBe('vm_1');
    t.ended(ended('vm_1', T + 10_000 + 100)); // an earlier piece's end, seen again
    expect(t.privateHolder('net_a', '10.0.1.1', T + 600_000)?.resourceId).toBe('vm_1');
    t.ended(ended('vm_1', T + 700_000));
    expect(t.privateHolder('net_a', '10.0.1.1', T + 700_000)).toBeUndefined();
  });

  it('a gap holding a whole second stays a gap: a flow then belonged to nobody', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    t.ended(ended('vm_1', T + 10_000));
    t.held(held('vm_1', T + 11_000));
    expect(t.size).toBe(2);
    expect(t.privateHolder('net_a', '10.0.1.1', T + 10_000)).toBeUndefined();
  });

  it('another resource in between is never merged over', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    t.ended(ended('vm_1', T + 100));
    t.held(held('vm_2', T + 200));
    t.ended(ended('vm_2', T + 300));
    t.held(held('vm_1', T + 400));
    expect(t.size).toBe(3);
  });
});

describe('ownership timeline: retention', () => {
  const horizon = T + 30 * DAY;

  it('forgets holdings that ended before the horizon, keeps those after it and those still held', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_old', T));
    t.ended(ended('vm_old', T + DAY));
    t.held(held('vm_mid', T + 2 * DAY));
    t.ended(ended('vm_mid', horizon + DAY));
    t.held(held('vm_pub', T, { scope: 'public', ip: '203.0.113.5' }));
    t.forgetBefore(horizon);
    expect(t.size).toBe(2);
    expect(t.resource('vm_old')).toBeUndefined();
    expect(t.privateHolder('net_a', '10.0.1.1', horizon)?.resourceId).toBe('vm_mid');
    // Older than the horizon: still attributed where a kept holding covers it…
    expect(t.publicHolder('203.0.113.5', T + DAY / 2)?.resourceId).toBe('vm_pub');
    expect(t.forgotten('public', '', '203.0.113.5', T + DAY / 2)).toBe(false);
    // …and known to be unknown where a forgotten one might have.
    expect(t.privateHolder('net_a', '10.0.1.1', T + DAY / 2)).toBeUndefined();
    expect(t.forgotten('private', 'net_a', '10.0.1.1', T + DAY / 2)).toBe(true);
    expect(t.forgotten('private', 'net_a', '10.0.1.9', T + DAY / 2)).toBe(false);
  });

  it('a holding that ends before the horizon once it is set is forgotten as it ends (a history replayed at boot)', () => {
    const t = new OwnershipTimeline();
    t.forgetBefore(horizon);
    for (let i = 0; i < 100; i++) {
      t.held(held(`vm_${i}`, T + i * 1000));
      t.ended(ended(`vm_${i}`, T + i * 1000 + 500));
    }
    expect(t.size).toBe(0);
  });

  it('stays bounded under steady churn: slots are reused once their holdings are forgotten', () => {
    const t = new OwnershipTimeline();
    let n = 0;
    for (let month = 0; month < 6; month++) {
      for (let i = 0; i < 2_000; i++, n++) {
        const at = T + month * 31 * DAY + i * 60_000;
        t.held(held(`vm_${n}`, at, { ip: `10.0.1.${i % 200}` }));
        t.ended(ended(`vm_${n}`, at + 30_000, { ip: `10.0.1.${i % 200}` }));
      }
      t.forgetBefore(T + month * 31 * DAY);
      expect(t.size).toBeLessThanOrEqual(4_000);
    }
  });
});

describe('ownership timeline: facts published again after compaction and pruning', () => {
  const S = 1_700_000_000_000;
  const pub = { scope: 'public' as const, ip: '203.0.113.7', networkId: '' };

  it('given a release and re-take merged into one holding, then a newer holding, when the middle end is seen again, then the newer holding stays open', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', S, pub));
    t.ended(ended('vm_1', S + 100, pub));
    t.held(held('vm_1', S + 600, pub)); // merged with the first
    t.ended(ended('vm_1', S + 60_000, pub));
    t.held(held('vm_1', S + 120_000, pub));
    t.ended(ended('vm_1', S + 100, pub)); // republished
    expect(t.publicHolder(pub.ip, S + 200_000)?.resourceId).toBe('vm_1');
    expect(t.publicHolder(pub.ip, S + 90_000)).toBeUndefined();
  });

  it('given a holding forgotten and the resource holding the address again, when the old held and ended facts are seen again, then the old holding does not come back open', () => {
    const t = new OwnershipTimeline();
    t.held(held('vm_1', T));
    t.ended(ended('vm_1', T + DAY));
    t.forgetBefore(T + 30 * DAY);
    t.held(held('vm_1', T + 40 * DAY));
    t.held(held('vm_1', T)); // republished
    t.ended(ended('vm_1', T + DAY)); // republished: the open holding (from T + 40 days) is not the one it ends
    expect(t.size).toBe(1);
    expect(t.privateHolder('net_a', '10.0.1.1', T + 35 * DAY)).toBeUndefined();
    expect(t.forgotten('private', 'net_a', '10.0.1.1', T + DAY / 2)).toBe(true);
    expect(t.privateHolder('net_a', '10.0.1.1', T + 41 * DAY)?.resourceId).toBe('vm_1');
  });
});

describe('ownership timeline against a plain reference, with facts republished', () => {
  // The reference keeps every holding as it happened and applies each event once (by its id).
  interface Ref {
    resource: string;
    from: number;
    until: number;
  }
  type Fact = { kind: 'held'; f: HeldFact } | { kind: 'ended'; f: EndedFact };

  // A small deterministic generator (mulberry32), so a failure reproduces by its seed.
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };

  /** One address: resources take it in turn; the same one often re-takes it within the second. */
  function history(rand: () => number): Fact[] {
    const facts: Fact[] = [];
    let at = T + Math.floor(rand() * 1000);
    let resource = 'vm_0';
    for (let i = 0; i < 12; i++) {
      facts.push({ kind: 'held', f: held(resource, at) });
      at += 200 + Math.floor(rand() * 8_000);
      facts.push({ kind: 'ended', f: ended(resource, at) });
      const same = rand() < 0.6;
      if (!same) resource = `vm_${1 + Math.floor(rand() * 3)}`;
      // Same resource: often back within the second (merged); another: after a quarantine of seconds.
      at += same ? 50 + Math.floor(rand() * (rand() < 0.7 ? 900 : 4_000)) : 2_000 + Math.floor(rand() * 3_000);
    }
    if (rand() < 0.5) facts.pop(); // sometimes still held
    return facts;
  }

  const reference = (facts: Fact[]): Ref[] => {
    const refs: Ref[] = [];
    for (const fact of facts) {
      if (fact.kind === 'held') refs.push({ resource: fact.f.resourceId, from: fact.f.fromMs, until: Number.POSITIVE_INFINITY });
      else refs.findLast((r) => r.resource === fact.f.resourceId && r.until === Number.POSITIVE_INFINITY)!.until = fact.f.untilMs;
    }
    return refs;
  };

  // As the timeline answers: the newest holding covering any part of the second.
  const refHolder = (refs: Ref[], atMs: number) => refs.findLast((r) => r.from < atMs + 1000 && atMs < r.until)?.resource;

  const apply = (t: OwnershipTimeline, facts: Fact[]) => {
    for (const fact of facts) {
      if (fact.kind === 'held') t.held(fact.f);
      else t.ended(fact.f);
    }
  };

  it('given random histories, when suffixes of them are published again (with pruning in between), then every whole second is attributed as the reference says, or known to be forgotten', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rand = random(seed);
      const facts = history(rand);
      const refs = reference(facts);
      const t = new OwnershipTimeline();
      apply(t, facts);
      const prune = rand() < 0.5;
      const horizon = prune ? T + Math.floor(rand() * 60_000) : Number.NEGATIVE_INFINITY;
      if (prune) t.forgetBefore(horizon);
      for (let r = 0; r < 3; r++) apply(t, facts.slice(Math.floor(rand() * facts.length)));
      const last = Math.max(...refs.map((x) => (Number.isFinite(x.until) ? x.until : x.from))) + 5_000;
      for (let s = Math.floor(T / 1000) * 1000; s <= last; s += 1000) {
        const got = t.privateHolder('net_a', '10.0.1.1', s)?.resourceId;
        const want = refHolder(refs, s);
        if (got === want) continue;
        const forgotten = s < horizon && t.forgotten('private', 'net_a', '10.0.1.1', s);
        if (!forgotten) throw new Error(`seed ${seed}: at ${s - T} ms the timeline says ${got}, the reference ${want}`);
      }
    }
  });
});
