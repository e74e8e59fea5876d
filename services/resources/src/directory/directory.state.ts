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
// Each live resource is held compactly (held-resource.ts) and expanded back
// into its ResourceFacts when asked for.
import { WatchedMap } from '@pn/decider';
import type { ResourceFacts, ResourceState } from '@pn/resources-domain';
import { expand, flat, HeldResources, isExposed, savedResource, type HeldResource, type SavedResource } from './held-resource.js';

export type { SavedResource } from './held-resource.js';

/** Ids are `<prefix>_<ULID>`: the ULID alone orders them by creation, whatever the kind. */
export const creationKey = (resourceId: string) => resourceId.slice(resourceId.indexOf('_') + 1);

export const hasWorkLeft = (s: Pick<ResourceFacts, 'status' | 'privateIp' | 'hostnames' | 'domains' | 'endingLeases' | 'publicLease'>) =>
  s.status === 'provisioning' ||
  s.status === 'deleting' ||
  (s.status === 'failed' && (s.privateIp !== undefined || s.hostnames.length > 0 || s.domains.length > 0)) ||
  // A public address to return, or one wanted and not yet filled (ipam was down).
  s.endingLeases.length > 0 ||
  (s.publicLease !== undefined && s.publicLease.ip === undefined);

/** Stands for the hostnames a resource's kind, name and id give (never none) where only their presence matters. */
const DERIVED_NAMES: readonly string[] = Object.freeze(['(derived)']);

export class DirectoryState {
  // What a checkpoint keeps (entries are replaced, never changed in place); the rest is derived from them.
  readonly byId = new WatchedMap<HeldResource>();
  private readonly held = new HeldResources();
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
    const held = this.byId.get(resourceId);
    return held && expand(resourceId, held);
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
    if (state.status === 'deleted') {
      const ids = this.byNetwork.get(state.request.networkId);
      this.byId.delete(resourceId);
      this.unfinished.delete(resourceId);
      ids?.delete(resourceId);
      if (ids?.size === 0) this.byNetwork.delete(state.request.networkId);
      // Only while the subscription has not brought the deletion yet (the entry is still here).
      if (own && entry) this.tombstones.set(resourceId, revision);
      return;
    }
    this.hold(resourceId, this.held.hold(resourceId, state, revision), hasWorkLeft(state));
  }

  private hold(resourceId: string, held: HeldResource, workLeft: boolean): void {
    // A new key is held as its own string (not a cut of a longer one); a known key keeps the one it has.
    const key = this.byId.has(resourceId) ? resourceId : flat(resourceId);
    this.byId.set(key, held);
    const networkId = held.place.networkId;
    const ids = this.byNetwork.get(networkId) ?? new Set<string>();
    this.byNetwork.set(networkId, ids);
    ids.add(key);
    if (workLeft) this.unfinished.add(key);
    else this.unfinished.delete(key);
  }

  /** Networks that hold a live resource. */
  networkIds(): string[] {
    return [...this.byNetwork.keys()];
  }

  /** Resources of a network in creation order. */
  inNetwork(networkId: string): ResourceFacts[] {
    return [...(this.byNetwork.get(networkId) ?? [])]
      .sort((a, b) => creationKey(a).localeCompare(creationKey(b)))
      .map((id) => expand(id, this.byId.get(id)!));
  }

  /**
   * Every live resource with a public address or a custom domain, in no
   * order (lookups by public address or domain, which span networks): only
   * those are expanded.
   */
  exposed(): ResourceFacts[] {
    const found: ResourceFacts[] = [];
    for (const [id, held] of this.byId) if (isExposed(held)) found.push(expand(id, held));
    return found;
  }

  /** How many live resources there are of each kind and status. */
  countsByKindAndStatus(): Array<{ kind: string; status: string; n: number }> {
    const counts = new Map<string, { kind: string; status: string; n: number }>();
    for (const { profile, status } of this.byId.values()) {
      const key = `${profile.kind}/${status}`;
      const entry = counts.get(key) ?? { kind: profile.kind, status, n: 0 };
      entry.n++;
      counts.set(key, entry);
    }
    return [...counts.values()];
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
  static entryToJson(held: HeldResource): SavedResource {
    return savedResource(held);
  }

  /** Puts back a resource's entry read from a checkpoint. */
  restoreEntry(id: string, saved: SavedResource): void {
    const held = this.held.restore(id, saved);
    // The facts it needs, read from the held resource: no ResourceFacts is expanded for each resource of a checkpoint.
    const workLeft = hasWorkLeft({
      status: held.status,
      privateIp: saved.privateIp,
      hostnames: held.hostnames ?? DERIVED_NAMES,
      domains: held.rare?.domains ?? [],
      endingLeases: held.rare?.endingLeases ?? [],
      publicLease: held.rare?.publicLease,
    });
    this.hold(id, held, workLeft);
  }

  restoreTombstone(id: string, revision: number): void {
    this.tombstones.set(id, revision);
  }
}
