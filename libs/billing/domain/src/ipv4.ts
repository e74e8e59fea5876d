// IPv4 text as the data plane writes it, read strictly: four decimal octets,
// no leading zeros (which some parsers read as octal), nothing around them.
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export const isIpv4 = (text: string): boolean => IPV4.test(text);

/**
 * RFC 1918 space: an address that can only be a resource of the flow's own
 * network. Every network is a 10.X.0.0/16; the other two blocks are private
 * too, so traffic to them is never taken for internet egress.
 */
export function isPrivateAddress(ip: string): boolean {
  // The first two octets read by hand: split and map per call showed in the profile (four calls a flow).
  let i = 0;
  let a = 0;
  for (; i < ip.length && ip.charCodeAt(i) !== 46; i++) a = a * 10 + ip.charCodeAt(i) - 48;
  if (a === 10) return true;
  if (a !== 172 && a !== 192) return false;
  let b = 0;
  for (i++; i < ip.length && ip.charCodeAt(i) !== 46; i++) b = b * 10 + ip.charCodeAt(i) - 48;
  return (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}
