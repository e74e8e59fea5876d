// A public database's or cache's host name: `<name>.<ulid>.<suffix>`, e.g.
// `agent-postgres.01j9xyz….public.pn.example`. The name keeps it readable;
// the id's ULID (unique, and already the customer's to see) keeps two
// accounts' `agent-postgres` apart without revealing anything else; the
// suffix is configurable (PUBLIC_HOST_SUFFIX) and defaults under `.example`,
// reserved by RFC 2606, so nothing this emits can ever point at someone else's zone.
export function publicHostFor(name: string, resourceId: string, suffix: string): string {
  return `${name}.${resourceId.slice(resourceId.indexOf('_') + 1)}.${suffix}`;
}
