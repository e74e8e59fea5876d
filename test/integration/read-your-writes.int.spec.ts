// Two resources instances: a resource created through one is found at once
// through the other, whose directory has not seen it yet. GET, reachability
// and DELETE then read the resource's own stream rather than answer 404 (or
// 500). The second instance's directory is held paused for the test: that is
// the race (its subscription not having delivered the creation yet) made wide
// enough to hit every time, not a different path.
import { describe, expect, it } from '@jest/globals';
import type { INestMicroservice } from '@nestjs/common';
import type { ProjectionRunner } from '@pn/projection';
import { ResourceDirectory } from '../../services/resources/src/directory/resource-directory.js';
import { startResources } from '../../services/resources/src/start.js';
import { usePlatform } from '../support/platform.js';

const ctx = usePlatform('read-your-writes suite');
const api: typeof ctx.api = (...args) => ctx.api(...args);

/** Requests reach either instance (one queue group): a dozen resources make each path land on the lagging one many times over. */
const RESOURCES = 12;

describe('read your writes across resources instances', () => {
  it('finds a resource created through one instance through the other, which has not seen it yet', async () => {
    const key = await ctx.newKey('ryw');
    const lagging: INestMicroservice = await startResources(ctx.platform.configAs('resources'));
    ctx.beforeStop(() => lagging.close());
    const runner = (lagging.get(ResourceDirectory) as unknown as { runner: ProjectionRunner<unknown> }).runner;
    await runner.pause();

    const created = await Promise.all([...Array(RESOURCES).keys()].map((i) => api('POST', '/v1/hosting/vms', { key, body: { name: `vm${i}` } })));
    expect(created.map((c) => c.status)).toEqual(Array(RESOURCES).fill(201));
    const ids: string[] = created.map((c) => c.body.id);

    const [got, reached] = await Promise.all([
      Promise.all(ids.map((id) => api('GET', `/v1/hosting/vms/${id}`, { key }))),
      Promise.all(ids.map((id, i) => api('POST', '/v1/hosting/network/reachability', { key, body: { source: id, destination: ids[(i + 1) % RESOURCES], port: 22 } }))),
    ]);
    const deleted = await Promise.all(ids.map((id) => api('DELETE', `/v1/hosting/vms/${id}`, { key })));
    // All three at once, so a failure shows every path that still reads only the directory.
    expect({
      got: got.map((g) => g.status),
      reached: reached.map((r) => [r.status, r.body.reachable]),
      deleted: deleted.map((d) => d.status),
    }).toEqual({ got: ids.map(() => 200), reached: ids.map(() => [200, true]), deleted: ids.map(() => 204) });
    expect(got.map((g) => g.body.id)).toEqual(ids);
    // The negative beside them: an id nobody made is still not found, through either instance.
    const unknown = await Promise.all([1, 2, 3, 4].map(() => api('GET', `/v1/hosting/vms/vm_${'0'.repeat(26)}`, { key })));
    expect(unknown.map((u) => u.status)).toEqual([404, 404, 404, 404]);
    await runner.resume();
  });
});
