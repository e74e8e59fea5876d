import { describe, expect, it } from '@jest/globals';
import { hasOwnKey, ownValue } from './own-value.js';

const table: Readonly<Record<string, number>> = { 'ubuntu-24': 1, zero: 0 };
const inherited = ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('ownValue', () => {
  it('finds the table’s own entries, falsy values included', () => {
    expect(ownValue(table, 'ubuntu-24')).toBe(1);
    expect(ownValue(table, 'zero')).toBe(0);
  });

  it.each(inherited)('sees nothing under the inherited name %s', (key) => {
    expect(key in table).toBe(true); // what the old check saw
    expect(ownValue(table, key)).toBeUndefined();
    expect(hasOwnKey(table, key)).toBe(false);
  });

  it('sees nothing under an unknown name', () => {
    expect(ownValue(table, 'windows-11')).toBeUndefined();
  });
});
