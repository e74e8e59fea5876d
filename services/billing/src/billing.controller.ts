// Billing's reads on the bus: usage, invoice (JSON and CSV) and rejected
// records of an account's month, built from the usage read model.
import { Controller, Inject } from '@nestjs/common';
import { invoiceCsv, invoiceReport, isPeriod, rejectedReport, statusOf, usageReport, type RateCard } from '@pn/billing-domain';
import { routes, type BillingReportRequest } from '@pn/contracts';
import { DomainError } from '@pn/decider';
import { PLATFORM_CONFIG, Rpc, type PlatformConfig } from '@pn/service-kit';
import { UsageReadModel } from './usage/usage-projection.js';

@Controller()
export class BillingController {
  private readonly card: RateCard;

  constructor(
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    private readonly usage: UsageReadModel,
  ) {
    this.card = { currency: 'USD', pricePerGbMicros: BigInt(config.billingPricePerGbMicros), freeBytes: BigInt(config.billingFreeGb) * 1_000_000_000n };
  }

  private status(period: string) {
    // The months closed as the book has folded them, in order with the flows it sums (months-closed.ts).
    return statusOf(period, this.usage.book.finalThrough);
  }

  private period(request: BillingReportRequest): string {
    if (!isPeriod(request.period)) throw new DomainError('invalid_request', 'period must be a month, YYYY-MM');
    return request.period;
  }

  @Rpc(routes.billingUsage)
  get(request: BillingReportRequest) {
    const period = this.period(request);
    return { json: JSON.stringify(usageReport(this.usage.book, request.accountId, period, this.status(period), this.card, request.projectId || undefined)) };
  }

  @Rpc(routes.billingInvoice)
  invoice(request: BillingReportRequest) {
    const period = this.period(request);
    const status = this.status(period);
    return {
      json: JSON.stringify(invoiceReport(this.usage.book, request.accountId, period, status, this.card)),
      csv: invoiceCsv(this.usage.book, request.accountId, period, status, this.card),
    };
  }

  @Rpc(routes.billingRejected)
  rejected(request: BillingReportRequest) {
    const period = this.period(request);
    return { json: JSON.stringify(rejectedReport(this.usage.book, request.accountId, period)) };
  }
}
