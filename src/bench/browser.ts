// The benchmark in a browser (the demo's Benchmark page runs it in a Web Worker): the machine from
// navigator (no CPU model, no CPU time: browsers do not tell), MNIST fetched from the page's server
// when it serves the files, otherwise synthetic images, and the peers the server offers under
// /vendor/: TensorFlow.js's browser builds (tf.min.js and tf-backend-wasm.min.js, scripts that
// set a global `tf`, so they are evaluated rather than imported: a worker has no import map) and
// onnxruntime-web's ES module build.
import { parseIdx, type IdxImages, type IdxLabels } from '../data/idx';
import { makeDataset, split } from '../data/dataset';
import { syntheticData, type BenchData } from './data';
import { loadPeer, type PeerSource } from './peers';
import { tfjsPeer, type Tfjs } from './peers-tfjs';
import { onnxruntimePeer } from './peers-onnxruntime';
import type { Environment } from './suite';
import { SIMDNET_VERSION } from './version';

export interface BrowserPaths {
  /** Where the four MNIST IDX files are (default '/data/mnist/'). */
  mnist?: string;
  /** Where the peers' builds are: `${vendor}tfjs/`, `${vendor}tfjs-backend-wasm/`, `${vendor}onnxruntime-web/` (default '/vendor/'). */
  vendor?: string;
}

const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Runs a classic script (a UMD build) in this worker's global scope. */
async function evaluateScript(url: string): Promise<void> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
  (0, eval)(`${await res.text()}\n//# sourceURL=${url}`); // indirect eval: global scope
}

function tfjsSource(vendor: string): PeerSource {
  const names = ['tfjs-wasm', 'tfjs-cpu'];
  return {
    engine: 'tfjs',
    names,
    load: () => loadPeer('tfjs', names, '@tensorflow/tfjs', async () => {
      const g = globalThis as { tf?: Tfjs };
      if (!g.tf) await evaluateScript(`${vendor}tfjs/tf.min.js`);
      const tf = g.tf;
      tf.enableProdMode();
      const cpu = tfjsPeer(tf, 'cpu');
      const wasm = await loadPeer('tfjs', ['tfjs-wasm'], '@tensorflow/tfjs-backend-wasm', async () => {
        if (!tf.wasm) await evaluateScript(`${vendor}tfjs-backend-wasm/tf-backend-wasm.min.js`);
        tf.wasm.setWasmPaths(`${vendor}tfjs-backend-wasm/`);
        tf.wasm.setThreadsCount?.(1); // one thread, as our 1-thread variants (a cross-origin isolated page would allow more)
        return [tfjsPeer(tf, 'wasm')];
      });
      return [...wasm, cpu];
    }),
  };
}

function onnxruntimeSource(vendor: string): PeerSource {
  return {
    engine: 'onnxruntime',
    names: ['onnxruntime-web'],
    load: () => loadPeer('onnxruntime', ['onnxruntime-web'], 'onnxruntime-web', async () => {
      const ort = await import(/* @vite-ignore */ `${vendor}onnxruntime-web/ort.wasm.min.mjs`);
      ort.env.wasm.numThreads = 1;
      return [onnxruntimePeer(ort, 'onnxruntime-web', { executionProviders: ['wasm'] }, ort.env.versions?.web ?? '')];
    }),
  };
}

export function browserEnvironment(paths: BrowserPaths = {}): Environment {
  const mnist = paths.mnist ?? '/data/mnist/';
  const vendor = paths.vendor ?? '/vendor/';
  const nav = globalThis.navigator as Navigator & { userAgentData?: { platform?: string } };
  return {
    machine: {
      cpu: null,
      cores: nav?.hardwareConcurrency ?? 1,
      platform: nav?.userAgentData?.platform || nav?.platform || 'unknown',
      runtime: nav?.userAgent ?? 'unknown',
      engine: null,
    },
    version: SIMDNET_VERSION,
    async loadData(): Promise<BenchData> {
      let bytes: Uint8Array[];
      try {
        bytes = await Promise.all(FILES.map((f) => fetchBytes(mnist + f)));
      } catch {
        return syntheticData();
      }
      const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(bytes.map((b, i) => parseIdx(b, FILES[i])));
      // (makeDataset checks each file's kind.)
      const [train] = split(makeDataset(trainImages as IdxImages, trainLabels as IdxLabels), 50_000);
      return { train, test: makeDataset(testImages as IdxImages, testLabels as IdxLabels), source: 'mnist' };
    },
    peers: [tfjsSource(vendor), onnxruntimeSource(vendor)],
  };
}
