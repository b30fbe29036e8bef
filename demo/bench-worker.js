// Runs the benchmark suite (dist/bench.js, the code of `simdnet bench`) off the page's thread.
// Messages in:  { type: 'start', workloads, quick, peers }, { type: 'stop' }
// Messages out: { type: 'record', record } (the JSON lines of docs/bench.md, as they come),
//               { type: 'progress', done, total, text }, { type: 'done' }, { type: 'stopped' }, { type: 'error', message }
// Import maps do not reach workers, hence the path instead of 'simdnet/bench'.
import { runSuite, browserEnvironment, OUR_BACKENDS } from '/dist/bench.js';

let controller;

async function start({ workloads, quick, peers }) {
  controller = new AbortController();
  const env = browserEnvironment();
  // Our three backends; 1 thread and every core (at most 8) where the page is cross-origin
  // isolated (the suite lists the thread counts it cannot run, and why).
  const backends = [...OUR_BACKENDS, ...(peers ? env.peers.flatMap((p) => p.names) : [])];
  const threads = [1, Math.min(8, navigator.hardwareConcurrency || 1)];
  try {
    await runSuite({ workloads, backends, threads, quick, signal: controller.signal }, env, {
      record: (record) => postMessage({ type: 'record', record }),
      progress: (done, total, text) => postMessage({ type: 'progress', done, total, text }),
    });
    postMessage({ type: 'done' });
  } catch (e) {
    if (controller.signal.aborted) postMessage({ type: 'stopped' });
    else postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

self.onmessage = ({ data: msg }) => {
  if (msg.type === 'stop') controller?.abort();
  if (msg.type === 'start') start(msg);
};
