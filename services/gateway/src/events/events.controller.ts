// GET /v1/hosting/events: the account's resource lifecycle changes as they
// happen, as server-sent events (`event: resource`, `id:` the store position),
// so an agent waits for `running` without polling. `?project=` narrows it to
// one project; `Last-Event-ID` resumes after what was last received.
import { Controller, Get, Headers, Query, Res, UseGuards } from '@nestjs/common';
import { routes } from '@pn/contracts';
import { RpcClient } from '@pn/service-kit';
import type { Response } from 'express';
import { AccountsService, type Account } from '../accounts/accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from '../accounts/guards.js';
import { ApiError } from '../http/api-error.js';
import { Optional } from '../http/optional.js';
import { IsDnsLabel } from '../resources/dns-label.validator.js';
import { EventClient } from './event-client.js';
import { EventHub } from './event-hub.js';

export class EventsQueryDto {
  @Optional()
  @IsDnsLabel()
  project?: string;
}

/** A position as this endpoint hands them out (a decimal integer), or a 400. */
function positionOf(raw: string | undefined): bigint | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,20}$/.test(raw)) throw new ApiError(400, 'invalid_request', 'Last-Event-ID must be the id of an event this endpoint sent', 'Last-Event-ID');
  return BigInt(raw);
}

@Controller('v1/hosting/events')
@UseGuards(ApiKeyGuard)
export class EventsController {
  constructor(
    private readonly hub: EventHub,
    private readonly accounts: AccountsService,
    private readonly rpc: RpcClient,
  ) {}

  @Get()
  async stream(
    @CurrentAccount() account: Account,
    @Query() query: EventsQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Headers('x-api-key') apiKey: string,
    @Res() res: Response,
  ): Promise<void> {
    const after = positionOf(lastEventId);
    // A project the account does not have is a 404 naming `project`, as on every other call; not a
    // stream that stays silent. (The default project is made on first use, like everywhere else.)
    if (query.project !== undefined) await this.rpc.call(routes.ensureProject, { accountId: account.id, name: query.project });
    const filter = { accountId: account.id, keyId: account.keyId, project: query.project };
    const stillAuthorised = () => this.accounts.authenticate(apiKey)?.keyId === account.keyId;
    await this.hub.connect((onClose) => new EventClient(filter, res, after, onClose), after, stillAuthorised);
  }
}
