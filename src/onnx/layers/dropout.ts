// dropout ⇄ Dropout. At inference both are the identity; the node keeps the rate, so a model that
// goes out and comes back can still be trained as it was.
import { dropout, type DropoutSpec } from '../../nn/layers/dropout';
import { attrFloat, floatsOf, intsOf, unsupported, type LayerOnnx } from '../layer-onnx';

export const DROPOUT_ONNX: LayerOnnx<DropoutSpec> = {
  export(spec, x, { graph, prefix }) {
    const ratio = graph.floats(`${prefix}.ratio`, [], Float32Array.of(spec.rate));
    return { ...x, name: graph.node('Dropout', [x.name, ratio], prefix) };
  },
  imports: {
    Dropout(node, ctx) {
      const x = ctx.input(node);
      if (node.outputs.length > 1 && ctx.isUsed(node.outputs[1])) unsupported(node, 'its mask output is used');
      const training = ctx.constant(node, 2, 'training_mode');
      if (training && intsOf(node, training, 'training_mode').some((v) => v !== 0)) unsupported(node, 'training_mode is true: simdnet imports inference graphs');
      // Opset 12 made the ratio an input; before, an attribute. Default 0.5 in both.
      const r = ctx.opset >= 12 ? ctx.constant(node, 1, 'ratio') : undefined;
      const ratio = r ? floatsOf(node, r, 'ratio') : [attrFloat(node, 'ratio', 0.5)];
      const rate = shortestFloat32(ratio[0]);
      if (ratio.length !== 1 || !(rate >= 0 && rate < 1)) unsupported(node, `ratio ${ratio.join(', ')}: a dropout rate is one number in [0, 1)`);
      if (rate === 0) return ctx.output(node, x, 'activation');
      ctx.addLayer(node, dropout(rate), {}, x);
    },
  },
};

/** The shortest decimal that is this float32 (0.2, not 0.20000000298023224). */
function shortestFloat32(v: number): number {
  for (let p = 1; p < 10; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === Math.fround(v)) return d;
  }
  return v;
}
