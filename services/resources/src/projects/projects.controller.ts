// resources.project.ensure (the default or an existing project), .create and .list.
import { Controller } from '@nestjs/common';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { routes, type EnsureProjectRequest, type ListProjectsRequest, type ProjectCreated, type ProjectSchema } from '@pn/contracts';
import { DEFAULT_CIDR } from '@pn/resources-domain';
import { Rpc } from '@pn/service-kit';
import { idCursor } from '../paging/cursors.js';
import { DEFAULT_PAGE, pageAfter, pageSize } from '../paging/page.js';
import { ProjectsService } from './projects.service.js';

const view = (p: ProjectCreated): MessageInitShape<typeof ProjectSchema> => ({
  id: p.projectId,
  name: p.name,
  networkId: p.networkId,
  cidr: p.cidr,
  createdAt: p.createdAt ? timestampDate(p.createdAt).toISOString() : '',
});

@Controller()
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Rpc(routes.ensureProject)
  async ensure(request: EnsureProjectRequest) {
    return view(await this.projects.resolve(request.accountId, request.name));
  }

  @Rpc(routes.createProject)
  async create(request: EnsureProjectRequest) {
    return view(await this.projects.create(request.accountId, request.name, request.cidr || DEFAULT_CIDR));
  }

  /** One page of the account's projects, oldest first. */
  @Rpc(routes.listProjects)
  list(request: ListProjectsRequest) {
    const after = idCursor.decode(request.cursor, 'prj');
    const { items, more } = pageAfter(this.projects.list(request.accountId), (p) => p.projectId, after, pageSize(request.limit, DEFAULT_PAGE));
    return { items: items.map(view), nextCursor: more ? idCursor.encode(items.at(-1)!.projectId) : '' };
  }
}
