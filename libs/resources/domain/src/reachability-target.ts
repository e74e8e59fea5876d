// What a reachability check's destination names: a resource id, an address
// (private or public) or a hostname. Parsed here, looked up by the resources
// service, decided by reachability.ts. Private addresses and `.internal`
// names mean something only inside one network (two networks may hold the
// same 10.x and the same names), so they are looked up in the source's
// network alone; ids, public addresses and public names are global.
import { hostnamesFor, RESOURCE_ID_PREFIX } from '@pn/contracts';

export type DestinationQuery =
  | { readonly type: 'id'; readonly id: string }
  | { readonly type: 'private-address'; readonly ip: string }
  | { readonly type: 'public-address'; readonly ip: string }
  | { readonly type: 'hostname'; readonly name: string };

const ID = new RegExp(`^(${Object.values(RESOURCE_ID_PREFIX).join('|')})_[0-9a-z]{26}$`);
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The platform's private space: every network is a 10.X.0.0/16. */
export const isPrivateAddress = (ip: string): boolean => ip.startsWith('10.');

/** What `raw` names, or undefined when it is none of the forms (an unknown destination). */
export function parseDestination(raw: string): DestinationQuery | undefined {
  const given = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!given) return undefined;
  if (ID.test(given)) return { type: 'id', id: given };
  const octets = IPV4.exec(given);
  if (octets) {
    if (octets.slice(1).some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) return undefined;
    return isPrivateAddress(given) ? { type: 'private-address', ip: given } : { type: 'public-address', ip: given };
  }
  if (given.length > 253 || !/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(given)) return undefined;
  return { type: 'hostname', name: given };
}

/** Whether a private name (`web.vm.internal`, bare `web`, `vm_….vm.internal`) is one of a resource's, as its network's DNS answers them. */
export const answersToPrivateName = (kind: string, name: string, resourceId: string, query: string): boolean =>
  hostnamesFor(kind, name, resourceId).includes(query);

/** Names under `.internal` (and bare labels) are private; anything else is a public name (a custom domain, a public host). */
export const isPrivateName = (name: string): boolean => !name.includes('.') || name === 'internal' || name.endsWith('.internal');
