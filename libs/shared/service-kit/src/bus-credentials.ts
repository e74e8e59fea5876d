// How a process shows who it is on the bus: its credentials file (read once
// per file), turned into connection options, and what /healthz and the boot
// log say about it.
import { Logger } from '@nestjs/common';
import { inboxPrefix, readCredentials, type Credentials, type Role } from '@pn/bus-access';
import { createInbox, nkeyAuthenticator } from '@nats-io/transport-node';

const read = new Map<string, Credentials>();

function credentialsOf(file: string): Credentials {
  let credentials = read.get(file);
  if (!credentials) {
    credentials = readCredentials(file);
    read.set(file, credentials);
  }
  return credentials;
}

export function busCredentialOptions(file: string): { authenticator?: ReturnType<typeof nkeyAuthenticator>; inboxPrefix?: string } {
  if (!file) return {};
  const { role, host, seed } = credentialsOf(file);
  return { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)), inboxPrefix: inboxPrefix(role, host) };
}

/**
 * A new reply inbox of this process's role: a subscription to any other is
 * refused (`_INBOX.<role>.>`, a host agent's `_INBOX.host-agent.<host>.>`, is all it may read), so every inbox made by
 * hand must come from here.
 */
export function newInbox(file: string): string {
  if (!file) return createInbox();
  const { role, host } = credentialsOf(file);
  return createInbox(inboxPrefix(role, host));
}

/** The host a host agent's credentials are for (undefined: no credentials, or another role's). */
export function credentialsHost(file: string): string | undefined {
  return file ? credentialsOf(file).host : undefined;
}

export interface BusIdentity {
  /** The role it authenticated as; undefined: no credentials. */
  readonly role: Role | undefined;
  /** Said in /healthz and at boot when something is wrong. */
  readonly warning: string | undefined;
}

export function busIdentity(file: string): BusIdentity {
  if (!file) {
    return {
      role: undefined,
      warning:
        'connected to NATS without credentials, so the server enforces none: anyone who can reach it can act as the platform (set NATS_CREDENTIALS; see docs/bus.md)',
    };
  }
  const { role, exposed } = credentialsOf(file);
  return { role, warning: exposed ? `the NATS credentials file ${file} can be read by other users than its owner (chmod 600 it)` : undefined };
}

/** Once at boot, loudly: a platform on an open bus is no platform. */
export function announceBusIdentity(service: string, file: string): void {
  const { role, warning } = busIdentity(file);
  const logger = new Logger(service);
  if (warning) logger.warn(`!!! ${warning[0]!.toUpperCase()}${warning.slice(1)}`);
  else logger.log(`authenticated on NATS as role ${role}`);
}
