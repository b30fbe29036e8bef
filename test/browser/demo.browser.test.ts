// End to end in each browser engine: the demo page served by scripts/demo-server.mjs (npm run demo)
// names digits drawn on its canvas with the mouse, and trains an MLP in a Web Worker with a falling loss.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { currentEngine, artifactPath } from './engines';
import type { TestBrowser, TestPage } from './page';
import { startDemoServer } from '../../scripts/demo-server.mjs';

type Pt = [number, number];
/** Strokes in the 280×280 pad's coordinates, as a person would draw them. */
const STROKES: Record<number, Pt[][]> = {
  7: [[[70, 60], [215, 60], [130, 240]]],
  0: [Array.from({ length: 33 }, (_, i): Pt => [140 + 62 * Math.sin((i / 32) * 2 * Math.PI), 140 - 95 * Math.cos((i / 32) * 2 * Math.PI)])],
  1: [[[150, 40], [135, 245]]],
};

interface DemoState {
  backend: string;
  prediction: number | null;
  predictions: number;
  training: { running: boolean; threads?: number; batches: { step: number; loss: number }[]; done: { stopped: boolean; test: { accuracy: number } } | null; error?: string };
}

const engine = currentEngine();
const demoState = (page: TestPage) => page.evaluate(() => (window as unknown as { simdnetDemo: { state: DemoState } }).simdnetDemo.state);
const BACKEND = engine.features.relaxedSimd ? 'wasm-relaxed' : 'wasm-simd';

describe(`the demo page in ${engine.label}`, () => {
  let browser: TestBrowser;
  let page: TestPage;
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    server = await startDemoServer();
    browser = await engine.launch();
    page = await browser.newPage({ width: 1100, height: 1000 });
    await page.goto(`${server.url}/demo/index.html`);
    await page.evaluate(() => (window as unknown as { simdnetDemo: { ready: Promise<void> } }).simdnetDemo.ready);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it(`loads the package unbundled through the import map, on the ${BACKEND} backend`, async () => {
    expect((await demoState(page)).backend).toBe(BACKEND);
    expect(await page.text('#backend')).toBe(BACKEND);
  });

  for (const digit of [7, 0, 1]) {
    it(`names a ${digit} drawn with the mouse`, async () => {
      await page.click('#clear');
      const before = (await demoState(page)).predictions;
      await page.draw('#pad', STROKES[digit]);
      // It predicts while the stroke is drawn (once per frame), not only at the end. The 1 is one short
      // straight stroke: a loaded engine may draw it within a single frame, so it asks for one prediction.
      const frames = digit === 1 ? 1 : 2;
      await page.waitFor(([n, k]) => (window as any).simdnetDemo.state.predictions >= n + k, [before, frames] as [number, number]);
      await new Promise((r) => setTimeout(r, 100));
      expect((await demoState(page)).prediction).toBe(digit);
      expect(await page.text('#prediction')).toBe(String(digit));
      await page.screenshot(artifactPath(engine, `demo-draw-${digit}.png`));
    });
  }

  it('trains in a worker: the loss on the chart falls over a few hundred batches, and Stop stops it', async () => {
    await page.fill('#epochs', '10');
    await page.click('#train');
    await page.waitFor(() => (window as any).simdnetDemo.state.training.batches.length >= 30 || (window as any).simdnetDemo.state.training.error, undefined, 90_000);
    // The page stays responsive while the worker trains: a drawing is still classified.
    await page.click('#clear');
    const before = (await demoState(page)).predictions;
    await page.draw('#pad', [[[150, 40], [135, 245]]], 6);
    await page.waitFor((n) => (window as any).simdnetDemo.state.predictions > n, before, 5_000);

    await page.click('#stop');
    await page.waitFor(() => (window as any).simdnetDemo.state.training.done || (window as any).simdnetDemo.state.training.error, undefined, 30_000);
    const state = await demoState(page);
    expect(state.training.error).toBeUndefined();
    expect(state.training.done!.stopped).toBe(true);
    // The server sends COOP/COEP: the page is cross-origin isolated and trains on every core, or,
    // in an engine that gives such a page no SharedArrayBuffer, on one thread saying why.
    const { isolated, cores } = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    expect(isolated).toBe(true);
    if (engine.sharedMemory) {
      expect(state.training.threads).toBe(Math.min(8, cores));
      expect(await page.hidden('#thread-note')).toBe(true);
    } else {
      expect(state.training.threads).toBe(1);
      expect(await page.text('#thread-note')).toMatch(/no SharedArrayBuffer/);
    }

    // What the chart shows: its own data, read back from the Vega view.
    const rows: { x: number; value: number; series: string }[] = await page.evaluate(async () => {
      const chart = (window as any).simdnetDemo.charts.loss;
      await chart.flush();
      return chart.rows();
    });
    const train = rows.filter((r) => r.series.startsWith('training'));
    expect(train.length).toBeGreaterThanOrEqual(30);
    expect(train[train.length - 1].x).toBeGreaterThanOrEqual(300);
    const mean = (xs: typeof train) => xs.reduce((s, r) => s + r.value, 0) / xs.length;
    const first = mean(train.slice(0, 3));
    const last = mean(train.slice(-3));
    expect(first).toBeGreaterThan(1.0); // near ln 10 ≈ 2.3 at the start
    expect(last).toBeLessThan(first / 2);
    // The chart's SVG holds the line, and everything drawn (legend, axis titles) lies inside it.
    expect(await page.count('#loss-chart svg path')).toBeGreaterThan(0);
    for (const id of ['loss-chart', 'accuracy-chart']) {
      const fit = await page.evaluate((sel) => {
        const svg = document.querySelector(sel) as SVGSVGElement;
        const box = svg.getBBox();
        return { width: svg.width.baseVal.value, height: svg.height.baseVal.value, left: box.x, top: box.y, right: box.x + box.width, bottom: box.y + box.height };
      }, `#${id} svg`);
      expect(fit.left, id).toBeGreaterThanOrEqual(0);
      expect(fit.top, id).toBeGreaterThanOrEqual(0);
      expect(fit.right, id).toBeLessThanOrEqual(fit.width + 0.5);
      expect(fit.bottom, id).toBeLessThanOrEqual(fit.height + 0.5);
    }
    await page.screenshot(artifactPath(engine, 'demo-training.png'));
    expect(await page.errors()).toEqual([]);
  });
});

describe(`the demo page in ${engine.label} without cross-origin isolation`, () => {
  it('trains on one thread and says why', async () => {
    const server = await startDemoServer({ isolation: false });
    const browser = await engine.launch();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/demo/index.html`);
      await page.evaluate(() => (window as unknown as { simdnetDemo: { ready: Promise<void> } }).simdnetDemo.ready);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      await page.fill('#epochs', '1');
      await page.click('#train');
      await page.waitFor(() => (window as any).simdnetDemo.state.training.batches.length >= 3 || (window as any).simdnetDemo.state.training.error, undefined, 90_000);
      await page.click('#stop');
      await page.waitFor(() => (window as any).simdnetDemo.state.training.done || (window as any).simdnetDemo.state.training.error, undefined, 30_000);
      const state = await demoState(page);
      expect(state.training.error).toBeUndefined();
      expect(state.training.threads).toBe(1);
      expect(await page.text('#thread-note')).toMatch(/not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
      expect(await page.errors()).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
