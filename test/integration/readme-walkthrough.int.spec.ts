// The README's walkthrough, run as a newcomer would: its bash blocks ("Try
// it", the public side, reachability) taken from the README itself and run
// top to bottom, against a platform, with only the addresses changed (this
// suite's gateway and DNS ports, its admin token). Every call must work as
// written: no error answer anywhere, and the answers the README shows.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { usePlatform } from '../support/platform.js';

const root = join(import.meta.dirname, '..', '..');
const ctx = usePlatform('readme walkthrough');
const missing = ['/usr/bin/dig', '/usr/bin/curl'].find((tool) => !existsSync(tool));
if (missing) console.log(`readme walkthrough: skipped — ${missing} is not installed (.ci/run installs dnsutils)`);

/** The first ```bash block after `heading`. */
function bashBlock(readme: string, heading: string): string {
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`the README has no heading "${heading}"`);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`no bash block under "${heading}"`);
  return block[1]!;
}

describe('the README walkthrough', () => {
  (missing ? it.skip : it)('runs top to bottom as written', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const script = [bashBlock(readme, '## Try it'), bashBlock(readme, "### The public side (Superjolt's worked example, continued)"), bashBlock(readme, '### Can A reach B? (reachability)')]
      .join('\n')
      .replaceAll('http://127.0.0.1:8080', ctx.platform.url)
      .replaceAll('dig @127.0.0.1 -p 5353', `dig @127.0.0.1 -p ${ctx.platform.dnsPort}`)
      .replaceAll('$(cat .run/admin-token)', `'${ctx.platform.adminToken}'`)
      .replaceAll('node scripts/', `node ${join(root, 'scripts')}/`);
    const cwd = mkdtempSync(join(tmpdir(), 'pn-walkthrough-'));
    try {
      const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd, timeout: 120_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).not.toContain('"error":');
      for (const shown of [
        '"api_key":"pk_',
        '"name":"agent-worker-1","status":"running"',
        '"private_ip":"10.0.1.1"',
        '"private_cidr":"10.0.0.0/16"',
        'agent-worker-1.vm.internal.',
        'ns.internal. hostmaster.internal.',
        'status: REFUSED',
        '"public_ports":[{"port":3000,"protocol":"http"}]',
        '{"port":8443,"protocol":"tcp"}',
        '"status":"pending"',
        '"public_access":true',
        '"reachable":true,"path":"private"',
        '"code":"UNKNOWN_DESTINATION"',
      ]) {
        expect([shown, stdout.includes(shown)]).toEqual([shown, true]);
      }
      // dig +short answers the VM's address (unquoted, unlike the JSON), bare name and all.
      expect(stdout.match(/(?<!")10\.0\.1\.1(?!")/g)?.length).toBeGreaterThanOrEqual(2);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 150_000);
});
