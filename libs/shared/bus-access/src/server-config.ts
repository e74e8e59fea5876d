// The `authorization` block of a nats-server configuration, generated from
// the access table: one nkey user per role (the server holds only public
// keys, so the file is no secret), each with exactly its permissions.
import { accessTable, ROLES, type Role } from './access-table.js';
import type { BusNames } from './bus-names.js';
import { natsPermissions } from './permissions.js';

/** A role's public nkey (`U…`): who may connect as that role. */
export type RoleKeys = Partial<Record<Role, string>>;

export function authorizationConfig(names: BusNames, keys: RoleKeys): string {
  const table = accessTable(names);
  const users = ROLES.filter((role) => keys[role]).map((role) => {
    const p = natsPermissions(role, table[role]);
    const permissions = {
      publish: { allow: p.publish },
      subscribe: { allow: p.subscribe },
      ...(p.allowResponses ? { allow_responses: true } : {}),
    };
    return `    # ${role}\n    ${JSON.stringify({ nkey: keys[role], permissions })}`;
  });
  // JSON inside NATS's configuration syntax: quoted strings are taken as they
  // are (no `$variable` expansion), so `$JS.API.…` subjects stay literal.
  return `# Generated from the bus access table (libs/shared/bus-access): do not edit.\nauthorization {\n  users: [\n${users.join(',\n')}\n  ]\n}\n`;
}
