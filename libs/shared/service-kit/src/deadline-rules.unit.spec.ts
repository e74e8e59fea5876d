import { describe, expect, it } from '@jest/globals';
import { callTimeoutMs, HOP_MARGIN_MS, isExpired, MAX_DEADLINE_MS, parseDeadline, remainingMs } from './deadline-rules.js';
import { ConfigError, loadConfig } from './config.js';

const now = 1_800_000_000_000;

describe('parseDeadline', () => {
  it('reads one epoch-ms value', () => {
    expect(parseDeadline([String(now + 2500)], now)).toBe(now + 2500);
    expect(parseDeadline([String(now - 1)], now)).toBe(now - 1); // already past: expired, not ignored
    expect(parseDeadline(['0'], now)).toBe(0);
  });

  it('cuts a deadline further out than anyone ever waits to the longest wait', () => {
    expect(parseDeadline([String(now + MAX_DEADLINE_MS + 1)], now)).toBe(now + MAX_DEADLINE_MS);
    expect(parseDeadline(['99999999999999999999999'], now)).toBe(now + MAX_DEADLINE_MS);
    expect(parseDeadline(['9'.repeat(400)], now)).toBe(now + MAX_DEADLINE_MS); // Infinity as a Number
  });

  it.each([
    ['absent', undefined],
    ['no value', []],
    ['two values', [String(now + 1000), String(now + 2000)]],
    ['empty', ['']],
    ['non-numeric', ['soon']],
    ['negative', ['-5']],
    ['fractional', [`${now}.5`]],
    ['an exponent', ['1e15']],
    ['hex', ['0x1F']],
    ['padded', [` ${now + 1000}`]],
    ['trailing junk', [`${now + 1000}ms`]],
    ['Infinity', ['Infinity']],
    ['NaN', ['NaN']],
    ['non-ASCII digits', ['١٢٣']],
  ])('ignores %s, as if there were no deadline', (_, values) => {
    expect(parseDeadline(values as string[] | undefined, now)).toBeUndefined();
  });
});

describe('isExpired and remainingMs', () => {
  it('is expired from the deadline on', () => {
    expect(isExpired(now + 1, now)).toBe(false);
    expect(isExpired(now, now)).toBe(true);
    expect(isExpired(now - 1, now)).toBe(true);
  });

  it('never says less than nothing is left', () => {
    expect(remainingMs(now + 250, now)).toBe(250);
    expect(remainingMs(now - 250, now)).toBe(0);
  });
});

describe('callTimeoutMs', () => {
  it('is the own timeout when nobody set a deadline', () => {
    expect(callTimeoutMs(5000, undefined, now)).toBe(5000);
  });

  it('is the own timeout when the deadline is further out', () => {
    expect(callTimeoutMs(5000, now + 60_000, now)).toBe(5000);
  });

  it('ends a margin before the deadline when that comes sooner', () => {
    expect(callTimeoutMs(5000, now + 1000, now)).toBe(1000 - HOP_MARGIN_MS);
  });

  it('leaves nothing (do not send) once only the margin is left, or less', () => {
    expect(callTimeoutMs(5000, now + HOP_MARGIN_MS, now)).toBeLessThanOrEqual(0);
    expect(callTimeoutMs(5000, now - 10, now)).toBeLessThanOrEqual(0);
  });
});

describe('the longest deadline', () => {
  it('is the most REQUEST_DEADLINE_MS may be', () => {
    expect(loadConfig({ REQUEST_DEADLINE_MS: String(MAX_DEADLINE_MS) }).requestDeadlineMs).toBe(MAX_DEADLINE_MS);
    expect(() => loadConfig({ REQUEST_DEADLINE_MS: String(MAX_DEADLINE_MS + 1) })).toThrow(ConfigError);
  });
});
