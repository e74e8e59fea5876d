// A VM as the API shows it (the MoltbotDen article's JSON shape).
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { VmSchema } from '@pn/contracts';
import type { ResourceState } from '@pn/resources-domain';

export function vmView(state: Exclude<ResourceState, { status: 'absent' }>): MessageInitShape<typeof VmSchema> {
  const { request } = state;
  return {
    id: request.resourceId,
    name: request.name,
    status: state.status,
    region: request.region,
    privateIp: state.privateIp ?? '',
    specs: request.vmSpecs,
    project: request.project,
    createdAt: state.createdAt.toISOString(),
  };
}
