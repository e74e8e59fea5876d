// JSON logs (pino) for every service, one object per line, each naming the
// service and, inside a request, its request id: a request is followed across
// services by grepping one id. Plugged into Nest as its LoggerService.
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import { currentRequestContext } from './request-context.js';

type NestLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose' | 'fatal';
const PINO_LEVEL: Record<NestLevel, 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'fatal'> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** `{ msg, ...fields }`: logged with its fields as JSON fields (request_id and context still win). */
export interface LogFields {
  readonly msg: string;
  readonly [field: string]: unknown;
}

const isFieldsMessage = (message: unknown): message is LogFields =>
  typeof message === 'object' && message !== null && !Array.isArray(message) && typeof (message as { msg?: unknown }).msg === 'string';

export class JsonLogger implements LoggerService {
  private readonly pino: Logger;

  constructor(service: string, levels: readonly string[]) {
    // The most verbose level asked for (LOG_LEVEL gives that level and the ones above it).
    const lowest = (['verbose', 'debug', 'log', 'warn', 'error'] as const).find((l) => levels.includes(l)) ?? 'log';
    this.pino = pino({ base: { service }, level: PINO_LEVEL[lowest], timestamp: pino.stdTimeFunctions.isoTime });
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes (message, ...optional, context): the last string is the context; for errors a stack may come before it. */
  private write(level: NestLevel, message: unknown, rest: unknown[]): void {
    const fields: Record<string, unknown> = {};
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    if (context) fields.context = context;
    const stack = rest.find((r) => typeof r === 'string' && r.includes('\n    at '));
    if (stack) fields.stack = stack;
    const request = currentRequestContext();
    if (request) fields.request_id = request.requestId;
    if (message instanceof Error) {
      fields.err = { name: message.name, message: message.message, stack: message.stack };
      this.pino[PINO_LEVEL[level]](fields, message.message);
    } else if (isFieldsMessage(message)) {
      // A line meant to be queried (access and bus logs): its fields stay fields, not text.
      const { msg, ...own } = message;
      this.pino[PINO_LEVEL[level]]({ ...own, ...fields }, msg);
    } else {
      this.pino[PINO_LEVEL[level]](fields, typeof message === 'string' ? message : JSON.stringify(message));
    }
  }
}
