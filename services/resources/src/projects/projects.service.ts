// Projects and their networks. A project is found by (account, name); the
// `default` project is created on first use, which gives every account the
// MoltbotDen model (one flat network) with no setup.
import { Inject, Injectable } from '@nestjs/common';
import { CommandHandler } from '@pn/command-handler';
import type { ProjectCreated } from '@pn/contracts';
import type { EventStore } from '@pn/event-store';
import {
  DEFAULT_CIDR,
  projectDecider,
  projectEventCodec,
  projectStreamId,
  type ProjectCommand,
  type ProjectEvent,
  type ProjectState,
} from '@pn/resources-domain';
import { EVENT_STORE } from '@pn/service-kit';
import { newId } from '../ids.js';

@Injectable()
export class ProjectsService {
  private readonly projects: CommandHandler<ProjectCommand, ProjectEvent, ProjectState>;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.projects = new CommandHandler(store, projectDecider, projectEventCodec, { cacheState: true });
  }

  async ensure(accountId: string, name: string): Promise<ProjectCreated> {
    const { state } = await this.projects.handle(projectStreamId(accountId, name), {
      type: 'EnsureProject',
      projectId: newId('prj'),
      accountId,
      name,
      networkId: newId('net'),
      cidr: DEFAULT_CIDR,
      now: new Date(),
    });
    if (state.status !== 'active') throw new Error(`project ${name} of ${accountId} was not created`);
    return state.project;
  }
}
