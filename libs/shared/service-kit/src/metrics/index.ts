export { Metrics, secondsSince } from './metrics.js';
export { MetricsModule } from './metrics.module.js';
export { DEFAULT_METRICS_PORTS, MetricsServer } from './metrics-server.js';
