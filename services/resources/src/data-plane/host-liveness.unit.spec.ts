import { describe, expect, it } from '@jest/globals';
import { create } from '@bufbuild/protobuf';
import { HostHeartbeatSchema } from '@pn/contracts';
import { hostAlive } from './host-liveness.js';

const beat = (everyMs: number) => create(HostHeartbeatSchema, { hostId: 'h1', everyMs });

describe('host liveness', () => {
  it('keeps a host through two missed heartbeats and drops it after the third', () => {
    expect(hostAlive({ heartbeat: beat(1000), seenAt: 0 }, 2999)).toBe(true);
    expect(hostAlive({ heartbeat: beat(1000), seenAt: 0 }, 3001)).toBe(false);
  });

  it('gives at least two seconds to an agent claiming a tiny period, and at most a minute to one claiming a huge one', () => {
    expect(hostAlive({ heartbeat: beat(1), seenAt: 0 }, 1999)).toBe(true);
    expect(hostAlive({ heartbeat: beat(1), seenAt: 0 }, 2001)).toBe(false);
    expect(hostAlive({ heartbeat: beat(3_600_000), seenAt: 0 }, 60_001)).toBe(false);
  });
});
