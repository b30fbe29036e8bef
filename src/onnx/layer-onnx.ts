/**
 * What each layer type owns for ONNX (../../shared/DESIGN.md: "export and import are one more thing
 * each layer owns"): how a spec becomes ONNX nodes, and which ONNX operators become that layer.
 * `nn` may not import `onnx`, and the core bundle must not carry it, so the table lives here, one
 * file per layer type in ./layers/, keyed by the same type names as LAYER_TYPES.
 */
import type { LayerSpec } from '../nn/layers/index';
import type { ActivationName } from '../nn/layers/activation';
import type { GraphBuilder, Value } from './layout';
import type { OnnxAttribute, OnnxNode, OnnxTensor } from './onnx-proto';
import { AttrType, clip } from './onnx-proto';
import { fail } from '../errors';

export interface ExportContext {
  readonly graph: GraphBuilder;
  /** The spec's tensor prefix, e.g. 'dense3': the names of its nodes and initializers. */
  readonly prefix: string;
  /** One of this layer's parameter tensors ('weights', 'bias'), a copy. */
  tensor(param: string): Float32Array;
}

/** A layer type's ONNX export: appends its nodes for input `x` and returns the value it makes. */
export type LayerExport<S extends LayerSpec> = (spec: S, x: Value, ctx: ExportContext) => Value;

/** The graph's last operation, where it is an output function. */
export type OutputFunction = 'softmax' | 'log-softmax' | 'sigmoid';

export interface ImportContext {
  readonly opset: number;
  /** The node's data input `i`: the chain's current value (a branch or a constant is refused). */
  input(node: OnnxNode, i?: number): Value;
  /** Whether input `i` is a constant (an initializer, a Constant's or a shape computation's output). */
  isConstant(node: OnnxNode, i: number): boolean;
  /** Input `i` as a constant, or undefined when the input is absent (''); refuses a data value. */
  constant(node: OnnxNode, i: number, what: string): OnnxTensor | undefined;
  /**
   * The node's output (named node.outputs[0]) is a data value with this layout: the chain moves on.
   * `keep`: 'activation' for an operation an activation after it may move before (it commutes with
   * a monotone element-wise function: layout changes); 'bias' for the bias Add itself.
   */
  output(node: OnnxNode, v: Omit<Value, 'name'>, keep?: 'bias' | 'activation'): void;
  /** The node's output is a constant (shape computations, Constant, Identity of a constant). */
  outputConstant(node: OnnxNode, t: OnnxTensor): void;
  /**
   * Appends a layer (with its tensors by parameter name) whose output is the node's; returns our
   * shape after it. A dense or conv2d layer can take a following bias Add and activation; after
   * max-pool, flatten, reshape and dropout an activation may still move before them.
   */
  addLayer(node: OnnxNode, spec: LayerSpec, tensors: Record<string, Float32Array>, out: Omit<Value, 'name'>): readonly number[];
  /** Our network's shape now (the last layer's output; the input's before any layer). */
  readonly shape: readonly number[];
  /** The dense or conv2d layer an Add's constant may join as bias: the value it made, its units and bias. */
  readonly biasTarget: { value: string; units: number; bias: Float32Array } | undefined;
  /** Gives the last dense or conv2d layer this activation (refused when one cannot go there). */
  activate(node: OnnxNode, activation: Exclude<ActivationName, 'linear'>): void;
  /** Whether the node's output is the graph's output (through Identity nodes). */
  isGraphOutput(node: OnnxNode): boolean;
  /** Whether this 4-D value is NHWC: the node that reads it is a Transpose to NCHW (perm [0, 3, 1, 2]). */
  readAsNhwc(name: string): boolean;
  /** Whether any node or the graph's output reads this value. */
  isUsed(name: string): boolean;
  /** The graph ends in this output function (its node must be the last). */
  end(node: OnnxNode, fn: OutputFunction, v: Value): void;
  /** The fixed batch size of the graph's input, if it has one (PyTorch writes it into Reshape shapes). */
  readonly fixedBatch: number | undefined;
}

