import { describe, expect, it } from '@jest/globals';
import { canonicalJson, fingerprint, idempotencyKeyProblem, judge, outcome, storageKey, type IdempotencyRecord } from './idempotency-rules.js';
import { seal, sealingKey, unseal } from './sealed-body.js';

const LEASE = 30_000;
const body = { name: 'web', specs: { vcpus: 2, memory_gb: 4, disk_gb: 80 } };
const fp = fingerprint('POST', '/v1/hosting/vms', body);
const record = (overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
  fingerprint: fp,
  state: 'in_progress',
  ulid: '01jtx5z8k3m4n5p6q7r8s9t0va',
  startedAt: 1_000,
  ...overrides,
});

describe('Idempotency-Key', () => {
  it('takes 1 to 255 printable ASCII characters', () => {
    for (const ok of ['a', 'x'.repeat(255), '3f1c2b1e-7d1a-4c55-9a55-0a1d9e3c2b10', 'order 42 / retry!']) expect(idempotencyKeyProblem(ok)).toBeUndefined();
    for (const bad of ['', 'x'.repeat(256), 'tab\there', 'ünïcode', 'line\nbreak']) expect(idempotencyKeyProblem(bad)).toEqual(expect.stringContaining('Idempotency-Key'));
    expect(idempotencyKeyProblem(['a', 'b'])).toEqual(expect.stringContaining('once'));
  });

  it('is stored per caller, hashed', () => {
    expect(storageKey('acc_1', 'k')).toMatch(/^[0-9a-f]{64}$/);
    expect(storageKey('acc_1', 'k')).not.toBe(storageKey('acc_2', 'k'));
    expect(storageKey('acc_1', 'k')).toBe(storageKey('acc_1', 'k'));
  });
});

describe('fingerprint', () => {
  it('is the same for the same method, path and body, whatever the key order', () => {
    expect(fingerprint('post', '/v1/hosting/vms', { specs: { disk_gb: 80, memory_gb: 4, vcpus: 2 }, name: 'web' })).toBe(fp);
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });

  it('differs for another body, path or method', () => {
    expect(fingerprint('POST', '/v1/hosting/vms', { ...body, name: 'api' })).not.toBe(fp);
    expect(fingerprint('POST', '/v1/hosting/databases', body)).not.toBe(fp);
    expect(fingerprint('PUT', '/v1/hosting/vms', body)).not.toBe(fp);
    expect(fingerprint('POST', '/v1/hosting/vms', undefined)).not.toBe(fingerprint('POST', '/v1/hosting/vms', {}));
  });
});

describe('judge: what a request finds under its key', () => {
  it('another request under the key is a reuse, whatever its state', () => {
    for (const state of ['in_progress', 'done', 'open'] as const) {
      expect(judge(record({ state, fingerprint: 'other' }), fp, 2_000, LEASE)).toEqual({ kind: 'reused' });
    }
  });

  it('replays a final answer', () => {
    const answer = { status: 201, sealedBody: 'sealed' };
    expect(judge(record({ state: 'done', answer }), fp, 2_000, LEASE)).toEqual({ kind: 'replay', ...answer });
  });

  it('waits for an attempt under way, and takes over one past its lease', () => {
    expect(judge(record(), fp, 1_000 + LEASE - 1, LEASE)).toEqual({ kind: 'wait' });
    expect(judge(record(), fp, 1_000 + LEASE, LEASE)).toEqual({ kind: 'resume' });
  });

  it('runs again after a failure on our side', () => {
    expect(judge(record({ state: 'open' }), fp, 2_000, LEASE)).toEqual({ kind: 'resume' });
  });
});

describe('outcome: what becomes of the key once answered', () => {
  it('stores successes and the services’ refusals, reopens on 5xx, forgets invalid requests', () => {
    expect(outcome(201, false)).toBe('store');
    expect(outcome(202, false)).toBe('store');
    expect(outcome(409, true)).toBe('store');
    expect(outcome(503, false)).toBe('reopen');
    expect(outcome(504, false)).toBe('reopen');
    expect(outcome(400, false)).toBe('forget');
  });

  it('forgets a quota refusal, which created nothing: the same key works once a slot is free', () => {
    expect(outcome(429, true)).toBe('forget');
  });
});

describe('sealed answers', () => {
  it('open with the key they were sealed with, and only with it', () => {
    const key = sealingKey('server-secret', 'acc_1', 'idem-1');
    const sealed = seal('{"api_key":"pk_secret"}', key);
    expect(sealed).not.toContain('pk_secret');
    expect(unseal(sealed, key)).toBe('{"api_key":"pk_secret"}');
    expect(unseal(sealed, sealingKey('server-secret', 'acc_1', 'idem-2'))).toBeUndefined();
    expect(unseal(sealed, sealingKey('server-secret', 'acc_2', 'idem-1'))).toBeUndefined();
  });

  it('cannot be opened from what a caller knows (its account id and its Idempotency-Key) without the server secret', () => {
    const sealed = seal('{"api_key":"pk_secret"}', sealingKey('server-secret', 'acc_1', 'idem-1'));
    // What an attacker reading the bucket could try: every secret-free derivation of the caller's values.
    for (const guess of ['', 'acc_1', 'idem-1', 'admin']) {
      expect(unseal(sealed, sealingKey(guess, 'acc_1', 'idem-1'))).toBeUndefined();
    }
    expect(unseal('garbage', sealingKey('server-secret', 'acc_1', 'idem-1'))).toBeUndefined();
  });
});
