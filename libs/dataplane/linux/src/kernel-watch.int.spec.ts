// The kernel watch on namespaces this test makes (prefix pn-t<hex>): each kind
// of change the plane repairs makes a namespace changed, a quiet one stays
// quiet, a namespace made again is watched anew, a released one can go, and
// a helper that dies leaves nothing trusted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { KernelWatch } from './kernel-watch.js';
import { run, runIn } from './run.js';
import { sleep, testPrefix, within } from './testing/packets.js';

describe('kernel watch', () => {
  const prefix = testPrefix();
  const [a, b, other] = [`${prefix}-a`, `${prefix}-b`, `${prefix}-o`];
  const watch = new KernelWatch();
  /** Watched, then read: quiet until it changes. */
  const readNow = async (ns: string) => {
    await within(2000, async () => (watch.reading(ns), watch.unchanged(ns)));
  };

  beforeAll(async () => {
    for (const ns of [a, b, other]) await run('ip', ['netns', 'add', ns]);
    await run('ip', ['-n', a, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', b]);
    await watch.track([
      { name: a, tables: true },
      { name: b, tables: false },
      { name: other, tables: true },
    ]);
  });

  afterAll(async () => {
    watch.close();
    for (const ns of [a, b, other]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  });

  it('finds a namespace changed by a link, an address, a route or an nft change, and leaves a quiet one quiet', async () => {
    const changes: Array<[string, string[]]> = [
      ['link up', ['ip', 'link', 'set', 'v0', 'up']],
      ['address', ['ip', 'addr', 'add', '10.9.0.1/24', 'dev', 'v0']],
      ['route', ['ip', 'route', 'add', '10.8.0.0/16', 'via', '10.9.0.2']],
      ['nft table', ['nft', 'add', 'table', 'inet', 'pnt']],
      ['nft chain', ['nft', 'add', 'chain', 'inet', 'pnt', 'c']],
      ['route removed', ['ip', 'route', 'del', '10.8.0.0/16']],
    ];
    for (const [what, command] of changes) {
      await readNow(a);
      await readNow(other);
      await runIn(a, command);
      await within(2000, async () => !watch.unchanged(a)).catch(() => {
        throw new Error(`${what} went unseen`);
      });
      expect([what, watch.unchanged(other)]).toEqual([what, true]);
    }
  });

  it('sees a change made from another namespace (a veth peer deleted from the far side)', async () => {
    await readNow(a);
    await readNow(b);
    await runIn(b, ['ip', 'link', 'del', 'v1']);
    await within(2000, async () => !watch.unchanged(a) && !watch.unchanged(b));
  });

  it('watches a namespace made again under the same name anew, and lets a released one go', async () => {
    await readNow(b);
    // Held: deleted by name, the namespace lives on in the helper's socket, its veth peer still in `a`.
    await run('ip', ['-n', a, 'link', 'add', 'v2', 'type', 'veth', 'peer', 'name', 'v3', 'netns', b]);
    await run('ip', ['netns', 'del', b]);
    await sleep(300);
    expect(await runIn(a, ['ip', '-o', 'link'])).toContain('v2@');
    // The next listing no longer holds it: released, it goes, and its peer with it.
    await watch.track([{ name: a, tables: true }, { name: other, tables: true }]);
    await within(2000, async () => !(await runIn(a, ['ip', '-o', 'link'])).includes('v2@'));
    // Made again: the old instance's quiet does not carry over, and the new one is watched.
    await run('ip', ['netns', 'add', b]);
    await watch.track([{ name: a, tables: true }, { name: b, tables: false }, { name: other, tables: true }]);
    expect(watch.unchanged(b)).toBe(false);
    await readNow(b);
    await runIn(b, ['ip', 'link', 'set', 'lo', 'up']);
    await within(2000, async () => !watch.unchanged(b));
    // Released by the plane before it deletes: gone at once (positive control of the hold above).
    await run('ip', ['-n', a, 'link', 'add', 'v4', 'type', 'veth', 'peer', 'name', 'v5', 'netns', b]);
    await watch.release(b);
    await run('ip', ['netns', 'del', b]);
    await within(2000, async () => !(await runIn(a, ['ip', '-o', 'link'])).includes('v4@'));
  });

  it('takes a namespace the plane just made as applied (adopt): quiet without a reading, and a change after is seen', async () => {
    const made = `${prefix}-m`;
    const listed = `${prefix}-l`;
    try {
      for (const ns of [made, listed]) {
        await run('ip', ['netns', 'add', ns]);
        await runIn(ns, ['ip', 'link', 'set', 'lo', 'up']);
      }
      await watch.adopt([{ name: made, tables: false }]);
      await watch.track([{ name: a, tables: true }, { name: other, tables: true }, { name: made, tables: false }, { name: listed, tables: false }]);
      await within(2000, async () => watch.unchanged(made));
      // One only listed is watched too, and not trusted before a reading (positive control).
      await sleep(200);
      expect(watch.unchanged(listed)).toBe(false);
      await readNow(listed);
      await runIn(made, ['ip', 'link', 'set', 'lo', 'down']);
      await within(2000, async () => !watch.unchanged(made));
    } finally {
      for (const ns of [made, listed]) {
        await watch.release(ns);
        await run('ip', ['netns', 'del', ns]).catch(() => undefined);
      }
    }
  });

  it('trusts nothing once its helper dies, and watches everything again after its restart', async () => {
    await readNow(a);
    await readNow(other);
    process.kill(helperPid(), 'SIGKILL');
    await within(2000, async () => !watch.unchanged(a) && !watch.unchanged(other));
    // Watched again by the new helper: a reading makes them quiet, a change is seen.
    await readNow(a);
    await readNow(other);
    await runIn(other, ['nft', 'add', 'table', 'inet', 'pnt']);
    await within(2000, async () => !watch.unchanged(other));
    expect(watch.unchanged(a)).toBe(true);
    expect(watch.stats.restarts).toBe(1);
  });
});

/** This process's kernel-watch helper (Python, its script names the nftables group). */
function helperPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('NFNLGRP_NFTABLES')) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error('no kernel-watch helper among this process’s children');
}
