// /v1/hosting/projects: the Superjolt model, one private network per project.
import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import type { Project } from '@pn/contracts';
import { routes } from '@pn/contracts';
import { RpcClient } from '@pn/service-kit';
import { IsString } from 'class-validator';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { Optional } from '../http/optional.js';
import { Idempotent } from '../idempotency/idempotency.interceptor.js';
import { IsDnsLabel } from '../resources/dns-label.validator.js';
import { PageQueryDto } from '../resources/resource.dto.js';

export class CreateProjectDto {
  @IsDnsLabel()
  name!: string;

  /** The project's network, 10.X.0.0/16; 10.0.0.0/16 by default. */
  @Optional()
  @IsString()
  cidr?: string;
}

const present = (p: Project) => ({ id: p.id, name: p.name, network_id: p.networkId, private_cidr: p.cidr, created_at: p.createdAt });

@Controller('v1/hosting/projects')
@UseGuards(ApiKeyGuard)
export class ProjectsController {
  constructor(private readonly rpc: RpcClient) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  async create(@CurrentAccount() account: Account, @Body() body: CreateProjectDto) {
    return present(await this.rpc.call(routes.createProject, { accountId: account.id, name: body.name, cidr: body.cidr ?? '' }));
  }

  /** A page of the account's projects, oldest first. */
  @Get()
  async list(@CurrentAccount() account: Account, @Query() query: PageQueryDto) {
    // The default project exists from the first use; make sure it is listed from the start.
    await this.rpc.call(routes.ensureProject, { accountId: account.id, name: '' });
    const page = await this.rpc.call(routes.listProjects, { accountId: account.id, cursor: query.cursor ?? '', limit: query.limit ?? 0 });
    return { items: page.items.map(present), next_cursor: page.nextCursor || null };
  }
}
