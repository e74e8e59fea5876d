// /v1/hosting/vms: VMs with a private address and DNS names; stop and start keep both.
import { Body, Controller, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { Idempotent } from '../idempotency/idempotency.interceptor.js';
import { KindEndpoints } from './kind-endpoints.js';
import { ResourceApi } from './resource-api.js';
import { CreateVmDto, DEFAULT_SPECS } from './resource.dto.js';

@Controller('v1/hosting/vms')
@UseGuards(ApiKeyGuard)
export class VmsController extends KindEndpoints('vm') {
  constructor(api: ResourceApi) {
    super(api);
  }

  @Post()
  @Idempotent()
  create(@CurrentAccount() account: Account, @Body() body: CreateVmDto, @Res({ passthrough: true }) res: Response) {
    const specs = body.specs ?? DEFAULT_SPECS;
    return this.api.create(
      account,
      'vm',
      {
        name: body.name,
        region: body.region,
        project: body.project ?? '',
        image: body.image ?? '',
        specs: { vcpus: specs.vcpus, memoryGb: specs.memory_gb, diskGb: specs.disk_gb },
      },
      res,
    );
  }

  @Post(':id/stop')
  @HttpCode(200)
  stop(@CurrentAccount() account: Account, @Param('id') id: string) {
    return this.api.power(account, id, 'stop');
  }

  @Post(':id/start')
  @HttpCode(200)
  start(@CurrentAccount() account: Account, @Param('id') id: string) {
    return this.api.power(account, id, 'start');
  }
}
