// Who is calling: the platform admin (Bearer ADMIN_TOKEN) or an account (X-API-Key).
import { createParamDecorator, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { PLATFORM_CONFIG, type PlatformConfig } from '@pn/service-kit';
import type { Request } from 'express';
import { ApiError } from '../http/api-error.js';
import { AccountsService, type Account } from './accounts.service.js';
import { sameSecret } from './api-keys.js';

type AuthenticatedRequest = Request & { account?: Account };

@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    if (!this.config.adminToken) throw new ApiError(401, 'unauthorized', 'the admin API is disabled: ADMIN_TOKEN is not set');
    if (!token || !sameSecret(token, this.config.adminToken)) {
      throw new ApiError(401, 'unauthorized', 'missing or wrong admin token (Authorization: Bearer $ADMIN_TOKEN)');
    }
    return true;
  }
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly accounts: AccountsService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = request.headers['x-api-key'];
    const account = typeof key === 'string' && key ? this.accounts.authenticate(key) : undefined;
    if (!account) throw new ApiError(401, 'unauthorized', 'missing or wrong API key (X-API-Key header)');
    request.account = account;
    return true;
  }
}

/** The account the API key belongs to (ApiKeyGuard must run first). */
export const CurrentAccount = createParamDecorator((_: unknown, context: ExecutionContext): Account => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().account!;
});
