// The README's browser example in Chromium, as written: main.js loaded through the import map of
// index.html (node_modules/simdnet is this package), and main.js bundled by the README's esbuild
// command and loaded without the import map. In each, a 7 drawn with the mouse is named.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium, collectErrors, artifactPath } from './chromium';
import { readmeExample } from '../support/readme';
import { startDemoServer } from '../../scripts/demo-server.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const site = mkdtempSync(join(tmpdir(), 'simdnet-readme-site-'));
/** A 7 in the 280×280 canvas's coordinates (the demo test draws the same). */
const SEVEN: [number, number][] = [[70, 60], [215, 60], [130, 240]];

describe("the README's browser example in Chromium", () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    writeFileSync(join(site, 'main.js'), readmeExample('main.js'));
    const page = readmeExample('index.html');
    writeFileSync(join(site, 'index.html'), page);
    mkdirSync(join(site, 'node_modules'));
    symlinkSync(root, join(site, 'node_modules', 'simdnet'), 'dir'); // where `npm install simdnet` puts it (here: the repository, dist/ built)
    // The bundler way: the README's command (npx finds esbuild on the PATH here), then the same page
    // without the import map, loading bundle.js.
    const command = readmeExample('bundle.sh').trim().replace(/^npx /, '');
    const bundled = spawnSync('sh', ['-c', command], { cwd: site, encoding: 'utf8', env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` } });
    expect(bundled.status, bundled.stderr).toBe(0);
    expect(readFileSync(join(site, 'bundle.js'), 'utf8')).not.toMatch(/["']node:/);
    writeFileSync(join(site, 'bundled.html'), page.replace(/<script type="importmap">[\s\S]*?<\/script>\n/, '').replace('src="main.js"', 'src="bundle.js"'));
    server = await startDemoServer({ mounts: { '/site/': site } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it.each([
    ['index.html', 'through the import map, no build step'],
    ['bundled.html', 'bundled by esbuild'],
  ])('%s (%s): a 7 drawn with the mouse is named 7', async (file) => {
    const page = await browser.newPage({ viewport: { width: 600, height: 500 } });
    const errors = collectErrors(page);
    const missing: string[] = [];
    page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) missing.push(`${r.status()} ${r.url()}`); });
    await page.goto(`${server.url}/site/${file}`);
    // main.js sets the line width once the classifier has loaded: then its handlers are in place.
    await page.waitForFunction(() => document.querySelector('canvas')!.getContext('2d')!.lineWidth === 18, null, { timeout: 30_000 });
    const box = (await page.locator('canvas').boundingBox())!;
    await page.mouse.move(box.x + SEVEN[0][0], box.y + SEVEN[0][1]);
    await page.mouse.down();
    for (const [x, y] of SEVEN.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 10 });
    await page.mouse.up();
    await expect.poll(() => page.locator('output').textContent()).toBe('7');
    await page.screenshot({ path: artifactPath(`readme-${file.replace('.html', '')}.png`) });
    expect(missing).toEqual([]);
    // Chromium asks for /favicon.ico, which the example does not have (nor needs); other 404s are in `missing`.
    expect(errors.filter((e) => !/Failed to load resource: .* 404/.test(e))).toEqual([]);
    await page.close();
  });
});
