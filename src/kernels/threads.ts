// The thread pool (../shared/DESIGN.md, "Threads"): workers (worker_threads in Node, Web Workers in
// browsers) that each run their own instance of the kernels over ONE shared WebAssembly.Memory. The
// pool knows nothing of networks: it delivers numbered commands with a few numbers each through a
// small control block (a SharedArrayBuffer apart from the WASM memory) and waits for them to end.
// Larger payloads (a replica's layout) travel as bytes on the shared heap, their offset in the args.
//
// Waiting: a short spin, then Atomics.wait, always in JS (Node 20's V8 loses WASM locals across
// memory.atomic.wait32). A browser's main thread cannot block: it spins.
import type { BackendName } from './backend';
import { fail, type ErrorCode } from '../errors';

/** Bumped when the command protocol changes: a worker script of another version is refused. */
export const THREAD_PROTOCOL = 4;

// One slot per worker, 4 KiB apart (no false sharing): int32 flags, f64 arguments, f64 results,
// then the text of the last error.
const SLOT_BYTES = 4096;
const FLAGS = 16; // int32s
const SEQ = 0; // the command's number, written by the caller
const DONE = 1; // the number of the last command finished, written by the worker
const STATUS = 2; // 0 ok, 1 failed (the error's code and text follow)
const ALIVE = 3; // 1 while the worker serves; 0 once it stopped (a crash, or EXIT)
const STARTED = 4; // the number of the last command the worker picked up
/** Numbers a command can carry (args[0] is its op). */
export const MAX_ARGS = 200;
/** Numbers a command can return. */
export const MAX_RESULTS = 16;
const ARGS_AT = FLAGS * 4;
const RESULTS_AT = ARGS_AT + MAX_ARGS * 8;
const ERROR_AT = RESULTS_AT + MAX_RESULTS * 8;
const ERROR_BYTES = SLOT_BYTES - ERROR_AT;

/** The op that ends a worker's loop. Ops from 1 up are the handler's. */
export const OP_EXIT = 0;

/**
 * Milliseconds of spinning before sleeping: longer than the gap between two training steps
 * (gathering a batch, the optimizer), so a worker is awake when the next step comes; a wake-up from
 * Atomics.wait costs tens of microseconds, as much as a small network's step.
 */
const SPIN_MS = 0.5;

/**
 * A command a worker has not even picked up after this long is lost (a bug): wait() fails with
 * what it saw instead of hanging. A command being computed is waited for however long it takes.
 */
const PICKUP_TIMEOUT_MS = 30_000;

/** One worker's slot in the control block. */
export class ThreadSlot {
  readonly flags: Int32Array;
  readonly args: Float64Array;
  readonly results: Float64Array;
  private readonly errorText: Uint8Array;
  constructor(readonly control: SharedArrayBuffer, readonly index: number) {
    const at = index * SLOT_BYTES;
    this.flags = new Int32Array(control, at, FLAGS);
    this.args = new Float64Array(control, at + ARGS_AT, MAX_ARGS);
    this.results = new Float64Array(control, at + RESULTS_AT, MAX_RESULTS);
    this.errorText = new Uint8Array(control, at + ERROR_AT, ERROR_BYTES);
  }

  setError(code: string, message: string): void {
    const bytes = new TextEncoder().encode(`${code}\n${message}`).subarray(0, ERROR_BYTES - 1);
    // A SharedArrayBuffer view cannot be decoded directly: copy through a plain array.
    this.errorText.fill(0);
    this.errorText.set(bytes);
    this.flags[STATUS] = 1;
  }

  error(): { code: string; message: string } {
    const end = this.errorText.indexOf(0);
    const text = new TextDecoder().decode(this.errorText.slice(0, end < 0 ? ERROR_BYTES : end));
    const nl = text.indexOf('\n');
    return { code: text.slice(0, nl), message: text.slice(nl + 1) };
  }
}

let blockingWait: boolean | undefined;
/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function canBlock(): boolean {
  if (blockingWait === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockingWait = true;
    } catch {
      blockingWait = false;
    }
  }
  return blockingWait;
}

