// POST /v1/hosting/network/reachability: "can this resource reach that
// destination on this port?", answered with the path, its hops and, when
// blocked, the first blocking component and a reason code (the rule is
// @pn/resources-domain's reachability.ts). A question that changes nothing,
// so a read key may ask it.
import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { routes, type Reachability, type ReachabilityHop } from '@pn/contracts';
import { RpcClient } from '@pn/service-kit';
import type { Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount, ReadOnlyOperation } from '../accounts/guards.js';
import { ReachabilityDto } from './reachability.dto.js';

/** A hop with only the fields it has: empty strings and zero ports are absent, not shown. */
const presentHop = (h: ReachabilityHop) => ({
  type: h.type,
  ...(h.id ? { id: h.id } : {}),
  ...(h.name ? { name: h.name } : {}),
  ...(h.project ? { project: h.project } : {}),
  ...(h.address ? { address: h.address } : {}),
  ...(h.port ? { port: h.port } : {}),
  ...(h.protocol ? { protocol: h.protocol } : {}),
});

const present = (r: Reachability) => ({
  reachable: r.reachable,
  path: r.path,
  hops: r.hops.map(presentHop),
  blocked_by: r.blockedBy ? { code: r.blockedBy.code, component: r.blockedBy.component, reason: r.blockedBy.reason } : null,
});

@Controller('v1/hosting/network')
@UseGuards(ApiKeyGuard)
export class ReachabilityController {
  constructor(private readonly rpc: RpcClient) {}

  @Post('reachability')
  @HttpCode(200)
  @ReadOnlyOperation()
  async check(@CurrentAccount() account: Account, @Body() body: ReachabilityDto) {
    const answer = await this.rpc.call(routes.checkReachability, {
      accountId: account.id,
      source: body.source,
      destination: body.destination,
      port: body.port,
      protocol: body.protocol ?? 'tcp',
    });
    return present(answer);
  }
}
