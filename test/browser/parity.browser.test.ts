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

  let result: BrowserParityResult;
  const BACKENDS = ['js', 'wasm-simd', 'wasm-relaxed'];

  it('Chromium validates both wasm builds (relaxed SIMD runs unflagged)', async () => {
    result = await page.evaluate(
      (names) => (globalThis as unknown as { runParity(n: string[]): Promise<BrowserParityResult> }).runParity(names),
      BACKENDS,
    );
    expect(result.features).toEqual({ simd: true, relaxedSimd: true });
    expect(result.backends.map((b) => b.name)).toEqual(BACKENDS);
  });

  for (const name of BACKENDS) {
    it(`every kernel case passes on ${name} in the browser`, () => {
      const b = result?.backends.find((x) => x.name === name);
      expect(b, `${name} was run`).toBeDefined();
      expect(b!.error, `${name} could not be created`).toBeUndefined();
      expect(b!.cases, `${name} ran the whole table`).toBeGreaterThan(100);
      expect(b!.failures, `${name}: ${b!.failures.join('\n')}`).toEqual([]);
      expect(errors).toEqual([]);
    });
  }
});
