import { describe, expect, it } from '@jest/globals';
import { checkPublisherHost } from './publisher-host.js';

const flow = (flowId: string | undefined, networkId = 'net_1') => ({ flowId, networkId });

describe("a host's flow records", () => {
  it('are believed for a network placed on the host that published them, under its flow ids', () => {
    expect(checkPublisherHost(flow('h1:abc:1:o'), 'h1', 'h1')).toEqual({ ok: true });
  });

  it('are not believed for a network placed on another host', () => {
    expect(checkPublisherHost(flow('h1:abc:1:o'), 'h1', 'h2')).toEqual({ ok: false, wait: false, reason: 'its network is placed on host h2, not on host h1, which published it' });
  });

  it("are not believed under another host's flow id (which would take the rightful record's place)", () => {
    expect(checkPublisherHost(flow('h2:abc:1:o'), 'h1', 'h1')).toMatchObject({ ok: false, wait: false });
    expect(checkPublisherHost(flow('h1x:abc:1:o'), 'h1', 'h1')).toMatchObject({ ok: false, wait: false });
    expect(checkPublisherHost(flow(undefined), 'h1', 'h1')).toMatchObject({ ok: false, wait: false });
  });

  it('wait while the network is not known to be placed anywhere', () => {
    expect(checkPublisherHost(flow('h1:abc:1:o'), 'h1', undefined)).toEqual({ ok: false, wait: true });
  });
});
