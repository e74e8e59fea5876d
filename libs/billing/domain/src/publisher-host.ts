// A host's agent speaks for its own host only. A flow record it publishes
// (on `<FLOWS_SUBJECT_PREFIX>.host.<host>`, the one flows subject its NATS
// user may publish on) is believed only for a network placed on that host,
// and only under a flow id of that host (`<host>:…`): so a stolen agent
// credential can neither bill another host's tenants nor take a flow id the
// rightful host will use (records of one id count once: the first would
// stand, and the real bytes would be dropped as its duplicate).
import type { Flow } from './flow.js';

export type PublisherCheck =
  | { readonly ok: true }
  /** Its network's host is not known yet: asked again later, for a bounded time. */
  | { readonly ok: false; readonly wait: true }
  | { readonly ok: false; readonly wait: false; readonly reason: string };

/** `placedOn`: the host the flow's network is placed on, as far as billing knows. */
export function checkPublisherHost(flow: Pick<Flow, 'flowId' | 'networkId'>, publisher: string, placedOn: string | undefined): PublisherCheck {
  if (!flow.flowId?.startsWith(`${publisher}:`)) return { ok: false, wait: false, reason: `its flow id is not one of host ${publisher}, which published it` };
  if (!flow.networkId) return { ok: false, wait: false, reason: `it names no network (host ${publisher} published it)` };
  if (placedOn === undefined) return { ok: false, wait: true };
  if (placedOn !== publisher) return { ok: false, wait: false, reason: `its network is placed on host ${placedOn}, not on host ${publisher}, which published it` };
  return { ok: true };
}
