// A worker acknowledges only changes its copy applied: "every worker answers
// it" (caughtUp) must not count one whose copy is missing the change.
import { describe, expect, it } from '@jest/globals';
import type { ZoneEvent } from '@pn/dns-domain';
import { zoneViewProjection, type ZoneView } from '../zone/zone-view.projection.js';
import { WorkerCopy } from './worker-copy.js';

const change = (seq: number, revision: number, events: readonly ZoneEvent[] = []) => ({ t: 'apply' as const, seq, streamId: 'zone-net_1', events, revision });
/** Any event: the failing copy below refuses whatever it is given. */
const someEvent = {} as ZoneEvent;

/** A copy whose index refuses every event (a copy that went wrong, or a fault only a worker has). */
function failingOnApply(): ZoneView {
  const view = zoneViewProjection.initialState();
  view.index.apply = () => {
    throw new Error('cannot apply');
  };
  return view;
}

describe('a worker copy of the zone view', () => {
  it('acknowledges a change it applied (the positive control)', () => {
    const copy = new WorkerCopy(zoneViewProjection.initialState());
    expect(copy.apply(change(1, 0))).toEqual({ t: 'ack', seq: 1 });
    expect(copy.failed).toBe(false);
  });

  it('reports a change it failed to apply instead of acknowledging it, and acknowledges nothing after it (an ack covers every change below)', () => {
    const copy = new WorkerCopy(failingOnApply());
    expect(copy.apply(change(1, 1))).toEqual({ t: 'ack', seq: 1 });
    expect(copy.apply(change(2, 2, [someEvent]))).toMatchObject({ t: 'apply-failed', seq: 2, message: expect.stringContaining('cannot apply') });
    expect(copy.apply(change(3, 3))).toBeUndefined(); // reported once; not acknowledged
    expect(copy.failed).toBe(true);
  });
});
