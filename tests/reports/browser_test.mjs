// Opens an lrbench report in headless chromium and fails on:
//   * any console error or uncaught page error,
//   * any request that is not file:// or data: (the page must work offline),
//   * a figure without a chart, or a chart canvas with no drawn pixel.
// Saves a screenshot of the top of the page and one of the first chart.
//
//   node tests/reports/browser_test.mjs REPORT/index.html SCREENSHOT.png
// Env: LRBENCH_WEB_DIR (node_modules with playwright-core; default: the
// source tree's tools/web/node_modules), LRBENCH_CHROMIUM (/usr/bin/chromium).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = process.env.LRBENCH_WEB_DIR || path.join(here, '..', '..', 'tools', 'web', 'node_modules');
const [page_path, shot] = process.argv.slice(2);
if (!page_path || !shot) {
  console.error('usage: node browser_test.mjs REPORT/index.html SCREENSHOT.png');
  process.exit(2);
}
if (!existsSync(path.join(webDir, 'playwright-core'))) {
  console.error(`playwright-core is not installed in ${webDir}: run tools/setup.sh`);
  process.exit(1);
}
const require = createRequire(path.join(webDir, 'noop.js'));
const { chromium } = require('playwright-core');

const failures = [];
const userDataDir = mkdtempSync(path.join(tmpdir(), 'lrbench-browser-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.LRBENCH_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') failures.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  context.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('file://') && !u.startsWith('data:')) failures.push(`network request: ${u}`);
  });
  const url = pathToFileURL(path.resolve(page_path)).href;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(500);

  const charts = await page.evaluate(() => {
    const out = [];
    for (const fig of document.querySelectorAll('figure.chart')) {
      const id = fig.dataset.figureId;
      const canvases = fig.querySelectorAll('.uplot canvas');
      let drawn = 0;
      for (const c of canvases) {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) { drawn++; break; }
      }
      out.push({ id, canvases: canvases.length, drawn });
    }
    return out;
  });
  if (charts.length === 0) failures.push('no figure on the page');
  for (const c of charts) {
    if (c.canvases === 0) failures.push(`figure ${c.id}: no chart canvas`);
    else if (c.drawn === 0) failures.push(`figure ${c.id}: the chart canvas is empty (all pixels transparent)`);
  }
  await page.screenshot({ path: shot });
  const first = page.locator('figure.chart').first();
  if (await first.count()) {
    await first.scrollIntoViewIfNeeded();
    await first.screenshot({ path: shot.replace(/\.png$/, '') + '-first-chart.png' });
  }
  console.log(`browser test: ${charts.length} charts checked, screenshot ${shot}`);
} catch (e) {
  failures.push(`browser test crashed: ${e.stack || e}`);
} finally {
  if (context) await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
if (failures.length) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(1);
}
