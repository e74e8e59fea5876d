// The read model behind the project list and project lookups: every
// account's projects by name, a projection of the `project` category.
import { fromJson, toJson } from '@bufbuild/protobuf';
import { ProjectCreatedSchema, type ProjectCreated } from '@pn/contracts';
import { wholeState, type Projection } from '@pn/projection';
import { projectEventCodec } from '@pn/resources-domain';

export type ProjectList = Map<string, Map<string, ProjectCreated>>;

export function rememberProject(list: ProjectList, project: ProjectCreated): ProjectList {
  const projects = list.get(project.accountId) ?? new Map<string, ProjectCreated>();
  projects.set(project.name, project);
  list.set(project.accountId, projects);
  return list;
}

export const projectListProjection: Projection<ProjectList> = {
  name: 'resources.projects.v1',
  category: 'project',
  initialState: () => new Map(),
  evolve: (list, recorded) => {
    const event = projectEventCodec.decode(recorded);
    return event ? rememberProject(list, event.data) : list;
  },
  checkpoint: wholeState(
    (list) => [...list.values()].flatMap((projects) => [...projects.values()].map((p) => toJson(ProjectCreatedSchema, p))),
    (json) => (json as unknown[]).reduce<ProjectList>((list, p) => rememberProject(list, fromJson(ProjectCreatedSchema, p as never)), new Map()),
  ),
};
