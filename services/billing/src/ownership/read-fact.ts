// What a message on an integration subject must be for billing to take it as
// an ownership fact: small, JSON, the fact its subject names, with a scope, an
// IPv4 address and a time. Anything else is garbage, parked by the feed; a fact
// that half-fits must not land in the timeline that decides who pays.
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { AddressHeldSchema, AddressHoldEndedSchema, AddressScope } from '@pn/contracts';
import { isIpv4, type EndedFact, type HeldFact, type Scope } from '@pn/billing-domain';
import { garbage, isObject, screenJson, type Screened } from '@pn/event-store';

/** Facts are a few hundred bytes; this leaves room and keeps a flood of big ones cheap to refuse. */
export const MAX_FACT_BYTES = 64 * 1024;

export type OwnershipFact = { readonly held: HeldFact } | { readonly ended: EndedFact };

const scopeOf = (s: AddressScope): Scope | undefined => (s === AddressScope.PRIVATE ? 'private' : s === AddressScope.PUBLIC ? 'public' : undefined);

/** The fact in a message on `subject` (`<prefix>.v1.<fact>.<network>`), or why it is not one. */
export function readFact(subject: string, bytes: Uint8Array, prefix: string): Screened<OwnershipFact> {
  const kind = subject.startsWith(`${prefix}.v1.`) ? subject.slice(prefix.length + 4).split('.')[0] : undefined;
  if (kind !== 'address_held' && kind !== 'address_hold_ended') return garbage('wrong_shape', 'no fact is published on this subject');
  const screened = screenJson(bytes, MAX_FACT_BYTES);
  if (!screened.ok) return screened;
  if (!isObject(screened.value)) return garbage('wrong_shape', 'not a JSON object');
  try {
    return kind === 'address_held' ? held(screened.value as JsonValue) : ended(screened.value as JsonValue);
  } catch (error) {
    return garbage('wrong_shape', (error as Error).message);
  }
}

function held(json: JsonValue): Screened<OwnershipFact> {
  const f = fromJson(AddressHeldSchema, json, { ignoreUnknownFields: true });
  const scope = scopeOf(f.scope);
  if (!scope || !f.heldFrom || !isIpv4(f.ip)) return garbage('wrong_shape', 'an address_held fact needs a scope, an IPv4 address and held_from');
  const fact = { sourceEventId: f.sourceEventId, scope, ip: f.ip, fromMs: timestampMs(f.heldFrom), resourceId: f.resourceId, accountId: f.accountId, projectId: f.projectId, networkId: f.networkId, kind: f.kind, name: f.resourceName };
  return { ok: true, value: { held: fact } };
}

function ended(json: JsonValue): Screened<OwnershipFact> {
  const f = fromJson(AddressHoldEndedSchema, json, { ignoreUnknownFields: true });
  const scope = scopeOf(f.scope);
  if (!scope || !f.heldUntil || !isIpv4(f.ip)) return garbage('wrong_shape', 'an address_hold_ended fact needs a scope, an IPv4 address and held_until');
  const fact = { sourceEventId: f.sourceEventId, scope, ip: f.ip, networkId: f.networkId, resourceId: f.resourceId, untilMs: timestampMs(f.heldUntil) };
  return { ok: true, value: { ended: fact } };
}
