// The kernel parity suite inside Chromium: the same case table as test/kernels.test.ts, on the js,
// SIMD and relaxed-SIMD backends as the browser's own WebAssembly engine runs them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, collectErrors } from './chromium';
import { startDemoServer } from '../../scripts/demo-server.mjs';
import type { BrowserParityResult } from './parity-page';

describe('kernel parity in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let server: { url: string; close(): Promise<void> };
  let dir: string;
  let errors: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'simdnet-parity-'));
    await build({
      entryPoints: ['test/browser/parity-page.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      loader: { '.wasm': 'binary' },
      outfile: join(dir, 'parity.js'),
      logLevel: 'warning',
    });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="parity.js"></script>');
    server = await startDemoServer({ mounts: { '/parity/': dir } });
    browser = await launchChromium();
    page = await browser.newPage();
    errors = collectErrors(page);
    await page.goto(`${server.url}/parity/index.html`);
    await page.waitForFunction(() => 'runParity' in globalThis);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every kernel case passes on js, wasm-simd and wasm-relaxed in the browser', async () => {
    const result: BrowserParityResult = await page.evaluate(() =>
      (globalThis as unknown as { runParity(n: string[]): Promise<BrowserParityResult> }).runParity(['js', 'wasm-simd', 'wasm-relaxed']),
    );
    // Chromium runs relaxed SIMD unflagged: all three backends must exist, none may be skipped.
    expect(result.features).toMatchObject({ simd: true, relaxedSimd: true });
    for (const b of result.backends) {
      expect(b.error, `${b.name} could not be created`).toBeUndefined();
      expect(b.cases, `${b.name} ran the whole table`).toBeGreaterThan(100);
      expect(b.failures, `${b.name}: ${b.failures.join('\n')}`).toEqual([]);
    }
    expect(result.backends.map((b) => b.name)).toEqual(['js', 'wasm-simd', 'wasm-relaxed']);
    expect(errors).toEqual([]);
  });
});
