// In-browser training speed against Node's on the same machine: the demo's MLP (784-128 ReLU-10,
// Adam lr 1e-3, batch 64, He init, seed 1) for one epoch of the 50,000 MNIST training images, in
// Node (this process) and in the demo page's Web Worker in Debian's Chromium (driven by
// playwright-core). Both on their best backend (relaxed SIMD), both yielding every 10 batches as the
// worker does, both pinned to the same core (Chromium inherits this process's affinity). Variants
// interleave; images/s over the epoch's training batches (validation excluded); medians of ROUNDS.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { dense } from '../src/nn/layers/index';
import { adam } from '../src/nn/optimizers';
import { loadMnist } from '../src/data/mnist-node';
import { emit, median, progress } from './support';

const ROUNDS = Number(process.env.BROWSER_ROUNDS ?? 5);
// A computed path, so esbuild leaves the server outside the bundle (it locates files from its own URL).
const { startDemoServer } = await import(pathToFileURL(resolve('scripts/demo-server.mjs')).href);

const { train, validation } = await loadMnist();
const backend = await createBackend();

async function nodeEpoch(): Promise<number> {
  const net = new Network(backend, { input: 784, layers: [dense(128, 'relu'), dense(10)], init: 'he', seed: 1 });
  const h = await net.fit(train, { epochs: 1, batchSize: 64, optimizer: adam({ lr: 0.001 }), validation, seed: 1, yieldEvery: 10 });
  return train.count / h.epochs[0].seconds;
}

const server = await startDemoServer();
const browser = await chromium.launch({
  executablePath: process.env.SIMDNET_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
await page.goto(`${server.url}/demo/index.html`);
const browserBackend: string = await page.evaluate(() => (window as any).simdnetDemo.ready.then(() => (window as any).simdnetDemo.state.backend));
await page.fill('#epochs', '1');

async function browserEpoch(): Promise<number> {
  await page.click('#train');
  await page.waitForFunction(() => (window as any).simdnetDemo.state.training.done || (window as any).simdnetDemo.state.training.error, null, { timeout: 300_000 });
  const t = await page.evaluate(() => (window as any).simdnetDemo.state.training);
  if (t.error) throw new Error(`browser training failed: ${t.error}`);
  return t.done.imagesPerSecond;
}

const rates: Record<string, number[]> = { node: [], browser: [] };
await nodeEpoch(); // warm-up (tier-up) for both
await browserEpoch();
for (let r = 0; r < ROUNDS; r++) {
  rates.node.push(await nodeEpoch());
  rates.browser.push(await browserEpoch());
  progress(`round ${r + 1}/${ROUNDS}: node ${rates.node.at(-1)!.toFixed(0)} images/s, browser ${rates.browser.at(-1)!.toFixed(0)} images/s`);
}
await browser.close();
await server.close();

const node = median(rates.node);
const inBrowser = median(rates.browser);
emit({
  bench: 'browser-training',
  model: '784-128-10 relu, adam 1e-3, batch 64, 1 epoch of 50,000',
  rounds: ROUNDS,
  node: { backend: backend.name, version: process.versions.node, imagesPerSecond: Math.round(node), runs: rates.node.map(Math.round) },
  chromium: { backend: browserBackend, imagesPerSecond: Math.round(inBrowser), runs: rates.browser.map(Math.round) },
  nodeOverBrowser: +(node / inBrowser).toFixed(3),
});
