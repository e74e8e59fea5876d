// IPv4 text <-> integer, and the shape every private network must have.

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function intToIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** Base address of a `10.X.0.0/16`, or undefined when the CIDR has another shape. */
export function privateNetworkBase(cidr: string): number | undefined {
  const match = /^10\.(\d{1,3})\.0\.0\/16$/.exec(cidr);
  if (!match || Number(match[1]) > 255) return undefined;
  return ipToInt(`10.${match[1]}.0.0`);
}
