// Clients that keep creating resources through a platform's gateway while
// something breaks, each retrying its create under one idempotency key until
// it has an answer that is not retryable, as an agent would. Every answer is
// logged with its time, so a suite can say how long the platform went
// without a successful create and how many 503s each failure caused.
import { expect } from '@jest/globals';
import { addressesOf, rcodeOf, type queryDns } from '@pn/dns-server';
import type { SupervisedPlatform } from './supervised-platform.js';

export const KINDS = [
  ['vms', 'running'],
  ['databases', 'available'],
  ['caches', 'available'],
  ['buckets', 'available'],
] as const;

const RETRYABLE = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

export interface Answer {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of many shapes
}

export interface Outcome {
  readonly name: string;
  readonly kind: string;
  readonly id?: string;
  readonly attempts: number;
  readonly statuses: Array<number | string>;
  readonly error?: string;
}

/** One answer to a create attempt: when it came and what it was (a status, or the error's name when the connection dropped). */
export interface Attempt {
  readonly at: number;
  readonly status: number | string;
  /** The error's message, when the answer was one. */
  readonly message?: string;
  readonly idempotencyKey: string;
}

export interface Resource {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly private_ip: string | null;
}

export class CreateClients {
  /** Every create attempt's answer, in the order they came. */
  readonly attempts: Attempt[] = [];
  key = '';

  constructor(private readonly platform: Pick<SupervisedPlatform, 'url' | 'adminToken'>) {}

  async request(method: string, path: string, options: { body?: unknown; admin?: boolean; idempotencyKey?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.admin) headers.authorization = `Bearer ${this.platform.adminToken}`;
    else headers['x-api-key'] = this.key;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    for (;;) {
      const response = await fetch(`${this.platform.url}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      const answer = { status: response.status, body: text ? JSON.parse(text) : undefined };
      // At the default rate limits: wait as long as the gateway says, as an agent would.
      const retryAfter = Number(response.headers.get('retry-after'));
      if (answer.status !== 429 || answer.body?.error?.code !== 'rate_limited' || !(retryAfter > 0)) return answer;
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
    }
  }

  /** One client's create, retried with the same idempotency key until it has an answer that is not retryable (or `giveUp()`). */
  async create(index: number, giveUp: () => boolean): Promise<Outcome> {
    const [kind] = KINDS[index % KINDS.length]!;
    const name = `c-${index}`;
    const statuses: Array<number | string> = [];
    for (let attempt = 1; ; attempt++) {
      try {
        const { status, body } = await this.request('POST', `/v1/hosting/${kind}`, { body: { name }, idempotencyKey: `create-${index}` });
        statuses.push(status);
        this.attempts.push({ at: Date.now(), status, message: body?.error?.message, idempotencyKey: `create-${index}` });
        if (status === 201 || status === 202) return { name, kind, id: body.id, attempts: attempt, statuses };
        // 500 is in the retry set only so a 500 is seen in `statuses` and fails the suite, not hidden by giving up.
        if (!RETRYABLE.has(status)) return { name, kind, attempts: attempt, statuses, error: JSON.stringify(body) };
      } catch (error) {
        statuses.push((error as Error).name); // a dropped connection (the gateway was killed, or timed out): retry
        this.attempts.push({ at: Date.now(), status: (error as Error).name, idempotencyKey: `create-${index}` });
      }
      if (giveUp()) return { name, kind, attempts: attempt, statuses, error: 'gave up' };
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
    }
  }

  async listAll(kind: string): Promise<Resource[]> {
    const items: Resource[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.readAnswer(`/v1/hosting/${kind}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (page.status !== 200) throw new Error(`listing ${kind}: ${page.status} ${JSON.stringify(page.body)}`);
      items.push(...page.body.items);
      cursor = page.body.next_cursor ?? undefined;
    } while (cursor);
    return items;
  }

  /**
   * A GET, retried on 503 for up to `ms` as an agent would: right after a
   * cluster restart a read model may report itself behind for a moment (the
   * gateway then refuses keys rather than risk a revoked one).
   */
  async readAnswer(path: string, ms = 30_000): Promise<Answer> {
    const end = Date.now() + ms;
    for (;;) {
      const answer = await this.request('GET', path);
      if (answer.status !== 503 || Date.now() > end) return answer;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async everything(): Promise<Resource[]> {
    return (await Promise.all(KINDS.map(([kind]) => this.listAll(kind)))).flat().sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Every resource once none is provisioning or deleting (or after `ms`, as they are then). */
  async settled(ms = 90_000): Promise<Resource[]> {
    const end = Date.now() + ms;
    for (;;) {
      const all = await this.everything();
      if (all.every((r) => !['provisioning', 'deleting'].includes(r.status)) || Date.now() > end) return all;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** What the clients saw between `from` and `to`: the longest stretch without a successful create (from `from`), and the count of each answer and error message. */
export function window(attempts: readonly Attempt[], from: number, to: number): { longestGapMs: number; counts: Map<string, number>; messages: Map<string, number> } {
  const inside = attempts.filter((a) => a.at >= from && a.at <= to);
  let last = from;
  let longestGapMs = 0;
  const counts = new Map<string, number>();
  const messages = new Map<string, number>();
  for (const a of inside) {
    counts.set(String(a.status), (counts.get(String(a.status)) ?? 0) + 1);
    if (a.message) messages.set(a.message, (messages.get(a.message) ?? 0) + 1);
    if (a.status !== 201 && a.status !== 202) continue;
    longestGapMs = Math.max(longestGapMs, a.at - last);
    last = a.at;
  }
  return { longestGapMs: Math.max(longestGapMs, to - last), counts, messages };
}

/**
 * The checks after chaos: none stuck, exactly one resource per client (per
 * idempotency key) and the one its answer named, addresses distinct, and the
 * name of every running or available resource resolving to its address.
 * Returns those ready resources.
 */
export async function expectEveryCreateAccountedFor(outcomes: readonly Outcome[], all: readonly Resource[], addressesOf: (name: string) => Promise<string[]>): Promise<Resource[]> {
  expect(all.filter((r) => r.status === 'provisioning' || r.status === 'deleting')).toEqual([]);
  const byName = new Map<string, string[]>();
  for (const r of all) byName.set(r.name, [...(byName.get(r.name) ?? []), r.id]);
  expect([...byName.values()].filter((ids) => ids.length > 1)).toEqual([]);
  expect(all).toHaveLength(outcomes.length);
  for (const o of outcomes) expect(byName.get(o.name)).toEqual([o.id]);
  const ips = all.map((r) => r.private_ip).filter((ip): ip is string => ip !== null);
  expect(new Set(ips).size).toBe(ips.length);
  const ready = all.filter((r) => r.status === 'running' || r.status === 'available');
  expect(ready.length).toBe(all.filter((r) => r.status !== 'failed').length);
  for (const r of ready) expect(await addressesOf(r.name)).toEqual([r.private_ip]);
  return ready;
}

/** After a whole-system restart: every resource as it was, and every ready one's name answering its address. */
export async function expectKeptAcrossRestart(clients: CreateClients, before: readonly Resource[], ready: readonly Resource[], answerOf: (name: string) => ReturnType<typeof queryDns>): Promise<void> {
  expect(await clients.settled()).toEqual(before);
  for (const r of ready) {
    const answer = await answerOf(r.name);
    expect(rcodeOf(answer)).toBe('NOERROR');
    expect(addressesOf(answer)).toEqual([r.private_ip]);
  }
}
