// GET /metrics: this gateway's series in Prometheus' text format. Like
// /healthz it needs no key (a scraper has none), and is limited per source
// address like any request without one.
import { Controller, Get, Header, Res } from '@nestjs/common';
import { Metrics } from '@pn/service-kit';
import type { Response } from 'express';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.type(this.metrics.contentType);
    return this.metrics.scrape();
  }
}
