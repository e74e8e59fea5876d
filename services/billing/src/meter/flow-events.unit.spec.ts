import { describe, expect, it } from '@jest/globals';
import type { FlowsMetered, UsageRow } from '@pn/billing-domain';
import { fromRow, meterEventCodec, partitionEventCodec } from './flow-events.js';

const row: UsageRow = {
  class: 'egress',
  accountId: 'acc_a',
  projectId: 'prj_a',
  resourceId: 'vm_1',
  resourceKind: 'vm',
  resourceName: 'web',
  targetResourceId: '',
  targetResourceName: '',
  targetResourceKind: '',
  period: '2026-10',
  day: '2026-10-14',
  billedPeriod: '2026-10',
  bytes: 12_345n,
  flows: 3,
};
const batch: FlowsMetered = { type: 'FlowsMetered', finalThrough: '2026-09', keys: new Map([['2026-10', ['k'.repeat(32)]]]), rows: [row], rejected: [] };

describe('a usage row as stored', () => {
  it('given a row of a day, when it is stored, then its period is still the month (what earlier versions read) and the day has a field of its own', () => {
    const stored = partitionEventCodec.encode(batch);
    const decoded = meterEventCodec.decode(stored);
    if (decoded?.type !== 'FlowsMetered') throw new Error('not a FlowsMetered');
    const wire = decoded.data;
    expect(wire.rows[0]).toMatchObject({ period: '2026-10', day: '2026-10-14', bytes: '12345' });
    expect(fromRow(wire.rows[0]!)).toEqual(row);
  });

  it('given a row recorded before days were kept, when it is read, then it has its month and no day', () => {
    expect(fromRow({ ...row, $typeName: 'pn.billing.v1.UsageRow', day: '', bytes: '12345', flows: 3n })).toEqual({ ...row, day: '' });
  });
});
