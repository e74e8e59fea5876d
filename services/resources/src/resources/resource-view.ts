// A resource as the bus carries it to the gateway: every kind's fields, the
// gateway shows those its kind has.
import type { MessageInitShape } from '@bufbuild/protobuf';
import { hostnamesFor, type ResourceSchema } from '@pn/contracts';
import { publicHostFor, publicUrl, servicePort, vmServicePorts, type ResourceFacts } from '@pn/resources-domain';

/** `publicHostSuffix`: PUBLIC_HOST_SUFFIX; `dataPlane`: where a host agent has it, when agents run. */
export function resourceView(state: ResourceFacts, publicHostSuffix = 'public.pn.example', dataPlane?: { host: string; state: string; reason: string }): MessageInitShape<typeof ResourceSchema> {
  const { request } = state;
  // Shown once ipam has filled the lease: an address being asked for is not one yet.
  const publicIp = state.publicLease?.ip;
  return {
    id: request.resourceId,
    kind: request.kind,
    name: request.name,
    status: state.status,
    region: request.region,
    privateIp: state.privateIp ?? '',
    // The name services advertise; a VM is reached as {name}.vm.internal but has no "host" field in the API.
    privateHost: request.kind === 'vm' ? '' : hostnamesFor(request.kind, request.name, request.resourceId)[0]!,
    specs: request.vmSpecs,
    project: request.project,
    createdAt: state.createdAt.toISOString(),
    engine: request.engine,
    version: request.version,
    port: servicePort(request.kind),
    publicAccess: state.publicAccess,
    image: request.image,
    // An image the catalog does not know (one recorded before images were
    // checked as own entries, say "toString") is shown with no ports, never a crash.
    servicePorts: [...vmServicePorts(request.image)],
    role: request.role,
    primaryId: request.primaryId,
    failureCode: state.failure?.code ?? '',
    failureReason: state.failure?.reason ?? '',
    ...(publicIp ? { publicIp } : {}),
    publicHost: publicIp && request.kind !== 'vm' ? publicHostFor(request.name, request.resourceId, publicHostSuffix) : '',
    publicPorts: state.ports.map((p) => ({ port: p.port, protocol: p.protocol })),
    publicUrl: request.kind === 'vm' ? publicUrl(publicIp, request.image, state.ports) : '',
    ...(dataPlane ? { dataPlane } : {}),
  };
}
