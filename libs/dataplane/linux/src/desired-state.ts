// What must exist on one host, as the control plane states it, and what the
// host reports back. The host agent builds a DesiredHost from the
// `pn.dataplane.v1` contracts (proto/) and hands it to the data plane, which
// makes Linux match it; nothing here knows about NATS or the event store.

export type ResourceKind = 'vm' | 'database' | 'cache' | 'bucket';
export type Protocol = 'tcp' | 'udp';

export interface DesiredNetwork {
  readonly id: string;
  readonly accountId: string;
  readonly projectId: string;
  /** The network's private IPv4 CIDR (10.x); networks may share a CIDR. */
  readonly cidr: string;
}

export interface PublicPort {
  readonly port: number;
  readonly protocol: Protocol;
}

export interface DesiredResource {
  readonly id: string;
  readonly networkId: string;
  readonly kind: ResourceKind;
  readonly name: string;
  /** A VM's image (`postgres-18`, `nodejs-24`, `redis-7`, `ubuntu-24`); absent for the other kinds. */
  readonly image?: string;
  readonly privateIp: string;
  /** Its public address, when it has one. */
  readonly publicIp?: string;
  /** What the internet reaches on the public address (a VM's open ports, a public database's service port). */
  readonly publicPorts: readonly PublicPort[];
  /** A stopped VM keeps its address, sends and answers nothing. */
  readonly stopped: boolean;
}

export interface DesiredHost {
  readonly networks: readonly DesiredNetwork[];
  readonly resources: readonly DesiredResource[];
}

export type AttachmentState = 'attached' | 'failed';

export interface ResourceStatus {
  readonly resourceId: string;
  readonly state: AttachmentState;
  /** Why it failed; absent when attached. */
  readonly reason?: string;
}
