// conv2d ⇄ Conv (NCHW). Our W is [kh·kw·cin, cout] with row (ky·kw + kx)·cin + ci (the im2col
// order); ONNX's is [cout, cin, kh, kw]. Our padding ('same' with TensorFlow's split, 'valid', or
// explicit zeros) is written as explicit `pads`; on import, pads that give our 'same' geometry
// become 'same', zeros 'valid', anything else explicit [top, left, bottom, right].
import { conv2d, windowGeometry, type Conv2DSpec, type Conv2DPadding } from '../../nn/layers/conv2d';
import { attr } from '../layout';
import { attrInt, attrInts, attrString, floatsOf, perUnit, unsupported, type LayerOnnx } from '../layer-onnx';
import { exportActivation } from './activation';

export const CONV2D_ONNX: LayerOnnx<Conv2DSpec> = {
  export(spec, x, { graph, prefix, tensor }) {
    const v = graph.toNchw(x, prefix);
    const [h, w, cin] = v.dims, [kh, kw] = spec.kernel, cout = spec.filters, s = spec.stride;
    const p = spec.padding;
    const gy = windowGeometry(h, kh, s, typeof p === 'string' ? p : [p[0], p[2]]), gx = windowGeometry(w, kw, s, typeof p === 'string' ? p : [p[1], p[3]]);
    // Explicit zeros as given; for 'same' and 'valid' the trailing zeros that make ONNX's
    // ⌊(n + pads − k)/s⌋ + 1 our output size (none may be needed).
    const pads = typeof p !== 'string' ? [...p] : [gy.pad, gx.pad, Math.max(0, (gy.out - 1) * s + kh - h - gy.pad), Math.max(0, (gx.out - 1) * s + kw - w - gx.pad)];
    const ours = tensor('weights'), W = new Float32Array(ours.length);
    for (let co = 0; co < cout; co++) for (let ci = 0; ci < cin; ci++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      W[((co * cin + ci) * kh + ky) * kw + kx] = ours[((ky * kw + kx) * cin + ci) * cout + co];
    }
    const y = graph.node('Conv', [v.name, graph.floats(`${prefix}.weights`, [cout, cin, kh, kw], W), graph.floats(`${prefix}.bias`, [cout], tensor('bias'))], prefix, [
      attr.ints('kernel_shape', [kh, kw]), attr.ints('strides', [s, s]), attr.ints('pads', pads), attr.ints('dilations', [1, 1]), attr.int('group', 1),
    ]);
    return exportActivation(graph, { name: y, layout: 'nchw', dims: [gy.out, gx.out, cout] }, spec.activation, prefix);
  },
  imports: {
    Conv(node, ctx) {
      const x = ctx.input(node);
      if (x.layout !== 'nchw') unsupported(node, `needs an NCHW image; its input is [${x.layout === 'ours' ? 'batch, ' + x.dims.join(', ') : 'batch, features'}]`);
      const [h, w, cin] = x.dims;
      const Wt = ctx.constant(node, 1, 'W') ?? unsupported(node, 'W (the weights) is missing');
      if (Wt.dims.length !== 4) unsupported(node, `W has dims [${Wt.dims.join(', ')}]; simdnet's conv2d is 2-D ([out, in, kh, kw])`);
      const [cout, wcin, kh, kw] = Wt.dims;
      if (attrInt(node, 'group', 1) !== 1) unsupported(node, `group ${attrInt(node, 'group', 1)}: simdnet's conv2d has group 1`);
      if (wcin !== cin) unsupported(node, `W takes ${wcin} input channels, its input has ${cin}`);
      const dilations = attrInts(node, 'dilations') ?? [1, 1];
      if (dilations.some((d) => d !== 1)) unsupported(node, `dilations [${dilations.join(', ')}]: simdnet's conv2d has none`);
      const kernel = attrInts(node, 'kernel_shape');
      if (kernel && (kernel.length !== 2 || kernel[0] !== kh || kernel[1] !== kw)) unsupported(node, `kernel_shape [${kernel.join(', ')}] differs from W's [${kh}, ${kw}]`);
      const strides = attrInts(node, 'strides') ?? [1, 1];
      if (strides.length !== 2 || strides[0] !== strides[1] || !(strides[0] >= 1)) unsupported(node, `strides [${strides.join(', ')}]: simdnet's conv2d has one stride for both axes`);
      const s = strides[0];
      const pads = convPads(node, attrString(node, 'auto_pad', 'NOTSET'), attrInts(node, 'pads'), [h, w], [kh, kw], s);
      const W = floatsOf(node, Wt, 'W'), ours = new Float32Array(W.length);
      for (let co = 0; co < cout; co++) for (let ci = 0; ci < cin; ci++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
        ours[((ky * kw + kx) * cin + ci) * cout + co] = W[((co * cin + ci) * kh + ky) * kw + kx];
      }
      const B = ctx.constant(node, 2, 'B');
      const bias = B ? perUnit(node, B, cout, 'B', false).slice() : new Float32Array(cout);
      const padding = ourPadding([h, w], [kh, kw], s, pads);
      const oh = windowGeometry(h, kh, s, [pads[0], pads[2]]).out, ow = windowGeometry(w, kw, s, [pads[1], pads[3]]).out;
      ctx.addLayer(node, conv2d(cout, [kh, kw], { stride: s, padding }), { weights: ours, bias }, { layout: 'nchw', dims: [oh, ow, cout] });
    },
  },
};

/** ONNX's [top, left, bottom, right] zeros from `pads` or `auto_pad`. */
function convPads(node: Parameters<typeof unsupported>[0], autoPad: string, pads: number[] | undefined, [h, w]: number[], [kh, kw]: number[], s: number): number[] {
  if (autoPad === 'NOTSET') {
    const p = pads ?? [0, 0, 0, 0];
    if (p.length !== 4 || p.some((v) => !(v >= 0))) unsupported(node, `pads [${p.join(', ')}]: expected 4 non-negative values`);
    return p;
  }
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') unsupported(node, `auto_pad '${autoPad}'`);
  // SAME_UPPER puts the odd zero at the end (as TensorFlow), SAME_LOWER at the start.
  const total = (n: number, k: number) => Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  const before = (t: number) => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2));
  const [ty, tx] = [total(h, kh), total(w, kw)];
  return [before(ty), before(tx), ty - before(ty), tx - before(tx)];
}

/** Our padding for ONNX pads: 'same' where the windows are ours, 'valid' for none, else explicit. */
function ourPadding([h, w]: number[], [kh, kw]: number[], s: number, pads: number[]): Conv2DPadding {
  if (pads.every((v) => v === 0)) return 'valid';
  const explicit = pads as [number, number, number, number];
  const same = [windowGeometry(h, kh, s, 'same'), windowGeometry(w, kw, s, 'same')];
  const given = [windowGeometry(h, kh, s, [pads[0], pads[2]]), windowGeometry(w, kw, s, [pads[1], pads[3]])];
  return same.every((g, i) => g.out === given[i].out && g.pad === given[i].pad) ? 'same' : explicit;
}
