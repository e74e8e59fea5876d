// The answers of the billing API, built from the usage book: usage of a
// month, its invoice (JSON and CSV) and its rejected and parked records.
// Byte counters are JSON numbers (a string beyond 2^53 - 1, where a number
// would be rounded); money is text with two decimals, never a float.
import { daysOf } from './period.js';
import { chargeFor, decimal, money, type RateCard } from './rate-card.js';
import type { InvoiceStatus } from './status.js';
import { zeroBytes, type Bytes, type PeriodUsage, type UsageBook } from './usage-book.js';
import { privateHostFor } from '@pn/contracts';

// VM `{name}.vm.internal`, bucket `{name}.storage.internal`, others `{name}.internal`, as DNS answers.
const privateHostname = (name: string, kind: string) => privateHostFor(kind, name);

export const count = (n: bigint): number | string => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString());

const bytesOf = (b: Bytes) => ({ private_bytes: count(b.private), egress_bytes: count(b.egress), ingress_bytes: count(b.ingress), rejected_bytes: count(b.rejected) });

const empty: Bytes = zeroBytes();

export function usageReport(book: UsageBook, accountId: string, period: string, status: InvoiceStatus, card: RateCard, projectId?: string) {
  const u = book.usage(accountId, period);
  const projects = [...(u?.byProject ?? [])].filter(([p]) => !projectId || p === projectId);
  const resources = [...(u?.byResource.values() ?? [])].filter((r) => !projectId || r.projectId === projectId);
  const totals = projectId ? (u?.byProject.get(projectId) ?? empty) : (u?.totals ?? empty);
  // The allowance and the price are the account's, for the whole month: a project's share is not billed alone.
  const charge = chargeFor(u?.totals.egress ?? 0n, card);
  return {
    period,
    status,
    totals: bytesOf(totals),
    by_project: projects.map(([project, b]) => ({ project, ...bytesOf(b) })),
    by_day: byDay(u, period, projectId),
    by_resource: resources.map((r) => ({
      resource_id: r.resourceId,
      name: r.name,
      type: r.kind,
      project: r.projectId,
      private_bytes: count(r.private),
      egress_bytes: count(r.egress),
      ingress_bytes: count(r.ingress),
    })),
    charges: {
      currency: card.currency,
      free_gb: decimal(card.freeBytes, 9),
      billable_gb: decimal(charge.billableBytes, 9),
      price_per_gb: decimal(card.pricePerGbMicros, 6),
      amount: money(charge.amountCents),
      rounding: 'billable bytes × price ÷ 10^9, rounded once to the cent, halves up',
    },
    hints: [...(u?.hints.values() ?? [])]
      .filter((h) => !projectId || u?.byResource.get(h.resourceId)?.projectId === projectId)
      .map((h) => ({
        resource_id: h.resourceId,
        target_resource_id: h.targetResourceId,
        bytes: count(h.bytes),
        private_hostname: privateHostname(h.targetName, h.targetKind),
        message: `${h.resourceId} reached ${h.targetResourceId} over its public address (billed); ${privateHostname(h.targetName, h.targetKind)} is free`,
      })),
  };
}

/** Every UTC day of the month, with its bytes by class (zero on days without traffic), for the account or one project. */
function byDay(u: PeriodUsage | undefined, period: string, projectId?: string) {
  return daysOf(period).map((day) => {
    const sum = zeroBytes();
    for (const [project, b] of u?.byDay.get(day) ?? []) {
      if (projectId && project !== projectId) continue;
      sum.private += b.private;
      sum.egress += b.egress;
      sum.ingress += b.ingress;
    }
    return { day, private_bytes: count(sum.private), egress_bytes: count(sum.egress), ingress_bytes: count(sum.ingress) };
  });
}

export interface InvoiceLine {
  readonly line: 'egress' | 'adjustments';
  /** The month whose traffic the line bills. */
  readonly period: string;
  readonly egressBytes: bigint;
  readonly billableBytes: bigint;
  readonly amountCents: bigint;
}

