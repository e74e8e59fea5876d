// /v1/hosting/buckets: object storage reached privately as {name}.storage.internal.
import { Body, Controller, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { Idempotent } from '../idempotency/idempotency.interceptor.js';
import { KindEndpoints } from './kind-endpoints.js';
import { ResourceApi } from './resource-api.js';
import { CreateBucketDto } from './resource.dto.js';

@Controller('v1/hosting/buckets')
@UseGuards(ApiKeyGuard)
export class BucketsController extends KindEndpoints('bucket') {
  constructor(api: ResourceApi) {
    super(api);
  }

  @Post()
  @Idempotent()
  create(@CurrentAccount() account: Account, @Body() body: CreateBucketDto, @Res({ passthrough: true }) res: Response) {
    return this.api.create(account, 'bucket', { name: body.name, region: body.region, project: body.project ?? '' }, res);
  }
}
