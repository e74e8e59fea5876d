// /v1/hosting/vms: VMs with a private address and DNS names; stop and start keep both.
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { ResourceApi } from './resource-api.js';
import { CreateVmDto, DEFAULT_SPECS, ListQueryDto } from './resource.dto.js';

@Controller('v1/hosting/vms')
@UseGuards(ApiKeyGuard)
export class VmsController {
  constructor(private readonly api: ResourceApi) {}

  @Post()
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

  @Get()
  list(@CurrentAccount() account: Account, @Query() query: ListQueryDto) {
    return this.api.list(account, 'vm', query);
  }

  @Get(':id')
  get(@CurrentAccount() account: Account, @Param('id') id: string) {
    return this.api.get(account, 'vm', id);
  }

  @Get(':id/events')
  history(@CurrentAccount() account: Account, @Param('id') id: string) {
    return this.api.history(account, 'vm', id);
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

  @Delete(':id')
  delete(@CurrentAccount() account: Account, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return this.api.delete(account, 'vm', id, res);
  }
}
