// After a change to what a resource exposes: bring its public address in
// line now, so the answer shows it, then wait for the host agents to make it
// real (a port closed is closed on the wire when the answer comes). ipam
// refusing (the pool is empty) is the caller's answer (409); ipam unreachable
// is not: the change is recorded and the sweeper fills the address in once
// ipam is back.
import { RemoteError } from '@pn/service-kit';
import type { ResourceState } from '@pn/resources-domain';
import type { Provisioner } from '../provisioning/provisioner.js';

export async function settlePublicAddress(provisioner: Provisioner, resourceId: string, known: ResourceState): Promise<void> {
  let settled = known;
  try {
    settled = await provisioner.syncPublicAddress(resourceId, known);
  } catch (error) {
    if (error instanceof RemoteError && error.reply.status < 500) throw error;
  }
  await provisioner.onTheWire(resourceId, settled);
}
