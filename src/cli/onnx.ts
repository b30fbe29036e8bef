// `simdnet export` and `simdnet import`: a saved model to ONNX and back (src/onnx). Both check the
// file they will write before reading anything, and write it atomically (temporary file, fsync,
// rename), like `train --save`.
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createBackend } from '../kernels/backend';
import { loadModel, deserializeModel, saveModel } from '../io/network';
import { atomicWrite } from '../io/atomic-node';
import { DIGIT_MODEL_BYTES } from '../digits-entry';
import { LOSS_NAMES, type LossName } from '../nn/losses';
import { toOnnxModel, ONNX_OPSET } from '../onnx/export';
import { importOnnx } from '../onnx/import';
import { encodeModel } from '../onnx/onnx-proto';
import { fail } from '../errors';
import { parse, choiceOption, UsageError } from './args';
import { checkTargets } from './targets';

export const EXPORT_USAGE = `simdnet export (MODEL | --pretrained) OUT.onnx [--probabilities | --logits] [--nhwc]
  Writes a saved model (binary or JSON; --pretrained: the shipped digit model) as ONNX (opset ${ONNX_OPSET}).
  The graph takes [N, ...input] (an image input [h, w, c] as NCHW [N, c, h, w]; --nhwc: [N, h, w, c])
  and gives [N, outputs]: --probabilities (default) ends in the loss's Softmax or Sigmoid, as predict()
  does; --logits leaves it off. EURNN models cannot be exported.`;

export const IMPORT_USAGE = `simdnet import MODEL.onnx OUT.simdnet [--loss NAME]
  Reads an ONNX model (a chain of Gemm/MatMul/Add, Relu/Tanh/Sigmoid/LeakyRelu, Conv, MaxPool,
  Flatten/Reshape, Transpose, Dropout, Softmax/LogSoftmax; NCHW images) and saves it as a simdnet
  model (OUT.json: the JSON form). A graph ending in Softmax/LogSoftmax gets softmax-cross-entropy,
  in Sigmoid sigmoid-cross-entropy; one ending in raw outputs gets --loss (default: the loss a
  simdnet export recorded, else mse). Unsupported operators are listed with their nodes (exit 1).`;

/** The largest ONNX file the CLI reads (its weights are also limited to 100 M values by the importer). */
const MAX_ONNX_BYTES = 1 << 30;

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { pretrained: { type: 'boolean' }, probabilities: { type: 'boolean' }, logits: { type: 'boolean' }, nhwc: { type: 'boolean' } }, 'export', true);
  if (values.help) { console.log(EXPORT_USAGE); return 0; }
  if (values.probabilities && values.logits) throw new UsageError('give --probabilities or --logits, not both');
  const want = values.pretrained ? 1 : 2;
  if (positionals.length !== want) throw new UsageError(values.pretrained ? 'give the output file: simdnet export --pretrained OUT.onnx' : 'give the model and the output file: simdnet export MODEL OUT.onnx');
  const out = positionals[want - 1];
  await checkTargets([{ flag: 'export', path: out, kind: 'file' }]);
  const backend = await createBackend('js');
  const { net } = values.pretrained ? deserializeModel(backend, DIGIT_MODEL_BYTES, 'pretrained') : await loadModel(backend, positionals[0]);
  const model = toOnnxModel(net, { output: values.logits ? 'logits' : 'probabilities', imageInput: values.nhwc ? 'nhwc' : 'nchw' });
  const bytes = encodeModel(model);
  await atomicWrite(out, bytes);
  const io = (v: { name: string; dims?: (number | string | null)[] }) => `${v.name} [${(v.dims ?? []).join(', ')}]`;
  console.log(`${out}: ${bytes.length.toLocaleString('en-US')} bytes, ONNX opset ${ONNX_OPSET}; ${net.describe()}`);
  console.log(`  input ${io(model.graph.inputs[0])}, output ${io(model.graph.outputs[0])}`);
  return 0;
}

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { loss: { type: 'string' } }, 'import', true);
  if (values.help) { console.log(IMPORT_USAGE); return 0; }
  if (positionals.length !== 2) throw new UsageError('give the ONNX model and the output file: simdnet import MODEL.onnx OUT.simdnet');
  const [source, out] = positionals;
  const loss = values.loss === undefined ? undefined : choiceOption<LossName>(values.loss, 'loss', LOSS_NAMES, 'mse');
  await checkTargets([{ flag: 'import', path: out, kind: 'file' }]);
  let bytes: Uint8Array;
  try {
    const size = (await stat(source)).size;
    if (size > MAX_ONNX_BYTES) fail('MODEL_LIMIT', `${source}: ${size} bytes; the CLI reads ONNX files of at most ${MAX_ONNX_BYTES} bytes`);
    bytes = new Uint8Array(await readFile(source));
  } catch (e) {
    if ((e as { code?: string }).code === 'MODEL_LIMIT') throw e;
    return fail('MODEL_READ', `${source}: cannot read the model (${(e as Error).message})`);
  }
  const imported = importOnnx(await createBackend('js'), bytes, { loss, name: basename(source) });
  await saveModel(imported.net, out, { importedFrom: basename(source), onnxOpset: imported.opset, graphOutput: imported.graphOutput });
  const ends = { softmax: 'Softmax', 'log-softmax': 'LogSoftmax (predict() gives the probabilities, exp of its output)', sigmoid: 'Sigmoid', raw: `raw outputs (loss ${imported.net.loss})` }[imported.graphOutput];
  console.log(`${out}: ${imported.net.describe()}`);
  console.log(`  from ${basename(source)}: opset ${imported.opset}, input ${imported.inputName} (${imported.inputLayout}), graph ends in ${ends}`);
  return 0;
}
