// The worker script of a backend with threads (dist/worker.js): it instantiates the kernels over
// the backend's shared memory, then serves replica commands (nn/parallel-worker.ts) until the
// backend is disposed. Started by kernels/threads.ts, in Node (worker_threads) and browsers.
import { serveCommands, ThreadSlot, THREAD_PROTOCOL, type WorkerInit } from './kernels/threads';
import { instantiateWorkerKernels } from './kernels/wasm-backend';
import { createJsKernels } from './kernels/js';
import { Heap } from './kernels/heap';
import { replicaCommands } from './nn/parallel-worker';

interface Port {
  postMessage(message: unknown): void;
}

const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
const nodePort = proc?.versions?.node
  ? (proc.getBuiltinModule?.('worker_threads') as { parentPort: Port & { once(e: string, f: (m: unknown) => void): void } } | undefined)?.parentPort
  : undefined;

async function start(init: WorkerInit, port: Port): Promise<void> {
  let slot: ThreadSlot | undefined;
  try {
    if (init.protocol !== THREAD_PROTOCOL) throw new Error(`worker script speaks protocol ${THREAD_PROTOCOL}, the library ${init.protocol} (mismatched builds)`);
    slot = new ThreadSlot(init.control, init.index);
    const heap = new Heap(init.memory, init.heapBase);
    const kernels = init.module ? await instantiateWorkerKernels(init.module, init.memory, init.scratch) : createJsKernels(heap);
    serveCommands(slot, replicaCommands(kernels, heap), () => port.postMessage({ ready: true }));
  } catch (e) {
    port.postMessage({ error: String((e as Error)?.message ?? e) });
  }
}

if (nodePort) nodePort.once('message', (m) => void start(m as WorkerInit, nodePort));
else {
  const scope = globalThis as unknown as Port & { onmessage: ((e: { data: unknown }) => void) | null };
  scope.onmessage = (e) => {
    scope.onmessage = null;
    void start(e.data as WorkerInit, scope);
  };
}