/** Waits until flags[index] !== value: spins, then sleeps (in slices, calling `check` between them). */
export function waitWhile(flags: Int32Array, index: number, value: number, check: () => void): void {
  if (spin(flags, index, value, SPIN_MS)) return;
  const block = canBlock();
  while (Atomics.load(flags, index) === value) {
    if (block) Atomics.wait(flags, index, value, 100);
    else spin(flags, index, value, 100);
    check();
  }
}

/** Spins up to `ms` milliseconds while flags[index] === value; whether it changed. */
function spin(flags: Int32Array, index: number, value: number, ms: number): boolean {
  const end = performance.now() + ms;
  for (;;) {
    for (let i = 0; i < 256; i++) if (Atomics.load(flags, index) !== value) return true;
    if (performance.now() > end) return false;
  }
}

/** What a worker needs to start: the kernels' build, its memory, its slot. */
export interface WorkerInit {
  protocol: number;
  backend: BackendName;
  /** The shared-memory module (null for the js backend). */
  module: WebAssembly.Module | null;
  memory: WebAssembly.Memory;
  heapBase: number;
  /** This instance's GEMM packing scratch (each instance packs into its own). */
  scratch: number;
  control: SharedArrayBuffer;
  index: number;
}

interface AnyWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

interface NodeWorkerThreads {
  Worker: new (url: URL, options?: object) => AnyWorker & { on(event: string, f: (x: unknown) => void): void; unref(): void };
}

/** Whether threads can run here: shared memory exists, and in a browser the page is cross-origin isolated. */
export function threadsAvailable(): { ok: true } | { ok: false; why: string } {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    return {
      ok: false,
      why: isolated === false
        ? 'this page is not cross-origin isolated, so it has no SharedArrayBuffer: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp'
        : 'this engine has no SharedArrayBuffer/Atomics',
    };
  }
  if (!nodeWorkerThreads() && typeof Worker !== 'function') return { ok: false, why: 'this engine cannot start workers' };
  return { ok: true };
}

function nodeWorkerThreads(): NodeWorkerThreads | undefined {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.versions?.node ? (proc.getBuiltinModule?.('worker_threads') as NodeWorkerThreads | undefined) : undefined;
}

/**
 * The worker script: dist/worker.js, next to the entries. In the bundle this module sits in
 * dist/chunks/ (scripts/build.mjs rewrites the path and checks it); from the sources (tests) it is
 * the built dist/worker.js.
 */
export function workerUrl(): URL {
  return new URL('../../dist/worker.js', import.meta.url);
}

/** The pool: `workers` threads besides the caller's, each with a slot. */
export class ThreadPool {
  readonly slots: ThreadSlot[];
  private readonly workers: AnyWorker[] = [];
  private readonly seq: number[];
  private stopped = false;

  private constructor(readonly size: number, readonly control: SharedArrayBuffer) {
    this.slots = Array.from({ length: size }, (_, i) => new ThreadSlot(control, i));
    this.seq = new Array(size).fill(0);
  }

  /**
   * Starts `size` workers and resolves once each has its kernels instantiated over `memory`.
   * `init(i)` gives worker i's build and scratch.
   */
  static async start(size: number, init: (index: number, control: SharedArrayBuffer) => WorkerInit, url = workerUrl()): Promise<ThreadPool> {
    const pool = new ThreadPool(size, new SharedArrayBuffer(size * SLOT_BYTES));
    const node = nodeWorkerThreads();
    try {
      await Promise.all(pool.slots.map((_, i) => new Promise<void>((resolve, reject) => {
        const onMessage = (m: unknown) => {
          const msg = m as { ready?: boolean; error?: string };
          // Once ready, workers never keep the process alive: a finished script exits.
          if (msg.ready) { (worker as { unref?: () => void }).unref?.(); resolve(); }
          else reject(new Error(msg.error ?? 'the worker did not start'));
        };
        let worker: AnyWorker;
        if (node) {
          const w = new node.Worker(url);
          w.on('message', onMessage);
          w.on('error', (e) => reject(e));
          w.on('exit', (code) => reject(new Error(`the worker exited (code ${code}) before it was ready`)));
          worker = w;
        } else {
          const w = new Worker(url, { type: 'module' });
          w.onmessage = (e) => onMessage(e.data);
          w.onerror = (e) => { e.preventDefault?.(); reject(new Error(e.message || `could not load the worker script ${url.href}`)); };
          worker = w;
        }
        pool.workers.push(worker);
        worker.postMessage(init(i, pool.control));
      })));
    } catch (e) {
      pool.terminate();
      fail('THREAD', `threads: could not start ${size} worker${size > 1 ? 's' : ''}: ${(e as Error).message ?? e}`);
    }
    return pool;
  }

