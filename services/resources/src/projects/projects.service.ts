// Projects and their networks (the Superjolt model). The `default` project is
// created on first use, which gives every account the MoltbotDen model (one
// flat network) with no setup; any other project must be created first.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CommandHandler } from '@pn/command-handler';
import type { ProjectCreated } from '@pn/contracts';
import { DomainError } from '@pn/decider';
import type { EventStore } from '@pn/event-store';
import type { ProjectionRunner } from '@pn/projection';
import {
  DEFAULT_CIDR,
  DEFAULT_PROJECT,
  projectDecider,
  projectEventCodec,
  projectStreamId,
  type ProjectCommand,
  type ProjectEvent,
  type ProjectState,
} from '@pn/resources-domain';
import { EVENT_STORE, Projections } from '@pn/service-kit';
import { newId } from '../ids.js';
import { projectListProjection, rememberProject, type ProjectList } from './project-list.projection.js';

@Injectable()
export class ProjectsService implements OnModuleInit {
  private readonly projects: CommandHandler<ProjectCommand, ProjectEvent, ProjectState>;
  /** Every account's projects by name: the read model behind the project list. */
  private runner: ProjectionRunner<ProjectList> | undefined;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly projections: Projections,
  ) {
    this.projects = new CommandHandler(store, projectDecider, projectEventCodec, { cacheState: true });
  }

  async onModuleInit(): Promise<void> {
    this.runner = await this.projections.run(projectListProjection);
  }

  private get byAccount(): ProjectList {
    return this.runner?.state ?? new Map();
  }

  /** The named project (the default one is made when missing); 404 for an unknown name. */
  async resolve(accountId: string, name: string): Promise<ProjectCreated> {
    if (!name || name === DEFAULT_PROJECT) return this.ensure(accountId, DEFAULT_PROJECT, DEFAULT_CIDR);
    const known = this.byAccount.get(accountId)?.get(name);
    if (known) return known;
    // Another instance may have created it a moment ago: ask the store.
    const { state } = await this.projects.load(projectStreamId(accountId, name));
    if (state.status !== 'active') throw new DomainError('not_found', `project ${name} not found`, { field: 'project' });
    return state.project;
  }

  async create(accountId: string, name: string, cidr: string): Promise<ProjectCreated> {
    const { newEvents, state } = await this.projects.handle(projectStreamId(accountId, name), this.ensureCommand(accountId, name, cidr));
    if (newEvents.length === 0) throw new DomainError('project_exists', `project ${name} already exists`, { field: 'name' });
    if (state.status !== 'active') throw new Error(`project ${name} was not created`);
    this.remember(state.project);
    return state.project;
  }

  list(accountId: string): ProjectCreated[] {
    return [...(this.byAccount.get(accountId)?.values() ?? [])].sort((a, b) => a.projectId.localeCompare(b.projectId));
  }

  private async ensure(accountId: string, name: string, cidr: string): Promise<ProjectCreated> {
    const known = this.byAccount.get(accountId)?.get(name);
    if (known) return known;
    const { state } = await this.projects.handle(projectStreamId(accountId, name), this.ensureCommand(accountId, name, cidr));
    if (state.status !== 'active') throw new Error(`project ${name} of ${accountId} was not created`);
    this.remember(state.project);
    return state.project;
  }

  private ensureCommand(accountId: string, name: string, cidr: string): ProjectCommand {
    return { type: 'EnsureProject', projectId: newId('prj'), accountId, name, networkId: newId('net'), cidr, now: new Date() };
  }

  private remember(project: ProjectCreated): void {
    rememberProject(this.byAccount, project);
  }
}
