# PyTorch beside bench/threads.ts (run by it where `import torch` works, e.g. Debian's
# python3-torch): the same workloads on 1 and 2 threads (torch.set_num_threads), interleaved,
# medians of ROUNDS. Prints one JSON line per workload and thread count: wall seconds per unit.
#   python3 bench/threads_torch.py TRAIN_IMAGES TRAIN_LABELS TEST_IMAGES ROUNDS CNN_IMAGES
import json, sys, time
import numpy as np
import torch

train_images, train_labels, test_images, rounds, cnn_images = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
torch.manual_seed(1)
def images(path, n=None):
    x = np.fromfile(path, dtype=np.uint8, offset=16).reshape(-1, 784)
    return torch.from_numpy(x[:n].astype(np.float32) / 255)
x = images(train_images, 50000)
y = torch.from_numpy(np.fromfile(train_labels, dtype=np.uint8, offset=8)[:50000].astype(np.int64))
xt = images(test_images)
loss_fn = torch.nn.CrossEntropyLoss()

def seed004():
    return torch.nn.Sequential(torch.nn.Linear(784, 80), torch.nn.ReLU(), torch.nn.Linear(80, 70), torch.nn.Tanh(), torch.nn.Linear(70, 10))
def cnn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(3136, 10))

def train_epoch(net, opt, n, shape):
    t0 = time.perf_counter()
    for b in range(0, n, 64):
        xb, yb = x[b:b + 64].reshape(shape), y[b:b + 64]
        opt.zero_grad()
        loss_fn(net(xb), yb).backward()
        opt.step()
    return time.perf_counter() - t0

def infer(net, shape):
    t0 = time.perf_counter()
    with torch.no_grad():
        net(xt.reshape(shape))
    return time.perf_counter() - t0

mlp, conv = seed004(), cnn()
mlp_opt, conv_opt = torch.optim.SGD(mlp.parameters(), lr=0.1), torch.optim.Adam(conv.parameters(), lr=1e-3)
WORKLOADS = {
    'seed-004 epoch (50k MNIST, batch 64)': lambda: train_epoch(mlp, mlp_opt, 50000, (-1, 784)),
    'CNN epoch (batch 64, scaled to 50k)': lambda: train_epoch(conv, conv_opt, cnn_images, (-1, 1, 28, 28)) * 50000 / cnn_images,
    'MLP inference, batch 10k (seed-004)': lambda: infer(mlp, (-1, 784)),
    'CNN inference, batch 10k': lambda: infer(conv, (-1, 1, 28, 28)),
}
for name, run in WORKLOADS.items():
    times = {1: [], 2: []}
    for t in (1, 2):
        torch.set_num_threads(t)
        run()  # warm-up
    for r in range(rounds):
        for t in (1, 2):
            torch.set_num_threads(t)
            times[t].append(run())
    for t in (1, 2):
        print(json.dumps({"bench": "threads", "peer": f"PyTorch {torch.__version__}", "workload": name, "threads": t, "seconds": float(np.median(times[t]))}), flush=True)