  /** Gives worker `i` a command: args[0] is the op, up to MAX_ARGS numbers in all. */
  post(i: number, args: ArrayLike<number>): void {
    if (this.stopped) fail('DISPOSED', 'threads: the backend was disposed');
    if (args.length > MAX_ARGS) fail('THREAD', `threads: a command of ${args.length} numbers (at most ${MAX_ARGS})`);
    const slot = this.slots[i];
    slot.args.set(args as ArrayLike<number>);
    slot.flags[STATUS] = 0;
    Atomics.store(slot.flags, SEQ, ++this.seq[i]);
    Atomics.notify(slot.flags, SEQ);
  }

  /** Waits for worker i's last command; rethrows its error (same code and message). Returns its results. */
  wait(i: number): Float64Array {
    const slot = this.slots[i], target = this.seq[i], check = this.liveness(i);
    // Read DONE once per round: waiting while it equals a second, later read could wait for a
    // value the worker has just written, until its next command (a hang).
    for (let done = Atomics.load(slot.flags, DONE); done !== target; done = Atomics.load(slot.flags, DONE)) {
      waitWhile(slot.flags, DONE, done, check);
    }
    if (slot.flags[STATUS] !== 0) {
      const { code, message } = slot.error();
      fail((code || 'THREAD') as ErrorCode, `${message} (in worker ${i + 1})`);
    }
    return slot.results;
  }

  /**
   * A check for a wait on worker i's last command (from now on): it fails when the worker has not
   * picked the command up within PICKUP_TIMEOUT_MS, or stopped before finishing it.
   */
  liveness(i: number): () => void {
    const slot = this.slots[i], target = this.seq[i], since = performance.now();
    return () => {
      if (Atomics.load(slot.flags, STARTED) !== target && Atomics.load(slot.flags, DONE) !== target && performance.now() - since > PICKUP_TIMEOUT_MS) {
        fail('THREAD', `threads: worker ${i + 1} did not pick up command ${target} in ${PICKUP_TIMEOUT_MS / 1000} s (it last started ${Atomics.load(slot.flags, STARTED)}, finished ${Atomics.load(slot.flags, DONE)}; the command number is ${Atomics.load(slot.flags, SEQ)}): a bug in simdnet's threads, please report it`);
      }
      if (Atomics.load(slot.flags, ALIVE) === 0 && Atomics.load(slot.flags, DONE) !== target) {
        fail('THREAD', `threads: worker ${i + 1} stopped while running a command${slot.flags[STATUS] ? `: ${slot.error().message}` : ''}`);
      }
    };
  }

  /** Ends every worker (idempotent). */
  terminate(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const slot of this.slots) {
      slot.args[0] = OP_EXIT;
      Atomics.add(slot.flags, SEQ, 1);
      Atomics.notify(slot.flags, SEQ);
    }
    for (const w of this.workers) void w.terminate();
  }
}

/**
 * A worker's side: serves commands from its slot until OP_EXIT. `handle` runs one command (args[0]
 * is its op) and writes its results; an error it throws is reported to the caller's wait().
 */
export function serveCommands(slot: ThreadSlot, handle: (args: Float64Array, results: Float64Array) => void, ready: () => void): void {
  const flags = slot.flags;
  Atomics.store(flags, ALIVE, 1);
  let last = Atomics.load(flags, SEQ); // before ready(): the caller's first command may come at once
  ready();
  try {
    for (;;) {
      waitWhile(flags, SEQ, last, () => {});
      last = Atomics.load(flags, SEQ);
      Atomics.store(flags, STARTED, last);
      if (slot.args[0] === OP_EXIT) return;
      try {
        handle(slot.args, slot.results);
      } catch (e) {
        const err = e as { code?: string; message?: string };
        slot.setError(typeof err?.code === 'string' ? err.code : 'THREAD', String(err?.message ?? e));
      }
      Atomics.store(flags, DONE, last);
      Atomics.notify(flags, DONE);
    }
  } finally {
    Atomics.store(flags, ALIVE, 0);
    Atomics.notify(flags, DONE);
  }
}
