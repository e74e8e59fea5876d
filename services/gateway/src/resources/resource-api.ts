// What every kind's endpoints share: the calls to the resources service, the
// status codes, and the presentation. The kind controllers only add their DTOs.
import { Inject, Injectable } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { RESOURCE_ID_PREFIX, routes, type CreateResourceRequestSchema } from '@pn/contracts';
import { newUlid, PLATFORM_CONFIG, RpcClient, type PlatformConfig } from '@pn/service-kit';
import type { Response } from 'express';
import type { Account } from '../accounts/accounts.service.js';
import { ApiError, CreateFailure } from '../http/api-error.js';
import { reservedUlid } from '../idempotency/reserved-ulid.js';
import { presentResource } from './resource.presenter.js';
import type { ListQueryDto, PageQueryDto } from './resource.dto.js';

export type Kind = 'vm' | 'database' | 'cache' | 'bucket';
type CreateFields = Omit<MessageInitShape<typeof CreateResourceRequestSchema>, '$typeName' | 'accountId' | 'kind' | 'region' | 'resourceId'> & { region?: string };

// A create or a delete waits for ipam and dns: give it more than a single hop.
export const MULTI_HOP_TIMEOUT_FACTOR = 3;

@Injectable()
export class ResourceApi {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  /**
   * 201 when it is ready; 202 while it waits for a service that is down. The
   * gateway names the resource (with the ULID an Idempotency-Key reserved, if
   * any), so a 503 or 504 can tell the client which id to look up.
   */
  async create(account: Account, kind: Kind, fields: CreateFields, response: Response) {
    const region = this.region(fields.region);
    const resourceId = `${RESOURCE_ID_PREFIX[kind]}_${reservedUlid(response) ?? newUlid()}`;
    try {
      const resource = await this.rpc.call(
        routes.createResource,
        { ...fields, accountId: account.id, kind, region, resourceId },
        { timeoutMs: this.config.rpcTimeoutMs * MULTI_HOP_TIMEOUT_FACTOR },
      );
      response.status(resource.status === 'provisioning' ? 202 : 201);
      return presentResource(resource);
    } catch (error) {
      throw new CreateFailure(error, resourceId);
    }
  }

  async get(account: Account, kind: Kind, id: string) {
    return presentResource(await this.rpc.call(routes.getResource, { accountId: account.id, kind, resourceId: id }));
  }

  async list(account: Account, kind: Kind, query: ListQueryDto) {
    const page = await this.rpc.call(routes.listResources, {
      accountId: account.id,
      kind,
      project: query.project ?? '',
      cursor: query.cursor ?? '',
      limit: query.limit ?? 0,
    });
    return { items: page.items.map(presentResource), next_cursor: page.nextCursor || null };
  }

  /** 204 once it is gone; 202 with its state while dns or ipam is down. */
  async delete(account: Account, kind: Kind, id: string, response: Response) {
    const resource = await this.rpc.call(routes.deleteResource, { accountId: account.id, kind, resourceId: id }, { timeoutMs: this.config.rpcTimeoutMs * MULTI_HOP_TIMEOUT_FACTOR });
    if (resource.status === 'deleted') {
      response.status(204);
      return undefined;
    }
    response.status(202);
    return presentResource(resource);
  }

  /** A page of its history, oldest first; `next_cursor` is null once the page reached the newest event. */
  async history(account: Account, kind: Kind, id: string, query: PageQueryDto) {
    const history = await this.rpc.call(routes.resourceHistory, {
      accountId: account.id,
      kind,
      resourceId: id,
      cursor: query.cursor ?? '',
      limit: query.limit ?? 0,
    });
    return {
      id,
      events: history.events.map((e) => ({ type: e.type, at: e.at, revision: e.revision, data: JSON.parse(e.dataJson) })),
      next_cursor: history.nextCursor || null,
    };
  }

  async setPublicAccess(account: Account, kind: Kind, id: string, publicAccess: boolean) {
    return presentResource(await this.rpc.call(routes.setPublicAccess, { accountId: account.id, kind, resourceId: id, publicAccess }));
  }

  async power(account: Account, id: string, action: 'start' | 'stop') {
    return presentResource(await this.rpc.call(routes.changePower, { accountId: account.id, resourceId: id, action }));
  }

  private region(region: string | undefined): string {
    const chosen = region ?? this.config.regions[0]!;
    if (!this.config.regions.includes(chosen)) {
      throw new ApiError(400, 'validation_failed', `region must be one of ${this.config.regions.join(', ')}`, 'region');
    }
    return chosen;
  }
}
