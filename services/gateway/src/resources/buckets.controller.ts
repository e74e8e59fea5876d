// /v1/hosting/buckets: object storage reached privately as {name}.storage.internal.
import { Body, Controller, Delete, Get, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { ResourceApi } from './resource-api.js';
import { CreateBucketDto, ListQueryDto } from './resource.dto.js';

@Controller('v1/hosting/buckets')
@UseGuards(ApiKeyGuard)
export class BucketsController {
  constructor(private readonly api: ResourceApi) {}

  @Post()
  create(@CurrentAccount() account: Account, @Body() body: CreateBucketDto, @Res({ passthrough: true }) res: Response) {
    return this.api.create(account, 'bucket', { name: body.name, region: body.region, project: body.project ?? '' }, res);
  }

  @Get()
  list(@CurrentAccount() account: Account, @Query() query: ListQueryDto) {
    return this.api.list(account, 'bucket', query);
  }

  @Get(':id')
  get(@CurrentAccount() account: Account, @Param('id') id: string) {
    return this.api.get(account, 'bucket', id);
  }

  @Get(':id/events')
  history(@CurrentAccount() account: Account, @Param('id') id: string) {
    return this.api.history(account, 'bucket', id);
  }

  @Delete(':id')
  delete(@CurrentAccount() account: Account, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return this.api.delete(account, 'bucket', id, res);
  }
}
