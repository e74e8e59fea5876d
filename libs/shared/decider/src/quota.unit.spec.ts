import { describe, expect, it } from '@jest/globals';
import { DomainError } from './decider.js';
import { checkQuota, type Quota } from './quota.js';

const projects: Quota = { what: 'projects', per: 'per account', field: 'projects', note: 'the default project does not count' };

const refusal = (run: () => void): DomainError => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('quota', () => {
  it('lets one more in while there is room, up to the limit itself', () => {
    expect(() => checkQuota(projects, { limit: 3, used: 0 })).not.toThrow();
    expect(() => checkQuota(projects, { limit: 3, used: 2 })).not.toThrow();
  });

  it('refuses the one past the limit with quota_exceeded, naming the limit, its value and the quota', () => {
    const error = refusal(() => checkQuota(projects, { limit: 3, used: 3 }));
    expect(error.code).toBe('quota_exceeded');
    expect(error.message).toBe('quota exceeded: at most 3 projects per account; the default project does not count');
    expect(error.details).toEqual({ field: 'projects', limit: 3 });
  });

  it('refuses when more than the limit is already held (a limit lowered since), and a limit of 0 refuses all', () => {
    expect(refusal(() => checkQuota(projects, { limit: 3, used: 7 })).code).toBe('quota_exceeded');
    expect(refusal(() => checkQuota(projects, { limit: 0, used: 0 })).code).toBe('quota_exceeded');
  });

  it('counts several added at once', () => {
    expect(() => checkQuota(projects, { limit: 3, used: 1 }, 2)).not.toThrow();
    expect(refusal(() => checkQuota(projects, { limit: 3, used: 2 }, 2)).code).toBe('quota_exceeded');
  });
});
