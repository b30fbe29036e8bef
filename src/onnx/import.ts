/**
 * fromOnnx: an ONNX model as a simdnet Network. The graph must be a chain from one float input
 * ([N, features], [N, steps, features], or an image [N, C, H, W]; [N, H, W, C] when a Transpose to
 * NCHW reads it) through operators our layers express (./layers/, ./shape-ops.ts) to one output.
 * Every operator outside that list is named, with its nodes, in one ONNX_UNSUPPORTED error before
 * anything else is done; an operator used in a way our layers cannot express is refused naming
 * its node. What the graph ends in sets the loss: Softmax or LogSoftmax → softmax-cross-entropy,
 * Sigmoid → sigmoid-cross-entropy, anything else → `options.loss`, the loss a simdnet export wrote
 * into the metadata, or mse (predict() then returns the graph's outputs as they are).
 */
import type { Backend } from '../kernels/backend';
import type { Shape } from '../nn/layer';
import { buildLayers, type LayerSpec } from '../nn/layers/index';
import type { ActivationName } from '../nn/layers/activation';
import { LOSS_NAMES, type LossName } from '../nn/losses';
import { asModelError } from '../nn/network-json';
import { Network } from '../io/network';
import { fail, SimdnetError } from '../errors';
import { decodeModel, clip, DEFAULT_MAX_ELEMENTS, DataType, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-proto';
import type { Value } from './layout';
import { nodeLabel, unsupported, type ImportContext, type OutputFunction } from './layer-onnx';
import { ONNX_OPS } from './layers/index';

export interface FromOnnxOptions {
  /**
   * The loss of a network whose graph ends in raw outputs (no Softmax, LogSoftmax or Sigmoid):
   * default the loss in a simdnet export's metadata, else 'mse' (predict() gives the graph's outputs).
   */
  loss?: LossName;
  /** The most weights the model may hold (default 100,000,000), and the largest tensor. */
  maxParams?: number;
  /** The most messages, strings and list values the protobuf may hold (default 1,000,000). */
  maxItems?: number;
  /** The name for errors (default 'ONNX model'). */
  name?: string;
}

/** What the graph ended in: predict() gives probabilities for softmax/log-softmax (exp of the graph's output for log-softmax) and sigmoid, raw outputs otherwise (unless a loss was chosen). */
export type GraphOutput = OutputFunction | 'raw';

export interface ImportedOnnx {
  net: Network;
  graphOutput: GraphOutput;
  /** How the input is laid out: 'flat' [N, features], 'sequence' [N, steps, features], 'nchw' or 'nhwc' images. */
  inputLayout: 'flat' | 'sequence' | 'nchw' | 'nhwc';
  inputName: string;
  outputName: string;
  /** The ONNX opset (ai.onnx domain) of the model. */
  opset: number;
}

/** Opsets whose semantics for our operators this importer knows. */
const MIN_OPSET = 7, MAX_OPSET = 23;

export function fromOnnx(backend: Backend, bytes: Uint8Array, options: FromOnnxOptions = {}): Network {
  return importOnnx(backend, bytes, options).net;
}

export function importOnnx(backend: Backend, bytes: Uint8Array, options: FromOnnxOptions = {}): ImportedOnnx {
  const where = options.name ?? 'ONNX model';
  const maxParams = options.maxParams ?? DEFAULT_MAX_ELEMENTS;
  if (options.loss !== undefined && !LOSS_NAMES.includes(options.loss)) fail('ARGUMENT', `fromOnnx: unknown loss '${options.loss}'; expected ${LOSS_NAMES.join(', ')}`);
  const model = withName(where, () => decodeModel(bytes, { maxElements: maxParams, maxItems: options.maxItems }));
  const result = withName(where, () => convert(model, options, maxParams));
  const net = asModelError(where, () => new Network(backend, { input: result.input, layers: result.specs, loss: result.loss }));
  try {
    const w = new Float32Array(net.paramCount);
    for (const t of net.tensors) {
      const values = result.tensors[t.layer]?.[t.param];
      if (values?.length !== t.count) fail('MODEL_SHAPE', `${where}: ${t.name} needs ${t.count} values, the graph gave ${values?.length ?? 0}`);
      w.set(values, t.offset);
    }
    net.setWeights(w);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return { net, graphOutput: result.graphOutput, inputLayout: result.inputLayout, inputName: result.inputName, outputName: result.outputName, opset: result.opset };
}

/** Prefixes the errors of `fn` with the model's name. */
function withName<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SimdnetError && !e.message.startsWith(where)) e.message = `${where}: ${e.message}`;
    throw e;
  }
}

