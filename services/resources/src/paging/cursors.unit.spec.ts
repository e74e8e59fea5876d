import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@pn/decider';
import { historyCursor, idCursor } from './cursors.js';

const ID = 'vm_01jd8w3x5y6z7a8b9c0d1e2f3g';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, field: error.details.field };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('cursors', () => {
  it('give back the id they were made from, and nothing for no cursor', () => {
    expect(idCursor.decode(idCursor.encode(ID))).toBe(ID);
    expect(idCursor.decode('')).toBe('');
    expect(idCursor.encode(ID)).not.toContain(ID); // opaque
  });

  it('refuse anything this API did not hand out with a 400 naming cursor', () => {
    const bad = { code: 'invalid_request', field: 'cursor' };
    expect(refusal(() => idCursor.decode('nonsense'))).toEqual(bad);
    expect(refusal(() => idCursor.decode(`${idCursor.encode(ID)}!!`))).toEqual(bad);
    expect(refusal(() => idCursor.decode(idCursor.encode('vm_short')))).toEqual(bad);
    expect(refusal(() => idCursor.decode(idCursor.encode(ID), 'prj'))).toEqual(bad);
    expect(refusal(() => historyCursor.decode(idCursor.encode(ID)))).toEqual(bad);
    expect(refusal(() => historyCursor.decode(historyCursor.encode({ fromRevision: 2 ** 32, afterPosition: 1n })))).toEqual(bad);
    expect(refusal(() => idCursor.decode(historyCursor.encode({ fromRevision: 3, afterPosition: 1n })))).toEqual(bad);
  });

  it('carry a history page’s next revision and the position before it', () => {
    const cursor = historyCursor.encode({ fromRevision: 51, afterPosition: 123_456_789_012n });
    expect(historyCursor.decode(cursor)).toEqual({ fromRevision: 51, afterPosition: 123_456_789_012n });
    expect(historyCursor.decode('')).toEqual({ fromRevision: 0 });
  });
});
