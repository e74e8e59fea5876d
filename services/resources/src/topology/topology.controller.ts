// resources.topology.get: a project's network and every resource in it that has an address.
import { Controller } from '@nestjs/common';
import { routes, type GetTopologyRequest } from '@pn/contracts';
import { Rpc } from '@pn/service-kit';
import { ResourceDirectory } from '../directory/resource-directory.js';
import { ProjectsService } from '../projects/projects.service.js';

@Controller()
export class TopologyController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly directory: ResourceDirectory,
  ) {}

  @Rpc(routes.getTopology)
  async topology(request: GetTopologyRequest) {
    const project = await this.projects.resolve(request.accountId, request.project);
    return {
      networkId: project.networkId,
      privateCidr: project.cidr,
      project: project.name,
      resources: this.directory
        .inNetwork(project.networkId)
        .filter((r) => r.privateIp !== undefined && r.request.accountId === request.accountId)
        .map((r) => ({ type: r.request.kind, id: r.request.resourceId, name: r.request.name, privateIp: r.privateIp! })),
    };
  }
}
