// Activations and output functions. Not a layer type (dense and conv2d carry an activation, as in
// nn/layers/activation.ts): export appends the activation's node after its layer; import gives an
// activation node to the dense or conv2d layer before it, and takes Softmax, LogSoftmax and a last
// Sigmoid as the network's output function (its loss).
import type { ActivationName } from '../../nn/layers/activation';
import { LEAKY_SLOPE } from '../../nn/layers/activation';
import { attr, inOurOrder, type GraphBuilder, type Value } from '../layout';
import { attrFloat, attrInt, unsupported, type OpImport } from '../layer-onnx';

const OPS: Readonly<Record<Exclude<ActivationName, 'linear'>, string>> = { relu: 'Relu', 'leaky-relu': 'LeakyRelu', tanh: 'Tanh', sigmoid: 'Sigmoid' };

/** y = act(x): one node (none for linear). */
export function exportActivation(graph: GraphBuilder, x: Value, activation: ActivationName, prefix: string): Value {
  if (activation === 'linear') return x;
  const attributes = activation === 'leaky-relu' ? [attr.float('alpha', LEAKY_SLOPE)] : [];
  return { ...x, name: graph.node(OPS[activation], [x.name], `${prefix}.${activation}`, attributes) };
}

const activation = (name: Exclude<ActivationName, 'linear'>): OpImport => (node, ctx) => {
  ctx.input(node);
  ctx.activate(node, name);
};

/** Softmax / LogSoftmax over the features of [N, features], as the graph's last operation. */
const outputFunction = (fn: 'softmax' | 'log-softmax'): OpImport => (node, ctx) => {
  const x = ctx.input(node);
  // Before opset 13 the default axis was 1 (over the flattened rest); on [N, features] the same.
  const axis = attrInt(node, 'axis', ctx.opset >= 13 ? -1 : 1);
  const flat = x.layout === 'chw' || (x.layout === 'ours' && x.dims.length === 1);
  if (!flat || !(axis === 1 || axis === -1)) unsupported(node, `simdnet applies ${node.opType} over the features of [batch, features] (axis 1); got axis ${axis} on a rank-${x.layout === 'nchw' ? 4 : x.dims.length + 1} value`);
  if (!inOurOrder(x)) unsupported(node, `over a feature map flattened in NCHW order: simdnet's output is NHWC-ordered`);
  if (!ctx.isGraphOutput(node)) unsupported(node, 'simdnet applies softmax only as the network\'s output, and this node is not the graph\'s last');
  ctx.end(node, fn, x);
};

export const ACTIVATION_IMPORTS: Readonly<Record<string, OpImport>> = {
  Relu: activation('relu'),
  Tanh: activation('tanh'),
  LeakyRelu(node, ctx) {
    const alpha = attrFloat(node, 'alpha', 0.01);
    if (Math.fround(alpha) !== Math.fround(LEAKY_SLOPE)) unsupported(node, `alpha ${alpha}: simdnet's leaky-relu has slope ${LEAKY_SLOPE}`);
    activation('leaky-relu')(node, ctx);
  },
  /** The graph's last Sigmoid is the output function (sigmoid-cross-entropy); any other an activation. */
  Sigmoid(node, ctx) {
    if (!ctx.isGraphOutput(node)) return activation('sigmoid')(node, ctx);
    const x = ctx.input(node);
    if (!inOurOrder(x)) unsupported(node, 'over a feature map in NCHW order: simdnet\'s output is NHWC-ordered');
    ctx.end(node, 'sigmoid', x);
  },
  Softmax: outputFunction('softmax'),
  LogSoftmax: outputFunction('log-softmax'),
};
