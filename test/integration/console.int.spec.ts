// The console as a new user meets it: headless Chromium (Debian's, driven by
// playwright-core; never a downloaded browser) signs in with an API key, sees
// the network drawn, and sees a VM appear in the drawing within a second of
// its creation, from the live events alone. The screenshot is kept in
// test-output/console.png.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { usePlatform } from '../support/platform.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(import.meta.dirname, '..', '..', 'test-output');
const ctx = usePlatform('console');
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (.ci/run installs Debian's chromium)`;
if (missing) console.log(`console: skipped — ${missing}`);

describe('console', () => {
  (missing ? it.skip : it)('signs in, draws the network, and shows a new VM within a second of its creation', async () => {
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'pn-console-'));
    // A fresh profile (--user-data-dir), which playwright takes as the persistent context's directory.
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    try {
      const key = await ctx.newKey('console-user');
      expect((await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'first-vm' } })).status).toBe(201);
      const page = await browser.newPage();
      await page.goto(`${ctx.platform.url}/console/`);
      await page.fill('#api-key', key);
      await page.click('#sign-in button');
      await page.waitForSelector('#network .node[data-name="first-vm"]');
      await page.waitForSelector('#live:not([hidden])');

      const created = Date.now();
      const answer = ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'second-vm' } });
      await page.waitForSelector('#network .node[data-name="second-vm"]', { timeout: 1_000 });
      expect(Date.now() - created).toBeLessThan(1_000);
      expect((await answer).status).toBe(201);
      // Running, with its private address, once the create has answered.
      await page.waitForSelector('#network .node[data-name="second-vm"] >> text=/^10\\./', { timeout: 2_000 });

      await page.click('#network .node[data-name="second-vm"]');
      await page.waitForSelector('#details ol li');
      expect(await page.textContent('#details')).toContain('ResourceRequested');
      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: join(OUTPUT, 'console.png'), fullPage: true });
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 60_000);
});
