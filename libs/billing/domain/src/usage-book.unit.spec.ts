import { describe, expect, it } from '@jest/globals';
import { defaultRateCard, GB } from './rate-card.js';
import { invoiceCsv, invoiceReport, rejectedReport, usageReport } from './report.js';
import type { MeteredFlow } from './metered.js';
import { UsageBook } from './usage-book.js';

const base: MeteredFlow = {
  dedupKey: 'k', flowId: '', networkId: 'net_a', srcIp: '10.0.1.1', srcPort: 1, dstIp: '8.8.8.8', dstPort: 443, protocol: 6,
  bytes: 0n, packets: 1n, start: 0, end: 0, class: 'egress', reason: '', accountId: 'acc_a', projectId: 'prj_a',
  resourceId: 'vm_1', resourceKind: 'vm', resourceName: 'web', targetResourceId: '', targetResourceName: '', targetResourceKind: '',
  period: '2026-01', day: '2026-01-05', billedPeriod: '2026-01', arrivedAtMs: 0,
};
const flow = (f: Partial<MeteredFlow>): MeteredFlow => ({ ...base, ...f });

function given(...flows: MeteredFlow[]): UsageBook {
  const book = new UsageBook();
  flows.forEach((f) => book.meter(f));
  return book;
}

describe('usage per account, project, resource and month', () => {
  it('sums bytes by class; hairpin is billed as egress and gives a hint naming the free private hostname', () => {
    const book = given(
      flow({ bytes: 100n * GB }),
      flow({ class: 'private', bytes: 7n }),
      flow({ class: 'ingress', bytes: 9n }),
      flow({ class: 'hairpin', bytes: 50n * GB, targetResourceId: 'db_1', targetResourceName: 'pg', targetResourceKind: 'database' }),
      flow({ class: 'rejected', bytes: 5n, resourceId: '', reason: 'x' }),
    );
    const usage = usageReport(book, 'acc_a', '2026-01', 'draft', defaultRateCard);
    expect(usage.totals).toEqual({ private_bytes: 7, egress_bytes: 150 * 10 ** 9, ingress_bytes: 9, rejected_bytes: 5 });
    expect(usage.by_resource).toEqual([{ resource_id: 'vm_1', name: 'web', type: 'vm', project: 'prj_a', private_bytes: 7, egress_bytes: 150 * 10 ** 9, ingress_bytes: 9 }]);
    expect(usage.charges).toMatchObject({ currency: 'USD', free_gb: '100', billable_gb: '50', price_per_gb: '0.09', amount: '4.50' });
    expect(usage.hints[0]).toMatchObject({ resource_id: 'vm_1', target_resource_id: 'db_1', private_hostname: 'pg.internal' });
    expect(rejectedReport(book, 'acc_a', '2026-01')).toMatchObject({ rejected_count: 1, rejected_bytes: 5 });
  });

  it('adds a batch\'s summed rows as the same flows one by one would (late ones on their invoice)', () => {
    const flows = [flow({ bytes: 3n }), flow({ bytes: 4n }), flow({ class: 'hairpin', bytes: 5n, targetResourceId: 'db_1', targetResourceName: 'pg', targetResourceKind: 'database' }), flow({ bytes: 6n, period: '2025-12', billedPeriod: '2026-01' })];
    const rows = new UsageBook();
    rows.meterRow({ ...base, bytes: 7n, flows: 2 });
    rows.meterRow({ ...base, class: 'hairpin', bytes: 5n, flows: 1, targetResourceId: 'db_1', targetResourceName: 'pg', targetResourceKind: 'database' });
    rows.meterRow({ ...base, bytes: 6n, flows: 1, period: '2025-12', billedPeriod: '2026-01' });
    expect(rows.toJson()).toEqual(given(...flows).toJson());
  });

  it('keeps accounts and months apart', () => {
    const book = given(flow({ bytes: 1n }), flow({ bytes: 2n, accountId: 'acc_b' }), flow({ bytes: 4n, period: '2026-02', billedPeriod: '2026-02' }));
    expect(usageReport(book, 'acc_a', '2026-01', 'draft', defaultRateCard).totals.egress_bytes).toBe(1);
    expect(usageReport(book, 'acc_b', '2026-01', 'draft', defaultRateCard).totals.egress_bytes).toBe(2);
    expect(usageReport(book, 'acc_a', '2026-02', 'draft', defaultRateCard).totals.egress_bytes).toBe(4);
  });

  it('filters by project', () => {
    const book = given(flow({ bytes: 1n }), flow({ bytes: 2n, projectId: 'prj_b', resourceId: 'vm_2' }));
    const usage = usageReport(book, 'acc_a', '2026-01', 'draft', defaultRateCard, 'prj_b');
    expect(usage.totals.egress_bytes).toBe(2);
    expect(usage.by_resource.map((r) => r.resource_id)).toEqual(['vm_2']);
  });

  it('a late flow goes to an adjustments line of the next invoice, priced as its own month would have been', () => {
    const book = given(flow({ bytes: 90n * GB }), flow({ bytes: 20n * GB, billedPeriod: '2026-02' }), flow({ bytes: 1n * GB, period: '2026-02', billedPeriod: '2026-02' }));
    const jan = invoiceReport(book, 'acc_a', '2026-01', 'final', defaultRateCard);
    expect(jan.lines).toEqual([expect.objectContaining({ line: 'egress', egress_bytes: 90 * 10 ** 9, amount: '0.00' })]);
    const feb = invoiceReport(book, 'acc_a', '2026-02', 'draft', defaultRateCard);
    expect(feb.lines.map((l) => [l.line, l.period, l.billable_gb, l.amount])).toEqual([
      ['egress', '2026-02', '0', '0.00'],
      ['adjustments', '2026-01', '10', '0.90'], // 90 + 20 GB in January: 10 GB past the allowance
    ]);
    expect(feb.total).toBe('0.90');
    expect(invoiceCsv(book, 'acc_a', '2026-02', 'draft', defaultRateCard).split('\r\n')[2]).toBe('2026-02,draft,adjustments,2026-01,20000000000,10,0.09,0.90,USD');
  });

  it('survives a checkpoint exactly, bigints and all', () => {
    const book = given(flow({ bytes: 2n ** 60n }), flow({ class: 'rejected', bytes: 3n, raw: undefined } as never));
    const again = UsageBook.fromJson(JSON.parse(JSON.stringify(book.toJson())));
    expect(usageReport(again, 'acc_a', '2026-01', 'draft', defaultRateCard)).toEqual(usageReport(book, 'acc_a', '2026-01', 'draft', defaultRateCard));
    expect(usageReport(again, 'acc_a', '2026-01', 'draft', defaultRateCard).totals.egress_bytes).toBe((2n ** 60n).toString());
  });

  it('a parked record whose text looks like a counter stays text after a checkpoint', () => {
    const book = new UsageBook();
    book.park({ subject: 's', raw: '5n', reason: 'not JSON', networkId: '', accountId: 'acc_a', arrivedAtMs: 0, period: '2026-01' });
    const again = UsageBook.fromJson(JSON.parse(JSON.stringify(book.toJson())));
    expect(rejectedReport(again, 'acc_a', '2026-01').parked[0]?.record).toBe('5n');
  });
});

