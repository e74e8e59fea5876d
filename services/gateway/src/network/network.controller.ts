// /v1/hosting/network: the account's network and everything in it, and the
// authenticated resolve endpoint (what the network's DNS answers for a name).
import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { routes } from '@pn/contracts';
import { RpcClient } from '@pn/service-kit';
import { IsString, Length } from 'class-validator';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { Optional } from '../http/optional.js';
import { IsDnsLabel } from '../resources/dns-label.validator.js';
import { ListQueryDto } from '../resources/resource.dto.js';

export class ResolveQueryDto {
  @IsString()
  @Length(1, 253)
  name!: string;

  @Optional()
  @IsDnsLabel()
  project?: string;
}

@Controller('v1/hosting/network')
@UseGuards(ApiKeyGuard)
export class NetworkController {
  constructor(private readonly rpc: RpcClient) {}

  /** The article's shape, `resources` one page of them (oldest first) and `next_cursor` beside it. */
  @Get('topology')
  async topology(@CurrentAccount() account: Account, @Query() query: ListQueryDto) {
    const topology = await this.rpc.call(routes.getTopology, {
      accountId: account.id,
      project: query.project ?? '',
      cursor: query.cursor ?? '',
      limit: query.limit ?? 0,
    });
    return {
      network_id: topology.networkId,
      project: topology.project,
      private_cidr: topology.privateCidr,
      resources: topology.resources.map((r) => ({ type: r.type, id: r.id, name: r.name, private_ip: r.privateIp })),
      next_cursor: topology.nextCursor || null,
    };
  }

  @Get('resolve')
  async resolve(@CurrentAccount() account: Account, @Query() query: ResolveQueryDto) {
    const { name } = query;
    const project = await this.rpc.call(routes.ensureProject, { accountId: account.id, name: query.project ?? '' });
    const answer = await this.rpc.call(routes.resolve, { networkId: project.networkId, name });
    return { name, rcode: answer.rcode, addresses: answer.addresses, ttl: answer.ttl };
  }
}
