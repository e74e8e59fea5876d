// What `npm run flows` needs to know of an account, read over the gateway API
// with its API key (the only way in from outside: there is no admin listing of
// an account's resources): each project's network and the resources in it,
// with their private and public addresses.

/** A JSON client for the gateway with one API key; a non-2xx answer throws with the API's error. */
export function gatewayClient(baseUrl, apiKey) {
  return async function get(path) {
    const response = await fetch(`${baseUrl}${path}`, { headers: { 'x-api-key': apiKey } });
    const text = await response.text();
    const body = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const e = body?.error;
      throw new Error(`GET ${path} answered ${response.status}${e ? ` ${e.code}: ${e.message}` : ''}`);
    }
    return body;
  };
}

/** Every page of a list (`items` and `next_cursor`, or topology's `resources`); also the first page, for its other fields. */
async function pages(get, path, field = 'items') {
  const items = [];
  let first;
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    first ??= page;
    items.push(...page[field]);
    cursor = page.next_cursor;
  } while (cursor);
  return { items, first };
}
const all = async (get, path) => (await pages(get, path)).items;

const PATH_OF = { vm: 'vms', database: 'databases', cache: 'caches', bucket: 'buckets' };

/**
 * The account id behind the key, as its resources' history records it (the
 * API shows an account id nowhere else); undefined when it has no resource.
 */
export async function accountIdOf(get, networks) {
  const r = networks.flatMap((n) => n.resources)[0];
  if (!r) return undefined;
  const history = await get(`/v1/hosting/${PATH_OF[r.kind]}/${r.id}/events?limit=1`);
  const data = history.events[0]?.data ?? {};
  return data.accountId ?? data.account_id;
}

/** Statuses whose resources are up and would carry traffic. */
const LIVE = new Set(['running', 'available']);

/**
 * [{ project, networkId, resources: [{ id, name, kind, privateIp, publicIp }] }],
 * one per project (only `project` when given), live resources with an address.
 */
export async function readNetworks(get, project) {
  const projects = project ? [project] : (await all(get, '/v1/hosting/projects')).map((p) => p.name);
  const networks = [];
  for (const name of projects) {
    // Public addresses and statuses come from the kinds' lists, which name their
    // project (without one they list the default project's only); the topology
    // has only private addresses.
    const details = new Map();
    for (const [kind, path] of Object.entries(PATH_OF)) {
      for (const r of await all(get, `/v1/hosting/${path}?project=${encodeURIComponent(name)}`)) details.set(r.id, { ...r, kind });
    }
    const { items, first } = await pages(get, `/v1/hosting/network/topology?project=${encodeURIComponent(name)}`, 'resources');
    const resources = [];
    for (const r of items) {
      const d = details.get(r.id);
      if (!r.private_ip || !d || !LIVE.has(d.status)) continue;
      resources.push({ id: r.id, name: r.name, kind: d.kind, privateIp: r.private_ip, publicIp: d.public_ip ?? null });
    }
    networks.push({ project: name, networkId: first.network_id, resources });
  }
  return networks;
}
