import { describe, expect, it } from '@jest/globals';
import { flowsHostSubject, publisherHostOf } from './bus-names.js';

describe("a host's flows subject", () => {
  it('names the host that published on it', () => {
    expect(publisherHostOf('telemetry.flows', flowsHostSubject('telemetry.flows', 'h-1_a'))).toBe('h-1_a');
  });

  it('names no host on the operator subjects, deeper subjects, or tokens that are no host id', () => {
    for (const subject of ['telemetry.flows', 'telemetry.flows.vpc-v2', 'telemetry.flows.host.', 'telemetry.flows.host.h1.x', 'telemetry.flows.host.*', 'telemetry.flows.host.>', `telemetry.flows.host.${'h'.repeat(65)}`, 'other.flows.host.h1']) {
      expect([subject, publisherHostOf('telemetry.flows', subject)]).toEqual([subject, undefined]);
    }
  });
});
