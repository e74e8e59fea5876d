// The usage read model: a projection of billing's `meter` category (the
// partitions' batches of metered flows, parked records, and the one-stream-
// per-flow events of older histories), run by the one ProjectionRunner, so it
// resumes from its checkpoint and applies each event exactly once (by
// position): a batch's summed rows are added once, so the totals stay exact,
// and the months closed (MonthsClosed) are folded in order with them.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { UsageBook } from '@pn/billing-domain';
import { wholeState, type Projection, type ProjectionRunner } from '@pn/projection';
import { Projections } from '@pn/service-kit';
import { fromMeteredEvent, fromRow, meterEventCodec, METER_CATEGORY, monthsClosedCodec, recordsParkedCodec } from '../meter/flow-events.js';

export const usageProjection: Projection<UsageBook> = {
  name: 'billing.usage.v1',
  category: METER_CATEGORY,
  initialState: () => new UsageBook(),
  evolve: (book, recorded) => {
    const closed = monthsClosedCodec.decode(recorded);
    if (closed) {
      // After every batch recorded before it: what the book shows as final is what was metered before the close.
      book.close(closed.finalThrough);
      return book;
    }
    const parked = recordsParkedCodec.decode(recorded);
    if (parked) {
      book.parkCounted(parked.counts, parked.samples);
      return book;
    }
    const event = meterEventCodec.decode(recorded);
    if (!event) return book;
    if (event.type === 'FlowsMetered') {
      // Rows and rejected flows only: the batch's dedup keys are the partition's business, not the book's.
      for (const row of event.data.rows) book.meterRow(fromRow(row));
      for (const flow of event.data.rejected) book.meter(fromMeteredEvent(flow));
    } else if (event.type === 'FlowMetered') book.meter(fromMeteredEvent(event.data));
    else book.park({ ...event.data, arrivedAtMs: Number(event.data.arrivedAtMs) });
    return book;
  },
  checkpoint: wholeState(
    (book) => book.toJson(),
    (json) => UsageBook.fromJson(json),
  ),
};

@Injectable()
export class UsageReadModel implements OnModuleInit {
  private runner: ProjectionRunner<UsageBook> | undefined;

  constructor(private readonly projections: Projections) {}

  async onModuleInit(): Promise<void> {
    this.runner = await this.projections.run(usageProjection);
  }

  get book(): UsageBook {
    if (!this.runner) throw new Error('usage read model used before it was loaded');
    return this.runner.state;
  }
}
