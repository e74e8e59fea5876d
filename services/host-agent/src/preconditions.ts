// Whether this host can run the data plane (root, and the tools it drives;
// PostgreSQL and Redis when workloads are on), said as a reason so `npm
// start` and the agent tell the user why there is no data plane rather than
// fail halfway. The check itself is the data plane's (checkHost).
import { checkHost } from '@pn/dataplane-linux';

export async function dataPlaneBlocker(options: { workloads?: boolean } = { workloads: true }): Promise<string | undefined> {
  if (process.platform !== 'linux') return `the data plane runs on Linux, this is ${process.platform}`;
  const check = await checkHost(options);
  return check.ok ? undefined : check.reason;
}
