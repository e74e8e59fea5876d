// /v1/hosting/api-keys: an account's own keys. The key is in the answer to
// its creation and nowhere else, ever; lists show its id, name, scope, when
// it was made and its last 4 characters. Only a write key may create or
// revoke keys (a read key gets 403 like on any change).
import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { API_KEY_SCOPES, type ApiKeyInfo, type ApiKeyScopeName } from '@pn/accounts-domain';
import { IsIn, IsString, Length } from 'class-validator';
import { ApiError } from '../http/api-error.js';
import { Idempotent } from '../idempotency/idempotency.interceptor.js';
import { AccountsService, type Account } from './accounts.service.js';
import { ApiKeyGuard, CurrentAccount } from './guards.js';

export class CreateApiKeyDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsIn(API_KEY_SCOPES, { message: `scope must be one of ${API_KEY_SCOPES.join(', ')}` })
  scope!: ApiKeyScopeName;
}

const KEY_ID = /^key_[0-9a-z]{26}$/;

const present = (key: ApiKeyInfo) => ({
  id: key.keyId,
  name: key.name,
  scope: key.scope,
  created_at: key.createdAt.toISOString(),
  // Empty for an account's first key made before keys were listed: shown as null.
  last4: key.last4 || null,
});

@Controller('v1/hosting/api-keys')
@UseGuards(ApiKeyGuard)
export class ApiKeysController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  async create(@CurrentAccount() account: Account, @Body() body: CreateApiKeyDto) {
    const key = await this.accounts.createKey(account, body.name, body.scope);
    return { id: key.keyId, name: key.name, scope: key.scope, api_key: key.apiKey, created_at: key.createdAt.toISOString() };
  }

  @Get()
  async list(@CurrentAccount() account: Account) {
    return { items: (await this.accounts.listKeys(account)).map(present) };
  }

  /** Revoked at once here, and on every other gateway instance within the key index's lag bound. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@CurrentAccount() account: Account, @Param('id') id: string): Promise<void> {
    if (!KEY_ID.test(id)) throw new ApiError(400, 'validation_failed', 'id must be an API key id (key_ followed by 26 letters and digits)', 'id');
    await this.accounts.revokeKey(account, id);
  }
}
