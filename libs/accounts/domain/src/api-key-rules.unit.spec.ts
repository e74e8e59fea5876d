import { describe, expect, it } from '@jest/globals';
import { checkRevocable, keyNameProblem, scopeAllows, type ApiKeyInfo } from './api-key-rules.js';

const key = (keyId: string, scope: 'read' | 'write'): [string, ApiKeyInfo] => [
  keyId,
  { keyId, name: keyId, scope, keyHash: 'a'.repeat(64), last4: 'abcd', createdAt: new Date(0) },
];

const code = (run: () => void): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('scopeAllows', () => {
  it('given a write key, when it makes any request, then it is allowed', () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) expect(scopeAllows('write', method)).toBe(true);
  });

  it('given a read key, when it reads, then it is allowed; when it changes anything (or sends a method we do not know), then not', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) expect(scopeAllows('read', method)).toBe(true);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'PURGE', 'delete']) expect(scopeAllows('read', method)).toBe(false);
  });

  it('given a read key, when it POSTs to an endpoint marked read-only, then it is allowed', () => {
    expect(scopeAllows('read', 'POST', true)).toBe(true);
  });
});

describe('keyNameProblem', () => {
  it('takes 1 to 100 printable characters once trimmed', () => {
    expect(keyNameProblem('ci deploys')).toBeUndefined();
    expect(keyNameProblem('x'.repeat(100))).toBeUndefined();
    expect(keyNameProblem('  ')).toMatch(/1 to 100/);
    expect(keyNameProblem('x'.repeat(101))).toMatch(/1 to 100/);
    expect(keyNameProblem('a\nb')).toMatch(/control/);
  });
});

describe('checkRevocable', () => {
  it('given two write keys, when one is revoked, then that is allowed', () => {
    expect(code(() => checkRevocable(new Map([key('k1', 'write'), key('k2', 'write')]), 'k1'))).toBeUndefined();
  });

  it('given one write key and read keys, when the write key is revoked, then it is refused as the last write key; a read key may go', () => {
    const keys = new Map([key('k1', 'write'), key('k2', 'read')]);
    expect(code(() => checkRevocable(keys, 'k1'))).toBe('last_write_key');
    expect(code(() => checkRevocable(keys, 'k2'))).toBeUndefined();
  });

  it('given no such live key, when it is revoked, then it is not found', () => {
    expect(code(() => checkRevocable(new Map([key('k1', 'write')]), 'k9'))).toBe('not_found');
  });
});