export type OpImport = (node: OnnxNode, ctx: ImportContext) => void;

/** One file's ONNX part for a layer type: its export and the operators it imports. */
export interface LayerOnnx<S extends LayerSpec> {
  export: LayerExport<S>;
  imports?: Readonly<Record<string, OpImport>>;
}

/** How messages name a node: `Conv (node '/0/Conv')`, or by its output when it has no name. */
export function nodeLabel(node: OnnxNode): string {
  return `${node.opType} (${node.name ? `node '${clip(node.name)}'` : `the node making '${clip(node.outputs[0] ?? '')}'`})`;
}

/** A refusal naming the node: `Conv (node '/0/Conv'): group 2: simdnet's conv2d has group 1`. */
export function unsupported(node: OnnxNode, message: string): never {
  return fail('ONNX_UNSUPPORTED', `${nodeLabel(node)}: ${message}`);
}

function attribute(node: OnnxNode, name: string, type: number): OnnxAttribute | undefined {
  const a = node.attributes.find((x) => x.name === name);
  if (a && a.type !== type) fail('MODEL_FORMAT', `${nodeLabel(node)}: attribute ${name} has type ${a.type}, expected ${type}`);
  return a;
}

export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  return attribute(node, name, AttrType.INT)?.i ?? fallback;
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = attribute(node, name, AttrType.INTS);
  return a ? a.ints ?? [] : undefined;
}

export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  return attribute(node, name, AttrType.FLOAT)?.f ?? fallback;
}

export function attrString(node: OnnxNode, name: string, fallback: string): string {
  return attribute(node, name, AttrType.STRING)?.s ?? fallback;
}

/** A constant's float values with the dims they must have (any dims of the same count when `loose`). */
export function floatsOf(node: OnnxNode, t: OnnxTensor, what: string, dims?: readonly number[]): Float32Array {
  if (!t.floats) unsupported(node, `${what} '${clip(t.name)}' has element type ${t.dataType}; simdnet reads float32 and float64 weights`);
  if (dims && (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i]))) {
    unsupported(node, `${what} '${clip(t.name)}' has dims [${t.dims.join(', ')}], expected [${dims.join(', ')}]`);
  }
  for (let i = 0; i < t.floats.length; i++) {
    if (!Number.isFinite(t.floats[i])) fail('MODEL_WEIGHTS', `${nodeLabel(node)}: ${what} '${clip(t.name)}' value ${i} is ${t.floats[i]}`);
  }
  return t.floats;
}

/** A constant's integer values. */
export function intsOf(node: OnnxNode, t: OnnxTensor, what: string): number[] {
  if (!t.ints) unsupported(node, `${what} '${clip(t.name)}' has element type ${t.dataType}, expected integers`);
  return t.ints;
}

/**
 * A constant added to a dense layer's output ([N, units]) or a conv's ([N, units, h, w]) as a bias:
 * one value, or one per unit ([units] or [1, units]; conv: [units, 1, 1] or [1, units, 1, 1]).
 */
export function perUnit(node: OnnxNode, t: OnnxTensor, units: number, what: string, conv: boolean): Float32Array {
  const v = floatsOf(node, t, what);
  const rank = conv ? 3 : 1, dims = [...t.dims];
  while (dims.length > rank && dims[0] === 1) dims.shift();
  const scalar = v.length === 1 && t.dims.length <= rank + 1;
  const ok = t.dims.length <= rank + 1 && dims.length === rank && dims[0] === units && dims.slice(1).every((x) => x === 1);
  if (!scalar && !ok) unsupported(node, `${what} '${clip(t.name)}' has dims [${t.dims.join(', ')}]; a bias needs one value per ${conv ? 'channel ([C, 1, 1])' : 'unit'} (${units}) or one value`);
  return scalar ? new Float32Array(units).fill(v[0]) : v;
}
