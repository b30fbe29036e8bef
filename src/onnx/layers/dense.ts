// dense ⇄ Gemm. Our W is [in, out] row-major, so Gemm(x, W, b) with transB = 0 is y = x·W + b.
// A dense layer after an NCHW feature map flattened ('chw') reads it in NCHW order: its weight
// rows are permuted so that the graph needs no Transpose (and PyTorch's Linear after a conv reads
// its weights as they are). Import: Gemm (any transB, alpha, beta; C as the bias), or MatMul
// followed by an Add of a constant.
import { dense, type DenseSpec } from '../../nn/layers/dense';
import { chwIndex, permuteRows, type Value } from '../layout';
import { attrFloat, attrInt, floatsOf, perUnit, unsupported, type ImportContext, type LayerOnnx } from '../layer-onnx';
import type { OnnxNode } from '../onnx-proto';
import { exportActivation } from './activation';

export const DENSE_ONNX: LayerOnnx<DenseSpec> = {
  export(spec, x, { graph, prefix, tensor }) {
    const flat = graph.toFlat(x, prefix);
    const inSize = flat.layout === 'chw' ? flat.dims[0] * flat.dims[1] * flat.dims[2] : flat.dims[0];
    let W = tensor('weights');
    if (flat.layout === 'chw') W = permuteRows(W, chwIndex(flat.dims), spec.units);
    const y = graph.node('Gemm', [flat.name, graph.floats(`${prefix}.weights`, [inSize, spec.units], W), graph.floats(`${prefix}.bias`, [spec.units], tensor('bias'))], prefix);
    return exportActivation(graph, { name: y, layout: 'ours', dims: [spec.units] }, spec.activation, prefix);
  },
  imports: {
    Gemm(node, ctx) {
      if (attrInt(node, 'transA', 0) !== 0) unsupported(node, 'transA = 1 (the input transposed) is not a dense layer');
      const x = flatInput(node, ctx);
      const B = ctx.constant(node, 1, 'B') ?? unsupported(node, 'B (the weights) is missing');
      const transB = attrInt(node, 'transB', 0) !== 0, alpha = attrFloat(node, 'alpha', 1), beta = attrFloat(node, 'beta', 1);
      const [rows, cols] = B.dims;
      const units = transB ? rows : cols;
      const b = floatsOf(node, B, 'B', transB ? [units, features(x)] : [features(x), units]);
      const W = new Float32Array(features(x) * units);
      for (let i = 0; i < features(x); i++) for (let j = 0; j < units; j++) W[i * units + j] = alpha * (transB ? b[j * features(x) + i] : b[i * units + j]);
      const C = ctx.constant(node, 2, 'C');
      const bias = C ? perUnit(node, C, units, 'C', false).map((v) => beta * v) : new Float32Array(units);
      addDense(node, ctx, x, W, units, bias);
    },
    MatMul(node, ctx) {
      const x = flatInput(node, ctx);
      const B = ctx.constant(node, 1, 'B') ?? unsupported(node, 'B (the weights) is missing');
      if (B.dims.length !== 2) unsupported(node, `B has dims [${B.dims.join(', ')}]; a dense layer needs [${features(x)}, units]`);
      addDense(node, ctx, x, floatsOf(node, B, 'B', [features(x), B.dims[1]]).slice(), B.dims[1], new Float32Array(B.dims[1]));
    },
    /** x + constant, right after a dense or conv layer: the constant joins its bias. */
    Add(node, ctx) {
      if (!ctx.isConstant(node, 0) && !ctx.isConstant(node, 1)) unsupported(node, 'adds two computed values (a residual connection?); simdnet adds only a constant, as a bias');
      const dataAt = ctx.isConstant(node, 0) ? 1 : 0;
      const x = ctx.input(node, dataAt);
      const target = ctx.biasTarget;
      if (!target || target.value !== x.name) unsupported(node, 'simdnet adds a constant only as the bias of the dense (Gemm/MatMul) or conv layer right before it');
      const c = ctx.constant(node, 1 - dataAt, 'the added constant')!;
      const add = perUnit(node, c, target.units, 'the added constant', x.layout === 'nchw');
      for (let i = 0; i < target.units; i++) target.bias[i] += add[i];
      ctx.output(node, x, 'bias');
    },
  },
};

/** A dense layer's input: [N, features], in our order or NCHW-flattened. */
function flatInput(node: OnnxNode, ctx: ImportContext): Value {
  const x = ctx.input(node, 0);
  if (x.layout === 'nchw' || (x.layout === 'ours' && x.dims.length !== 1)) {
    unsupported(node, `needs [batch, features]; its input is rank ${x.layout === 'nchw' ? 4 : x.dims.length + 1} (flatten it first)`);
  }
  return x;
}

const features = (x: Value) => x.dims.reduce((a, b) => a * b, 1);

/** Appends dense(units) with ONNX-layout weights W [features, units] (rows in the input's order). */
function addDense(node: OnnxNode, ctx: ImportContext, x: Value, W: Float32Array, units: number, bias: Float32Array): void {
  if (x.layout === 'chw') W = permuteRows(W, chwIndex(x.dims), units, true);
  ctx.addLayer(node, dense(units), { weights: W, bias }, { layout: 'ours', dims: [units] });
}
