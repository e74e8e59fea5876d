// Helpers shared by integration tests: servers to run against, unique ids.
export { startNats, NATS_TEST_IMAGE, type StartedNats } from './nats.js';
export { freePort, startRestartableNats, type RestartableNats } from './restartable-nats.js';
export { findEventStoreDb, type FoundEventStoreDb, type StartedEventStoreDb } from './eventstoredb.js';
export { uniqueId } from './unique-id.js';
export { OTHER_HOST, roleConnectOptions, startSecuredNats, startSecuredRestartableNats, type SecuredNats, type SecuredRestartableNats } from './secured-nats.js';
export { startNatsCluster, type ClusterNode, type NatsCluster, type NatsClusterOptions } from './nats-cluster.js';
