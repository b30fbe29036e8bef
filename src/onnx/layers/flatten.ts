// flatten ⇄ Flatten(axis 1). Ours views NHWC as flat (no data moves); ONNX's flattens NCHW, so the
// value becomes 'chw' and the dense layer after it reads its weight rows in that order.
import { flatten, type FlattenSpec } from '../../nn/layers/flatten';
import { attrInt, unsupported, type LayerOnnx } from '../layer-onnx';

export const FLATTEN_ONNX: LayerOnnx<FlattenSpec> = {
  export: (_spec, x, { graph, prefix }) => graph.toFlat(x, prefix),
  imports: {
    Flatten(node, ctx) {
      const x = ctx.input(node);
      const rank = x.layout === 'nchw' ? 4 : x.layout === 'chw' ? 2 : x.dims.length + 1;
      const axis = attrInt(node, 'axis', 1);
      if ((axis < 0 ? axis + rank : axis) !== 1) unsupported(node, `axis ${axis}: simdnet flattens each example (axis 1)`);
      if (x.layout === 'chw' || (x.layout === 'ours' && x.dims.length === 1)) return ctx.output(node, x, 'activation');
      const size = x.dims.reduce((a, b) => a * b, 1);
      ctx.addLayer(node, flatten(), {}, x.layout === 'nchw' ? { layout: 'chw', dims: x.dims } : { layout: 'ours', dims: [size] });
    },
  },
};
