import { describe, expect, it } from '@jest/globals';
import { acceptRequestId, eventMetadata, withRequestContext } from './request-context.js';

describe('request context', () => {
  it.each(['01j9abc', 'req-1.2:3_x', 'a'.repeat(128)])('accepts %s as a request id', (id) => expect(acceptRequestId(id)).toBe(id));
  it.each(['', 'a'.repeat(129), 'two words', 'line\nbreak', 'quote"', undefined, 42])('refuses %j', (id) => expect(acceptRequestId(id)).toBeUndefined());

  it('names the request as correlation and the message as causation of the events a command appends', () => {
    expect(eventMetadata()).toEqual({});
    withRequestContext({ requestId: 'req-1', messageId: 'msg-2' }, () =>
      expect(eventMetadata()).toEqual({ correlation_id: 'req-1', causation_id: 'msg-2' }),
    );
    withRequestContext({ requestId: 'req-1' }, () => expect(eventMetadata()).toEqual({ correlation_id: 'req-1', causation_id: 'req-1' }));
  });
});
