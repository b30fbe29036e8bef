// `simdnet export` and `simdnet import` (the built CLI: dist/ is built before vitest starts).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Network, loadModel, saveModel } from '../src/io/network';
import { dense, eurnnClassifier } from '../src/nn/layers/index';
import { DIGIT_MODEL_BYTES } from '../src/digits-entry';
import { deserializeModel } from '../src/io/network';
import { loadMnist } from '../src/data/mnist-node';
import { encodeModel, DataType } from '../src/onnx/onnx-proto';
import { relativeError, runOnnx } from './support/onnx';

const BIN = fileURLToPath(new URL('../bin/simdnet.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/onnx/${name}`, import.meta.url));

let dir: string;
let backend: Backend;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simdnet-onnx-cli-'));
  backend = await createBackend();
});

describe('simdnet export / import', () => {
  it('export --pretrained writes the digit model, which runs in onnxruntime-node with our probabilities', async () => {
    const out = join(dir, 'digits.onnx');
    const r = run('export', '--pretrained', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/digits\.onnx: 71,\d{3} bytes, ONNX opset 13; 28×28×1-conv3×3×12\(relu\)-pool2-conv3×3×24\(relu\)-pool2-conv3×3×48\(relu\)-10 softmax-cross-entropy, 17,482 parameters\n  input input \[N, 1, 28, 28\], output probabilities \[N, 10\]/);
    const { test } = await loadMnist({ limit: 50 });
    const x = Float32Array.from(test.x as Uint8Array, (v) => v / 255);
    const { net } = deserializeModel(backend, DIGIT_MODEL_BYTES);
    const theirs = await runOnnx('onnxruntime-node', readFileSync(out), x, [50, 1, 28, 28]);
    expect(relativeError(theirs, net.predict(x), 10).norm).toBeLessThan(1e-5);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]); // written atomically, nothing left over
    net.dispose();
  });

  it('export MODEL --logits, then import gives back the same network and outputs', async () => {
    const net = new Network(backend, { input: 784, layers: [dense(32, 'relu'), dense(10)], init: 'he', seed: 3 });
    const model = join(dir, 'mlp.simdnet'), onnx = join(dir, 'mlp.onnx'), back = join(dir, 'back.json');
    await saveModel(net, model);
    let r = run('export', model, onnx, '--logits');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/output logits \[N, 10\]/);
    r = run('import', onnx, back);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/back\.json: 784-32\(relu\)-10 softmax-cross-entropy, 25,450 parameters\n  from mlp\.onnx: opset 13, input input \(flat\), graph ends in raw outputs \(loss softmax-cross-entropy\)/);
    const { net: copy, metadata } = await loadModel(backend, back);
    expect(metadata).toMatchObject({ importedFrom: 'mlp.onnx', onnxOpset: 13, graphOutput: 'raw' });
    const x = Float32Array.from({ length: 784 * 3 }, (_, i) => (i % 17) / 17);
    expect(copy.predict(x)).toEqual(net.predict(x));
    net.dispose();
    copy.dispose();
  });

  it('import reads a PyTorch model (LogSoftmax) into a model file that evaluate scores on MNIST', () => {
    const out = join(dir, 'torch-cnn.simdnet');
    const r = run('import', fixture('cnn-view.onnx'), out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/graph ends in LogSoftmax \(predict\(\) gives the probabilities, exp of its output\)/);
    const e = run('evaluate', '--model', out, '--json');
    expect(e.status, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).accuracy).toBeGreaterThan(0.9);
  });

  it('refusals: an EURNN model, unsupported operators (listed), a file that is not ONNX, bad arguments', async () => {
    const eurnn = new Network(backend, { input: [4, 1], layers: eurnnClassifier(8, { classes: 3 }), seed: 1 });
    const model = join(dir, 'eurnn.simdnet');
    await saveModel(eurnn, model);
    eurnn.dispose();
    let r = run('export', model, join(dir, 'eurnn.onnx'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^simdnet export: eurnn0: the EURNN layer cannot be exported to ONNX: its recurrence would need a Scan or Loop graph/);

    const lstm = join(dir, 'lstm.onnx');
    writeFileSync(lstm, encodeModel({
      irVersion: 7, opsets: [{ domain: '', version: 13 }], producerName: 't', producerVersion: '', docString: '', metadata: {},
      graph: {
        name: 'g', initializers: [], sparseInitializers: 0,
        nodes: [{ name: 'rnn1', opType: 'LSTM', domain: '', inputs: ['x'], outputs: ['h'], attributes: [] }, { name: 'norm', opType: 'LayerNormalization', domain: '', inputs: ['h'], outputs: ['y'], attributes: [] }],
        inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: ['N', 3, 4] }], outputs: [{ name: 'y', elemType: DataType.FLOAT }],
      },
    }));
    r = run('import', lstm, join(dir, 'lstm.simdnet'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^simdnet import: lstm\.onnx: unsupported operators: LSTM \(node 'rnn1'\); LayerNormalization \(node 'norm'\)\. simdnet imports Add, /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);

    r = run('import', model, join(dir, 'x.simdnet'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^simdnet import: eurnn\.simdnet: /);
    expect(readdirSync(dir)).not.toContain('x.simdnet');

    for (const [args, message] of [
      [['export', model], /give the model and the output file/],
      [['export', '--pretrained', 'a.onnx', '--probabilities', '--logits'], /give --probabilities or --logits, not both/],
      [['import', fixture('cnn-view.onnx'), join(dir, 'y.simdnet'), '--loss', 'hinge'], /--loss must be one of softmax-cross-entropy, sigmoid-cross-entropy, mse, squared-error; got 'hinge'/],
      [['import', fixture('cnn-view.onnx'), '/nonexistent-dir/y.simdnet'], /the directory \/nonexistent-dir does not exist/],
    ] as [string[], RegExp][]) {
      r = run(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('--help lists both commands', () => {
    const r = run('--help');
    expect(r.stdout).toMatch(/export {6}write a saved model as ONNX \(opset 13\)/);
    expect(r.stdout).toMatch(/simdnet import MODEL\.onnx OUT\.simdnet \[--loss NAME\]/);
  });
});
