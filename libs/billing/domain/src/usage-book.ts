// The usage read model: bytes by class per account, month, project and
// resource, the late flows each month owes to a later invoice, hairpin hints,
// and the rejected and parked records. Folded from FlowMetered / FlowParked
// by the projection runner, which applies each event once (by position), so
// these sums are exact. Counters are bigints; a checkpoint writes them as
// decimal strings.
import type { Attribution, MeteredFlow, ParkedRecord, UsageRow } from './metered.js';

export interface Bytes {
  private: bigint;
  egress: bigint;
  ingress: bigint;
  rejected: bigint;
}

export interface ResourceUsage extends Bytes {
  readonly resourceId: string;
  name: string;
  kind: string;
  projectId: string;
}

export interface Hint {
  readonly resourceId: string;
  readonly targetResourceId: string;
  readonly targetName: string;
  readonly targetKind: string;
  bytes: bigint;
}

export interface PeriodUsage {
  readonly totals: Bytes;
  readonly byProject: Map<string, Bytes>;
  readonly byResource: Map<string, ResourceUsage>;
  readonly hints: Map<string, Hint>;
  /**
   * Bytes by UTC day (YYYY-MM-DD), then by project: the daily chart, for the account or one project. Rows
   * recorded before days were kept are on no day (by_day then sums to less than the totals by them).
   */
  readonly byDay: Map<string, Map<string, Bytes>>;
  /** Billed egress bytes of this month recorded on its own invoice. */
  onTimeEgress: bigint;
  /** Billed egress bytes of this month that arrived after it was final: by the later invoice that carries them. */
  readonly lateBilledIn: Map<string, bigint>;
  /** The reverse: earlier months whose late bytes this month's invoice carries. */
  readonly carries: Set<string>;
  rejectedCount: number;
  parkedCount: number;
  /** The most recent rejected and parked records, at most KEPT_RECORDS of each (the counts are exact). */
  readonly rejected: MeteredFlow[];
  readonly parked: ParkedRecord[];
}

export const KEPT_RECORDS = 1000;

export const zeroBytes = (): Bytes => ({ private: 0n, egress: 0n, ingress: 0n, rejected: 0n });

function add(bytes: Bytes, flow: { class: Attribution['class']; bytes: bigint }): void {
  switch (flow.class) {
    case 'private':
      bytes.private += flow.bytes;
      return;
    case 'ingress':
      bytes.ingress += flow.bytes;
      return;
    case 'egress':
    case 'hairpin':
      bytes.egress += flow.bytes;
      return;
    case 'rejected':
      bytes.rejected += flow.bytes;
  }
}

const keep = <T>(list: T[], item: T) => {
  list.push(item);
  if (list.length > KEPT_RECORDS) list.shift();
};

export class UsageBook {
  private readonly accounts = new Map<string, Map<string, PeriodUsage>>();
  /** This month and every earlier one are final (MonthsClosed; '' when none is). */
  finalThrough = '';

  /** A MonthsClosed event: months are only ever closed, never reopened. */
  close(finalThrough: string): void {
    if (finalThrough > this.finalThrough) this.finalThrough = finalThrough;
  }

  usage(accountId: string, period: string): PeriodUsage | undefined {
    return this.accounts.get(accountId)?.get(period);
  }

  private at(accountId: string, period: string): PeriodUsage {
    let periods = this.accounts.get(accountId);
    if (!periods) this.accounts.set(accountId, (periods = new Map()));
    let usage = periods.get(period);
    if (!usage) {
      usage = {
        totals: zeroBytes(),
        byProject: new Map(),
        byResource: new Map(),
        hints: new Map(),
        byDay: new Map(),
        onTimeEgress: 0n,
        lateBilledIn: new Map(),
        carries: new Set(),
        rejectedCount: 0,
        parkedCount: 0,
        rejected: [],
        parked: [],
      };
      periods.set(period, usage);
    }
    return usage;
  }

  meter(flow: MeteredFlow): void {
    // A rejected flow on a network nobody is known on has nobody to show it to; it still counts nowhere.
    if (!flow.accountId) return;
    const u = this.at(flow.accountId, flow.period);
    if (flow.class === 'rejected') {
      // On no day: the daily chart shows what was carried (private, egress, ingress), not what was refused.
      add(u.totals, flow);
      u.rejectedCount++;
      keep(u.rejected, flow);
      return;
    }
    this.attribute(u, flow);
  }

  /** The summed bytes of a batch's flows that share a row (never rejected ones: those are listed, so metered one by one). */
  meterRow(row: UsageRow): void {
    if (!row.accountId || row.class === 'rejected') return;
    this.attribute(this.at(row.accountId, row.period), row);
  }

  private addDay(u: PeriodUsage, flow: Attribution & { bytes: bigint }): void {
    if (!flow.day) return; // recorded before days were kept: in the totals, on no day
    let day = u.byDay.get(flow.day);
    if (!day) u.byDay.set(flow.day, (day = new Map()));
    let bytes = day.get(flow.projectId);
    if (!bytes) day.set(flow.projectId, (bytes = zeroBytes()));
    add(bytes, flow);
  }

