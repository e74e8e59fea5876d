// @pn/dns-server: the internal DNS wire server (UDP + TCP, one view per
// network chosen by EDNS option 65001) and a small client for tests and tools.

export type { Lookup, LookupRecord, LookupResult } from './lookup.js';
export { DnsServer, TCP_DEFAULTS, type DnsServerAddress, type DnsServerOptions, type UdpMode, type UdpServing } from './dns-server.js';
export { batchUdpUnavailable, type BatchUdpStats } from './batch-udp.js';
export { queryDns, encodeDnsQuery, exchangeUdp, exchangeTcp, rcodeOf, addressesOf, type QueryDnsOptions } from './query-dns.js';
export { NETWORK_ID_OPTION_CODE, Rcode } from './wire/constants.js';
export { networkOptionData, NetworkOptionReader, NETWORK_MAC_BYTES } from './wire/network-option.js';
