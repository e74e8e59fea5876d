// The console as a new user meets it: headless Chromium (Debian's, driven by
// playwright-core; never a downloaded browser) signs in with an API key, sees
// the network drawn, and sees a VM appear in the drawing within a second of
// its creation, from the live events alone. The screenshot is kept in
// test-output/console.png.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { usePlatform } from '../support/platform.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(import.meta.dirname, '..', '..', 'test-output');
const ctx = usePlatform('console');
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (.ci/run installs Debian's chromium)`;
if (missing) console.log(`console: skipped — ${missing}`);

/** A browser on a fresh profile, closed (and its profile removed) after `use`. */
async function withBrowser(use: (browser: import('playwright-core').BrowserContext) => Promise<void>): Promise<void> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'pn-console-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  try {
    await use(browser);
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

describe('console', () => {
  (missing ? it.skip : it)('shows the egress of the project it has selected, naming the project and the month, and follows the selection', async () => {
    const key = await ctx.newKey('console-egress');
    // Two projects, default the older: the console opens it first.
    expect((await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'quiet' } })).status).toBe(201);
    expect((await ctx.api('POST', '/v1/hosting/projects', { key, body: { name: 'shop' } })).status).toBe(201);
    const vm = (await ctx.api('POST', '/v1/hosting/vms', { key, body: { name: 'api', project: 'shop' } })).body;
    const net = (await ctx.api('GET', '/v1/hosting/network/topology?project=shop', { key })).body.network_id;
    // 7 MB from shop's VM to the internet, reported as the data plane would.
    const t = Math.floor(Date.now() / 1000);
    const nc = await connect(ctx.nats.connectOptions('operator'));
    try {
      const flow = { flow_id: 'console-1', network_id: net, src_ip: vm.private_ip, src_port: 40000, dst_ip: '192.0.2.10', dst_port: 443, protocol: 6, bytes: 7_000_000, packets: 5834, start: t, end: t + 1 };
      await jetstream(nc).publish(ctx.platform.config.flowsSubjectPrefix, JSON.stringify([flow]));
    } finally {
      await nc.close();
    }
    const period = new Date().toISOString().slice(0, 7);
    for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      const usage = await ctx.api('GET', `/v1/hosting/billing/usage?period=${period}&project=shop`, { key });
      if (usage.body?.totals?.egress_bytes === 7_000_000 || usage.body?.totals?.egress_bytes === '7000000') break;
    }
    const month = new Date(`${period}-01T00:00:00Z`).toLocaleString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' });

    await withBrowser(async (browser) => {
      const page = await browser.newPage();
      await page.goto(`${ctx.platform.url}/console/`);
      await page.fill('#api-key', key);
      await page.click('#sign-in button');
      // The default project is selected first: shop's egress is not its own.
      const titled = (project: string) => page.locator('#egress-title', { hasText: `Egress of project ${project}, ${month} (UTC days)` }).waitFor();
      await titled('default');
      await page.waitForSelector('#egress >> text=No egress recorded this month.');
      await page.click('#projects li >> text=shop');
      await titled('shop');
      await page.waitForSelector('#egress >> text=Total: 7.0 MB');
      expect(await page.locator('#egress svg rect.bar').count()).toBeGreaterThanOrEqual(28);
      // And back: the chart follows the selection.
      await page.click('#projects li >> text=default');
      await page.waitForSelector('#egress >> text=No egress recorded this month.');
    });
  }, 60_000);

  (missing ? it.skip : it)('signs in, draws the network, and shows a new VM within a second of its creation', async () => {
    await withBrowser(async (browser) => {
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
    });
  }, 60_000);
});
