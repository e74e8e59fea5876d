// A flow as recorded by billing (the FlowMetered event, in domain terms), a
// usage row (the bytes of many flows that share everything the usage book
// keys on: what a FlowsMetered batch records), and a parked record (FlowParked).
import type { FlowClass } from './classify.js';

/** Who and what bytes are counted for: every attribute the usage book sums by. */
export interface Attribution {
  readonly class: FlowClass;
  readonly accountId: string;
  readonly projectId: string;
  readonly resourceId: string;
  readonly resourceKind: string;
  readonly resourceName: string;
  readonly targetResourceId: string;
  readonly targetResourceName: string;
  readonly targetResourceKind: string;
  readonly period: string;
  /** The UTC day of the flow's start, YYYY-MM-DD ('' in rows recorded before days were kept). */
  readonly day: string;
  readonly billedPeriod: string;
}

export interface UsageRow extends Attribution {
  /** A sum: may pass 2^53, so a bigint. */
  readonly bytes: bigint;
  readonly flows: number;
}

/** A flow with what it was classified as and who it is counted for. */
export interface MeteredFlow extends Attribution {
  readonly dedupKey: string;
  readonly flowId: string;
  readonly networkId: string;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly protocol: number;
  readonly bytes: bigint;
  readonly packets: bigint;
  readonly start: number;
  readonly end: number;
  readonly reason: string;
  readonly arrivedAtMs: number;
}

export interface ParkedRecord {
  readonly subject: string;
  readonly raw: string;
  readonly reason: string;
  readonly networkId: string;
  readonly accountId: string;
  readonly arrivedAtMs: number;
  readonly period: string;
}
