// reshape ⇄ Reshape. Ours re-reads our (NHWC, row-major) values with another shape. Export: the
// value in our order, then Reshape([0, ...shape]). Import: a Reshape whose first dim is the batch
// (the batch itself from a Shape computation, 0, −1, or the input's fixed batch size) and whose
// result our layers can hold: any shape when the values are in our order (to an ONNX image
// [C, H, W] only with one channel, or 1×1), NCHW image ⇄ its NCHW flattening, or no change.
import { reshape, type ReshapeSpec } from '../../nn/layers/reshape';
import { flatten } from '../../nn/layers/flatten';
import { inOurOrder, onnxDims, type Value } from '../layout';
import { attrInt, intsOf, unsupported, type ImportContext, type LayerOnnx } from '../layer-onnx';
import type { OnnxNode } from '../onnx-proto';
import { BATCH } from '../shape-ops';

export const RESHAPE_ONNX: LayerOnnx<ReshapeSpec> = {
  export(spec, x, { graph, prefix }) {
    const v = graph.toOurs(x, prefix);
    return { name: graph.node('Reshape', [v.name, graph.int64s(`${prefix}.shape`, [0, ...spec.shape])], prefix), layout: 'ours', dims: spec.shape };
  },
  imports: {
    Reshape(node, ctx) {
      const x = ctx.input(node);
      const shape = ctx.constant(node, 1, 'shape') ?? unsupported(node, 'the shape input is missing');
      const target = perExample(node, ctx, x, intsOf(node, shape, 'shape'), attrInt(node, 'allowzero', 0) !== 0);
      reshapeTo(node, ctx, x, target);
    },
  },
};

const size = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The target's dims without the batch, with 0 (copy) and −1 (infer) resolved. */
function perExample(node: OnnxNode, ctx: ImportContext, x: Value, dims: number[], allowZero: boolean): number[] {
  const have = onnxDims(x), n = size(have);
  const [first, ...rest] = dims;
  const batch = Number.isNaN(first) || (first === 0 && !allowZero) || first === -1 || (ctx.fixedBatch !== undefined && first === ctx.fixedBatch);
  if (!batch) unsupported(node, `shape [${dims.join(', ')}] does not keep the batch as its first dimension`);
  const out = rest.map((d, i) => (d === 0 && !allowZero ? have[i] : d));
  const free = out.filter((d) => d === -1).length;
  if (out.some((d) => !(d > 0 || d === -1)) || free > 1 || (first === -1 && free > 0)) unsupported(node, `shape [${dims.map((d) => (Number.isNaN(d) ? 'batch' : d)).join(', ')}] is not a per-example shape simdnet can resolve`);
  const known = size(out.filter((d) => d !== -1));
  if (free) out[out.indexOf(-1)] = n / known;
  if (size(out) !== n || !out.every(Number.isSafeInteger)) unsupported(node, `shape [${out.join(', ')}] does not hold the ${n} values of [${have.join(', ')}]`);
  return out;
}

/** Moves the chain to `target` (ONNX per-example dims), adding a flatten or reshape layer if ours changes. */
function reshapeTo(node: OnnxNode, ctx: ImportContext, x: Value, target: number[]): void {
  if (same(target, onnxDims(x))) return ctx.output(node, x, 'activation');
  if (x.layout === 'nchw' && target.length === 1) return void ctx.addLayer(node, flatten(), {}, { layout: 'chw', dims: x.dims });
  if (x.layout === 'chw' && same(target, onnxDims({ ...x, layout: 'nchw' }))) {
    if (same(ctx.shape, x.dims)) return ctx.output(node, { layout: 'nchw', dims: x.dims }, 'activation');
    return void ctx.addLayer(node, reshape(x.dims), {}, { layout: 'nchw', dims: x.dims });
  }
  if (!inOurOrder(x)) unsupported(node, `re-reads an NCHW feature map [${onnxDims(x).join(', ')}] as [${target.join(', ')}]; simdnet's NHWC layers cannot hold that without a transpose`);
  // In our order: a 4-D result is NHWC when a Transpose to NCHW reads it; otherwise it is an NCHW
  // image [C, H, W], ours [H, W, C] only when the orders agree (one channel, or 1×1).
  const image = target.length === 3 && !ctx.readAsNhwc(node.outputs[0]);
  if (image && !(target[0] === 1 || target[1] * target[2] === 1)) unsupported(node, `re-reads features as a ${target[0]}-channel NCHW image [${target.join(', ')}], which is not our NHWC order`);
  const ours = image ? [target[1], target[2], target[0]] : target;
  const spec = ours.length === 1 ? flatten() : reshape(ours);
  if (same(ours, ctx.shape)) ctx.output(node, { layout: image ? 'nchw' : 'ours', dims: ours }, 'activation');
  else ctx.addLayer(node, spec, {}, { layout: image ? 'nchw' : 'ours', dims: ours });
}
