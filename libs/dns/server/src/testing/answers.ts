// Reading decoded responses in tests; @types/dns-packet lacks `rcode`, and
// answers are a union whose A data needs narrowing.

import type dnsPacket from 'dns-packet';

export const rcodeOf = (p: dnsPacket.DecodedPacket): string => (p as unknown as { rcode: string }).rcode;

export const addressesOf = (p: dnsPacket.DecodedPacket): string[] =>
  (p.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));