interface Converted {
  input: Shape;
  specs: LayerSpec[];
  tensors: Record<string, Float32Array>[];
  loss: LossName;
  graphOutput: GraphOutput;
  inputLayout: ImportedOnnx['inputLayout'];
  inputName: string;
  outputName: string;
  opset: number;
}

function convert(model: OnnxModel, options: FromOnnxOptions, maxParams: number): Converted {
  const opsets = model.opsets.filter((o) => o.domain === '' || o.domain === 'ai.onnx');
  const opset = opsets.length ? Math.max(...opsets.map((o) => o.version)) : 0;
  if (!(opset >= MIN_OPSET && opset <= MAX_OPSET)) fail('ONNX_UNSUPPORTED', `opset ${opset || '(none)'} of ai.onnx; simdnet imports opsets ${MIN_OPSET} to ${MAX_OPSET}`);
  const g = model.graph;
  checkOperators(g);
  if (g.sparseInitializers) fail('ONNX_UNSUPPORTED', `the graph has ${g.sparseInitializers} sparse initializers; simdnet reads dense tensors only`);
  if (g.outputs.length !== 1) fail('ONNX_UNSUPPORTED', `the graph has ${g.outputs.length} outputs; simdnet imports graphs with one`);

  const ctx = new Importer(g, opset, maxParams);
  for (const node of g.nodes) ONNX_OPS[node.opType](node, ctx);
  return ctx.finish(model, options);
}

/** Refuses every operator we do not import, all named in one message. */
function checkOperators(g: OnnxGraph): void {
  const bad = new Map<string, string[]>();
  for (const n of g.nodes) {
    const known = (n.domain === '' || n.domain === 'ai.onnx') && Object.hasOwn(ONNX_OPS, n.opType);
    if (!known) {
      const op = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
      const list = bad.get(clip(op)) ?? [];
      list.push(n.name ? `'${clip(n.name)}'` : `making '${clip(n.outputs[0] ?? '')}'`);
      bad.set(clip(op), list);
    }
  }
  if (!bad.size) return;
  const ops = [...bad].slice(0, 20).map(([op, names]) => {
    const shown = names.slice(0, 5).join(', ');
    return `${op} (node${names.length > 1 ? 's' : ''} ${shown}${names.length > 5 ? ` and ${names.length - 5} more` : ''})`;
  });
  fail('ONNX_UNSUPPORTED', `unsupported operators: ${ops.join('; ')}${bad.size > 20 ? `; and ${bad.size - 20} more operator types` : ''}. simdnet imports ${Object.keys(ONNX_OPS).sort().join(', ')}`);
}

/** Where the last dense or conv2d layer stands for fusing a following bias Add and activation. */
interface Fusable {
  spec: LayerSpec & { activation: ActivationName };
  /** The value a bias Add may read (the layer's output, or a previous bias Add's); '' once closed. */
  biasValue: string;
  units: number;
  bias: Float32Array;
  activationOpen: boolean;
}

class Importer implements ImportContext {
  private readonly constants = new Map<string, OnnxTensor>();
  private readonly values = new Map<string, Value>();
  private current: Value;
  shape: Shape;
  readonly inputShape: Shape;
  readonly specs: LayerSpec[] = [];
  readonly tensors: Record<string, Float32Array>[] = [];
  readonly fixedBatch: number | undefined;
  private fusable: Fusable | undefined;
  private ended: { fn: OutputFunction; node: OnnxNode } | undefined;
  private readonly used = new Set<string>();
  private readonly firstReader = new Map<string, OnnxNode>();
  private readonly outputAliases = new Set<string>();
  private readonly outputName: string;
  private readonly inputName: string;
  private readonly inputLayout: ImportedOnnx['inputLayout'];
  private params = 0;

