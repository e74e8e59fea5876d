// qtype number → the mnemonic the lookup receives. Unknown types use the
// RFC 3597 `TYPE<n>` form so every type still has one stable name.

const known: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT',
  28: 'AAAA', 33: 'SRV', 35: 'NAPTR', 39: 'DNAME', 41: 'OPT', 43: 'DS', 44: 'SSHFP',
  46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 50: 'NSEC3', 52: 'TLSA', 64: 'SVCB',
  65: 'HTTPS', 251: 'IXFR', 252: 'AXFR', 255: 'ANY', 257: 'CAA',
};

// Filled on first use so a flood of odd types costs one string each, not one per query.
const names: string[] = [];

export function recordTypeName(type: number): string {
  return (names[type] ??= known[type] ?? `TYPE${type}`);
}
