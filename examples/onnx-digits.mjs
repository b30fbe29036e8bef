// The shipped digit classifier in ONNX Runtime: export it with toOnnx, run it in onnxruntime-node,
// compare with simdnet. node examples/onnx-digits.mjs
import * as ort from 'onnxruntime-node';
import { toOnnx } from 'simdnet/onnx';
import { loadDigitClassifier } from 'simdnet/digits';
import { loadMnist } from 'simdnet/node';

const clf = await loadDigitClassifier();
const model = toOnnx(clf.net); // ONNX opset 13: input [N, 1, 28, 28] → probabilities [N, 10]
const session = await ort.InferenceSession.create(model); // or a file: simdnet export --pretrained digits.onnx

const { test } = await loadMnist();
const n = 1000, x = Float32Array.from(test.x.subarray(0, n * 784), (v) => v / 255);
const { probabilities } = await session.run({ input: new ort.Tensor('float32', x, [n, 1, 28, 28]) });
const ours = clf.net.classify(x);
let right = 0, same = 0;
for (let i = 0; i < n; i++) {
  const p = Array.from(probabilities.data.subarray(10 * i, 10 * i + 10));
  const digit = p.indexOf(Math.max(...p));
  right += digit === test.y[i] ? 1 : 0;
  same += digit === ours[i] ? 1 : 0;
}
console.log(`onnxruntime-node ${ort.env.versions.common}: ${right} of ${n} MNIST test digits right; the same class as simdnet for ${same}`);
