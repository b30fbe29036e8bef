import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

/** Imports .wasm and .simdnet files as their bytes, as esbuild's binary loader does for the bundle. */
function wasmBytes(): Plugin {
  return {
    name: 'simdnet-wasm-bytes',
    enforce: 'pre',
    load(id) {
      if (!id.endsWith('.wasm') && !id.endsWith('.simdnet')) return null;
      const b64 = readFileSync(id).toString('base64');
      return `export default Uint8Array.from(atob(${JSON.stringify(b64)}), (c) => c.charCodeAt(0));`;
    },
  };
}

// Node 20 runs relaxed SIMD only behind a flag; Node 22+ runs it unflagged.
const nodeMajor = Number(process.versions.node.split('.')[0]);
const relaxedArgv = nodeMajor < 22 ? ['--experimental-wasm-relaxed-simd'] : [];

export default defineConfig({
  plugins: [wasmBytes()],
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/**/*.test.ts'], exclude: ['test/browser/**'], pool: 'forks' },
      },
      {
        // The kernel suite again in a process where relaxed SIMD is enabled, on that backend only.
        extends: true,
        test: {
          name: 'relaxed',
          include: ['test/kernels*.test.ts'],
          pool: 'forks',
          execArgv: relaxedArgv,
          env: { SIMDNET_BACKENDS: 'wasm-relaxed' },
        },
      },
      // The browser tests in each engine, one project per engine (test/browser/engines.ts says how each
      // is driven); report.html is opened in Chromium only.
      ...(['chromium', 'firefox', 'webkit'] as const).map((name) => ({
        extends: true as const,
        test: {
          name,
          include: name === 'chromium' ? ['test/browser/**/*.test.ts'] : ['test/browser/parity.browser.test.ts', 'test/browser/demo.browser.test.ts'],
          pool: 'forks' as const,
          fileParallelism: false,
          env: { SIMDNET_BROWSER: name },
        },
      })),
    ],
  },
});
