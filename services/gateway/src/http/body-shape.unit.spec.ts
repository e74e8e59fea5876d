import { describe, expect, it } from '@jest/globals';
import { bodyProblem } from './body-shape.js';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe('bodyProblem', () => {
  it('accepts an ordinary create body', () => {
    expect(bodyProblem({ name: 'web', specs: { vcpus: 2, memory_gb: 4, disk_gb: 80 }, tags: ['a', 'b'] })).toBeUndefined();
  });

  it('accepts 32 levels and refuses 33, and 10,000', () => {
    expect(bodyProblem(nested(32))).toBeUndefined();
    expect(bodyProblem(nested(33))).toMatchObject({ code: 'body_too_complex' });
    expect(bodyProblem(JSON.parse('{"a":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}'))).toMatchObject({ code: 'body_too_complex' });
  });

  it('accepts 1,000 fields and list items and refuses more, without walking the rest', () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(bodyProblem(keys(1000))).toBeUndefined();
    expect(bodyProblem(keys(1001))).toMatchObject({ code: 'body_too_complex' });
    expect(bodyProblem({ list: Array.from({ length: 1000 }, () => 0) })).toMatchObject({ code: 'body_too_complex' });
    const big = keys(20_000);
    const started = performance.now();
    bodyProblem(big);
    expect(performance.now() - started).toBeLessThan(20);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s anywhere, naming where', (key) => {
    expect(bodyProblem(JSON.parse(`{"${key}":{}}`))).toEqual({ code: 'validation_failed', message: expect.stringContaining(key), field: key });
    expect(bodyProblem(JSON.parse(`{"name":"x","specs":{"${key}":{"vcpus":2}}}`))).toMatchObject({ field: `specs.${key}` });
    expect(bodyProblem(JSON.parse(`{"list":[{"${key}":1}]}`))).toMatchObject({ field: `list.0.${key}` });
  });

  it('refuses a body that is not an object', () => {
    for (const body of [[], [1], 'x', 1, null]) expect(bodyProblem(body)).toMatchObject({ code: 'validation_failed' });
  });
});
