// The `authorization` block of a nats-server configuration, generated from
// the access table: one nkey user per role, and one per host for the host
// agents (the server holds only public keys, so the file is no secret), each
// with exactly its permissions.
import { accessTable, hostAgentGrants, ROLES, type Role } from './access-table.js';
import type { BusNames } from './bus-names.js';
import { natsPermissions, type NatsPermissions } from './permissions.js';

/** Public nkeys (`U…`): who may connect as each role, and as each host's agent. */
export interface RoleKeys {
  readonly roles: Partial<Record<Exclude<Role, 'host-agent'>, string>>;
  /** Host id → its agent's key. */
  readonly hosts: Readonly<Record<string, string>>;
}

const user = (label: string, nkey: string, p: NatsPermissions) => {
  const permissions = {
    publish: { allow: p.publish },
    subscribe: { allow: p.subscribe },
    ...(p.allowResponses ? { allow_responses: true } : {}),
  };
  return `    # ${label}\n    ${JSON.stringify({ nkey, permissions })}`;
};

export function authorizationConfig(names: BusNames, keys: RoleKeys): string {
  const table = accessTable(names);
  const users = [
    ...ROLES.flatMap((role) => {
      const key = role === 'host-agent' ? undefined : keys.roles[role];
      return key ? [user(role, key, natsPermissions(role, table[role]))] : [];
    }),
    ...Object.entries(keys.hosts).map(([host, key]) => user(`host-agent of ${host}`, key, natsPermissions('host-agent', hostAgentGrants(names, host), host))),
  ];
  // JSON inside NATS's configuration syntax: quoted strings are taken as they
  // are (no `$variable` expansion), so `$JS.API.…` subjects stay literal.
  return `# Generated from the bus access table (libs/shared/bus-access): do not edit.\nauthorization {\n  users: [\n${users.join(',\n')}\n  ]\n}\n`;
}