  constructor(private readonly g: OnnxGraph, readonly opset: number, private readonly maxParams: number) {
    for (const t of g.initializers) this.constants.set(t.name, t);
    // Lookups the operators need, made once (a graph may have 100,000s of nodes: nothing quadratic).
    const producer = new Map<string, OnnxNode>();
    for (const n of g.nodes) {
      for (const i of n.inputs) {
        this.used.add(i);
        if (!this.firstReader.has(i)) this.firstReader.set(i, n);
      }
      for (const o of n.outputs) producer.set(o, n);
    }
    this.outputName = g.outputs[0].name;
    this.used.add(this.outputName);
    // The graph's output and the values Identity nodes copy into it.
    for (let name: string | undefined = this.outputName; name !== undefined && !this.outputAliases.has(name);) {
      this.outputAliases.add(name);
      const p = producer.get(name);
      name = p?.opType === 'Identity' ? p.inputs[0] : undefined;
    }
    const inputs = g.inputs.filter((i) => !this.constants.has(i.name));
    if (inputs.length !== 1) fail('ONNX_UNSUPPORTED', `the graph has ${inputs.length} inputs (${inputs.map((i) => `'${clip(i.name)}'`).join(', ')}); simdnet imports graphs with one`);
    const input = inputs[0];
    this.inputName = input.name;
    if (input.elemType !== DataType.FLOAT) fail('ONNX_UNSUPPORTED', `input '${clip(input.name)}' has element type ${input.elemType}; simdnet takes float32 inputs`);
    const dims = input.dims ?? [];
    const rest = dims.slice(1);
    if (dims.length < 2 || dims.length > 4 || !rest.every((d): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d > 0)) {
      fail('ONNX_UNSUPPORTED', `input '${clip(input.name)}' has shape [${dims.map((d) => d ?? '?').join(', ')}]; simdnet needs [batch, features], [batch, steps, features] or [batch, C, H, W] with every size but the batch known`);
    }
    this.fixedBatch = typeof dims[0] === 'number' && dims[0] > 0 ? dims[0] : undefined;
    if (rest.length === 3) {
      // NHWC when the first operation is a Transpose to NCHW (as converters from TensorFlow write).
      const nhwc = this.readAsNhwc(input.name);
      this.inputLayout = nhwc ? 'nhwc' : 'nchw';
      this.inputShape = nhwc ? rest : [rest[1], rest[2], rest[0]];
      this.current = { name: input.name, layout: nhwc ? 'ours' : 'nchw', dims: this.inputShape };
    } else {
      this.inputLayout = rest.length === 1 ? 'flat' : 'sequence';
      this.inputShape = rest;
      this.current = { name: input.name, layout: 'ours', dims: rest };
    }
    if (rest.reduce((a, b) => a * b, 1) > 2 ** 24) fail('ONNX_UNSUPPORTED', `input '${clip(input.name)}': more than 16.7 M values per example`);
    this.shape = this.inputShape;
    this.values.set(input.name, this.current);
  }

  isConstant(node: OnnxNode, i: number): boolean {
    return this.constants.has(node.inputs[i] ?? '');
  }

  input(node: OnnxNode, i = 0): Value {
    const name = node.inputs[i];
    if (name === undefined || name === '') unsupported(node, `input ${i} is missing`);
    if (this.constants.has(name)) unsupported(node, `input ${i} ('${clip(name)}') is a constant; simdnet applies ${node.opType} to the data`);
    const v = this.values.get(name);
    if (!v) fail('MODEL_FORMAT', `${nodeLabel(node)}: reads '${clip(name)}', which no earlier node or input makes (the nodes are not in order?)`);
    if (v !== this.current) unsupported(node, `reads '${clip(name)}', not the value before it: simdnet imports graphs that are one chain of operations`);
    if (this.ended && node.opType !== 'Identity') unsupported(node, `comes after the graph's ${this.ended.node.opType} ('${clip(this.ended.node.name)}'), which simdnet applies only as the network's output`);
    return v;
  }

  constant(node: OnnxNode, i: number, what: string): OnnxTensor | undefined {
    const name = node.inputs[i];
    if (name === undefined || name === '') return undefined;
    const t = this.constants.get(name);
    if (!t) unsupported(node, `${what} ('${clip(name)}') must be a constant (an initializer), not computed from the input`);
    return t;
  }

  outputConstant(node: OnnxNode, t: OnnxTensor): void {
    this.constants.set(node.outputs[0], t);
  }

  output(node: OnnxNode, v: Omit<Value, 'name'>, keep?: 'bias' | 'activation'): void {
    if (!node.outputs[0]) fail('MODEL_FORMAT', `${nodeLabel(node)}: has no output`);
    this.current = { name: node.outputs[0], layout: v.layout, dims: v.dims };
    this.values.set(this.current.name, this.current);
    const f = this.fusable;
    if (!f) return;
    if (keep === 'bias') f.biasValue = this.current.name;
    else f.biasValue = '';
    if (!keep) f.activationOpen = false;
  }

  get biasTarget(): ImportContext['biasTarget'] {
    const f = this.fusable;
    return f && f.biasValue ? { value: f.biasValue, units: f.units, bias: f.bias } : undefined;
  }

