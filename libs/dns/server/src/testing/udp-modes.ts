// The two ways the server serves UDP: every suite that talks to it over
// sockets runs against both (describe.each(UDP_MODES)).
import type { UdpMode } from '../dns-server.js';

export const UDP_MODES = ['batched', 'dgram'] as const satisfies readonly UdpMode[];
