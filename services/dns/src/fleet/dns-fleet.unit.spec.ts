import { describe, expect, it } from '@jest/globals';
import type { NatsConnection } from '@nats-io/transport-node';
import type { PlatformConfig } from '@pn/service-kit';
import type { ZoneProjection } from '../zone/zone.projection.js';
import { GarbageBin } from '@pn/event-store';
import { DnsFleet } from './dns-fleet.js';

describe('DnsFleet before it takes part on the bus (not bootstrapped yet)', () => {
  it('given no fleet to ask, when a change is announced, then it still waits for this instance', async () => {
    const asked: Array<[string, number, number]> = [];
    let applied!: (ok: boolean) => void;
    const projection = {
      waitForRevision: (streamId: string, revision: number, timeoutMs: number) => {
        asked.push([streamId, revision, timeoutMs]);
        return new Promise<boolean>((resolve) => (applied = resolve));
      },
    } as unknown as ZoneProjection;
    const fleet = new DnsFleet(projection, { eventStream: 'test', projectionMaxLagMs: 2000 } as PlatformConfig, new GarbageBin(), {} as NatsConnection);

    let done = false;
    const waiting = fleet.everyInstanceApplied('zone-net_a', 3).then((wait) => ((done = true), wait));
    await new Promise((r) => setTimeout(r, 10));
    expect(asked).toEqual([['zone-net_a', 3, 2000]]);
    expect(done).toBe(false);
    applied(false);
    expect((await waiting).unconfirmed).toEqual([fleet.instanceId]);
  });
});
