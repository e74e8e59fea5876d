// Which ports of a VM may face the internet, and which are opened for it at
// creation: only an image whose service is meant for users (nodejs-24 :3000).
// Database images are built to be reached from a sibling VM, so never
// (Superjolt: "why the database images aren't auto-exposed").
import { DomainError, ownValue } from '@pn/decider';

export const PORT_PROTOCOLS = ['tcp', 'http'] as const;
export type PortProtocol = (typeof PORT_PROTOCOLS)[number];

export interface PublicPort {
  readonly port: number;
  readonly protocol: string;
}

const USER_FACING: Readonly<Record<string, readonly PublicPort[]>> = {
  'nodejs-24': [{ port: 3000, protocol: 'http' }],
};

/** The ports a VM of this image gets opened at creation. */
export const autoExposedPorts = (image: string): readonly PublicPort[] => ownValue(USER_FACING, image) ?? [];

/** Throws a 400 naming the field when a port or protocol is not one we open. */
export function checkPublicPort(port: number, protocol: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DomainError('invalid_request', 'port must be an integer from 1 to 65535', { field: 'port' });
  if (!(PORT_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new DomainError('invalid_request', `protocol must be one of ${PORT_PROTOCOLS.join(', ')}`, { field: 'protocol' });
  }
}

/** `http://<ip>:<port>` of the port users reach the VM on (its image's, else its lowest open http port), or '' when none. */
export function publicUrl(ip: string | undefined, image: string, ports: readonly PublicPort[]): string {
  if (!ip) return '';
  const http = ports.filter((p) => p.protocol === 'http');
  const preferred = autoExposedPorts(image).find((a) => http.some((p) => p.port === a.port)) ?? [...http].sort((a, b) => a.port - b.port)[0];
  return preferred ? `http://${ip}:${preferred.port}` : '';
}
