// How the dns service serves UDP (DNS_UDP): the batched-UDP addon where it
// loads (`auto`, the default), or `dgram`. Given to startDns rather than read
// from PlatformConfig, so suites choose per instance.
import type { UdpMode } from '@pn/dns-server';

export interface DnsOptions {
  readonly udp?: UdpMode;
}

export const DNS_OPTIONS = Symbol('DNS_OPTIONS');

const MODES: readonly UdpMode[] = ['auto', 'batched', 'dgram'];

/** DNS_UDP: auto (default), batched (the addon, or fail to start) or dgram. */
export function dnsUdpFromEnv(env: NodeJS.ProcessEnv): UdpMode {
  const raw = env.DNS_UDP;
  if (raw === undefined || raw === '') return 'auto';
  if (!(MODES as readonly string[]).includes(raw)) throw new RangeError(`DNS_UDP must be one of ${MODES.join(', ')}, got ${raw}`);
  return raw as UdpMode;
}
