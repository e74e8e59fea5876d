// The forwarder's option 65001 is byte for byte what the dns server reads.
import { describe, expect, it } from '@jest/globals';
import { encodeDnsQuery, networkOptionData, NetworkOptionReader } from '@pn/dns-server';
import dnsPacket from 'dns-packet';
import { NETWORK_OPTION_CODE, networkOption, withNetworkOption } from './dns-option.js';

// dns-packet's option type lists well-known codes only; ours decodes with raw data.
const optionsOf = (opt: dnsPacket.OptAnswer) => (opt.options as unknown as Array<{ code: number; data: Buffer }>).map((o) => [o.code, Buffer.from(o.data).toString()]);

describe('option 65001 of the forwarder', () => {
  it('is the dns server format, with and without a secret', () => {
    expect(networkOption('net_1', 's3cret')).toEqual(networkOptionData('net_1', 's3cret'));
    expect(networkOption('net_1')).toEqual(networkOptionData('net_1'));
    const data = networkOption('net_1', 's3cret');
    expect(new NetworkOptionReader('s3cret').read(data, 0, data.length)).toBe('net_1');
  });

  it('is added to a query without EDNS, with a classic 512-byte UDP size', () => {
    const query = encodeDnsQuery({ id: 7, name: 'db', edns: false });
    const out = dnsPacket.decode(withNetworkOption(query, networkOption('net_1'))!);
    const opt = out.additionals![0] as dnsPacket.OptAnswer;
    expect(out.questions![0]!.name).toBe('db');
    expect(opt.udpPayloadSize).toBe(512);
    expect(optionsOf(opt)).toEqual([[NETWORK_OPTION_CODE, 'net_1']]);
  });

  it('replaces a forged option, keeping the query other options', () => {
    const query = encodeDnsQuery({ id: 7, name: 'db', networkId: 'net_other' });
    const out = dnsPacket.decode(withNetworkOption(query, networkOption('net_1'))!);
    const opt = out.additionals![0] as dnsPacket.OptAnswer;
    expect(out.additionals).toHaveLength(1);
    expect(optionsOf(opt).filter(([code]) => code === NETWORK_OPTION_CODE)).toEqual([[NETWORK_OPTION_CODE, 'net_1']]);
  });

  it('refuses what is not a query', () => {
    expect(withNetworkOption(Buffer.from([1, 2, 3]), networkOption('n'))).toBeNull();
    const response = encodeDnsQuery({ id: 7, name: 'db' });
    response[2]! |= 0x80;
    expect(withNetworkOption(response, networkOption('n'))).toBeNull();
  });
});
