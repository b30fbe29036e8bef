import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Checks the built package (dist/ is built by `npm test` before vitest starts).
const dist = (f: string) => fileURLToPath(new URL(`../dist/${f}`, import.meta.url));
const require = createRequire(import.meta.url);

describe('the built package', () => {
  it('the core entry reaches no node: module (it must run in browsers) and inlines both wasm builds', () => {
    const core = readFileSync(dist('index.js'), 'utf8');
    expect(core).not.toMatch(/["']node:/);
    expect(core).not.toMatch(/\.wasm["']/); // no file to locate at run time
    // Both modules are embedded (base64 of the wasm magic + version: "AGFzbQEAAAA").
    expect(core.match(/AGFzbQEAAAA/g)?.length).toBe(2);
  });

  it('entries have no top-level await: require() of the ESM bundles works', () => {
    const core = require(dist('index.js'));
    expect(typeof core.createBackend).toBe('function');
    expect(typeof core.Network).toBe('function');
    expect(typeof require(dist('node.js')).loadMnist).toBe('function');
  });

  it('the exports map names the core and the node entries with types', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'));
    expect(pkg.type).toBe('module');
    expect(pkg.exports['.'].default).toBe('./dist/index.js');
    expect(pkg.exports['./node'].default).toBe('./dist/node.js');
    expect(Object.keys(pkg.dependencies ?? {})).not.toContain('assemblyscript');
  });
});