  addLayer(node: OnnxNode, spec: LayerSpec, tensors: Record<string, Float32Array>, out: Omit<Value, 'name'>): Shape {
    const layers = (() => {
      try {
        return buildLayers(this.shape, [spec]).layers;
      } catch (e) {
        return unsupported(node, `as ${spec.type}: ${(e as Error).message.replace(/^layer 0( \([^)]*\))?: /, '')}`);
      }
    })();
    for (const l of layers) for (const p of l.params()) this.params += p.shape.reduce((a, b) => a * b, 1);
    if (this.params > this.maxParams) fail('MODEL_LIMIT', `the layers need more than ${this.maxParams} parameters (the maxParams limit)`);
    this.shape = layers[layers.length - 1].outShape;
    const expect = out.layout === 'chw' ? [out.dims.reduce((a, b) => a * b, 1)] : out.dims;
    if (this.shape.join() !== expect.join()) fail('MODEL_SHAPE', `${nodeLabel(node)}: as ${spec.type} it gives [${this.shape.join(', ')}], the graph [${expect.join(', ')}]`);
    this.specs.push(spec);
    this.tensors.push(tensors);
    const open = this.fusable?.activationOpen;
    this.output(node, out, 'activation');
    if (spec.type === 'dense' || spec.type === 'conv2d') {
      this.fusable = { spec, biasValue: this.current.name, units: spec.type === 'dense' ? spec.units : spec.filters, bias: tensors.bias, activationOpen: true };
    } else if (this.fusable) {
      // Pooling, flatten, reshape and dropout commute with a monotone element-wise activation.
      this.fusable.activationOpen = !!open && ['maxPool2d', 'flatten', 'reshape', 'dropout'].includes(spec.type);
      this.fusable.biasValue = '';
    }
    return this.shape;
  }

  activate(node: OnnxNode, activation: Exclude<ActivationName, 'linear'>): void {
    const f = this.fusable;
    if (!f || !f.activationOpen || f.spec.activation !== 'linear') {
      unsupported(node, `simdnet applies ${activation} only as the activation of the dense (Gemm/MatMul) or conv layer before it${f && f.spec.activation !== 'linear' ? `, which already has ${f.spec.activation}` : ''}`);
    }
    f.spec.activation = activation;
    this.output(node, this.current);
  }

  isGraphOutput(node: OnnxNode): boolean {
    return this.outputAliases.has(node.outputs[0]);
  }

  readAsNhwc(name: string): boolean {
    const reader = this.firstReader.get(name);
    return reader?.opType === 'Transpose' && reader.attributes.find((a) => a.name === 'perm')?.ints?.join() === '0,3,1,2';
  }

  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  end(node: OnnxNode, fn: OutputFunction, v: Value): void {
    this.output(node, v);
    this.ended = { fn, node };
  }

  finish(model: OnnxModel, options: FromOnnxOptions): Converted {
    const out = this.values.get(this.outputName);
    if (!out || out !== this.current) {
      fail('ONNX_UNSUPPORTED', `the graph's output '${clip(this.outputName)}' is not the end of its chain of operations${this.constants.has(this.outputName) ? ' (it is a constant)' : ''}`);
    }
    if (this.specs.length === 0) fail('ONNX_UNSUPPORTED', 'the graph has no layer simdnet can hold (no Gemm, MatMul, Conv, MaxPool, …)');
    if (out.layout === 'chw' && !(out.dims[2] === 1 || out.dims[0] * out.dims[1] === 1)) {
      fail('ONNX_UNSUPPORTED', `the graph's output is a ${out.dims.join('×')} feature map flattened in NCHW order; simdnet's NHWC layers give it in another order`);
    }
    if (out.layout === 'nchw' && out.dims[2] !== 1) fail('ONNX_UNSUPPORTED', `the graph's output is an NCHW feature map of ${out.dims[2]} channels; simdnet's NHWC layers give it in another order`);
    // A flatten right before a dense layer says nothing (a dense layer flattens its input): drop it,
    // so an imported network reads like one written here (conv, pool, …, dense).
    const keep = this.specs.map((s, i) => !(s.type === 'flatten' && this.specs[i + 1]?.type === 'dense'));
    const specs = this.specs.filter((_, i) => keep[i]), tensors = this.tensors.filter((_, i) => keep[i]);
    const fn = this.ended?.fn;
    const graphOutput: GraphOutput = fn ?? 'raw';
    let loss: LossName = fn === 'sigmoid' ? 'sigmoid-cross-entropy' : fn ? 'softmax-cross-entropy' : 'mse';
    if (!fn) {
      const written = model.metadata['simdnet.loss'] as LossName | undefined;
      loss = options.loss ?? (written && LOSS_NAMES.includes(written) ? written : 'mse');
    } else if (options.loss && options.loss !== loss) {
      fail('ARGUMENT', `the graph ends in ${this.ended!.node.opType}, which is ${loss}'s output; loss '${options.loss}' would change its outputs`);
    }
    return {
      input: this.inputShape, specs, tensors, loss, graphOutput,
      inputLayout: this.inputLayout, inputName: this.inputName, outputName: this.outputName, opset: this.opset,
    };
  }
}
