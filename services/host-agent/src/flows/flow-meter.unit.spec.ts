import { describe, expect, it } from '@jest/globals';
import { nextPollDelay } from './flow-meter.js';

describe('the pace of table reads', () => {
  it('reads every FLOW_POLL_MS while a read is quick', () => {
    expect(nextPollDelay(20, 1000)).toBe(1000);
  });

  it('waits four times a slow read, so the meter takes at most a fifth of a core', () => {
    expect(nextPollDelay(400, 1000)).toBe(1600);
  });

  it('begins a read at most 5 s after the last one began (its round counts), half the shortest life of a closed connection in the table', () => {
    expect(nextPollDelay(1000, 1000)).toBe(4000);
    expect(nextPollDelay(3000, 1000)).toBe(2000);
    expect(nextPollDelay(3000, 8000)).toBe(8000); // an operator's own longer poll stands
  });

  it('still pauses FLOW_POLL_MS after a round that took longer than that', () => {
    expect(nextPollDelay(6000, 1000)).toBe(1000);
  });
});
