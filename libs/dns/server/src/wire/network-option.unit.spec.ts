import { describe, expect, it } from '@jest/globals';
import { NETWORK_MAC_BYTES, networkOptionData, NetworkOptionReader } from './network-option.js';

const read = (reader: NetworkOptionReader, data: Buffer) => {
  // Somewhere inside a larger message, as the parser hands it over.
  const msg = Buffer.concat([Buffer.from([9, 9, 9]), data, Buffer.from([7])]);
  return reader.read(msg, 3, 3 + data.length);
};

describe('network option without a secret', () => {
  const reader = new NetworkOptionReader();

  it('is the network id in ASCII', () => {
    expect(networkOptionData('net_abc')).toEqual(Buffer.from('net_abc'));
    expect(read(reader, Buffer.from('net_abc'))).toBe('net_abc');
  });

  it('names no network when empty or not printable ASCII', () => {
    expect(read(reader, Buffer.alloc(0))).toBeNull();
    expect(read(reader, Buffer.from('net abc'))).toBeNull();
    expect(read(reader, Buffer.from([0x6e, 0x00, 0x61]))).toBeNull();
    expect(reader.read(Buffer.from('x'), -1, -1)).toBeNull();
  });
});

describe('network option with a forwarder secret', () => {
  const reader = new NetworkOptionReader('s3cret');

  it('is the id followed by 16 bytes of HMAC-SHA256 of it', () => {
    const data = networkOptionData('net_abc', 's3cret');

    expect(data.length).toBe('net_abc'.length + NETWORK_MAC_BYTES);
    expect(data.subarray(0, 7).toString()).toBe('net_abc');
    expect(read(reader, data)).toBe('net_abc');
    expect(read(reader, data)).toBe('net_abc'); // the second time from what it verified
  });

  it('names no network for the bare id, a MAC under another secret, or one for another id', () => {
    const forged = Buffer.concat([Buffer.from('net_xyz'), networkOptionData('net_abc', 's3cret').subarray(7)]);

    expect(read(reader, Buffer.from('net_abc'))).toBeNull();
    expect(read(reader, networkOptionData('net_abc', 'other'))).toBeNull();
    expect(read(reader, forged)).toBeNull();
    expect(read(reader, networkOptionData('net_abc', 's3cret').subarray(0, 20))).toBeNull();
    expect(read(reader, Buffer.alloc(NETWORK_MAC_BYTES, 0x61))).toBeNull();
  });

  it('checks a MAC with one flipped bit as any other', () => {
    const data = networkOptionData('net_abc', 's3cret');
    data[data.length - 1]! ^= 1;

    expect(read(reader, data)).toBeNull();
  });

  it('given a verified option just read, then the same one names its network again and one with a flipped MAC bit is still refused', () => {
    const good = networkOptionData('net_abc', 's3cret');
    const bad = Buffer.from(good);
    bad[bad.length - 1]! ^= 1;

    expect(read(reader, good)).toBe('net_abc');
    expect(read(reader, good)).toBe('net_abc');
    expect(read(reader, bad)).toBeNull();
    expect(read(reader, good)).toBe('net_abc');
  });
});
