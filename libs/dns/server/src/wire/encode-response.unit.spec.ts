import { describe, expect, it } from '@jest/globals';
import { encodeName, writeIpv4 } from './encode-response.js';

describe('writeIpv4', () => {
  it.each(['10.0.0.5', '255.255.255.255', '0.0.0.0'])('writes %s', (ip) => {
    const out = Buffer.alloc(4);

    expect(writeIpv4(ip, out, 0)).toBe(true);
    expect([...out].join('.')).toBe(ip);
  });

  it.each(['', '10.0.0', '10.0.0.5.1', '10.0.0.256', '10..0.5', '10.0.0.', 'fd00::1', '1000.0.0.1'])('rejects %j', (ip) => {
    expect(writeIpv4(ip, Buffer.alloc(4), 0)).toBe(false);
  });
});

describe('encodeName', () => {
  it('encodes labels with their lengths and the root', () => {
    expect([...encodeName('ns.internal')]).toEqual([2, 0x6e, 0x73, 8, ...Buffer.from('internal'), 0]);
    expect([...encodeName('')]).toEqual([0]);
  });

  it('rejects empty and over-long labels', () => {
    expect(() => encodeName('a..b')).toThrow();
    expect(() => encodeName('a'.repeat(64))).toThrow();
  });
});
