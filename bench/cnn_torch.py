# PyTorch twin of bench/cnn.ts (run by it when `import torch` works, e.g. Debian's python3-torch):
# the same CNN (conv 5x5x32 same, relu, pool 2, conv 5x5x64 same, relu, pool 2, dense 10), Adam
# 1e-3, batch 64, on one thread, over the first BATCHES batches of the given MNIST IDX images.
# Prints one JSON line: seconds per batch for each round.
import json, sys, time
import numpy as np
import torch

images_path, labels_path, batches, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(1)
torch.manual_seed(1)
x = np.fromfile(images_path, dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)[: batches * 64]
y = np.fromfile(labels_path, dtype=np.uint8, offset=8)[: batches * 64]
x = torch.from_numpy(x.astype(np.float32) / 255)
y = torch.from_numpy(y.astype(np.int64))
net = torch.nn.Sequential(
    torch.nn.Conv2d(1, 32, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(32, 64, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Linear(3136, 10),
)
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()

def epoch():
    t0 = time.process_time()
    for b in range(batches):
        xb, yb = x[b * 64:(b + 1) * 64], y[b * 64:(b + 1) * 64]
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()
    return (time.process_time() - t0) / batches

epoch()  # warm-up
per_batch = []
for r in range(rounds):
    per_batch.append(epoch())
    # Tell the parent between rounds so it can interleave its own (it waits for this line).
    print(json.dumps({"round": r, "secondsPerBatch": per_batch[-1]}), flush=True)
    sys.stdin.readline()
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "secondsPerBatch": per_batch}), flush=True)
