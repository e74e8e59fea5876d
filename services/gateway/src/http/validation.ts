// class-validator at the edge: unknown fields and wrong types are refused
// with a 400 that names the first field at fault (nested as `specs.vcpus`).
import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError } from './api-error.js';

// A wrong type says more than the range check that also fails on it.
const FIRST_CONSTRAINTS = ['whitelistValidation', 'isDefined', 'isString', 'isInt', 'isBoolean', 'isObject', 'isDnsLabel', 'nestedValidation'];

function pickMessage(constraints: Record<string, string>): string | undefined {
  const key = FIRST_CONSTRAINTS.find((k) => Object.hasOwn(constraints, k)) ?? Object.keys(constraints)[0];
  return key === undefined ? undefined : constraints[key];
}

function firstProblem(errors: ValidationError[], prefix = ''): { field: string; message: string } | undefined {
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const message = pickMessage(error.constraints ?? {});
    if (message) return { field, message: message.replace(error.property, field) };
    const nested = firstProblem(error.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}

export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => {
    const problem = firstProblem(errors) ?? { field: '', message: 'invalid request' };
    return new ApiError(400, 'validation_failed', problem.message, problem.field || undefined);
  },
});
