// How the two cores run right now, as a 2-thread round needs them:
//   - speed: the register-only FMA probe (assembly/probe.ts) on this thread and on a worker at the
//     same time, for about 10 ms. On a shared VM a core can run at 40% of its speed for seconds
//     (its host's other tenants);
//   - together: this thread and the worker pass a count back and forth through shared memory for
//     about 20 ms; the share of that time spent in gaps of over 50 µs is time when one of the two
//     was not running (its virtual CPU descheduled by the host). A threaded step meets at barriers
//     every few tens of microseconds, so it waits out every such gap.
// The threads bench checks the cores around each round and reports the rounds that ran on two
// steady cores apart.
import { Worker } from 'node:worker_threads';
import probeRelaxed from '../build/probe-relaxed.wasm';
import probeSimd from '../build/probe-simd.wasm';

/** Flops per iteration: 12 chains × 4 lanes × 2. */
const FLOPS_PER_ITERATION = 12 * 4 * 2;
const ITERATIONS = 5_000_000;
const PING_MS = 20;
/** Milliseconds of ping-pong before each check, not counted (see check). */
const WAKE_MS = 50;
/** Ping-pongs run before the first one counted (see check). */
const WARM_PINGS = 8;
/** A round trip longer than this is a gap: one of the threads was not running. */
const GAP_MS = 0.05;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const peak = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes)).exports.peak;
const flag = new Int32Array(workerData.flag);
parentPort.on('message', (m) => {
  if (m.peak) { const t0 = performance.now(); peak(m.peak, 0.5); parentPort.postMessage(performance.now() - t0); return; }
  // Ping-pong: answer every odd count with the next even one, until the caller writes -1.
  for (let v = 1; ; v += 2) {
    let seen;
    while ((seen = Atomics.load(flag, 0)) !== v && seen !== -1);
    if (seen === -1) break;
    Atomics.store(flag, 0, v + 1);
  }
  parentPort.postMessage(0);
});
`;

export interface CoreState {
  /** GFLOP/s of this thread's core and the worker's, measured at the same time. */
  gflops: [number, number];
  /** The share of the ping-pong's time in gaps (one of the two threads not running). */
  apart: number;
}

export interface CoreCheck {
  check(): Promise<CoreState>;
  close(): Promise<number>;
}

export function coreCheck(): CoreCheck {
  const bytes = WebAssembly.validate(probeRelaxed) ? probeRelaxed : probeSimd;
  const peak = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.peak as (n: number, seed: number) => number;
  const flag = new Int32Array(new SharedArrayBuffer(64));
  const worker = new Worker(WORKER, { eval: true, workerData: { bytes, flag: flag.buffer } });
  const rate = (ms: number) => (ITERATIONS * FLOPS_PER_ITERATION) / (ms / 1000) / 1e9;
  // One listener each, for the whole run: the command in flight settles through them.
  let pending: { resolve(ms: number): void; reject(e: unknown): void } | undefined;
  worker.on('message', (ms: number) => pending?.resolve(ms));
  worker.on('error', (e) => pending?.reject(e));
  const send = (message: object) => new Promise<number>((resolve, reject) => {
    pending = { resolve, reject };
    worker.postMessage(message);
  });
  const pingPong = async (ms: number): Promise<number> => {
    Atomics.store(flag, 0, 0);
    const done = send({ ping: true });
    const roundTrip = (v: number) => {
      Atomics.store(flag, 0, v);
      const since = performance.now();
      for (let i = 1; Atomics.load(flag, 0) !== v + 1; i++) {
        if ((i & 1023) === 0 && performance.now() - since > 2000) throw new Error('core check: the worker did not answer for 2 s');
      }
      return performance.now();
    };
    let start = 0, last = 0, gaps = 0;
    try {
      // The first round trip waits for the worker to pick the command up: not counted.
      last = start = roundTrip(1);
      for (let v = 3; last - start < ms; v += 2) {
        const now = roundTrip(v);
        if (now - last > GAP_MS) gaps += now - last;
        last = now;
      }
    } finally {
      Atomics.store(flag, 0, -1); // ends the worker's loop, also when this one gave up
    }
    await done;
    return gaps / (last - start);
  };
  let warm = false;
  return {
    async check() {
      if (!warm) {
        for (let i = 0; i < 3; i++) await send({ peak: ITERATIONS });
        peak(ITERATIONS, 0.5);
        // The first ping-pongs are not the cores' state: Linux starts a new thread on its creator's
        // CPU and moves it within a few ms, and V8 compiles the ping-pong's loops (on a helper thread
        // that takes a CPU from one of the two, or on this one): 60% of a first 20 ms was gaps.
        for (let i = 0; i < WARM_PINGS; i++) await pingPong(PING_MS);
        warm = true;
      }
      // A virtual CPU that was idle (its thread asleep) for a while is given back by the host
      // after 5-20 ms or more (a C ping-pong after 700 ms of sleep: up to 87% apart in its first
      // 20 ms; after 50 ms: under 8%): woken first, not counted, so the check says how the cores
      // run while both are busy, as in a threaded round, not how the last round left them.
      await pingPong(WAKE_MS);
      const theirs = send({ peak: ITERATIONS }), t0 = performance.now();
      peak(ITERATIONS, 0.5);
      const mine = performance.now() - t0;
      const gflops: [number, number] = [rate(mine), rate(await theirs)];
      return { gflops, apart: await pingPong(PING_MS) };
    },
    close: () => worker.terminate(),
  };
}
