// Helpers of the ONNX tests: run a model in onnxruntime-node and onnxruntime-web (WASM backend, in
// Node), compare outputs, lay images out as NCHW.
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { SimdnetError } from '../../src/errors';

ortWeb.env.wasm.numThreads = 1;

export type Runtime = 'onnxruntime-node' | 'onnxruntime-web';

/** Runs `model` on one float32 input of `dims` in a runtime (one thread); returns the first output. */
export async function runOnnx(runtime: Runtime, model: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const ort = (runtime === 'onnxruntime-node' ? ortNode : ortWeb) as typeof ortNode;
  const session = await ort.InferenceSession.create(model, runtime === 'onnxruntime-node' ? { intraOpNumThreads: 1, interOpNumThreads: 1 } : { executionProviders: ['wasm'] });
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, dims) });
    return out[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

/**
 * How far `a` is from `b`, rows of `cols` values: `norm`, the largest over rows of
 * max|a − b| / max|b| (the relative error of the output vector, what the tests bound); `element`,
 * the largest |a − b| / |b| over elements (meaningful for probabilities; logits near 0 inflate it).
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, cols: number): { norm: number; element: number } {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let norm = 0, element = 0;
  for (let r = 0; r < b.length / cols; r++) {
    let diff = 0, scale = 0;
    for (let j = r * cols; j < (r + 1) * cols; j++) {
      const d = Math.abs(a[j] - b[j]);
      diff = Math.max(diff, d);
      scale = Math.max(scale, Math.abs(b[j]));
      if (d > 0) element = Math.max(element, d / Math.abs(b[j]));
    }
    if (diff > 0) norm = Math.max(norm, diff / scale);
  }
  return { norm, element };
}

/** NHWC examples [h, w, c] as NCHW [c, h, w]. */
export function toNchw(x: Float32Array, [h, w, c]: readonly number[]): Float32Array {
  const out = new Float32Array(x.length), n = h * w * c;
  for (let b = 0; b < x.length / n; b++) {
    for (let y = 0; y < h; y++) for (let i = 0; i < w; i++) for (let ch = 0; ch < c; ch++) out[b * n + (ch * h + y) * w + i] = x[b * n + (y * w + i) * c + ch];
  }
  return out;
}

/** The SimdnetError `fn` throws (another exception is rethrown; no exception fails the test). */
export function refusal(fn: () => unknown): SimdnetError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimdnetError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}
