// The endpoints every kind has (list, get, history, delete), written once.
// Each kind's controller extends this with its create and its own extras;
// Nest finds routes on inherited methods.
import { Delete, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Account } from '../accounts/accounts.service.js';
import { CurrentAccount } from '../accounts/guards.js';
import type { Kind, ResourceApi } from './resource-api.js';
import { ListQueryDto, PageQueryDto } from './resource.dto.js';

export interface KindEndpoints {
  readonly api: ResourceApi;
}

export function KindEndpoints(kind: Kind): new (api: ResourceApi) => KindEndpoints {
  class Endpoints implements KindEndpoints {
    constructor(readonly api: ResourceApi) {}

    @Get()
    list(@CurrentAccount() account: Account, @Query() query: ListQueryDto) {
      return this.api.list(account, kind, query);
    }

    @Get(':id')
    get(@CurrentAccount() account: Account, @Param('id') id: string) {
      return this.api.get(account, kind, id);
    }

    @Get(':id/events')
    history(@CurrentAccount() account: Account, @Param('id') id: string, @Query() query: PageQueryDto) {
      return this.api.history(account, kind, id, query);
    }

    @Delete(':id')
    delete(@CurrentAccount() account: Account, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
      return this.api.delete(account, kind, id, res);
    }
  }
  return Endpoints;
}
