/**
 * Operators that compute constants or only re-lay out values: Constant, Identity, Transpose (NCHW
 * ⇄ NHWC), and the shape arithmetic PyTorch writes for `x.view(x.size(0), -1)`: Shape, Gather,
 * Unsqueeze, Squeeze, Concat on integer constants. The batch size is not known when importing: a
 * Shape of a data value gives BATCH (NaN) in its place, and Reshape reads it as "the batch".
 */
import { DataType, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './onnx-proto';
import { AttrType } from './onnx-proto';
import { onnxDims } from './layout';
import { attrInt, attrInts, intsOf, unsupported, type ImportContext, type OpImport } from './layer-onnx';

/** The batch dimension in a shape computed while importing. */
export const BATCH = Number.NaN;

const intTensor = (name: string, dims: number[], ints: number[]): OnnxTensor => ({ name, dims, dataType: DataType.INT64, ints });

/** An integer constant input (at most a small shape vector: 1,000 values). */
function smallInts(node: OnnxNode, ctx: ImportContext, i: number, what: string): OnnxTensor & { ints: number[] } {
  const t = ctx.constant(node, i, what) ?? unsupported(node, `${what} is missing`);
  const ints = intsOf(node, t, what);
  if (ints.length > 1000) unsupported(node, `${what} has ${ints.length} values; simdnet computes only shapes here`);
  return { ...t, ints };
}

/** Axes from the attribute (before opset 13) or input 1. */
function axesOf(node: OnnxNode, ctx: ImportContext): number[] | undefined {
  return ctx.opset >= 13 ? (ctx.constant(node, 1, 'axes') ? smallInts(node, ctx, 1, 'axes').ints : undefined) : attrInts(node, 'axes');
}

function constantValue(node: OnnxNode, a: OnnxAttribute): OnnxTensor {
  const name = node.outputs[0];
  if (a.name === 'value' && a.t) return { ...a.t, name };
  if (a.name === 'value_float' && a.type === AttrType.FLOAT) return { name, dims: [], dataType: DataType.FLOAT, floats: Float32Array.of(a.f ?? 0) };
  if (a.name === 'value_floats' && a.type === AttrType.FLOATS) return { name, dims: [a.floats?.length ?? 0], dataType: DataType.FLOAT, floats: Float32Array.from(a.floats ?? []) };
  if (a.name === 'value_int' && a.type === AttrType.INT) return intTensor(name, [], [a.i ?? 0]);
  if (a.name === 'value_ints' && a.type === AttrType.INTS) return intTensor(name, [a.ints?.length ?? 0], a.ints ?? []);
  return unsupported(node, `a constant given as '${a.name}'`);
}

const PERM_TO_NHWC = [0, 2, 3, 1], PERM_TO_NCHW = [0, 3, 1, 2];

export const GRAPH_OPS: Readonly<Record<string, OpImport>> = {
  Constant(node, ctx) {
    if (node.attributes.length !== 1) unsupported(node, `has ${node.attributes.length} attributes, expected one value`);
    ctx.outputConstant(node, constantValue(node, node.attributes[0]));
  },
  Identity(node, ctx) {
    if (ctx.isConstant(node, 0)) return ctx.outputConstant(node, { ...ctx.constant(node, 0, 'input')!, name: node.outputs[0] });
    ctx.output(node, ctx.input(node), 'activation');
  },
  /** NCHW → NHWC and back: only a change of our layout, no layer. */
  Transpose(node, ctx) {
    const x = ctx.input(node);
    const rank = onnxDims(x).length + 1;
    const perm = attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const is = (p: number[]) => perm.length === p.length && perm.every((v, i) => v === p[i]);
    if (is(Array.from({ length: rank }, (_, i) => i))) return ctx.output(node, x, 'activation');
    if (x.layout === 'nchw' && is(PERM_TO_NHWC)) return ctx.output(node, { layout: 'ours', dims: x.dims }, 'activation');
    if (x.layout === 'ours' && x.dims.length === 3 && is(PERM_TO_NCHW)) return ctx.output(node, { layout: 'nchw', dims: x.dims }, 'activation');
    unsupported(node, `perm [${perm.join(', ')}] on [batch, ${onnxDims(x).join(', ')}]: simdnet imports only NCHW ⇄ NHWC transposes of images`);
  },
  Shape(node, ctx) {
    const dims = ctx.isConstant(node, 0) ? ctx.constant(node, 0, 'input')!.dims : [BATCH, ...onnxDims(ctx.input(node))];
    const r = dims.length, clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const out = dims.slice(clamp(attrInt(node, 'start', 0)), clamp(attrInt(node, 'end', r)));
    ctx.outputConstant(node, intTensor(node.outputs[0], [out.length], out));
  },
  Gather(node, ctx) {
    const data = smallInts(node, ctx, 0, 'data'), idx = smallInts(node, ctx, 1, 'indices');
    if (data.dims.length !== 1 || attrInt(node, 'axis', 0) !== 0 || idx.dims.length > 1) unsupported(node, 'simdnet gathers only from a 1-D shape vector');
    const n = data.ints.length;
    const out = idx.ints.map((i) => (i >= -n && i < n ? data.ints[i < 0 ? i + n : i] : unsupported(node, `index ${i} is outside [${-n}, ${n})`)));
    ctx.outputConstant(node, intTensor(node.outputs[0], idx.dims.length ? [out.length] : [], out));
  },
  Unsqueeze(node, ctx) {
    const t = smallInts(node, ctx, 0, 'data');
    const axes = axesOf(node, ctx) ?? unsupported(node, 'axes are missing');
    const rank = t.dims.length + axes.length, dims = [...t.dims];
    for (const a of [...axes].map((v) => (v < 0 ? v + rank : v)).sort((p, q) => p - q)) {
      if (!(a >= 0 && a <= dims.length)) unsupported(node, `axis ${a} is outside the result's rank ${rank}`);
      dims.splice(a, 0, 1);
    }
    ctx.outputConstant(node, intTensor(node.outputs[0], dims, t.ints));
  },
  Squeeze(node, ctx) {
    const t = smallInts(node, ctx, 0, 'data');
    const r = t.dims.length, axes = (axesOf(node, ctx) ?? t.dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => (a < 0 ? a + r : a));
    if (axes.some((a) => t.dims[a] !== 1)) unsupported(node, `axes [${axes.join(', ')}] are not all of size 1 in [${t.dims.join(', ')}]`);
    ctx.outputConstant(node, intTensor(node.outputs[0], t.dims.filter((_, i) => !axes.includes(i)), t.ints));
  },
  Concat(node, ctx) {
    const parts = node.inputs.map((_, i) => smallInts(node, ctx, i, `input ${i}`));
    if (parts.some((p) => p.dims.length !== 1)) unsupported(node, 'simdnet concatenates only 1-D shape vectors');
    const out = parts.flatMap((p) => p.ints);
    if (out.length > 1000) unsupported(node, 'the result is not a shape vector');
    ctx.outputConstant(node, intTensor(node.outputs[0], [out.length], out));
  },
};
