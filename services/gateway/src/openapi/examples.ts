// Examples in the API description, taken from the two source articles
// (shared/seeds: MoltbotDen's private networking guide, Superjolt's project
// networking page), keyed by operation ("METHOD /path" as OpenAPI writes it).
export interface OperationExamples {
  readonly request?: unknown;
  readonly response?: { readonly status: string; readonly body: unknown };
}

const vm = {
  id: 'vm_01j9abc',
  name: 'agent-worker-1',
  status: 'running',
  region: 'us-east-1',
  private_ip: '10.0.1.10',
  public_ip: '203.0.113.45',
  specs: { vcpus: 2, memory_gb: 4, disk_gb: 80 },
};
const database = {
  id: 'db_01j9xyz',
  name: 'agent-postgres',
  engine: 'postgresql',
  version: '16',
  status: 'available',
  private_ip: '10.0.2.5',
  private_host: 'agent-postgres.internal',
  port: 5432,
  public_access: false,
};
const cache = {
  id: 'cache_01j9def',
  name: 'agent-redis',
  engine: 'redis',
  version: '7.2',
  status: 'available',
  private_ip: '10.0.3.20',
  private_host: 'agent-redis.internal',
  port: 6379,
  public_access: false,
};

export const EXAMPLES: Readonly<Record<string, OperationExamples>> = {
  // Superjolt's worked example: the database VM of project "shop" (MoltbotDen's shape of a VM answer).
  'post /v1/hosting/vms': { request: { name: 'db', image: 'postgres-18', project: 'shop' }, response: { status: '201', body: vm } },
  'get /v1/hosting/vms/{id}': { response: { status: '200', body: vm } },
  'get /v1/hosting/databases/{id}': { response: { status: '200', body: database } },
  'patch /v1/hosting/databases/{id}': { request: { public_access: true } },
  'get /v1/hosting/caches/{id}': { response: { status: '200', body: cache } },
  'post /v1/hosting/projects': { request: { name: 'shop' } },
  'get /v1/hosting/network/topology': {
    response: {
      status: '200',
      body: {
        private_cidr: '10.0.0.0/16',
        resources: [
          { type: 'vm', id: 'vm_01j9abc', name: 'agent-worker-1', private_ip: '10.0.1.10' },
          { type: 'vm', id: 'vm_01j9abd', name: 'agent-worker-2', private_ip: '10.0.1.11' },
          { type: 'database', id: 'db_01j9xyz', name: 'agent-postgres', private_ip: '10.0.2.5' },
          { type: 'cache', id: 'cache_01j9def', name: 'agent-redis', private_ip: '10.0.3.20' },
        ],
      },
    },
  },
};
