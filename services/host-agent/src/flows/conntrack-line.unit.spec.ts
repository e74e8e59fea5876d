import { describe, expect, it } from '@jest/globals';
import { parseConntrackLine, parseConntrackXml, parseDestroyEvent } from './conntrack-line.js';

// The same connection in both formats: a VM's call to the internet host, SNAT'd to 203.0.113.1, closed.
const tuples = {
  orig: { src: '10.0.1.2', dst: '198.51.100.10', sport: 34996, dport: 80, packets: 4n, bytes: 216n },
  reply: { src: '198.51.100.10', dst: '203.0.113.1', sport: 80, dport: 34996, packets: 4n, bytes: 5216n },
};

describe('a conntrack line', () => {
  it('gives both tuples with their counters, the TCP state and the entry id', () => {
    const entry = parseConntrackLine(
      'ipv4     2 tcp      6 119 TIME_WAIT src=10.0.1.2 dst=198.51.100.10 sport=34996 dport=80 packets=4 bytes=216 src=198.51.100.10 dst=203.0.113.1 sport=80 dport=34996 packets=4 bytes=5216 [ASSURED] mark=0 use=1 id=3276806062',
    );
    expect(entry).toEqual({
      id: '3276806062',
      start: '',
      protocol: 6,
      state: 'TIME_WAIT',
      ...tuples,
    });
  });

  it('reads UDP (unreplied) and ICMP, whose tuples carry their own id=, with the entry id from the end', () => {
    expect(parseConntrackLine('ipv4 2 udp 17 29 src=10.0.1.2 dst=10.0.1.3 sport=5555 dport=9 packets=1 bytes=34 [UNREPLIED] src=10.0.1.3 dst=10.0.1.2 sport=9 dport=5555 packets=0 bytes=0 mark=0 use=1 id=28964953')).toMatchObject({
      id: '28964953',
      protocol: 17,
      state: '',
      orig: { bytes: 34n },
      reply: { bytes: 0n },
    });
    expect(parseConntrackLine('ipv4 2 icmp 1 29 src=10.0.1.2 dst=10.0.1.3 type=8 code=0 id=77 packets=1 bytes=84 src=10.0.1.3 dst=10.0.1.2 type=0 code=0 id=77 packets=1 bytes=84 mark=0 use=1 id=991')).toMatchObject({
      id: '991',
      protocol: 1,
      orig: { sport: 0, dport: 0, bytes: 84n },
    });
  });

  it.each([
    ['the header line', 'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.'],
    ['IPv6', 'ipv6 10 tcp 6 119 TIME_WAIT src=::1 dst=::1 sport=1 dport=2 packets=1 bytes=1 src=::1 dst=::1 sport=2 dport=1 packets=1 bytes=1 mark=0 use=1 id=5'],
    ['a line without accounting', 'ipv4 2 tcp 6 119 TIME_WAIT src=10.0.1.2 dst=10.0.1.3 sport=1 dport=2 src=10.0.1.3 dst=10.0.1.2 sport=2 dport=1 mark=0 use=1 id=5'],
    ['a line without its id', 'ipv4 2 tcp 6 119 TIME_WAIT src=10.0.1.2 dst=10.0.1.3 sport=1 dport=2 packets=1 bytes=1 src=10.0.1.3 dst=10.0.1.2 sport=2 dport=1 packets=1 bytes=1 mark=0 use=1'],
    ['a counter that is not a number', 'ipv4 2 tcp 6 119 TIME_WAIT src=10.0.1.2 dst=10.0.1.3 sport=1 dport=2 packets=1 bytes=-1 src=10.0.1.3 dst=10.0.1.2 sport=2 dport=1 packets=1 bytes=1 mark=0 use=1 id=5'],
  ])('is skipped when it is %s', (_, line) => {
    expect(parseConntrackLine(line)).toBeUndefined();
  });

  // A line of `conntrack -L -o xml,id,ktimestamp` (conntrack-tools 1.4.7) as it printed one here.
  const xml = (over: Partial<Record<'ob' | 'state' | 'start' | 'l3' | 'id', string>> = {}) =>
    '<flow><meta direction="original"><layer3 protonum="2" protoname="' + (over.l3 ?? 'ipv4') + '"><src>10.0.1.2</src><dst>198.51.100.10</dst></layer3>' +
    '<layer4 protonum="6" protoname="tcp"><sport>34996</sport><dport>80</dport></layer4><counters><packets>4</packets><bytes>' + (over.ob ?? '216') + '</bytes></counters></meta>' +
    '<meta direction="reply"><layer3 protonum="2" protoname="ipv4"><src>198.51.100.10</src><dst>203.0.113.1</dst></layer3>' +
    '<layer4 protonum="6" protoname="tcp"><sport>80</sport><dport>34996</dport></layer4><counters><packets>4</packets><bytes>5216</bytes></counters></meta>' +
    '<meta direction="independent"><state>' + (over.state ?? 'TIME_WAIT') + '</state><timeout>119</timeout><mark>0</mark><use>1</use><id>' + (over.id ?? '4197341603') + '</id><assured/>' +
    '<timestamp><start>' + (over.start ?? '1796317262615525565') + '</start></timestamp><deltatime>0</deltatime></meta></flow>';

  it('reads the xml format the same, with the time the kernel made the entry (ns)', () => {
    expect(parseConntrackXml(xml())).toEqual({
      id: '4197341603',
      start: '1796317262615525565',
      protocol: 6,
      state: 'TIME_WAIT',
      ...tuples,
    });
    // Without timestamps on, the start is not known.
    expect(parseConntrackXml(xml().replace(/<timestamp>.*<\/timestamp>/, ''))?.start).toBe('');
  });

  it.each([
    ['the document header', '<?xml version="1.0" encoding="utf-8"?>'],
    ['the list element', '<conntrack>'],
    ['IPv6', xml({ l3: 'ipv6' })],
    ['a counter that is not a number', xml({ ob: '-1' })],
    ['an id that is not a number', xml({ id: 'x' })],
    ['a start that is not a number', xml({ start: '1e9' })],
    ['a state that is not one', xml({ state: '<b>' })],
    ['a line cut short', xml().slice(0, 300)],
  ])('skips the xml line when it is %s', (_, line) => {
    expect(parseConntrackXml(line)).toBeUndefined();
  });

  it('reads a DESTROY event (what conntrack -E prints, with or without the userspace note after it), and nothing else as one', () => {
    const event = xml({ state: 'CLOSE' }).replace('<flow>', '<flow type="destroy">');
    expect(parseDestroyEvent(event)).toEqual(parseConntrackXml(xml({ state: 'CLOSE' })));
    expect(parseDestroyEvent(`${event} [USERSPACE] portid=2419460651`)).toEqual(parseConntrackXml(xml({ state: 'CLOSE' })));
    expect(parseDestroyEvent(xml())).toBeUndefined();
    expect(parseDestroyEvent('<flow type="new">' + xml().slice('<flow>'.length))).toBeUndefined();
    expect(parseDestroyEvent(event.slice(0, 200))).toBeUndefined();
  });
});
