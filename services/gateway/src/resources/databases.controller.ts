// /v1/hosting/databases: PostgreSQL with {name}.internal:5432, private unless
// PATCHed public; read replicas get their own address and host.
import { Body, Controller, Param, Patch, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { Idempotent } from '../idempotency/idempotency.interceptor.js';
import { KindEndpoints } from './kind-endpoints.js';
import { ResourceApi } from './resource-api.js';
import { CreateEngineResourceDto, CreateReplicaDto, PatchPublicAccessDto } from './resource.dto.js';

@Controller('v1/hosting/databases')
@UseGuards(ApiKeyGuard)
export class DatabasesController extends KindEndpoints('database') {
  constructor(api: ResourceApi) {
    super(api);
  }

  @Post()
  @Idempotent()
  create(@CurrentAccount() account: Account, @Body() body: CreateEngineResourceDto, @Res({ passthrough: true }) res: Response) {
    const { name, region, project, engine, version } = body;
    return this.api.create(account, 'database', { name, region, project: project ?? '', engine: engine ?? '', version: version ?? '' }, res);
  }

  @Post(':id/replicas')
  @Idempotent()
  async replica(
    @CurrentAccount() account: Account,
    @Param('id') id: string,
    @Body() body: CreateReplicaDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const primary = await this.api.get(account, 'database', id);
    return this.api.create(
      account,
      'database',
      {
        name: body.name ?? `${String(primary.name)}-replica`,
        region: body.region ?? String(primary.region),
        project: String(primary.project),
        engine: String(primary.engine),
        version: String(primary.version),
        primaryId: id,
      },
      res,
    );
  }

  @Patch(':id')
  patch(@CurrentAccount() account: Account, @Param('id') id: string, @Body() body: PatchPublicAccessDto) {
    return this.api.setPublicAccess(account, 'database', id, body.public_access);
  }
}
