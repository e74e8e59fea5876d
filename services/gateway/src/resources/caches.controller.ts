// /v1/hosting/caches: Redis with {name}.internal:6379, private unless PATCHed public.
import { Body, Controller, Delete, Get, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { ResourceApi } from './resource-api.js';
import { CreateEngineResourceDto, ListQueryDto, PatchPublicAccessDto } from './resource.dto.js';

@Controller('v1/hosting/caches')
@UseGuards(ApiKeyGuard)
export class CachesController {
  constructor(private readonly api: ResourceApi) {}

  @Post()
  create(@CurrentAccount() account: Account, @Body() body: CreateEngineResourceDto, @Res({ passthrough: true }) res: Response) {
    const { name, region, project, engine, version } = body;
    return this.api.create(account, 'cache', { name, region, project: project ?? '', engine: engine ?? '', version: version ?? '' }, res);
  }

  @Get()
  list(@CurrentAccount() account: Account, @Query() query: ListQueryDto) {
    return this.api.list(account, 'cache', query);
  }

  @Get(':id')
  get(@CurrentAccount() account: Account, @Param('id') id: string) {
    return this.api.get(account, 'cache', id);
  }

  @Get(':id/events')
  history(@CurrentAccount() account: Account, @Param('id') id: string) {
    return this.api.history(account, 'cache', id);
  }

  @Patch(':id')
  patch(@CurrentAccount() account: Account, @Param('id') id: string, @Body() body: PatchPublicAccessDto) {
    return this.api.setPublicAccess(account, 'cache', id, body.public_access);
  }

  @Delete(':id')
  delete(@CurrentAccount() account: Account, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return this.api.delete(account, 'cache', id, res);
  }
}
