// What an append may wait for, given the request it is made for.
import { describe, expect, it } from '@jest/globals';
import { appendBudgetMs, withDeadline } from './deadline.js';
import { HOP_MARGIN_MS } from './deadline-rules.js';

describe('appendBudgetMs', () => {
  it('is what the request has left, less the margin to answer in', () => {
    const now = 1_000_000;
    expect(withDeadline(now + 3000, () => appendBudgetMs(now))).toBe(3000 - HOP_MARGIN_MS);
    expect(withDeadline(now + 50, () => appendBudgetMs(now))).toBe(0);
  });

  it('is undefined outside a request (the sweeper): the client’s own timeouts', () => {
    expect(appendBudgetMs()).toBeUndefined();
    expect(withDeadline(undefined, () => appendBudgetMs())).toBeUndefined();
  });
});
