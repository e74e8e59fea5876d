// Output schemas of the tools: the API's JSON as it is (snake_case, the
// articles' shapes). Loose objects, naming the fields an agent acts on: the
// API may add fields without breaking a client that validates what it gets.
import { z } from 'zod';

const when = z.string().describe('ISO 8601 time');

const resourceFields = {
  id: z.string().describe('the resource id (vm_…, db_…, cache_…, bkt_…): pass it to get_/stop_/start_/delete_ tools'),
  name: z.string().describe('its name, which is also its private DNS name inside the project'),
  status: z.string().describe('provisioning, then running (VMs) or available (others); stopped; deleting; failed (see failure)'),
  region: z.string(),
  project: z.string().describe('the project (private network) it belongs to'),
  private_ip: z.string().nullable().describe('its 10.x address in the project network; null until provisioned'),
  public_ip: z.string().nullable().describe('null unless it is exposed to the internet'),
  created_at: when,
  data_plane: z
    .looseObject({ host: z.string().nullable(), state: z.string().describe('attached, failed (see reason) or pending'), reason: z.string().optional() })
    .nullable()
    .optional()
    .describe('where a host agent has made it real on the wire; null when no agent runs'),
};

export const resourceShape = z.looseObject(resourceFields);

export const vmShape = z.looseObject({
  ...resourceFields,
  image: z.string().optional().describe('postgres-18, nodejs-24, redis-7, ubuntu-24, or empty for none'),
  public_url: z.string().nullable().optional().describe('http://public_ip:port when an HTTP port is public'),
  public_ports: z.array(z.looseObject({ port: z.number(), protocol: z.string() })).optional(),
});

export const serviceShape = z.looseObject({
  ...resourceFields,
  private_host: z.string().optional().describe('the hostname to connect to from inside the project (e.g. name.internal)'),
  port: z.number().optional().describe('the service port (5432 PostgreSQL, 6379 Redis)'),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('pass as cursor for the next page; null on the last page'),
  });

export const deletedShape = z.looseObject({
  id: z.string(),
  status: z.string().describe('"deleted" once gone; "deleting" while a service it waits for is down (it completes on its own)'),
});

export const portsShape = z.looseObject({
  id: z.string().describe('the VM id'),
  public_ip: z.string().nullable().describe('the VM public address; null once no port is open'),
  ports: z.array(z.looseObject({ port: z.number(), protocol: z.string() })),
});

export const domainShape = z.looseObject({
  domain: z.string(),
  status: z.string().describe('pending until both records are found, then verified'),
  records: z.array(z.looseObject({ type: z.string(), name: z.string(), value: z.string() })).describe('the DNS records to create at the domain DNS provider'),
  added_at: when,
  verified_at: z.string().nullable(),
});

export const projectShape = z.looseObject({
  id: z.string(),
  name: z.string().describe('pass as project to create_* tools to place resources in this network'),
  network_id: z.string(),
  private_cidr: z.string(),
  created_at: when,
});

export const topologyShape = z.looseObject({
  network_id: z.string(),
  project: z.string(),
  private_cidr: z.string(),
  resources: z.array(z.looseObject({ type: z.string(), id: z.string(), name: z.string(), private_ip: z.string() })),
  next_cursor: z.string().nullable(),
});

export const resolveShape = z.looseObject({
  name: z.string(),
  rcode: z.string().describe('NOERROR (with addresses) when a resource of the network has the name; NXDOMAIN when none has; SERVFAIL: DNS is catching up, retry shortly'),
  addresses: z.array(z.string()),
  ttl: z.number(),
});

export const reachabilityShape = z.looseObject({
  reachable: z.boolean(),
  path: z.string().describe('private (same network), public (through a public address and open port), or none'),
  hops: z.array(z.looseObject({})).describe('the path, component by component'),
  blocked_by: z
    .looseObject({ code: z.string(), component: z.string(), reason: z.string() })
    .nullable()
    .describe('when not reachable: the first component in the way, and why (e.g. DIFFERENT_NETWORK, PORT_NOT_OPEN, RESOURCE_STOPPED)'),
});

export const usageShape = z.looseObject({
  period: z.string().describe('YYYY-MM, UTC'),
  status: z.string().describe('draft until the grace time after the month ends, then final'),
  totals: z.looseObject({}).describe('bytes by class: private_bytes (free), egress_bytes (billed), ingress_bytes (free), rejected_bytes'),
  by_resource: z.array(z.looseObject({})),
  charges: z.looseObject({}).describe('currency, free_gb, billable_gb, price_per_gb, amount'),
  hints: z.array(z.unknown()).describe('e.g. traffic to your own public address that the private hostname would carry free'),
});
