// The kernel parity suite inside each browser engine: the same case table as test/kernels.test.ts,
// on every backend the engine's own WebAssembly runs (js, wasm-simd, and wasm-relaxed where relaxed
// SIMD is unflagged); where it is not, createBackend('wasm-relaxed') must refuse and 'auto' fall back.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { currentEngine, engineBackends } from './engines';
import type { TestBrowser, TestPage } from './page';
import { startDemoServer } from '../../scripts/demo-server.mjs';
import type { BrowserParityResult } from './parity-page';

const engine = currentEngine();

describe(`kernel parity in ${engine.label}`, () => {
  let browser: TestBrowser;
  let page: TestPage;
  let server: { url: string; close(): Promise<void> };
  let dir: string;

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
    browser = await engine.launch();
    page = await browser.newPage();
    await page.goto(`${server.url}/parity/index.html`);
    await page.waitFor(() => 'runParity' in globalThis);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let result: BrowserParityResult;
  const BACKENDS = engineBackends(engine);

  it(`${engine.label} validates the wasm builds it supports (${BACKENDS.join(', ')})`, async () => {
    result = await page.evaluate(
      (names) => (globalThis as unknown as { runParity(n: string[]): Promise<BrowserParityResult> }).runParity(names),
      BACKENDS as string[],
    );
    expect(result.features).toEqual(engine.features);
    expect(result.backends.map((b) => b.name)).toEqual(BACKENDS);
  });

  for (const name of BACKENDS) {
    it(`every kernel case passes on ${name} in the browser`, async () => {
      const b = result?.backends.find((x) => x.name === name);
      expect(b, `${name} was run`).toBeDefined();
      expect(b!.error, `${name} could not be created`).toBeUndefined();
      expect(b!.cases, `${name} ran the whole table`).toBeGreaterThan(100);
      expect(b!.failures, `${name}: ${b!.failures.join('\n')}`).toEqual([]);
      expect(await page.errors()).toEqual([]);
    });
  }

  if (!engine.features.relaxedSimd) {
    it(`without relaxed SIMD, wasm-relaxed is refused with a BACKEND error and auto picks wasm-simd`, async () => {
      const r = await page.evaluate(
        (names) => (globalThis as unknown as { runParity(n: string[]): Promise<BrowserParityResult> }).runParity(names),
        ['wasm-relaxed', 'auto'],
      );
      expect(r.backends[0]).toMatchObject({ created: false, code: 'BACKEND' });
      expect(r.backends[0].error).toMatch(/does not support WebAssembly relaxed SIMD/);
      expect(r.backends[1]).toMatchObject({ name: 'wasm-simd', created: true, failures: [] });
      expect(await page.errors()).toEqual([]);
    });
  }

  // Last, as it leaves errors behind: the checks above that the page had none can be trusted.
  it(`the driver hears a console.error and an uncaught error in ${engine.label}`, async () => {
    await page.evaluate(() => {
      console.error('probe: console');
      setTimeout(() => {
        throw new Error('probe: uncaught');
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    const errors = await page.errors();
    expect(errors.some((e) => e.includes('probe: console'))).toBe(true);
    expect(errors.some((e) => e.includes('probe: uncaught'))).toBe(true);
  });
});
