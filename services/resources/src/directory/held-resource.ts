// A live resource as the directory holds it: about 250 bytes of heap where its
// ResourceFacts (a protobuf request, Dates, arrays, its own copy of every id)
// took about 1.3 KB. What resources share is held once: their place (account,
// project, network: the same for every resource of a network) and their
// profile (kind, region, image, engine, version, role, specs: a few
// combinations platform-wide); the hostnames every resource gets by its kind,
// name and id are derived, not kept; an IPv4 address is a number; what few
// resources have (public side, failure, domains, a primary) is one optional
// object. `expand` gives the ResourceFacts back, equal to the one held.
import { create, fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { hostnamesFor, ResourceRequestedSchema, VmSpecsSchema, type VmSpecs } from '@pn/contracts';
import type { PublicLease, ResourceFacts, ResourceStatus } from '@pn/resources-domain';

interface Place {
  readonly accountId: string;
  readonly projectId: string;
  readonly networkId: string;
  readonly project: string;
  readonly networkCidr: string;
}

interface Profile {
  readonly kind: string;
  readonly region: string;
  readonly image: string;
  readonly engine: string;
  readonly version: string;
  readonly role: string;
  readonly vmSpecs: VmSpecs | undefined;
}

/** What most resources do not have; undefined when a resource has none of it. */
type Rare = Pick<ResourceFacts, 'publicAccess' | 'failure' | 'ports' | 'publicLease' | 'endingLeases' | 'domains'> & { readonly primaryId: string };

export interface HeldResource {
  readonly revision: number;
  readonly status: ResourceStatus;
  readonly place: Place;
  readonly profile: Profile;
  readonly name: string;
  /** requested_at in ms, or undefined when the request had none (createdAt is then the epoch). */
  readonly requestedAtMs: number | undefined;
  /** An IPv4 address as a signed 32-bit number (a small integer in V8: no object), or the text of any other. */
  readonly privateIp: number | string | undefined;
  /** undefined: the ones its kind, name and id give (hostnamesFor). */
  readonly hostnames: readonly string[] | undefined;
  readonly rare: Rare | undefined;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * The values held once, by their content. Profiles and statuses are a small
 * vocabulary; places are as many as the networks' projects, and one of a
 * deleted network stays until the pool is cleared at `limit` (a memory bound,
 * not a correctness one: a place is equal by content, whichever copy).
 */
class Pool<T> {
  private readonly byKey = new Map<string, T>();
  constructor(private readonly limit: number) {}

  get(key: string, value: () => T): T {
    let held = this.byKey.get(key);
    if (held === undefined) {
      if (this.byKey.size >= this.limit) this.byKey.clear();
      held = value();
      this.byKey.set(key, held);
    }
    return held;
  }
}

export class HeldResources {
  private readonly places = new Pool<Place>(100_000);
  private readonly profiles = new Pool<Profile>(10_000);
  private readonly strings = new Pool<string>(10_000);

  hold(resourceId: string, s: ResourceFacts, revision: number): HeldResource {
    const r = s.request;
    const place = this.places.get(`${r.accountId} ${r.projectId} ${r.networkId} ${r.project} ${r.networkCidr}`, () => ({
      accountId: flat(r.accountId),
      projectId: flat(r.projectId),
      networkId: flat(r.networkId),
      project: flat(r.project),
      networkCidr: flat(r.networkCidr),
    }));
    const specs = r.vmSpecs ? `${r.vmSpecs.vcpus}/${r.vmSpecs.memoryGb}/${r.vmSpecs.diskGb}` : '';
    const profile = this.profiles.get(`${r.kind} ${r.region} ${r.image} ${r.engine} ${r.version} ${r.role} ${specs}`, () => ({
      kind: flat(r.kind),
      region: flat(r.region),
      image: flat(r.image),
      engine: flat(r.engine),
      version: flat(r.version),
      role: flat(r.role),
      vmSpecs: r.vmSpecs,
    }));
    const defaultNames = hostnamesFor(r.kind, r.name, resourceId);
    const rare: Rare = {
      publicAccess: s.publicAccess,
      failure: s.failure,
      ports: s.ports,
      publicLease: s.publicLease,
      endingLeases: s.endingLeases,
      domains: s.domains,
      primaryId: r.primaryId,
    };
    return {
      revision,
      status: s.status,
      place,
      profile,
      name: flat(r.name),
      requestedAtMs: r.requestedAt ? timestampMs(r.requestedAt) : undefined,
      privateIp: s.privateIp === undefined ? undefined : (ipv4Number(s.privateIp) ?? this.strings.get(s.privateIp, () => flat(s.privateIp!))),
      hostnames: sameStrings(s.hostnames, defaultNames) ? undefined : s.hostnames.map(flat),
      rare: isCommon(rare) ? undefined : rare,
    };
  }
}

/** The ResourceFacts a held resource stands for. */
export function expand(resourceId: string, held: HeldResource): ResourceFacts {
  const { place, profile, rare } = held;
  const request = create(ResourceRequestedSchema, {
    resourceId,
    kind: profile.kind,
    accountId: place.accountId,
    projectId: place.projectId,
    networkId: place.networkId,
    name: held.name,
    region: profile.region,
    ...(profile.vmSpecs ? { vmSpecs: profile.vmSpecs } : {}),
    ...(held.requestedAtMs === undefined ? {} : { requestedAt: timestampFromMs(held.requestedAtMs) }),
    project: place.project,
    networkCidr: place.networkCidr,
    engine: profile.engine,
    version: profile.version,
    image: profile.image,
    role: profile.role,
    primaryId: rare?.primaryId ?? '',
  });
  return {
    status: held.status,
    request,
    createdAt: new Date(held.requestedAtMs ?? 0),
    privateIp: typeof held.privateIp === 'number' ? ipv4Text(held.privateIp) : held.privateIp,
    hostnames: held.hostnames ?? hostnamesFor(profile.kind, held.name, resourceId),
    publicAccess: rare?.publicAccess ?? false,
    failure: rare?.failure,
    ports: rare?.ports ?? NONE,
    publicLease: rare?.publicLease,
    endingLeases: rare?.endingLeases ?? NONE,
    domains: rare?.domains ?? NONE,
  };
}

/** Whether a held resource has a public address or a custom domain, told without expanding it. */
export const isExposed = ({ rare }: HeldResource): boolean => rare !== undefined && (rare.publicLease?.ip !== undefined || rare.domains.length > 0);

/** A held resource in a checkpoint: its ResourceFacts as plain data, without the defaults. */
export interface SavedResource {
  revision: number;
  status: ResourceStatus;
  request: JsonValue;
  privateIp?: string;
  hostnames?: string[];
  rare?: Omit<Rare, 'domains' | 'failure' | 'publicLease'> & {
    failure: Rare['failure'] | null;
    publicLease: PublicLease | null;
    domains: Array<{ domain: string; token: string; status: 'pending' | 'verified'; addedAt: number; verifiedAt: number | null }>;
  };
}

export function savedResource(resourceId: string, held: HeldResource): SavedResource {
  const facts = expand(resourceId, held);
  const { rare } = held;
  return {
    revision: held.revision,
    status: held.status,
    request: toJson(ResourceRequestedSchema, facts.request),
    ...(facts.privateIp === undefined ? {} : { privateIp: facts.privateIp }),
    ...(held.hostnames === undefined ? {} : { hostnames: [...held.hostnames] }),
    ...(rare === undefined
      ? {}
      : {
          rare: {
            ...rare,
            failure: rare.failure ?? null,
            publicLease: rare.publicLease ?? null,
            domains: rare.domains.map((d) => ({ ...d, addedAt: d.addedAt.getTime(), verifiedAt: d.verifiedAt?.getTime() ?? null })),
          },
        }),
  };
}

/** The ResourceFacts a checkpoint's entry stands for. */
export function factsFromSaved(resourceId: string, saved: SavedResource): ResourceFacts {
  const request = fromJson(ResourceRequestedSchema, saved.request);
  const rare = saved.rare;
  return {
    status: saved.status,
    request,
    createdAt: new Date(request.requestedAt ? timestampMs(request.requestedAt) : 0),
    privateIp: saved.privateIp,
    hostnames: saved.hostnames ?? hostnamesFor(request.kind, request.name, resourceId),
    publicAccess: rare?.publicAccess ?? false,
    failure: rare?.failure ?? undefined,
    ports: rare?.ports ?? NONE,
    publicLease: rare?.publicLease ?? undefined,
    endingLeases: rare?.endingLeases ?? NONE,
    domains: (rare?.domains ?? []).map((d) => ({
      domain: d.domain,
      token: d.token,
      status: d.status,
      addedAt: new Date(d.addedAt),
      ...(d.verifiedAt === null ? {} : { verifiedAt: new Date(d.verifiedAt) }),
    })),
  };
}

const isCommon = (r: Rare) =>
  !r.publicAccess && r.failure === undefined && r.ports.length === 0 && r.publicLease === undefined && r.endingLeases.length === 0 && r.domains.length === 0 && r.primaryId === '';

const sameStrings = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/**
 * A copy of `s` that holds only its own characters: an id cut from an event's
 * stream id or subject would otherwise keep the whole longer string alive.
 */
export const flat = (s: string): string => (s.length === 0 ? '' : Buffer.from(s, 'utf8').toString('utf8'));

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as a number, if it is an IPv4 address written as ipv4Text writes it back (no leading zeros). */
function ipv4Number(ip: string): number | undefined {
  const m = IPV4.exec(ip);
  if (!m) return undefined;
  const n = m.slice(1).reduce((acc, octet) => (acc << 8) | Number(octet), 0) | 0;
  return ipv4Text(n) === ip ? n : undefined;
}

const ipv4Text = (n: number) => `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
