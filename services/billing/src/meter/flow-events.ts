// FlowsMetered / FlowMetered / FlowParked between domain terms and the stored protobuf.
import { create } from '@bufbuild/protobuf';
import type { EventCodec } from '@pn/command-handler';
import { FlowMeteredSchema, FlowParkedSchema, FlowsMeteredSchema, protoEventCodec, type FlowMetered, type FlowsMetered as FlowsMeteredProto, type UsageRow as UsageRowProto } from '@pn/contracts';
import { dayOf, isPeriod, splitKeys, type FlowClass, type FlowsMetered, type MeteredFlow, type MonthsClosed, type ParkedCount, type ParkedRecord, type PartitionEvent, type RecordsParked, type UsageRow } from '@pn/billing-domain';

export const meterEventCodec = protoEventCodec({ FlowMetered: FlowMeteredSchema, FlowParked: FlowParkedSchema, FlowsMetered: FlowsMeteredSchema });

/** RecordsParked as stored: JSON (bounded: keys, counts and a sample; parked-records.ts). */
export const recordsParkedCodec: EventCodec<RecordsParked> = {
  encode: (e) => ({
    type: e.type,
    data: new TextEncoder().encode(JSON.stringify({ finalThrough: e.finalThrough, keys: [...e.keys].map(([period, keys]) => [period, keys.join('')]), counts: e.counts, samples: e.samples })),
  }),
  decode: (recorded) => {
    if (recorded.type !== 'RecordsParked') return undefined;
    const data = JSON.parse(new TextDecoder().decode(recorded.data)) as { finalThrough: string; keys: Array<[string, string]>; counts: ParkedCount[]; samples: ParkedRecord[] };
    return { type: 'RecordsParked', finalThrough: data.finalThrough, keys: new Map(data.keys.map(([period, joined]) => [period, splitKeys(joined)])), counts: data.counts, samples: data.samples };
  },
};

/** The meter partitions' events (the decider's), as stored. */
export const partitionEventCodec: EventCodec<PartitionEvent> = {
  encode: (e) =>
    e.type === 'RecordsParked'
      ? recordsParkedCodec.encode(e)
      : meterEventCodec.encode({
      type: 'FlowsMetered',
      data: create(FlowsMeteredSchema, {
        finalThrough: e.finalThrough,
        keys: [...e.keys].map(([billedPeriod, keys]) => ({ billedPeriod, keys: keys.join('') })),
        rows: e.rows.map((r) => ({ ...r, bytes: r.bytes.toString(), flows: BigInt(r.flows) })),
        rejected: e.rejected.map(toMeteredProto),
      }),
    }),
  decode: (recorded) => {
    if (recorded.type === 'RecordsParked') return recordsParkedCodec.decode(recorded);
    const event = meterEventCodec.decode(recorded);
    return event?.type === 'FlowsMetered' ? fromFlowsMetered(event.data) : undefined;
  },
};

export const fromFlowsMetered = (e: FlowsMeteredProto): FlowsMetered => ({
  type: 'FlowsMetered',
  finalThrough: e.finalThrough,
  keys: new Map(e.keys.map((k) => [k.billedPeriod, splitKeys(k.keys)])),
  rows: e.rows.map(fromRow),
  rejected: e.rejected.map(fromMeteredEvent),
});

// A row's `period` is its month (YYYY-MM) and `day` its UTC day: an
// instance of an earlier version reads the month as it always did. Rows
// recorded before days were kept have no day: they count in the month's
// totals and on no day (by_day then sums to less than the totals by them).
// Rows of the one version that wrote the day into `period` are read too.
export const fromRow = (r: UsageRowProto): UsageRow => ({
  class: r.class as FlowClass,
  accountId: r.accountId,
  projectId: r.projectId,
  resourceId: r.resourceId,
  resourceKind: r.resourceKind,
  resourceName: r.resourceName,
  targetResourceId: r.targetResourceId,
  targetResourceName: r.targetResourceName,
  targetResourceKind: r.targetResourceKind,
  period: r.period.slice(0, 7),
  day: r.day || (r.period.length === 10 ? r.period : ''),
  billedPeriod: r.billedPeriod,
  bytes: BigInt(r.bytes),
  flows: Number(r.flows),
});

const toMeteredProto = (f: MeteredFlow) =>
  create(FlowMeteredSchema, {
    ...f,
    bytes: f.bytes.toString(),
    packets: f.packets.toString(),
    startSeconds: BigInt(f.start),
    endSeconds: BigInt(f.end),
    arrivedAtMs: BigInt(f.arrivedAtMs),
  });

export const METER_CATEGORY = 'meter';

export const toMeteredEvent = (f: MeteredFlow) => meterEventCodec.encode({ type: 'FlowMetered', data: toMeteredProto(f) });

export const fromMeteredEvent = (e: FlowMetered): MeteredFlow => ({
  dedupKey: e.dedupKey,
  flowId: e.flowId,
  networkId: e.networkId,
  srcIp: e.srcIp,
  srcPort: e.srcPort,
  dstIp: e.dstIp,
  dstPort: e.dstPort,
  protocol: e.protocol,
  bytes: BigInt(e.bytes),
  packets: BigInt(e.packets),
  start: Number(e.startSeconds),
  end: Number(e.endSeconds),
  class: e.class as FlowClass,
  reason: e.reason,
  accountId: e.accountId,
  projectId: e.projectId,
  resourceId: e.resourceId,
  resourceKind: e.resourceKind,
  resourceName: e.resourceName,
  targetResourceId: e.targetResourceId,
  targetResourceName: e.targetResourceName,
  targetResourceKind: e.targetResourceKind,
  period: e.period,
  day: dayOf(Number(e.startSeconds) * 1000),
  billedPeriod: e.billedPeriod,
  arrivedAtMs: Number(e.arrivedAtMs),
});

export const toParkedEvent = (p: ParkedRecord) =>
  meterEventCodec.encode({ type: 'FlowParked', data: create(FlowParkedSchema, { ...p, arrivedAtMs: BigInt(p.arrivedAtMs) }) });

/** The stream where the meter records the months it closed (months-closed.ts): in the meter category, so the usage book folds them in order with the flows. */
export const MONTHS_CLOSED_STREAM = `${METER_CATEGORY}-closed`;

/** MonthsClosed as stored: JSON (two fields, a dozen events a year). */
export const monthsClosedCodec: EventCodec<MonthsClosed> = {
  encode: (e) => ({ type: e.type, data: new TextEncoder().encode(JSON.stringify({ finalThrough: e.finalThrough, meteredUpToMs: e.meteredUpToMs })) }),
  decode: (recorded) => {
    if (recorded.type !== 'MonthsClosed') return undefined;
    const data = JSON.parse(new TextDecoder().decode(recorded.data)) as { finalThrough: unknown; meteredUpToMs: unknown };
    if (typeof data.finalThrough !== 'string' || !isPeriod(data.finalThrough) || typeof data.meteredUpToMs !== 'number') return undefined;
    return { type: 'MonthsClosed', finalThrough: data.finalThrough, meteredUpToMs: data.meteredUpToMs };
  },
};
