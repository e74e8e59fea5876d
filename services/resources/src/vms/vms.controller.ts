// resources.vm.create and resources.vm.get.
import { Controller } from '@nestjs/common';
import { routes, type CreateVmRequest, type GetVmRequest } from '@pn/contracts';
import { DomainError } from '@pn/decider';
import { DEFAULT_PROJECT } from '@pn/resources-domain';
import { Rpc } from '@pn/service-kit';
import { ResourceDirectory } from '../directory/resource-directory.js';
import { newId } from '../ids.js';
import { ProjectsService } from '../projects/projects.service.js';
import { Provisioner } from '../provisioning/provisioner.js';
import { vmView } from './vm-view.js';

@Controller()
export class VmsController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly provisioner: Provisioner,
    private readonly directory: ResourceDirectory,
  ) {}

  @Rpc(routes.createVm)
  async create(request: CreateVmRequest) {
    const project = await this.projects.ensure(request.accountId, request.project || DEFAULT_PROJECT);
    const resourceId = newId('vm');
    await this.provisioner.execute({
      type: 'RequestResource',
      resourceId,
      kind: 'vm',
      accountId: request.accountId,
      projectId: project.projectId,
      project: project.name,
      networkId: project.networkId,
      networkCidr: project.cidr,
      name: request.name,
      region: request.region,
      vmSpecs: request.specs!,
      now: new Date(),
    });
    const state = await this.provisioner.provision(resourceId);
    if (state.status === 'absent') throw new Error(`vm ${resourceId} vanished while provisioning`);
    return vmView(state);
  }

  @Rpc(routes.getVm)
  get(request: GetVmRequest) {
    const state = this.directory.get(request.vmId);
    // Another account's VM is "not found", never "forbidden": existence does not leak.
    if (!state || state.request.kind !== 'vm' || state.request.accountId !== request.accountId) {
      throw new DomainError('not_found', `vm ${request.vmId} not found`);
    }
    return vmView(state);
  }
}
