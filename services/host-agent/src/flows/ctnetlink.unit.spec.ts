import { describe, expect, it } from '@jest/globals';
import { parseCtnetlink } from './ctnetlink.js';
import { splitFrames } from './destroy-helper.js';

// A DESTROY event as this machine's kernel sent it (captured from a ctnetlink socket): a TCP connection on
// loopback, 127.0.0.1:52980 -> 127.0.0.1:7001, closed (TIME_WAIT), 6 packets and 384 bytes out, 4 and 472 back.
const CAPTURED = Buffer.from(
  '04010000020100000000000000000000020000003400018014000180080001007f000001080002007f0000011c000280050001000600000006000200cef40000060003001b5900003400028014000180080001007f000001080002007f0000011c0002800500010006000000060002001b59000006000300cef4000008000c006457d5e4080003000000020e08000700000000091c0009800c00010000000000000000060c00020000000000000001801c000a800c00010000000000000000040c00020000000000000001d81c0014800c00010018edfd6c0cb66a790c00020018edfd6d5f213a22100004800c00018005000100070000000c001b0018edfd6d5f213b45',
  'hex',
);

describe('ctnetlink DESTROY events', () => {
  it('reads an entry as the kernel sent it: tuples, final counters, id, start time and state', () => {
    expect(parseCtnetlink(CAPTURED)).toEqual({
      entries: [
        {
          id: String(0x6457d5e4),
          start: BigInt('0x18edfd6c0cb66a79').toString(),
          protocol: 6,
          state: 'TIME_WAIT',
          orig: { src: '127.0.0.1', dst: '127.0.0.1', sport: 52980, dport: 7001, packets: 6n, bytes: 384n },
          reply: { src: '127.0.0.1', dst: '127.0.0.1', sport: 7001, dport: 52980, packets: 4n, bytes: 472n },
        },
      ],
      unread: 0,
    });
  });

  it('reads every message of a datagram, and skips what is not an entry', () => {
    const done = Buffer.alloc(20);
    done.writeUInt32LE(20, 0);
    done.writeUInt16LE(3, 4); // NLMSG_DONE
    const { entries, unread } = parseCtnetlink(Buffer.concat([CAPTURED, done, CAPTURED]));
    expect(entries).toHaveLength(2);
    expect(unread).toBe(0);
  });

  it('counts a message cut short or without its counters as unread, and guesses nothing', () => {
    expect(parseCtnetlink(CAPTURED.subarray(0, 200))).toEqual({ entries: [], unread: 1 });
    // The original direction's counters (attribute 9) renamed to an unknown type: no counters, no entry.
    const withoutCounters = Buffer.from(CAPTURED);
    const at = CAPTURED.indexOf(Buffer.from('1c000980', 'hex'));
    withoutCounters.writeUInt16LE(0x80ff, at + 2);
    expect(parseCtnetlink(withoutCounters)).toEqual({ entries: [], unread: 1 });
    // An attribute whose length runs past its message.
    const overrun = Buffer.from(CAPTURED);
    overrun.writeUInt16LE(0x400, 20);
    expect(parseCtnetlink(overrun)).toEqual({ entries: [], unread: 1 });
  });
});

describe("the DESTROY helper's frames", () => {
  const frame = (namespace: string, data: Buffer) => {
    const name = Buffer.from(namespace);
    const head = Buffer.alloc(2);
    head.writeUInt16LE(name.length);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(data.length);
    return Buffer.concat([head, name, size, data]);
  };

  it('splits whole frames and keeps a partial one for the next chunk', () => {
    const both = Buffer.concat([frame('pn-n1', CAPTURED), frame('pn-n2', CAPTURED)]);
    const first = splitFrames(both.subarray(0, both.length - 10));
    expect(first.frames.map((f) => f.namespace)).toEqual(['pn-n1']);
    expect(parseCtnetlink(first.frames[0]!.data).entries).toHaveLength(1);
    const second = splitFrames(Buffer.concat([first.rest, both.subarray(both.length - 10)]));
    expect(second.frames.map((f) => [f.namespace, f.data.length])).toEqual([['pn-n2', CAPTURED.length]]);
    expect(second.rest.length).toBe(0);
  });
});
