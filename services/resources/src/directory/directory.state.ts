// The state of the resource directory: every live resource's latest state and
// stream revision, by id and by network, plus the set with work left to do.
// Fed by the `resource` category and by this instance's own writes, whichever
// comes first; the revision makes either path idempotent.
//
// Memory stays flat in the number of deleted resources: a deleted resource is
// dropped at once. Only when this instance's own write of the deletion comes
// before the subscription delivers it is a tombstone (id → revision) kept, so
// the older events still on their way are skipped; it goes when the deletion
// itself arrives (nothing follows a deletion in a resource's stream).
import { fromJson, toJson } from '@bufbuild/protobuf';
import { ResourceRequestedSchema } from '@pn/contracts';
import { WatchedMap } from '@pn/decider';
import type { PublicLease, PublicPort, ResourceFacts, ResourceState, ResourceStatus } from '@pn/resources-domain';

interface Entry {
  state: ResourceFacts;
  revision: number;
}

/** Ids are `<prefix>_<ULID>`: the ULID alone orders them by creation, whatever the kind. */
export const creationKey = (resourceId: string) => resourceId.slice(resourceId.indexOf('_') + 1);

export const hasWorkLeft = (s: ResourceFacts) =>
  s.status === 'provisioning' ||
  s.status === 'deleting' ||
  (s.status === 'failed' && (s.privateIp !== undefined || s.hostnames.length > 0 || s.domains.length > 0)) ||
  // A public address to return, or one wanted and not yet filled (ipam was down).
  s.endingLeases.length > 0 ||
  (s.publicLease !== undefined && s.publicLease.ip === undefined);

export class DirectoryState {
  // What a checkpoint keeps (entries are replaced, never changed in place); the rest is derived from them.
  readonly byId = new WatchedMap<Entry>();
  readonly tombstones = new WatchedMap<number>();
  private readonly byNetwork = new Map<string, Set<string>>();
  private readonly unfinished = new Set<string>();

  /**
   * Whether an event at `revision` of a resource is already reflected (an own
   * write came first). Reaching a tombstone's revision, the deletion itself,
   * clears it: nothing follows a deletion.
   */
  reflects(resourceId: string, revision: number): boolean {
    const tombstone = this.tombstones.get(resourceId);
    if (tombstone !== undefined) {
      if (revision >= tombstone) this.tombstones.delete(resourceId);
      return true;
    }
    return revision <= (this.byId.get(resourceId)?.revision ?? -1);
  }

  /** Latest state of a live resource. */
  state(resourceId: string): ResourceFacts | undefined {
    return this.byId.get(resourceId)?.state;
  }

  /**
   * Records `state` at `revision` unless something as new is known. `own`:
   * this instance wrote it, so the subscription may still bring older events.
   */
  put(resourceId: string, state: ResourceState, revision: number, own: boolean): void {
    const tombstone = this.tombstones.get(resourceId);
    if (tombstone !== undefined) {
      if (revision >= tombstone) this.tombstones.delete(resourceId);
      return;
    }
    const entry = this.byId.get(resourceId);
    if ((entry && entry.revision >= revision) || state.status === 'absent') return;
    const ids = this.byNetwork.get(state.request.networkId) ?? new Set<string>();
    this.byNetwork.set(state.request.networkId, ids);
    if (state.status === 'deleted') {
      this.byId.delete(resourceId);
      this.unfinished.delete(resourceId);
      ids.delete(resourceId);
      if (ids.size === 0) this.byNetwork.delete(state.request.networkId);
      // Only while the subscription has not brought the deletion yet (the entry is still here).
      if (own && entry) this.tombstones.set(resourceId, revision);
      return;
    }
    this.byId.set(resourceId, { state, revision });
    ids.add(resourceId);
    if (hasWorkLeft(state)) this.unfinished.add(resourceId);
    else this.unfinished.delete(resourceId);
  }

  /** Resources of a network in creation order. */
  inNetwork(networkId: string): ResourceFacts[] {
    return [...(this.byNetwork.get(networkId) ?? [])]
      .sort((a, b) => creationKey(a).localeCompare(creationKey(b)))
      .map((id) => this.byId.get(id)!.state);
  }

  /** Every live resource, in no order (lookups by public address or domain, which span networks). */
  all(): ResourceFacts[] {
    return [...this.byId.values()].map((e) => e.state);
  }

  /** How many live resources a network holds (its quota counts them). */
  countInNetwork(networkId: string): number {
    return this.byNetwork.get(networkId)?.size ?? 0;
  }

  withWorkLeft(): string[] {
    return [...this.unfinished];
  }

  get size(): { live: number; tombstones: number } {
    return { live: this.byId.size, tombstones: this.tombstones.size };
  }

  /** A resource's entry as plain data, for a checkpoint. */
  static entryToJson(id: string, { state, revision }: Entry): SavedResource {
    return {
      id,
      revision,
      status: state.status,
      request: toJson(ResourceRequestedSchema, state.request),
      createdAt: state.createdAt.getTime(),
      privateIp: state.privateIp ?? null,
      hostnames: [...state.hostnames],
      publicAccess: state.publicAccess,
      failure: state.failure ?? null,
      ports: [...state.ports],
      publicLease: state.publicLease ?? null,
      endingLeases: [...state.endingLeases],
      domains: state.domains.map((d) => ({ ...d, addedAt: d.addedAt.getTime(), verifiedAt: d.verifiedAt?.getTime() ?? null })),
    };
  }

  /** Puts back a resource's entry read from a checkpoint. */
  restoreEntry(r: SavedResource): void {
    const state: ResourceFacts = {
      status: r.status,
      request: fromJson(ResourceRequestedSchema, r.request as never),
      createdAt: new Date(r.createdAt),
      privateIp: r.privateIp ?? undefined,
      hostnames: r.hostnames,
      publicAccess: r.publicAccess,
      failure: r.failure ?? undefined,
      ports: r.ports,
      publicLease: r.publicLease ?? undefined,
      endingLeases: r.endingLeases,
      domains: r.domains.map((d) => ({
        domain: d.domain,
        token: d.token,
        status: d.status,
        addedAt: new Date(d.addedAt),
        ...(d.verifiedAt === null ? {} : { verifiedAt: new Date(d.verifiedAt) }),
      })),
    };
    this.put(r.id, state, r.revision, false);
  }

  restoreTombstone(id: string, revision: number): void {
    this.tombstones.set(id, revision);
  }
}

export interface SavedResource {
  id: string;
  revision: number;
  status: ResourceStatus;
  request: unknown;
  createdAt: number;
  privateIp: string | null;
  hostnames: string[];
  publicAccess: boolean;
  failure: { code: string; reason: string } | null;
  ports: PublicPort[];
  publicLease: PublicLease | null;
  endingLeases: PublicLease[];
  domains: Array<{ domain: string; token: string; status: 'pending' | 'verified'; addedAt: number; verifiedAt: number | null }>;
}
