import { Module, type DynamicModule } from '@nestjs/common';
import { BusModule, EventStoreModule, healthController, PlatformConfigModule, type PlatformConfig } from '@pn/service-kit';
import { ResourceDirectory } from './directory/resource-directory.js';
import { EnsureProjectController } from './projects/ensure-project.controller.js';
import { ProjectsService } from './projects/projects.service.js';
import { Provisioner } from './provisioning/provisioner.js';
import { TopologyController } from './topology/topology.controller.js';
import { VmsController } from './vms/vms.controller.js';

@Module({})
export class ResourcesModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: ResourcesModule,
      imports: [PlatformConfigModule.forRoot(config), EventStoreModule.forRoot(config), BusModule.forRoot(config, 'resources')],
      controllers: [VmsController, TopologyController, EnsureProjectController, healthController('resources')],
      providers: [ProjectsService, ResourceDirectory, Provisioner],
    };
  }
}
