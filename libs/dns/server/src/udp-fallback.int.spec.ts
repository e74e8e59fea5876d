// Where the batched-UDP addon cannot load, the server serves UDP on dgram and
// says why; asked for the addon explicitly, it refuses to start. Runs the
// built package (dist/) in a child whose loader hides the addon.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const dist = join(import.meta.dirname, '..', 'dist', 'index.js');
const hide = join(import.meta.dirname, 'testing', 'without-addon.cjs');

function withoutAddon(udp: 'auto' | 'batched'): { serving?: { mode: string; reason: string }; answered?: string[]; error?: string } {
  const script = `
    import { DnsServer, queryDns } from ${JSON.stringify(dist)};
    const server = new DnsServer({ port: 0, udp: ${JSON.stringify(udp)}, lookup: () => ({ kind: 'answer', zone: 'internal', records: [{ type: 'A', address: '10.0.0.9' }] }) });
    try {
      const { udpPort } = await server.start();
      const p = await queryDns({ host: '127.0.0.1', port: udpPort, name: 'web.internal', networkId: 'net_a', transport: 'udp', timeoutMs: 2000 });
      process.stdout.write(JSON.stringify({ serving: server.udpServing, answered: p.answers.map((a) => a.data) }));
    } catch (error) {
      process.stdout.write(JSON.stringify({ error: error.message }));
    }
    await server.stop();`;
  const run = spawnSync(process.execPath, ['-r', hide, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return JSON.parse(run.stdout);
}

describe('UDP without the batched addon', () => {
  it('falls back to dgram, says why, and answers', () => {
    const result = withoutAddon('auto');

    expect(result.serving).toEqual({ mode: 'dgram', reason: expect.stringContaining('batch-udp addon not loaded') });
    expect(result.answered).toEqual(['10.0.0.9']);
  });

  it('refuses to start when the addon was asked for', () => {
    expect(withoutAddon('batched').error).toContain('batch-udp addon not loaded');
  });
});