describe('usage by UTC day', () => {
  it('gives every day of the month, bytes by class, for the account or one project', () => {
    const book = given(
      flow({ bytes: 10n }),
      flow({ bytes: 5n, day: '2026-01-31' }),
      flow({ class: 'private', bytes: 7n, projectId: 'prj_b', resourceId: 'vm_2' }),
      flow({ class: 'ingress', bytes: 3n, day: '2026-01-31' }),
      flow({ class: 'rejected', bytes: 99n, resourceId: '' }),
    );
    const days = usageReport(book, 'acc_a', '2026-01', 'draft', defaultRateCard).by_day;
    expect(days).toHaveLength(31);
    expect(days[0]).toEqual({ day: '2026-01-01', private_bytes: 0, egress_bytes: 0, ingress_bytes: 0 });
    expect(days[4]).toEqual({ day: '2026-01-05', private_bytes: 7, egress_bytes: 10, ingress_bytes: 0 });
    expect(days[30]).toEqual({ day: '2026-01-31', private_bytes: 0, egress_bytes: 5, ingress_bytes: 3 });
    expect(usageReport(book, 'acc_a', '2026-01', 'draft', defaultRateCard, 'prj_b').by_day[4]).toEqual({ day: '2026-01-05', private_bytes: 7, egress_bytes: 0, ingress_bytes: 0 });
    expect(usageReport(book, 'acc_a', '2026-02', 'draft', defaultRateCard).by_day).toHaveLength(28);
  });

  it('given only rejected flows, then no day keeps bytes (the chart shows no rejected bytes, so none are kept by day)', () => {
    const book = given(flow({ class: 'rejected', bytes: 99n, resourceId: '' }));
    expect(book.usage('acc_a', '2026-01')?.byDay.size).toBe(0);
    expect(rejectedReport(book, 'acc_a', '2026-01').rejected_bytes).toBe(99);
  });

  it('a late flow counts on the day it happened, in its own month', () => {
    const book = given(flow({ bytes: 6n, period: '2025-12', day: '2025-12-31', billedPeriod: '2026-01' }));
    expect(usageReport(book, 'acc_a', '2025-12', 'final', defaultRateCard).by_day[30]).toMatchObject({ day: '2025-12-31', egress_bytes: 6 });
  });

  it('survives a checkpoint, and reads one written before days were kept', () => {
    const book = given(flow({ bytes: 10n }));
    expect(usageReport(UsageBook.fromJson(book.toJson()), 'acc_a', '2026-01', 'draft', defaultRateCard).by_day[4]!.egress_bytes).toBe(10);
    const old = JSON.parse(JSON.stringify(book.toJson()), (k, v) => (k === 'byDay' ? undefined : v));
    const read = UsageBook.fromJson(old);
    expect(usageReport(read, 'acc_a', '2026-01', 'draft', defaultRateCard).totals.egress_bytes).toBe(10);
    expect(usageReport(read, 'acc_a', '2026-01', 'draft', defaultRateCard).by_day[4]!.egress_bytes).toBe(0);
  });
});

