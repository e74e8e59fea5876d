// /v1/hosting/vms: create a VM (private address and DNS names included) and read it back.
import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { routes } from '@pn/contracts';
import { PLATFORM_CONFIG, RpcClient, type PlatformConfig } from '@pn/service-kit';
import { CurrentAccount, ApiKeyGuard } from '../accounts/guards.js';
import type { Account } from '../accounts/accounts.service.js';
import { ApiError } from '../http/api-error.js';
import { CreateVmDto, DEFAULT_SPECS } from './create-vm.dto.js';
import { presentVm } from './vm.presenter.js';

// Creating waits for ipam and dns: give it more than a single hop.
const CREATE_TIMEOUT_FACTOR = 3;

@Controller('v1/hosting/vms')
@UseGuards(ApiKeyGuard)
export class VmsController {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@CurrentAccount() account: Account, @Body() body: CreateVmDto) {
    const region = body.region ?? this.config.regions[0]!;
    if (!this.config.regions.includes(region)) {
      throw new ApiError(400, 'validation_failed', `region must be one of ${this.config.regions.join(', ')}`, 'region');
    }
    const specs = body.specs ?? DEFAULT_SPECS;
    const vm = await this.rpc.call(
      routes.createVm,
      {
        accountId: account.id,
        name: body.name,
        region,
        specs: { vcpus: specs.vcpus, memoryGb: specs.memory_gb, diskGb: specs.disk_gb },
      },
      { timeoutMs: this.config.rpcTimeoutMs * CREATE_TIMEOUT_FACTOR },
    );
    return presentVm(vm);
  }

  @Get(':id')
  async get(@CurrentAccount() account: Account, @Param('id') id: string) {
    return presentVm(await this.rpc.call(routes.getVm, { accountId: account.id, vmId: id }));
  }
}
