import { describe, expect, it } from '@jest/globals';
import { withRequestIdInError } from './request-id.js';

describe('request ids in answers', () => {
  it('adds the id to an error body', () => {
    expect(withRequestIdInError({ error: { code: 'not_found', message: 'x' } }, 'r1')).toEqual({
      error: { code: 'not_found', message: 'x', request_id: 'r1' },
    });
  });
  it.each([[{ id: 'vm_1' }], [[1, 2]], [null], ['text'], [{ error: 'a string' }]])('leaves %j as it is', (body) => {
    expect(withRequestIdInError(body, 'r1')).toEqual(body);
  });
});
