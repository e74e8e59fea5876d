import { describe, expect, it } from '@jest/globals';
import { TCP_DEFAULTS } from '@pn/dns-server';
import { RestartBackoff, workerShare } from './dns-workers.js';

const server = { host: '127.0.0.1', port: 0, ttlSeconds: 5, negativeTtlSeconds: 1, forwarderSecret: null };

describe('workerShare: the TCP limits of one answering worker', () => {
  it('given configured limits, then each of n workers gets 1/n of them, rounded up, so they hold per instance', () => {
    expect(workerShare({ ...server, maxTcpConnectionsPerClient: 16, maxTcpConnections: 1000 }, 2)).toMatchObject({ maxTcpConnectionsPerClient: 8, maxTcpConnections: 500 });
    expect(workerShare({ ...server, maxTcpConnectionsPerClient: 5, maxTcpConnections: 10 }, 3)).toMatchObject({ maxTcpConnectionsPerClient: 2, maxTcpConnections: 4 });
  });

  it('given no limits, then the server defaults are shared out', () => {
    expect(workerShare(server, 8)).toMatchObject({
      maxTcpConnectionsPerClient: TCP_DEFAULTS.maxConnectionsPerClient / 8,
      maxTcpConnections: TCP_DEFAULTS.maxConnections / 8,
    });
  });

  it('given a limit below the worker count, then each worker still admits one', () => {
    expect(workerShare({ ...server, maxTcpConnectionsPerClient: 1 }, 4).maxTcpConnectionsPerClient).toBe(1);
  });
});

describe('RestartBackoff', () => {
  it('given workers that keep exiting soon after their start, then the delay doubles from 0.2 s up to 10 s', () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 9 }, () => backoff.exited(1_000).delayMs);
    expect(delays).toEqual([200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  });

  it('given crashes in a row, then they are counted, and a worker up for over a minute starts over', () => {
    const backoff = new RestartBackoff();
    backoff.exited(1_000);
    expect(backoff.exited(1_000)).toEqual({ delayMs: 400, crashesInRow: 2 });
    expect(backoff.exited(61_000)).toEqual({ delayMs: 200, crashesInRow: 1 });
  });
});
