// POST /v1/admin/accounts: the platform admin creates an account and gets its API key, once.
import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { IsString, Length } from 'class-validator';
import { Idempotent } from '../idempotency/idempotency.interceptor.js';
import { AccountsService } from './accounts.service.js';
import { AdminGuard } from './guards.js';

export class CreateAccountDto {
  @IsString()
  @Length(1, 100)
  name!: string;
}

@Controller('v1/admin/accounts')
@UseGuards(AdminGuard)
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @Idempotent()
  @HttpCode(201)
  async create(@Body() body: CreateAccountDto) {
    const { id, name, apiKey } = await this.accounts.create(body.name);
    return { id, name, api_key: apiKey };
  }
}
