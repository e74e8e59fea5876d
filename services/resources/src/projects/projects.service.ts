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
  countsAgainstProjectQuota,
  DEFAULT_CIDR,
  DEFAULT_PROJECT,
  projectDecider,
  projectEventCodec,
  projectStreamId,
  type ProjectCommand,
  type ProjectEvent,
  type ProjectState,
} from '@pn/resources-domain';
import { EVENT_STORE, PLATFORM_CONFIG, Projections, type PlatformConfig } from '@pn/service-kit';
import { newId } from '../ids.js';
import { InFlight } from '../quota/in-flight.js';
import { projectListProjection, rememberProject, type ProjectList } from './project-list.projection.js';

@Injectable()
export class ProjectsService implements OnModuleInit {
  private readonly projects: CommandHandler<ProjectCommand, ProjectEvent, ProjectState>;
  /** Every account's projects by name: the read model behind the project list. */
  private runner: ProjectionRunner<ProjectList> | undefined;
  /** Projects being created on this instance right now, per account: the quota counts them too. */
  private readonly creating = new InFlight();

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    private readonly projections: Projections,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
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
    const command = this.ensureCommand(accountId, name, cidr); // counts the quota before this create joins the ones under way
    const { newEvents, state } = await this.creating.hold(accountId, name, () => this.projects.handle(projectStreamId(accountId, name), command));
    if (newEvents.length === 0) throw new DomainError('project_exists', `project ${name} already exists`, { field: 'name' });
    if (state.status !== 'active') throw new Error(`project ${name} was not created`);
    this.remember(state.project);
    return state.project;
  }

  /** The account's projects in creation order (their ids are ULIDs), as the list pages them. */
  list(accountId: string): ProjectCreated[] {
    return [...(this.byAccount.get(accountId)?.values() ?? [])].sort((a, b) => (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0));
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
    const quota = { limit: this.config.quotaProjects, used: this.countedProjects(accountId) };
    return { type: 'EnsureProject', projectId: newId('prj'), accountId, name, networkId: newId('net'), cidr, now: new Date(), quota };
  }

  /**
   * The account's projects its quota counts: those the read model shows and
   * those being created here. Another instance's create counts once its event
   * has arrived here, milliseconds later: creates racing on two instances in
   * that window can overshoot the quota by as many as raced.
   */
  private countedProjects(accountId: string): number {
    const known = this.byAccount.get(accountId);
    const shown = [...(known?.keys() ?? [])].filter(countsAgainstProjectQuota).length;
    return shown + this.creating.count(accountId, (name) => !countsAgainstProjectQuota(name) || (known?.has(name) ?? false));
  }

  private remember(project: ProjectCreated): void {
    rememberProject(this.byAccount, project);
  }
}
