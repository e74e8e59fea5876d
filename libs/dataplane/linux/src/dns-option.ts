// Rewrites a VM's DNS query for the dns service: whatever option 65001 the
// query carried is dropped (a VM must not name another network), and the
// network's own is added (the network id, then the first 16 bytes of
// HMAC-SHA256(secret, id) when there is a secret: the format of
// libs/dns/server/src/wire/network-option.ts, checked by this file's test).
import { createHmac } from 'node:crypto';

export const NETWORK_OPTION_CODE = 65001;
const OPT = 41;
const MAC_BYTES = 16;
/** The UDP size we advertise for a client that sent no OPT: what it can take (RFC 1035). */
const CLASSIC_UDP_SIZE = 512;

export function networkOption(networkId: string, secret?: string | null): Buffer {
  const id = Buffer.from(networkId, 'ascii');
  if (!secret) return id;
  return Buffer.concat([id, createHmac('sha256', secret).update(id).digest().subarray(0, MAC_BYTES)]);
}

function skipName(msg: Buffer, offset: number): number {
  let at = offset;
  for (;;) {
    const len = msg[at];
    if (len === undefined) throw new Error('truncated name');
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) return at + 2;
    at += len + 1;
  }
}

function encodeOptions(options: ReadonlyArray<{ code: number; data: Buffer }>): Buffer {
  return Buffer.concat(
    options.map(({ code, data }) => {
      const head = Buffer.alloc(4);
      head.writeUInt16BE(code, 0);
      head.writeUInt16BE(data.length, 2);
      return Buffer.concat([head, data]);
    }),
  );
}

function decodeOptions(rdata: Buffer): Array<{ code: number; data: Buffer }> {
  const options: Array<{ code: number; data: Buffer }> = [];
  for (let at = 0; at + 4 <= rdata.length; ) {
    const len = rdata.readUInt16BE(at + 2);
    options.push({ code: rdata.readUInt16BE(at), data: rdata.subarray(at + 4, at + 4 + len) });
    at += 4 + len;
  }
  return options;
}

/** The query with our option in its OPT record (added when absent); null when the message is not a parsable query. */
export function withNetworkOption(query: Buffer, option: Buffer): Buffer | null {
  try {
    if (query.length < 12 || (query[2]! & 0x80) !== 0) return null;
    const counts = [4, 6, 8, 10].map((at) => query.readUInt16BE(at)) as [number, number, number, number];
    let at = 12;
    for (let i = 0; i < counts[0]; i++) at = skipName(query, at) + 4;
    for (let i = 0; i < counts[1] + counts[2]; i++) {
      at = skipName(query, at);
      at += 10 + query.readUInt16BE(at + 8);
    }
    const head = query.subarray(0, at);
    const others: Buffer[] = [];
    let opt: { header: Buffer; options: Array<{ code: number; data: Buffer }> } | null = null;
    for (let i = 0; i < counts[3]; i++) {
      const start = at;
      at = skipName(query, at);
      const type = query.readUInt16BE(at);
      const rdlength = query.readUInt16BE(at + 8);
      const end = at + 10 + rdlength;
      if (end > query.length) return null;
      if (type === OPT && opt === null) opt = { header: Buffer.from(query.subarray(start, at + 8)), options: decodeOptions(query.subarray(at + 10, end)) };
      else others.push(query.subarray(start, end));
      at = end;
    }
    if (opt === null) {
      const header = Buffer.alloc(9);
      header.writeUInt16BE(OPT, 1);
      header.writeUInt16BE(CLASSIC_UDP_SIZE, 3);
      opt = { header, options: [] };
    }
    const rdata = encodeOptions([...opt.options.filter((o) => o.code !== NETWORK_OPTION_CODE), { code: NETWORK_OPTION_CODE, data: option }]);
    const rdlength = Buffer.alloc(2);
    rdlength.writeUInt16BE(rdata.length);
    const out = Buffer.concat([head, ...others, opt.header, rdlength, rdata]);
    out.writeUInt16BE(others.length + 1, 10);
    return out;
  } catch {
    return null;
  }
}
