import { describe, expect, it } from '@jest/globals';
import { workerLagMs } from './worker-lag.js';

describe('workerLagMs', () => {
  it('given a primary heard just now and a view not behind, then there is no lag', () => {
    expect(workerLagMs(10_000, null, 10_000)).toBe(0);
  });

  it('given a view behind, then the lag counts from when it fell behind', () => {
    expect(workerLagMs(10_000, 7_000, 9_990)).toBe(3_000);
  });

  it('given a primary silent (hung) while its view was not behind, then the silence is the lag', () => {
    expect(workerLagMs(10_000, null, 6_500)).toBe(3_500);
  });

  it('given both, then the larger counts', () => {
    expect(workerLagMs(10_000, 9_000, 6_500)).toBe(3_500);
    expect(workerLagMs(10_000, 5_000, 6_500)).toBe(5_000);
  });
});
