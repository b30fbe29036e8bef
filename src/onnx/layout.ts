/**
 * How an ONNX tensor holds one of our activations. We compute NHWC (an image example is [h, w, c],
 * channels contiguous); ONNX's Conv and MaxPool take NCHW. So a value carries its layout:
 *
 *   'ours'  ONNX [N, ...dims]: the same elements in the same order as ours (flat features, a
 *           sequence, or an NHWC image);
 *   'nchw'  an image [h, w, c] of ours held as ONNX [N, c, h, w];
 *   'chw'   an image [h, w, c] of ours held flattened in NCHW order, ONNX [N, c·h·w] (what
 *           Flatten makes of an NCHW value, and what PyTorch's Linear after a conv reads).
 *
 * Export converts between them only where a layer needs it (a Transpose before a dense on an NHWC
 * image is never needed: the dense's weight rows are permuted instead); import follows the layout
 * through the graph and refuses what our layers cannot express.
 */
import type { Shape } from '../nn/layer';
import type { OnnxAttribute, OnnxNode, OnnxTensor } from './onnx-proto';
import { AttrType, DataType } from './onnx-proto';
import { fail } from '../errors';

export type LayoutKind = 'ours' | 'nchw' | 'chw';

export interface Value {
  /** The ONNX value's name. */
  name: string;
  layout: LayoutKind;
  /** 'ours': our per-example shape; 'nchw' and 'chw': the image [h, w, c]. */
  dims: Shape;
}

/** The ONNX dims of a value without the batch. */
export function onnxDims(v: Value): number[] {
  if (v.layout === 'ours') return [...v.dims];
  const [h, w, c] = v.dims;
  return v.layout === 'nchw' ? [c, h, w] : [c * h * w];
}

/** Whether the ONNX tensor's elements are in our order (one channel, or a 1×1 image: NCHW = NHWC). */
export function inOurOrder(v: Value): boolean {
  return v.layout === 'ours' || v.dims[2] === 1 || v.dims[0] * v.dims[1] === 1;
}

/** For an image [h, w, c]: at[ours] = the NCHW-flattened index of the same element. */
export function chwIndex([h, w, c]: Shape): Int32Array {
  const at = new Int32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) at[(y * w + x) * c + ch] = ch * h * w + y * w + x;
  return at;
}

/**
 * A dense layer's weights [rows, cols] whose rows are indexed one way, re-indexed the other:
 * out[at[i]] = w[i] (`inverse`: out[i] = w[at[i]]), rows of `cols` values.
 */
export function permuteRows(w: Float32Array, at: Int32Array, cols: number, inverse = false): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < at.length; i++) {
    const [to, from] = inverse ? [i, at[i]] : [at[i], i];
    out.set(w.subarray(from * cols, (from + 1) * cols), to * cols);
  }
  return out;
}

// Attributes, by kind.
export const attr = {
  int: (name: string, i: number): OnnxAttribute => ({ name, type: AttrType.INT, i }),
  ints: (name: string, ints: number[]): OnnxAttribute => ({ name, type: AttrType.INTS, ints }),
  float: (name: string, f: number): OnnxAttribute => ({ name, type: AttrType.FLOAT, f }),
};

/** The nodes and initializers of a graph being written, with unique names. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly names = new Set<string>();

  /** `base`, or `base_2`, `base_3`, … if taken. */
  unique(base: string): string {
    let name = base;
    for (let i = 2; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Appends a node named `name` (made unique); its one output has the same name. */
  node(opType: string, inputs: string[], name: string, attributes: OnnxAttribute[] = []): string {
    const id = this.unique(name);
    this.nodes.push({ name: id, opType, domain: '', inputs, outputs: [id], attributes });
    return id;
  }

  floats(name: string, dims: number[], values: Float32Array): string {
    const id = this.unique(name);
    this.initializers.push({ name: id, dims, dataType: DataType.FLOAT, floats: values });
    return id;
  }

  int64s(name: string, values: number[]): string {
    const id = this.unique(name);
    this.initializers.push({ name: id, dims: [values.length], dataType: DataType.INT64, ints: values });
    return id;
  }

  // Layout conversions (see the top of this file); each emits nodes only when the layout changes.

  /** The value in our element order ('ours'). */
  toOurs(v: Value, prefix: string): Value {
    if (v.layout === 'ours') return v;
    const [h, w, c] = v.dims;
    const image = v.layout === 'chw' ? this.node('Reshape', [v.name, this.int64s(`${prefix}.nchw_shape`, [0, c, h, w])], `${prefix}.to_nchw`) : v.name;
    return { name: this.node('Transpose', [image], `${prefix}.to_nhwc`, [attr.ints('perm', [0, 2, 3, 1])]), layout: 'ours', dims: v.dims };
  }

  /** An image value as NCHW, for Conv and MaxPool. */
  toNchw(v: Value, prefix: string): Value {
    if (v.layout === 'nchw') return v;
    if (v.dims.length !== 3) fail('SHAPE', `${prefix}: needs an image [height, width, channels], got [${v.dims.join(', ')}]`);
    if (v.layout === 'chw') {
      const [h, w, c] = v.dims;
      return { name: this.node('Reshape', [v.name, this.int64s(`${prefix}.nchw_shape`, [0, c, h, w])], `${prefix}.to_nchw`), layout: 'nchw', dims: v.dims };
    }
    return { name: this.node('Transpose', [v.name], `${prefix}.to_nchw`, [attr.ints('perm', [0, 3, 1, 2])]), layout: 'nchw', dims: v.dims };
  }

  /** A [N, features] value: an NCHW image flattens to 'chw' (a dense after it permutes its weights). */
  toFlat(v: Value, prefix: string): Value {
    if (v.layout === 'chw' || (v.layout === 'ours' && v.dims.length === 1)) return v;
    const flat = this.node('Flatten', [v.name], `${prefix}.flatten`, [attr.int('axis', 1)]);
    return v.layout === 'nchw' ? { name: flat, layout: 'chw', dims: v.dims } : { name: flat, layout: 'ours', dims: [v.dims.reduce((a, b) => a * b, 1)] };
  }
}

/**
 * Examples laid out NCHW ([c, h, w] each, as PyTorch) in our NHWC order ([h, w, c]): what a network
 * imported from an NCHW model with more than one channel takes (one channel: the same values).
 */
export function nchwToNhwc(x: Float32Array, [c, h, w]: readonly [number, number, number]): Float32Array {
  const n = c * h * w;
  if (!(x instanceof Float32Array) || !(n > 0) || x.length % n) fail('ARGUMENT', `nchwToNhwc: expected a Float32Array of examples of ${c}×${h}×${w} = ${n} values, got ${x?.length} values`);
  const out = new Float32Array(x.length);
  for (let b = 0; b < x.length; b += n) {
    for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let i = 0; i < w; i++) out[b + (y * w + i) * c + ch] = x[b + (ch * h + y) * w + i];
  }
  return out;
}
