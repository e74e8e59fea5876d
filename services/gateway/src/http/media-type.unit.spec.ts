import { describe, expect, it } from '@jest/globals';
import { carriesBody, isJsonMediaType } from './media-type.js';

describe('isJsonMediaType', () => {
  it.each(['application/json', 'Application/JSON; charset=utf-8', 'application/merge-patch+json', 'application/vnd.api+json'])('takes %s', (type) => {
    expect(isJsonMediaType(type)).toBe(true);
  });

  it.each([undefined, '', 'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/jsonx', 'text/json'])(
    'refuses %s',
    (type) => {
      expect(isJsonMediaType(type)).toBe(false);
    },
  );
});

describe('carriesBody', () => {
  it('is true for a length above 0 or a chunked body, false otherwise', () => {
    expect(carriesBody({ 'content-length': '12' })).toBe(true);
    expect(carriesBody({ 'transfer-encoding': 'chunked' })).toBe(true);
    expect(carriesBody({ 'content-length': '0' })).toBe(false);
    expect(carriesBody({})).toBe(false);
  });
});
