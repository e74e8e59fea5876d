// resources.topology.get: a project's network and, a page at a time, every
// resource in it that has an address, oldest first.
import { Controller } from '@nestjs/common';
import { routes, type GetTopologyRequest } from '@pn/contracts';
import { Rpc } from '@pn/service-kit';
import { creationKey, ResourceDirectory } from '../directory/resource-directory.js';
import { idCursor } from '../paging/cursors.js';
import { DEFAULT_PAGE, pageAfter, pageSize } from '../paging/page.js';
import { ProjectsService } from '../projects/projects.service.js';

@Controller()
export class TopologyController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly directory: ResourceDirectory,
  ) {}

  @Rpc(routes.getTopology)
  async topology(request: GetTopologyRequest) {
    const after = idCursor.decode(request.cursor);
    const project = await this.projects.resolve(request.accountId, request.project);
    const addressed = this.directory
      .inNetwork(project.networkId)
      .filter((r) => r.privateIp !== undefined && r.request.accountId === request.accountId);
    const { items, more } = pageAfter(addressed, (r) => creationKey(r.request.resourceId), after && creationKey(after), pageSize(request.limit, DEFAULT_PAGE));
    return {
      networkId: project.networkId,
      privateCidr: project.cidr,
      project: project.name,
      resources: items.map((r) => ({ type: r.request.kind, id: r.request.resourceId, name: r.request.name, privateIp: r.privateIp! })),
      nextCursor: more ? idCursor.encode(items.at(-1)!.request.resourceId) : '',
    };
  }
}
