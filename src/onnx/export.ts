/**
 * toOnnx: a network as an ONNX model (opset 13, IR version 7). The graph maps the input
 * [N, ...input] (an image input [h, w, c] as NCHW [N, c, h, w]) to [N, outputs], equal to predict()
 * by default: the loss's output function (Softmax for softmax-cross-entropy, Sigmoid for
 * sigmoid-cross-entropy) ends the graph; `output: 'logits'` leaves it off. Each layer type writes its
 * own nodes (./layers/); names follow our tensor names (dense0.weights, conv2d2, …).
 */
import type { Network } from '../nn/network';
import { sizeOf } from '../nn/layer';
import { LOSSES } from '../nn/losses';
import type { LayerSpec } from '../nn/layers/index';
import { fail } from '../errors';
import { GraphBuilder, attr, onnxDims, type Value } from './layout';
import { DataType, encodeModel, type OnnxModel } from './onnx-proto';
import { ONNX_LAYERS } from './layers/index';
import type { LayerOnnx } from './layer-onnx';

/** The ONNX opset the exporter writes. */
export const ONNX_OPSET = 13;
/** The IR version that goes with opset 13. */
export const ONNX_IR_VERSION = 7;

export interface ToOnnxOptions {
  /**
   * 'probabilities' (default): the graph ends in the loss's output function, as predict() does
   * (Softmax for softmax-cross-entropy, Sigmoid for sigmoid-cross-entropy); 'logits': without it.
   * For mse and squared-error both are the raw outputs.
   */
  output?: 'probabilities' | 'logits';
  /** How an image input is laid out: 'nchw' (default, [N, c, h, w], as PyTorch) or 'nhwc' ([N, h, w, c], ours). */
  imageInput?: 'nchw' | 'nhwc';
  /** The graph's name (default 'simdnet'). */
  name?: string;
}

export function toOnnx(net: Network, options: ToOnnxOptions = {}): Uint8Array {
  return encodeModel(toOnnxModel(net, options));
}

/** The model before encoding (tests and tools read it). */
export function toOnnxModel(net: Network, options: ToOnnxOptions = {}): OnnxModel {
  net.assertUsable('toOnnx');
  const output = options.output ?? 'probabilities';
  if (output !== 'probabilities' && output !== 'logits') fail('ARGUMENT', `toOnnx: output must be 'probabilities' or 'logits', got ${JSON.stringify(output)}`);
  const imageInput = options.imageInput ?? 'nchw';
  if (imageInput !== 'nchw' && imageInput !== 'nhwc') fail('ARGUMENT', `toOnnx: imageInput must be 'nchw' or 'nhwc', got ${JSON.stringify(imageInput)}`);
  const weights = net.getWeights();
  net.assertFiniteWeights('toOnnx', weights);

  const graph = new GraphBuilder();
  const image = net.inputShape.length === 3 && imageInput === 'nchw';
  let x: Value = { name: graph.unique('input'), layout: image ? 'nchw' : 'ours', dims: net.inputShape };
  const input = { name: x.name, elemType: DataType.FLOAT, dims: ['N', ...onnxDims(x)] };
  net.specs.forEach((spec, index) => {
    const prefix = `${spec.type}${index}`;
    const tensor = (param: string) => {
      const t = net.tensors.find((p) => p.layer === index && p.param === param) ?? fail('ARGUMENT', `toOnnx: ${prefix} has no tensor '${param}'`);
      return weights.slice(t.offset, t.offset + t.count);
    };
    x = (ONNX_LAYERS[spec.type] as LayerOnnx<LayerSpec>).export(spec, x, { graph, prefix, tensor });
  });

  // [N, outputs] in our order, then the output function.
  x = graph.toOurs(x, 'output');
  if (x.dims.length > 1) x = graph.toFlat(x, 'output');
  const fn = LOSSES[net.loss].output;
  let outName = output === 'logits' || fn === 'identity' ? (fn === 'identity' ? 'outputs' : 'logits') : 'probabilities';
  if (output === 'probabilities' && fn !== 'identity') {
    x = { ...x, name: graph.node(fn === 'softmax' ? 'Softmax' : 'Sigmoid', [x.name], outName, fn === 'softmax' ? [attr.int('axis', 1)] : []) };
  } else {
    x = { ...x, name: graph.node('Identity', [x.name], outName) };
  }
  outName = x.name;

  return {
    irVersion: ONNX_IR_VERSION,
    opsets: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'simdnet',
    producerVersion: '',
    docString: net.describe(),
    graph: {
      name: options.name ?? 'simdnet',
      nodes: graph.nodes,
      initializers: graph.initializers,
      inputs: [input],
      outputs: [{ name: outName, elemType: DataType.FLOAT, dims: ['N', sizeOf(x.dims)] }],
      sparseInitializers: 0,
    },
    metadata: { 'simdnet.loss': net.loss, 'simdnet.output': output === 'logits' || fn === 'identity' ? 'logits' : 'probabilities', 'simdnet.describe': net.describe() },
  };
}
