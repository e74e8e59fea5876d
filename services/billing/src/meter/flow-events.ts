// FlowMetered / FlowParked between domain terms and the stored protobuf.
import { create } from '@bufbuild/protobuf';
import { FlowMeteredSchema, FlowParkedSchema, protoEventCodec, type FlowMetered } from '@pn/contracts';
import type { FlowClass, MeteredFlow, ParkedRecord } from '@pn/billing-domain';

export const meterEventCodec = protoEventCodec({ FlowMetered: FlowMeteredSchema, FlowParked: FlowParkedSchema });

export const METER_CATEGORY = 'meter';

export const toMeteredEvent = (f: MeteredFlow) =>
  meterEventCodec.encode({
    type: 'FlowMetered',
    data: create(FlowMeteredSchema, {
      ...f,
      bytes: f.bytes.toString(),
      packets: f.packets.toString(),
      startSeconds: BigInt(f.start),
      endSeconds: BigInt(f.end),
      arrivedAtMs: BigInt(f.arrivedAtMs),
    }),
  });

export const fromMeteredEvent = (e: FlowMetered): MeteredFlow => ({
  dedupKey: e.dedupKey,
  flowId: e.flowId,
  networkId: e.networkId,
  srcIp: e.srcIp,
  srcPort: e.srcPort,
  dstIp: e.dstIp,
  dstPort: e.dstPort,
  protocol: e.protocol,
  bytes: BigInt(e.bytes),
  packets: BigInt(e.packets),
  start: Number(e.startSeconds),
  end: Number(e.endSeconds),
  class: e.class as FlowClass,
  reason: e.reason,
  accountId: e.accountId,
  projectId: e.projectId,
  resourceId: e.resourceId,
  resourceKind: e.resourceKind,
  resourceName: e.resourceName,
  targetResourceId: e.targetResourceId,
  targetResourceName: e.targetResourceName,
  targetResourceKind: e.targetResourceKind,
  period: e.period,
  billedPeriod: e.billedPeriod,
  arrivedAtMs: Number(e.arrivedAtMs),
});

export const toParkedEvent = (p: ParkedRecord) =>
  meterEventCodec.encode({ type: 'FlowParked', data: create(FlowParkedSchema, { ...p, arrivedAtMs: BigInt(p.arrivedAtMs) }) });
