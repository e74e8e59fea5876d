// resources.project.ensure: the project (and its network), created if missing.
import { Controller } from '@nestjs/common';
import { routes, type EnsureProjectRequest } from '@pn/contracts';
import { DomainError } from '@pn/decider';
import { dnsLabelProblem } from '@pn/contracts';
import { DEFAULT_PROJECT } from '@pn/resources-domain';
import { Rpc } from '@pn/service-kit';
import { ProjectsService } from './projects.service.js';

@Controller()
export class EnsureProjectController {
  constructor(private readonly projects: ProjectsService) {}

  @Rpc(routes.ensureProject)
  async ensure(request: EnsureProjectRequest) {
    const name = request.name || DEFAULT_PROJECT;
    const problem = dnsLabelProblem(name);
    if (problem) throw new DomainError('invalid_name', `project ${problem}`, { field: 'project' });
    const project = await this.projects.ensure(request.accountId, name);
    return { id: project.projectId, name: project.name, networkId: project.networkId, cidr: project.cidr };
  }
}
