// The demo's Benchmark page in Chromium: the quick suite runs in a Web Worker, its results show up
// as they come (tables, charts, a progress bar), every record validates against
// docs/bench-schema.json, and the JSON lines offered for download are those records. Stop stops.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, collectErrors, artifactPath } from './chromium';
import { startDemoServer } from '../../scripts/demo-server.mjs';
import { validate } from '../support/json-schema';
import { CASES } from '../../src/bench/cases';
import type { BenchRecord, ResultRecord, RunRecord, UnavailableRecord } from '../../src/bench/records';

interface BenchState { records: BenchRecord[]; running: boolean; done: boolean; stopped: boolean; error: string | null; progress: { done: number; total: number } }
const benchState = (page: Page) => page.evaluate(() => (window as unknown as { simdnetBench: { state: BenchState } }).simdnetBench.state);
const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../docs/bench-schema.json', import.meta.url)), 'utf8'));

describe('the Benchmark page in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let server: { url: string; close(): Promise<void> };
  let errors: string[];

  beforeAll(async () => {
    server = await startDemoServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    errors = collectErrors(page);
    await page.goto(`${server.url}/demo/bench.html`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs the quick suite in a worker: progress and tables as results come, a chart per workload, the JSON to download', async () => {
    expect(await page.locator('#quick').isChecked()).toBe(true);
    await page.click('#run');
    // Results show while the suite still runs.
    await page.waitForFunction(() => document.querySelectorAll('#results table').length > 0 || (window as any).simdnetBench.state.error, null, { timeout: 300_000 });
    const during = await benchState(page);
    expect(during.error).toBeNull();
    expect(during.running).toBe(true);
    expect(during.progress.done).toBeGreaterThan(0);
    expect(during.progress.done).toBeLessThan(during.progress.total);
    expect(Number(await page.locator('#progress').getAttribute('value'))).toBeGreaterThan(0);

    await page.waitForFunction(() => !(window as any).simdnetBench.state.running, null, { timeout: 900_000 });
    const state = await benchState(page);
    expect(state.error).toBeNull();
    expect(state.done).toBe(true);
    for (const r of state.records) expect(validate(r, schema), JSON.stringify(r)).toEqual([]);

    const run = state.records[0] as RunRecord;
    expect(run).toMatchObject({ event: 'run', mode: 'quick', data: 'mnist', machine: { cpu: null, features: { simd: true, relaxedSimd: true, threads: true } } });
    expect(run.machine.runtime).toMatch(/Chrome/);
    expect(state.records.at(-1)!.event).toBe('done');
    const results = state.records.filter((r): r is ResultRecord => r.event === 'result');
    const quickCases = CASES.filter((c) => !c.full).map((c) => c.id);
    for (const backend of ['wasm-relaxed', 'wasm-simd', 'js']) expect(results.filter((r) => r.backend === backend && r.threads === 1).map((r) => r.case)).toEqual(quickCases);
    for (const r of results) expect(r.cpuSeconds).toBeNull(); // browsers do not tell
    // Cross-origin isolated (the server sends COOP/COEP): cases that split rows also ran on every core.
    if (run.machine.cores > 1) expect(results.some((r) => r.threads === Math.min(8, run.machine.cores) && r.case === 'seed-004-epoch')).toBe(true);
    // TensorFlow.js is served from the devDependencies: both its backends ran.
    expect(results.some((r) => r.backend === 'tfjs-wasm' && r.case === 'mlp-10k')).toBe(true);
    expect(results.some((r) => r.backend === 'tfjs-cpu' && r.case === 'seed-004-epoch')).toBe(true);
    const ort = state.records.filter((r): r is ResultRecord | UnavailableRecord => (r.event === 'result' || r.event === 'unavailable') && r.backend === 'onnxruntime-web');
    expect(ort.length).toBeGreaterThan(0);
    expect(ort.every((r) => r.event === 'result' || r.status === 'not installed')).toBe(true);
    if (ort[0].event === 'result') expect(ort.map((r) => (r as ResultRecord).case)).toEqual(CASES.filter((c) => c.workload === 'inference').map((c) => c.id));
    expect(state.records.filter((r) => r.event === 'unavailable' && r.status === 'failed')).toEqual([]);

    // The page: a table per case, a chart per workload, the progress bar full, the machine said.
    expect(await page.locator('#results table').count()).toBe(quickCases.length);
    await page.evaluate(() => (window as any).simdnetBench.state.charting);
    expect(await page.locator('#charts svg').count()).toBe(5);
    expect(await page.locator('#progress').getAttribute('value')).toBe(await page.locator('#progress').getAttribute('max'));
    expect(await page.locator('#machine').textContent()).toMatch(/features: SIMD yes, relaxed SIMD yes, threads yes/);
    expect(await page.locator('#status').textContent()).toMatch(/^Done: \d+ results in/);

    // The download is the records as JSON lines.
    const link = page.locator('#download');
    expect(await link.isVisible()).toBe(true);
    expect(await link.getAttribute('download')).toMatch(/^simdnet-bench-\d{4}-\d\d-\d\d\.jsonl$/);
    const text = await page.evaluate(async () => (await fetch((document.getElementById('download') as HTMLAnchorElement).href)).text());
    expect(text.trim().split('\n').map((l) => JSON.parse(l))).toEqual(state.records);
    await page.screenshot({ path: artifactPath('bench-page.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 1_200_000);

  it('Stop ends a run between two measurements', async () => {
    await page.uncheck('#quick');
    await page.click('#run');
    await page.waitForFunction(() => (window as any).simdnetBench.state.progress.done >= 1 || (window as any).simdnetBench.state.error, null, { timeout: 300_000 });
    await page.click('#stop');
    await page.waitForFunction(() => !(window as any).simdnetBench.state.running, null, { timeout: 300_000 });
    const state = await benchState(page);
    expect(state.error).toBeNull();
    expect(state.stopped).toBe(true);
    expect(state.done).toBe(false);
    expect(await page.locator('#status').textContent()).toBe('Stopped.');
    expect(errors).toEqual([]);
  }, 600_000);
});
