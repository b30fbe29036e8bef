// ONNX Runtime beside ours for inference (onnxruntime-node in Node, onnxruntime-web's WASM backend
// in the demo page), one thread, on the inference cases' own networks (the MLP, the shipped digit
// CNN) exported with toOnnx (image inputs laid out as ours, NHWC), so both run the same weights.
import { createBackend } from '../kernels/backend';
import { toOnnx } from '../onnx/export';
import type { Prepared } from './cases';
import type { Peer } from './peers';

// onnxruntime's API, loosely typed (an optional peer; -node and -web share this surface).
/** The onnxruntime namespace (InferenceSession, Tensor). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OnnxRuntime = any;

/** onnxruntime as a peer: `backend` is 'onnxruntime-node' or 'onnxruntime-web'; `options` its one-thread session options. */
export function onnxruntimePeer(ort: OnnxRuntime, backend: string, options: Record<string, unknown>, version: string): Peer {
  return {
    engine: 'onnxruntime',
    backend,
    note: `${backend} ${version}, 1 thread`,
    async prepare(c, data) {
      if (!c.network) return undefined;
      const js = await createBackend('js');
      const net = c.network(js);
      const model = toOnnx(net, { imageInput: 'nhwc' });
      const shape = [...net.inputShape];
      net.dispose();
      js.dispose();
      const session = await ort.InferenceSession.create(model, options);
      const input = session.inputNames[0];
      const infer = (x: Float32Array, rows: number) => session.run({ [input]: new ort.Tensor('float32', x, [rows, ...shape]) });
      const dispose = () => void session.release();
      if (c.unit === 'batch') {
        const all = Float32Array.from(data.test.x as Uint8Array, (v) => v / 255);
        return { run: (items) => infer(all.subarray(0, items * 784), items), dispose } satisfies Prepared;
      }
      const images = c.images!(data);
      let next = 0;
      return { run: async (calls) => { for (let i = 0; i < calls; i++) await infer(images[next++ % images.length], 1); }, dispose } satisfies Prepared;
    },
  };
}
