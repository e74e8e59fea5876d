// IPv4 arithmetic the plan needs: parsing (strictly, since addresses end up
// on command lines), CIDRs, and the addresses a network reserves.

export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

const QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function parseIp(text: string): number {
  if (!QUAD.test(text)) throw new Error(`${JSON.stringify(text)} is not an IPv4 address`);
  return text.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export const formatIp = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

export function parseCidr(text: string): Cidr {
  const [ip, bits, extra] = text.split('/');
  const prefix = Number(bits);
  if (extra !== undefined || ip === undefined || !/^\d{1,2}$/.test(bits ?? '') || prefix < 8 || prefix > 29) {
    throw new Error(`${JSON.stringify(text)} is not an IPv4 CIDR with a prefix of 8 to 29`);
  }
  const size = 2 ** (32 - prefix);
  const address = parseIp(ip);
  return { base: address - (address % size), prefix };
}

export const cidrSize = (cidr: Cidr): number => 2 ** (32 - cidr.prefix);
export const formatCidr = (cidr: Cidr): string => `${formatIp(cidr.base)}/${cidr.prefix}`;
export const inCidr = (cidr: Cidr, ip: number): boolean => ip >= cidr.base && ip < cidr.base + cidrSize(cidr);

/** The gateway (.1) and resolver (.2) of a network. */
export const gatewayOf = (cidr: Cidr): string => formatIp(cidr.base + 1);
export const resolverOf = (cidr: Cidr): string => formatIp(cidr.base + 2);
