import { describe, expect, it } from '@jest/globals';
import { chooseHost } from './placement-rule.js';

const view = (liveHosts: string[], held: Record<string, number> = {}) => ({ liveHosts, networksOn: (h: string) => held[h] ?? 0 });

describe('placing a network', () => {
  it('waits while no host is live', () => {
    expect(chooseHost(view([]))).toBeUndefined();
  });

  it('takes the live host holding the fewest networks', () => {
    expect(chooseHost(view(['h1', 'h2', 'h3'], { h1: 4, h2: 1, h3: 2 }))).toBe('h2');
  });

  it('breaks a tie by the smaller id, whatever order the hosts were heard in', () => {
    expect(chooseHost(view(['h3', 'h1', 'h2'], { h1: 1, h2: 1, h3: 1 }))).toBe('h1');
    expect(chooseHost(view(['h2', 'h1'], { h1: 0, h2: 0 }))).toBe('h1');
  });
});
