// A flow record as billing reads it, after validation. Bytes and packets are
// bigints: a counter is never rounded on its way to an invoice.
export interface Flow {
  /** The data plane's id, when it gave one. */
  readonly flowId?: string;
  /** The network the flow was seen on; a VPC v2 line names the resource (interfaceId) instead. */
  readonly networkId?: string;
  /** VPC v2 lines: the resource (`interface-id`) and the account it claims (`account-id`). */
  readonly interfaceId?: string;
  readonly accountId?: string;
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly protocol: number;
  readonly bytes: bigint;
  readonly packets: bigint;
  /** Epoch seconds. */
  readonly start: number;
  readonly end: number;
  /** The data plane refused it (VPC v2 `REJECT`): nothing was delivered. */
  readonly refused?: boolean;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const bad = <T>(reason: string): Parsed<T> => ({ ok: false, reason });
