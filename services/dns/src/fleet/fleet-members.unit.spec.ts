import { describe, expect, it } from '@jest/globals';
import { FleetMembers, PRESUMED_GONE_AFTER_MS, stillWaitingFor } from './fleet-members.js';

describe('FleetMembers', () => {
  it('counts itself and every instance heard from recently', () => {
    const members = new FleetMembers('me');
    members.seen('b', 1000);
    members.seen('c', 1000 - PRESUMED_GONE_AFTER_MS - 1);

    expect(members.live(1000)).toEqual(new Set(['me', 'b']));
  });

  it('stops waiting for an instance whose heartbeats stopped, and takes it back when they resume', () => {
    const members = new FleetMembers('me');
    members.seen('b', 0);

    expect(members.live(PRESUMED_GONE_AFTER_MS + 1)).toEqual(new Set(['me']));
    members.seen('b', 5000);
    expect(members.live(5000)).toEqual(new Set(['me', 'b']));
  });

  it('forgets an instance that said it leaves', () => {
    const members = new FleetMembers('me');
    members.seen('b', 0);
    members.left('b');

    expect(members.live(0)).toEqual(new Set(['me']));
  });
});

describe('stillWaitingFor', () => {
  it('lists the expected instances that have not acknowledged', () => {
    expect(stillWaitingFor(new Set(['a', 'b', 'c']), new Set(['b', 'x']))).toEqual(['a', 'c']);
    expect(stillWaitingFor(new Set(['a']), new Set(['a']))).toEqual([]);
  });
});