/**
 * The month's own egress, then one adjustments line per earlier month whose
 * flows arrived after it was final. An adjustment is priced as the earlier
 * month would have been: its charge with these bytes minus its charge
 * without them (so the free allowance is used once, and the cents add up).
 */
export function invoiceLines(book: UsageBook, accountId: string, period: string, card: RateCard): InvoiceLine[] {
  const u = book.usage(accountId, period);
  const own = chargeFor(u?.onTimeEgress ?? 0n, card);
  const lines: InvoiceLine[] = [{ line: 'egress', period, egressBytes: u?.onTimeEgress ?? 0n, billableBytes: own.billableBytes, amountCents: own.amountCents }];
  for (const original of [...(u?.carries ?? [])].sort()) {
    const o = book.usage(accountId, original)!;
    let before = o.onTimeEgress;
    for (const [billed, bytes] of o.lateBilledIn) if (billed < period) before += bytes;
    const late = o.lateBilledIn.get(period) ?? 0n;
    const was = chargeFor(before, card);
    const is = chargeFor(before + late, card);
    lines.push({ line: 'adjustments', period: original, egressBytes: late, billableBytes: is.billableBytes - was.billableBytes, amountCents: is.amountCents - was.amountCents });
  }
  return lines;
}

export function invoiceReport(book: UsageBook, accountId: string, period: string, status: InvoiceStatus, card: RateCard) {
  const lines = invoiceLines(book, accountId, period, card);
  const total = lines.reduce((sum, l) => sum + l.amountCents, 0n);
  return {
    period,
    status,
    currency: card.currency,
    lines: lines.map((l) => ({
      line: l.line,
      period: l.period,
      description: l.line === 'egress' ? `Internet egress ${l.period} (first ${decimal(card.freeBytes, 9)} GB free)` : `Late flows of ${l.period}, arrived after it was final`,
      egress_bytes: count(l.egressBytes),
      billable_gb: decimal(l.billableBytes, 9),
      price_per_gb: decimal(card.pricePerGbMicros, 6),
      amount: money(l.amountCents),
    })),
    total: money(total),
  };
}

const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function invoiceCsv(book: UsageBook, accountId: string, period: string, status: InvoiceStatus, card: RateCard): string {
  const lines = invoiceLines(book, accountId, period, card);
  const rows = [['invoice_period', 'status', 'line', 'period', 'egress_bytes', 'billable_gb', 'price_per_gb', 'amount', 'currency']];
  for (const l of lines) rows.push([period, status, l.line, l.period, l.egressBytes.toString(), decimal(l.billableBytes, 9), decimal(card.pricePerGbMicros, 6), money(l.amountCents), card.currency]);
  rows.push([period, status, 'total', '', '', '', '', money(lines.reduce((s, l) => s + l.amountCents, 0n)), card.currency]);
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function rejectedReport(book: UsageBook, accountId: string, period: string) {
  const u = book.usage(accountId, period);
  return {
    period,
    rejected_count: u?.rejectedCount ?? 0,
    rejected_bytes: count(u?.totals.rejected ?? 0n),
    parked_count: u?.parkedCount ?? 0,
    rejected: (u?.rejected ?? []).map((f) => ({
      flow_id: f.flowId || null,
      network_id: f.networkId,
      src_ip: f.srcIp,
      src_port: f.srcPort,
      dst_ip: f.dstIp,
      dst_port: f.dstPort,
      protocol: f.protocol,
      bytes: count(f.bytes),
      packets: count(f.packets),
      start: f.start,
      end: f.end,
      reason: f.reason,
    })),
    parked: (u?.parked ?? []).map((p) => ({ subject: p.subject, reason: p.reason, record: p.raw, arrived_at: new Date(p.arrivedAtMs).toISOString() })),
  };
}

