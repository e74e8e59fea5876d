// A live resource as the directory holds it: about 250 bytes of heap where its
// ResourceFacts (a protobuf request, Dates, arrays, its own copy of every id)
// took about 1.3 KB. What resources share is held once: their place (account,
// project, network: the same for every resource of a network) and their
// profile (kind, region, image, engine, version, role, specs: a few
// combinations platform-wide); the hostnames every resource gets by its kind,
// name and id are derived, not kept; an IPv4 address is a number; what few
// resources have (public side, failure, domains, a primary) is one optional
// object. `expand` gives the ResourceFacts back, equal to the one held.
import { create } from '@bufbuild/protobuf';
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
    const rare: Rare = {
      publicAccess: s.publicAccess,
      failure: s.failure,
      ports: s.ports,
      publicLease: s.publicLease,
      endingLeases: s.endingLeases,
      domains: s.domains,
      primaryId: r.primaryId,
    };
    return this.held(resourceId, {
      revision,
      status: s.status,
      place: [r.accountId, r.projectId, r.networkId, r.project, r.networkCidr],
      profile: [r.kind, r.region, r.image, r.engine, r.version, r.role],
      vmSpecs: r.vmSpecs,
      name: r.name,
      requestedAtMs: r.requestedAt ? timestampMs(r.requestedAt) : undefined,
      privateIp: s.privateIp,
      hostnames: s.hostnames,
      rare: isCommon(rare) ? undefined : rare,
    });
  }

  /** A held resource from its entry in a checkpoint (savedResource). */
  restore(resourceId: string, saved: SavedResource): HeldResource {
    const rare = saved.rare;
    return this.held(resourceId, {
      ...saved,
      requestedAtMs: saved.requestedAtMs,
      privateIp: saved.privateIp,
      vmSpecs: saved.vmSpecs && create(VmSpecsSchema, saved.vmSpecs),
      hostnames: saved.hostnames ?? hostnamesFor(saved.profile[0], saved.name, resourceId),
      rare: rare && {
        ...rare,
        failure: rare.failure ?? undefined,
        publicLease: rare.publicLease ?? undefined,
        domains: rare.domains.map((d) => ({
          domain: d.domain,
          token: d.token,
          status: d.status,
          addedAt: new Date(d.addedAt),
          ...(d.verifiedAt === null ? {} : { verifiedAt: new Date(d.verifiedAt) }),
        })),
      },
    });
  }

  private held(
    resourceId: string,
    p: Pick<HeldResource, 'revision' | 'status' | 'requestedAtMs' | 'rare'> & {
      place: PlaceKey;
      profile: ProfileKey;
      vmSpecs: VmSpecs | undefined;
      name: string;
      privateIp: string | undefined;
      hostnames: readonly string[];
    },
  ): HeldResource {
    const [accountId, projectId, networkId, project, networkCidr] = p.place.map(flat) as PlaceKey;
    const place = this.places.get(p.place.join(' '), () => ({ accountId, projectId, networkId, project, networkCidr }));
    const specs = p.vmSpecs ? `${p.vmSpecs.vcpus}/${p.vmSpecs.memoryGb}/${p.vmSpecs.diskGb}` : '';
    const [kind, region, image, engine, version, role] = p.profile;
    const profile = this.profiles.get(`${p.profile.join(' ')} ${specs}`, () => ({
      kind: flat(kind),
      region: flat(region),
      image: flat(image),
      engine: flat(engine),
      version: flat(version),
      role: flat(role),
      vmSpecs: p.vmSpecs,
    }));
    const ip = p.privateIp;
    return {
      revision: p.revision,
      status: p.status,
      place,
      profile,
      name: flat(p.name),
      requestedAtMs: p.requestedAtMs,
      privateIp: ip === undefined ? undefined : (ipv4Number(ip) ?? this.strings.get(ip, () => flat(ip))),
      hostnames: sameStrings(p.hostnames, hostnamesFor(kind, p.name, resourceId)) ? undefined : p.hostnames.map(flat),
      rare: p.rare,
    };
  }
}

type PlaceKey = [accountId: string, projectId: string, networkId: string, project: string, networkCidr: string];
type ProfileKey = [kind: string, region: string, image: string, engine: string, version: string, role: string];

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

/** A held resource in a checkpoint: what it holds as plain data, without the defaults. */
export interface SavedResource {
  revision: number;
  status: ResourceStatus;
  place: PlaceKey;
  profile: ProfileKey;
  vmSpecs?: { vcpus: number; memoryGb: number; diskGb: number };
  name: string;
  requestedAtMs?: number;
  privateIp?: string;
  hostnames?: string[];
  rare?: Omit<Rare, 'domains' | 'failure' | 'publicLease'> & {
    failure: Rare['failure'] | null;
    publicLease: PublicLease | null;
    domains: Array<{ domain: string; token: string; status: 'pending' | 'verified'; addedAt: number; verifiedAt: number | null }>;
  };
}

/** A held resource as its checkpoint's entry: no ResourceFacts is expanded for it. */
export function savedResource(held: HeldResource): SavedResource {
  const { place, profile, rare, privateIp } = held;
  return {
    revision: held.revision,
    status: held.status,
    place: [place.accountId, place.projectId, place.networkId, place.project, place.networkCidr],
    profile: [profile.kind, profile.region, profile.image, profile.engine, profile.version, profile.role],
    ...(profile.vmSpecs ? { vmSpecs: { vcpus: profile.vmSpecs.vcpus, memoryGb: profile.vmSpecs.memoryGb, diskGb: profile.vmSpecs.diskGb } } : {}),
    name: held.name,
    ...(held.requestedAtMs === undefined ? {} : { requestedAtMs: held.requestedAtMs }),
    ...(privateIp === undefined ? {} : { privateIp: typeof privateIp === 'number' ? ipv4Text(privateIp) : privateIp }),
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
