// A resource in the API's JSON (snake_case, the articles' shapes): each kind
// shows its own fields.
import type { Resource } from '@pn/contracts';

export function presentResource(r: Resource): Record<string, unknown> {
  const common = {
    id: r.id,
    name: r.name,
    status: r.status,
    region: r.region,
    private_ip: r.privateIp || null,
    public_ip: r.publicIp ?? null,
    project: r.project,
    created_at: r.createdAt,
    ...(r.status === 'failed' ? { failure: { code: r.failureCode, reason: r.failureReason } } : {}),
    // Where the data plane has it (a host agent's report), null when no agent runs.
    data_plane: r.dataPlane ? { host: r.dataPlane.host || null, state: r.dataPlane.state, ...(r.dataPlane.reason ? { reason: r.dataPlane.reason } : {}) } : null,
  };
  switch (r.kind) {
    case 'vm':
      return {
        ...common,
        image: r.image,
        service_ports: r.servicePorts,
        public_ports: r.publicPorts.map((p) => ({ port: p.port, protocol: p.protocol })),
        public_url: r.publicUrl || null,
        specs: { vcpus: r.specs?.vcpus ?? 0, memory_gb: r.specs?.memoryGb ?? 0, disk_gb: r.specs?.diskGb ?? 0 },
      };
    case 'database':
      return {
        ...common,
        engine: r.engine,
        version: r.version,
        private_host: r.privateHost,
        port: r.port,
        public_access: r.publicAccess,
        public_host: r.publicHost || null,
        role: r.role,
        ...(r.primaryId ? { primary_id: r.primaryId } : {}),
      };
    case 'cache':
      return { ...common, engine: r.engine, version: r.version, private_host: r.privateHost, port: r.port, public_access: r.publicAccess, public_host: r.publicHost || null };
    default:
      return { ...common, private_host: r.privateHost };
  }
}
