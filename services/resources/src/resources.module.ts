import { Module, type DynamicModule } from '@nestjs/common';
import { BusModule, DATA_PLANE_HEALTH, EventStoreModule, healthController, PlatformConfigModule, type PlatformConfig } from '@pn/service-kit';
import { DataPlaneStatus } from './data-plane/data-plane-status.js';
import { DesiredStatePublisher } from './data-plane/desired-state-publisher.js';
import { ResourceDirectory } from './directory/resource-directory.js';
import { ResourcesByStatusMetric } from './directory/resources-by-status.metric.js';
import { DomainVerifier } from './exposure/domain-verifier.js';
import { ExposureController } from './exposure/exposure.controller.js';
import { IntegrationPublisher } from './integration/integration-publisher.js';
import { ProjectsController } from './projects/projects.controller.js';
import { ProjectsService } from './projects/projects.service.js';
import { ReachabilityController } from './reachability/reachability.controller.js';
import { Provisioner } from './provisioning/provisioner.js';
import { ProvisioningSweeper } from './provisioning/provisioning-sweeper.js';
import { ResourcesController } from './resources/resources.controller.js';
import { TopologyController } from './topology/topology.controller.js';

@Module({})
export class ResourcesModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: ResourcesModule,
      imports: [PlatformConfigModule.forRoot(config), EventStoreModule.forRoot(config, 'resources'), BusModule.forRoot(config, 'resources')],
      controllers: [ResourcesController, ExposureController, TopologyController, ProjectsController, ReachabilityController, healthController('resources')],
      providers: [ProjectsService, DomainVerifier, ResourceDirectory, Provisioner, ProvisioningSweeper, IntegrationPublisher, ResourcesByStatusMetric, DataPlaneStatus, DesiredStatePublisher, { provide: DATA_PLANE_HEALTH, useExisting: DataPlaneStatus }],
    };
  }
}
