// One valid flow to the record billing keeps of it: its network (a VPC line
// names a resource instead), the holders of its ends at its time, its class,
// period, invoice and dedup key. Pure: the timeline is billing's own record
// of ownership, already complete for the flow's time when this is called.
import { classify, type Classification } from './classify.js';
import { dedupKey } from './dedup-key.js';
import { isPrivateAddress } from './ipv4.js';
import { bad, ok, type Flow, type Parsed } from './flow.js';
import type { MeteredFlow } from './metered.js';
import type { OwnershipTimeline } from './ownership.js';
import { billedPeriodOf, DAY_MS, dayOf, periodOf } from './period.js';

/** The start of a park reason for a flow from before the ownership history kept (ownership-retention.ts). */
const olderThanHistory = (atMs: number, timeline: OwnershipTimeline) =>
  `older than the attribution history kept: the flow is from ${new Date(atMs).toISOString()}, holdings are kept from ${new Date(timeline.horizonMs).toISOString()}`;

/**
 * `periods` memoises period, invoice and day by UTC day within one message
 * (one arrival time; its flows share a day or two).
 */
export function meterFlow(flow: Flow, timeline: OwnershipTimeline, arrivedAtMs: number, graceMs: number, periods = new Map<number, [string, string, string]>()): Parsed<MeteredFlow> {
  const atMs = flow.start * 1000;
  let networkId = flow.networkId;
  if (flow.interfaceId !== undefined) {
    const resource = timeline.resource(flow.interfaceId);
    // Before the horizon an unknown interface may be a resource whose every holding was forgotten: say so, never "unknown".
    if (!resource && atMs < timeline.horizonMs) return bad(`${olderThanHistory(atMs, timeline)}: whether interface-id ${flow.interfaceId} was a resource then is no longer known`);
    if (!resource) return bad(`interface-id ${flow.interfaceId} is no resource billing knows`);
    if (resource.accountId !== flow.accountId) return bad('account-id does not own interface-id');
    networkId = resource.networkId;
  }
  const owner = timeline.network(networkId!);
  if (!owner) return bad(`network ${networkId} is no network billing knows`);
  // Older than the ownership history kept: an end whose holder then was forgotten is parked, never guessed.
  if (atMs < timeline.horizonMs) {
    for (const ip of [flow.srcIp, flow.dstIp]) {
      if (timeline.forgotten(isPrivateAddress(ip) ? 'private' : 'public', networkId!, ip, atMs)) {
        return bad(`${olderThanHistory(atMs, timeline)}: who held ${ip} then is no longer known`);
      }
    }
  }
  let c: Classification = classify({ networkId: networkId!, srcIp: flow.srcIp, dstIp: flow.dstIp, atMs }, timeline);
  if (flow.refused) c = { class: 'rejected', reason: 'refused by the data plane (REJECT)', ...(flow.interfaceId ? { holder: timeline.resource(flow.interfaceId)! } : {}) };
  // By UTC day: period, invoice and day are the same all day long (for one arrival time).
  const dayIndex = Math.floor(atMs / DAY_MS);
  let pair = periods.get(dayIndex);
  if (!pair) {
    const period = periodOf(atMs);
    periods.set(dayIndex, (pair = [period, billedPeriodOf(period, arrivedAtMs, graceMs), dayOf(atMs)]));
  }
  return ok({
    dedupKey: dedupKey(flow, networkId!),
    flowId: flow.flowId ?? '',
    networkId: networkId!,
    srcIp: flow.srcIp,
    srcPort: flow.srcPort,
    dstIp: flow.dstIp,
    dstPort: flow.dstPort,
    protocol: flow.protocol,
    bytes: flow.bytes,
    packets: flow.packets,
    start: flow.start,
    end: flow.end,
    class: c.class,
    reason: c.reason ?? '',
    // A rejected flow with no resource at either end is still the network's account's to see.
    accountId: c.holder?.accountId ?? owner.accountId,
    projectId: c.holder?.projectId ?? owner.projectId,
    resourceId: c.holder?.resourceId ?? '',
    resourceKind: c.holder?.kind ?? '',
    resourceName: c.holder?.name ?? '',
    targetResourceId: c.target?.resourceId ?? '',
    targetResourceName: c.target?.name ?? '',
    targetResourceKind: c.target?.kind ?? '',
    period: pair[0],
    day: pair[2],
    billedPeriod: pair[1],
    arrivedAtMs,
  });
}
