// /v1/hosting/billing: usage, invoices and rejected records of the caller's
// account, answered by the billing service (which owns their shape); the
// gateway only checks the query and puts project names where billing knows
// project ids.
import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import { routes } from '@pn/contracts';
import { RpcClient } from '@pn/service-kit';
import { IsIn, Matches } from 'class-validator';
import type { Response } from 'express';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { ApiError } from '../http/api-error.js';
import { Optional } from '../http/optional.js';
import { IsDnsLabel } from '../resources/dns-label.validator.js';

const PERIOD = /^20\d\d-(0[1-9]|1[0-2])$/;

export class PeriodQueryDto {
  @Matches(PERIOD, { message: 'period must be a month, YYYY-MM' })
  period!: string;
}

export class UsageQueryDto extends PeriodQueryDto {
  @Optional()
  @IsDnsLabel()
  project?: string;
}

export class InvoiceQueryDto {
  @Optional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

type Row = { project?: string };

@Controller('v1/hosting/billing')
@UseGuards(ApiKeyGuard)
export class BillingController {
  constructor(private readonly rpc: RpcClient) {}

  @Get('usage')
  async usage(@CurrentAccount() account: Account, @Query() query: UsageQueryDto) {
    const projects = await this.projectNames(account.id);
    let projectId = '';
    if (query.project !== undefined) {
      projectId = [...projects].find(([, name]) => name === query.project)?.[0] ?? '';
      if (!projectId) throw new ApiError(404, 'not_found', `no project named ${query.project}`, 'project');
    }
    const report = JSON.parse((await this.rpc.call(routes.billingUsage, { accountId: account.id, period: query.period, projectId })).json);
    const named = (row: Row) => ({ ...row, project: projects.get(row.project ?? '') ?? row.project });
    return { ...report, by_project: report.by_project.map(named), by_resource: report.by_resource.map(named) };
  }

  @Get('invoices/:period')
  async invoice(@CurrentAccount() account: Account, @Param() params: PeriodQueryDto, @Query() query: InvoiceQueryDto, @Res({ passthrough: true }) response: Response) {
    const reply = await this.rpc.call(routes.billingInvoice, { accountId: account.id, period: params.period });
    if (query.format === 'csv') {
      response.type('text/csv; charset=utf-8');
      response.setHeader('Content-Disposition', `attachment; filename="invoice-${params.period}.csv"`);
      return reply.csv;
    }
    return JSON.parse(reply.json);
  }

  @Get('rejected')
  async rejected(@CurrentAccount() account: Account, @Query() query: PeriodQueryDto) {
    return JSON.parse((await this.rpc.call(routes.billingRejected, { accountId: account.id, period: query.period })).json);
  }

  /** The account's projects, id → name (every page). */
  private async projectNames(accountId: string): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    let cursor = '';
    do {
      const page = await this.rpc.call(routes.listProjects, { accountId, cursor, limit: 100 });
      for (const p of page.items) names.set(p.id, p.name);
      cursor = page.nextCursor;
    } while (cursor);
    return names;
  }
}
