// /v1/hosting/caches: Redis with {name}.internal:6379, private unless PATCHed public.
import { Body, Controller, Param, Patch, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { Idempotent } from '../idempotency/idempotency.interceptor.js';
import { KindEndpoints } from './kind-endpoints.js';
import { ResourceApi } from './resource-api.js';
import { CreateEngineResourceDto, PatchPublicAccessDto } from './resource.dto.js';

@Controller('v1/hosting/caches')
@UseGuards(ApiKeyGuard)
export class CachesController extends KindEndpoints('cache') {
  constructor(api: ResourceApi) {
    super(api);
  }

  @Post()
  @Idempotent()
  create(@CurrentAccount() account: Account, @Body() body: CreateEngineResourceDto, @Res({ passthrough: true }) res: Response) {
    const { name, region, project, engine, version } = body;
    return this.api.create(account, 'cache', { name, region, project: project ?? '', engine: engine ?? '', version: version ?? '' }, res);
  }

  @Patch(':id')
  patch(@CurrentAccount() account: Account, @Param('id') id: string, @Body() body: PatchPublicAccessDto) {
    return this.api.setPublicAccess(account, 'cache', id, body.public_access);
  }
}