  private attribute(u: PeriodUsage, flow: Attribution & { bytes: bigint }): void {
    add(u.totals, flow);
    this.addDay(u, flow);
    let project = u.byProject.get(flow.projectId);
    if (!project) u.byProject.set(flow.projectId, (project = zeroBytes()));
    add(project, flow);
    let resource = u.byResource.get(flow.resourceId);
    if (!resource) {
      resource = { resourceId: flow.resourceId, name: flow.resourceName, kind: flow.resourceKind, projectId: flow.projectId, ...zeroBytes() };
      u.byResource.set(flow.resourceId, resource);
    }
    add(resource, flow);
    if (flow.class === 'hairpin') {
      const key = `${flow.resourceId}>${flow.targetResourceId}`;
      let hint = u.hints.get(key);
      if (!hint) {
        hint = { resourceId: flow.resourceId, targetResourceId: flow.targetResourceId, targetName: flow.targetResourceName, targetKind: flow.targetResourceKind, bytes: 0n };
        u.hints.set(key, hint);
      }
      hint.bytes += flow.bytes;
    }
    if (flow.class === 'egress' || flow.class === 'hairpin') {
      if (flow.billedPeriod === flow.period) u.onTimeEgress += flow.bytes;
      else {
        u.lateBilledIn.set(flow.billedPeriod, (u.lateBilledIn.get(flow.billedPeriod) ?? 0n) + flow.bytes);
        this.at(flow.accountId, flow.billedPeriod).carries.add(flow.period);
      }
    }
  }

  /** One parked record, text and all (FlowParked, recorded before parked records were counted and sampled). */
  park(record: ParkedRecord): void {
    this.parkCounted([{ accountId: record.accountId, period: record.period, count: 1 }], [record]);
  }

  /** Parked records counted (exact) and the sample of them kept (RecordsParked); those of no known account are shown to nobody. */
  parkCounted(counts: ReadonlyArray<{ accountId: string; period: string; count: number }>, samples: readonly ParkedRecord[]): void {
    for (const c of counts) if (c.accountId) this.at(c.accountId, c.period).parkedCount += c.count;
    for (const s of samples) if (s.accountId) keep(this.at(s.accountId, s.period).parked, s);
  }

  /** `{ accounts, finalThrough }`; a checkpoint written before months were closed by event is the bare accounts array. */
  toJson(): unknown {
    const accounts = [...this.accounts].map(([a, periods]) => [a, [...periods].map(([p, u]) => [p, encodeUsage(u)])]);
    return JSON.parse(JSON.stringify({ accounts, finalThrough: this.finalThrough }, (_k, v) => (typeof v === 'bigint' ? { $n: v.toString() } : v)));
  }

  static fromJson(json: unknown): UsageBook {
    const book = new UsageBook();
    const revived = revive(json) as Accounts | { accounts: Accounts; finalThrough: string };
    const accounts = Array.isArray(revived) ? revived : revived.accounts;
    for (const [a, periods] of accounts) book.accounts.set(a, new Map(periods.map(([p, u]) => [p, decodeUsage(u)])));
    if (!Array.isArray(revived)) book.finalThrough = revived.finalThrough;
    return book;
  }
}

type Accounts = Array<[string, Array<[string, EncodedUsage]>]>;

type EncodedUsage = Omit<PeriodUsage, 'byProject' | 'byResource' | 'hints' | 'byDay' | 'lateBilledIn' | 'carries'> & {
  byProject: Array<[string, Bytes]>;
  /** Absent in checkpoints written before days were kept. */
  byDay?: Array<[string, Array<[string, Bytes]>]>;
  byResource: Array<[string, ResourceUsage]>;
  hints: Array<[string, Hint]>;
  lateBilledIn: Array<[string, bigint]>;
  carries: string[];
};

const encodeUsage = (u: PeriodUsage): EncodedUsage => ({
  ...u,
  byProject: [...u.byProject],
  byResource: [...u.byResource],
  hints: [...u.hints],
  byDay: [...u.byDay].map(([day, projects]) => [day, [...projects]]),
  lateBilledIn: [...u.lateBilledIn],
  carries: [...u.carries],
});

const decodeUsage = (u: EncodedUsage): PeriodUsage => ({
  ...u,
  byProject: new Map(u.byProject),
  byResource: new Map(u.byResource),
  hints: new Map(u.hints),
  byDay: new Map((u.byDay ?? []).map(([day, projects]) => [day, new Map(projects)])),
  lateBilledIn: new Map(u.lateBilledIn),
  carries: new Set(u.carries),
});

/** `{ $n: "<digits>" }` is a bigint again (an object, so no string from a flow can pass for one). */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === '$n' && typeof entries[0]![1] === 'string') return BigInt(entries[0]![1]);
    return Object.fromEntries(entries.map(([k, v]) => [k, revive(v)]));
  }
  return value;
}
