// maxPool2d ⇄ MaxPool (NCHW, 'valid' windows: no padding, floor mode).
import { maxPool2d, type MaxPool2DSpec } from '../../nn/layers/max-pool2d';
import { attr } from '../layout';
import { attrInt, attrInts, attrString, unsupported, type LayerOnnx } from '../layer-onnx';

export const MAX_POOL2D_ONNX: LayerOnnx<MaxPool2DSpec> = {
  export(spec, x, { graph, prefix }) {
    const v = graph.toNchw(x, prefix);
    const [h, w, c] = v.dims, k = spec.size, s = spec.stride;
    const y = graph.node('MaxPool', [v.name], prefix, [attr.ints('kernel_shape', [k, k]), attr.ints('strides', [s, s]), attr.ints('pads', [0, 0, 0, 0])]);
    return { name: y, layout: 'nchw', dims: [Math.floor((h - k) / s) + 1, Math.floor((w - k) / s) + 1, c] };
  },
  imports: {
    MaxPool(node, ctx) {
      const x = ctx.input(node);
      if (x.layout !== 'nchw') unsupported(node, 'needs an NCHW image');
      if (node.outputs.length > 1 && ctx.isUsed(node.outputs[1])) unsupported(node, 'its Indices output is used');
      const kernel = attrInts(node, 'kernel_shape') ?? [];
      if (kernel.length !== 2 || kernel[0] !== kernel[1]) unsupported(node, `kernel_shape [${kernel.join(', ')}]: simdnet pools square windows`);
      const strides = attrInts(node, 'strides') ?? [1, 1];
      if (strides.length !== 2 || strides[0] !== strides[1] || !(strides[0] >= 1)) unsupported(node, `strides [${strides.join(', ')}]: simdnet pools with one stride for both axes`);
      const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
      const autoPad = attrString(node, 'auto_pad', 'NOTSET');
      if (pads.some((p) => p !== 0) || (autoPad !== 'NOTSET' && autoPad !== 'VALID')) unsupported(node, `padding (pads [${pads.join(', ')}], auto_pad ${autoPad}): simdnet pools without padding`);
      if ((attrInts(node, 'dilations') ?? []).some((d) => d !== 1)) unsupported(node, 'dilations: simdnet pools without');
      if (attrInt(node, 'storage_order', 0) !== 0) unsupported(node, 'storage_order 1');
      const [h, w, c] = x.dims, [k, s] = [kernel[0], strides[0]];
      if (k > h || k > w) unsupported(node, `a ${k}×${k} window does not fit a ${h}×${w} input`);
      // ceil_mode gives the same windows when they tile the input exactly.
      if (attrInt(node, 'ceil_mode', 0) !== 0 && ((h - k) % s || (w - k) % s)) unsupported(node, 'ceil_mode 1 (a last partial window): simdnet pools whole windows');
      ctx.addLayer(node, maxPool2d(k, { stride: s }), {}, { layout: 'nchw', dims: [Math.floor((h - k) / s) + 1, Math.floor((w - k) / s) + 1, c] });
    },
  },
};
