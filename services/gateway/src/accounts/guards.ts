// Who is calling: the platform admin (Bearer ADMIN_TOKEN) or an account
// (X-API-Key), and whether that key may do what it asks.
import { createParamDecorator, Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { scopeAllows } from '@pn/accounts-domain';
import { PLATFORM_CONFIG, type PlatformConfig } from '@pn/service-kit';
import type { Request } from 'express';
import { ApiError } from '../http/api-error.js';
import { AccountsService, type Account } from './accounts.service.js';
import { sameSecret } from './api-keys.js';

type AuthenticatedRequest = Request & { account?: Account };

/** The admin token a request carries, if it is the right one (compared in constant time). */
export function isAdmin(request: Request, config: PlatformConfig): boolean {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  return Boolean(config.adminToken && token && sameSecret(token, config.adminToken));
}

@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.config.adminToken) throw new ApiError(401, 'unauthorized', 'the admin API is disabled: ADMIN_TOKEN is not set');
    if (!isAdmin(context.switchToHttp().getRequest<Request>(), this.config)) {
      throw new ApiError(401, 'unauthorized', 'missing or wrong admin token (Authorization: Bearer $ADMIN_TOKEN)');
    }
    return true;
  }
}

const READ_ONLY = 'pn:read-only';
/** Marks a POST that only asks a question (changes nothing), so a read key may call it. */
export const ReadOnlyOperation = () => SetMetadata(READ_ONLY, true);

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly accounts: AccountsService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // A key index further behind than the lag bound may still hold a key
    // revoked on another instance: refuse every key until it has caught up
    // (503, retry shortly) rather than let a revoked one through. This is
    // what bounds how long a revocation takes everywhere. A moment of lag
    // (this process stalled, a pull reopened) is waited out, for at most the
    // bound itself and never more than a second.
    if (!(await this.accounts.untilIndexCurrent())) {
      throw new ApiError(503, 'service_unavailable', 'API keys cannot be checked right now (the key index is behind); retry shortly');
    }
    const key = request.headers['x-api-key'];
    const account = typeof key === 'string' && key ? this.accounts.authenticate(key) : undefined;
    if (!account) throw new ApiError(401, 'unauthorized', 'missing or wrong API key (X-API-Key header)');
    const readOnly = this.reflector.getAllAndOverride<boolean>(READ_ONLY, [context.getHandler(), context.getClass()]) ?? false;
    if (!scopeAllows(account.scope, request.method, readOnly)) {
      throw new ApiError(403, 'insufficient_scope', `this API key is read-only: ${request.method} needs a write key`, 'X-API-Key');
    }
    request.account = account;
    return true;
  }
}

/** The account the API key belongs to (ApiKeyGuard must run first). */
export const CurrentAccount = createParamDecorator((_: unknown, context: ExecutionContext): Account => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().account!;
});
