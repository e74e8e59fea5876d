// @pn/dataplane-linux: the Linux half of the data plane. A host agent starts
// it, hands it the host's desired state, and reports the statuses it returns.
export * from './desired-state.js';
export { startDataPlane, removeEverything, type DataPlane, type DataPlaneOptions, type DriftHealth } from './data-plane.js';
export type { DnsUpstream } from './resolver.js';
export type { WorkloadKind } from './workloads.js';
export { namesFor, type Names } from './names.js';
export { SEARCH_DOMAINS, SERVICE_PORT } from './layout.js';
export { checkHost, type HostCheck } from './check-host.js';
export { CLOSED_MARK } from './closed-mark.js';
export { onLines, PythonHelper, type PythonHelperOptions } from './python-helper.js';
