// /v1/hosting/vms/:id/ports and …/domains: what of a VM faces the internet.
// The first open port gives the VM a public address, closing the last gives
// it back; a domain needs that address, and is answered with the records to
// create, pending until …/verify finds them.
import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { routes, type CustomDomain, type PortList } from '@pn/contracts';
import { Inject } from '@nestjs/common';
import { PLATFORM_CONFIG, RpcClient, type PlatformConfig } from '@pn/service-kit';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { ApiError } from '../http/api-error.js';
import { AddDomainDto, OpenPortDto } from './exposure.dto.js';
import { MULTI_HOP_TIMEOUT_FACTOR } from './resource-api.js';

const presentPorts = (p: PortList) => ({ id: p.resourceId, public_ip: p.publicIp ?? null, ports: p.ports.map((x) => ({ port: x.port, protocol: x.protocol })) });
const presentDomain = (d: CustomDomain) => ({
  domain: d.domain,
  status: d.status,
  records: d.records.map((r) => ({ type: r.type, name: r.name, value: r.value })),
  added_at: d.addedAt,
  verified_at: d.verifiedAt || null,
  ...(d.problem ? { problem: d.problem } : {}),
});

/** A path's port: digits only, 1–65535. */
function portParam(raw: string): number {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new ApiError(400, 'validation_failed', 'port must be an integer from 1 to 65535', 'port');
  return port;
}

@Controller('v1/hosting/vms/:id')
@UseGuards(ApiKeyGuard)
export class VmExposureController {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  @Post('ports')
  @HttpCode(200)
  async openPort(@CurrentAccount() account: Account, @Param('id') id: string, @Body() body: OpenPortDto) {
    // It may wait for ipam: more than a single hop.
    return presentPorts(await this.rpc.call(routes.openPort, { accountId: account.id, resourceId: id, port: body.port, protocol: body.protocol }, { timeoutMs: this.multiHop() }));
  }

  @Get('ports')
  async listPorts(@CurrentAccount() account: Account, @Param('id') id: string) {
    return presentPorts(await this.rpc.call(routes.listPorts, { accountId: account.id, resourceId: id }));
  }

  @Delete('ports/:port')
  async closePort(@CurrentAccount() account: Account, @Param('id') id: string, @Param('port') port: string) {
    return presentPorts(await this.rpc.call(routes.closePort, { accountId: account.id, resourceId: id, port: portParam(port) }, { timeoutMs: this.multiHop() }));
  }

  @Post('domains')
  @HttpCode(201)
  async addDomain(@CurrentAccount() account: Account, @Param('id') id: string, @Body() body: AddDomainDto) {
    return presentDomain(await this.rpc.call(routes.addDomain, { accountId: account.id, resourceId: id, domain: body.domain }));
  }

  @Get('domains')
  async listDomains(@CurrentAccount() account: Account, @Param('id') id: string) {
    const list = await this.rpc.call(routes.listDomains, { accountId: account.id, resourceId: id });
    return { id: list.resourceId, items: list.items.map(presentDomain) };
  }

  @Delete('domains/:domain')
  async removeDomain(@CurrentAccount() account: Account, @Param('id') id: string, @Param('domain') domain: string) {
    const list = await this.rpc.call(routes.removeDomain, { accountId: account.id, resourceId: id, domain });
    return { id: list.resourceId, items: list.items.map(presentDomain) };
  }

  @Post('domains/:domain/verify')
  @HttpCode(200)
  async verifyDomain(@CurrentAccount() account: Account, @Param('id') id: string, @Param('domain') domain: string) {
    // Two DNS lookups behind it: more than a single hop.
    return presentDomain(await this.rpc.call(routes.verifyDomain, { accountId: account.id, resourceId: id, domain }, { timeoutMs: this.multiHop() }));
  }

  private multiHop(): number {
    return this.config.rpcTimeoutMs * MULTI_HOP_TIMEOUT_FACTOR;
  }
}
