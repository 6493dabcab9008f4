#!/usr/bin/python3
"""PyTorch peer of `lrbench train --model cnn001`: the identical model, data,
initialisation family, optimizer and batch size, on the same thread count.

cnn001 (tutorial 001): Conv2d(1->32, 3x3, valid) + ReLU -> MaxPool 2x2 ->
Flatten (32*13*13 = 5408) -> Linear(5408 -> 10), softmax cross-entropy.
Keras-style init (Glorot-uniform kernels, zero biases) unless --init pytorch.

  --mode throughput  times --steps training steps (forward, backward, step)
                     after --warmup steps; prints samples/s as JSON.
  --mode accuracy    trains --epochs epochs over the shuffled training set and
                     reports test loss/accuracy after each epoch as JSON.

Data: Fashion-MNIST IDX files (raw or .gz) from --data-dir (default
$LRBENCH_DATA_DIR or /usr/share/datasets/fashion-mnist), pixels / 255.
"""
import argparse
import gzip
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

DEFAULT_DIR = os.environ.get("LRBENCH_DATA_DIR", "/usr/share/datasets/fashion-mnist")


def read_idx(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            ndim = data[3]
            dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    sys.exit(f"train_peer.py: no {stem}[.gz] in {directory}")


def load(directory):
    xtr = read_idx(directory, "train-images-idx3-ubyte").astype(np.float32) / 255.0
    ytr = read_idx(directory, "train-labels-idx1-ubyte").astype(np.int64)
    xte = read_idx(directory, "t10k-images-idx3-ubyte").astype(np.float32) / 255.0
    yte = read_idx(directory, "t10k-labels-idx1-ubyte").astype(np.int64)
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
    return t(xtr[:, None]), t(ytr), t(xte[:, None]), t(yte)


class Cnn001(torch.nn.Module):
    def __init__(self, init):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 32, 3)
        self.fc = torch.nn.Linear(32 * 13 * 13, 10)
        if init == "keras":
            for m in (self.conv, self.fc):
                torch.nn.init.xavier_uniform_(m.weight)
                torch.nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.fc(torch.flatten(x, 1))


def make_optimizer(name, params, lr):
    if name == "adam":  # Keras defaults: eps 1e-7
        return torch.optim.Adam(params, lr=lr, eps=1e-7)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "rmsprop":  # Keras defaults: rho 0.9, eps 1e-7
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)
    sys.exit(f"train_peer.py: unknown optimizer {name}")


def evaluate(model, x, y):
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            out = model(x[i:i + 1000])
            loss += F.cross_entropy(out, y[i:i + 1000], reduction="sum").item()
            correct += (out.argmax(1) == y[i:i + 1000]).sum().item()
    model.train()
    return loss / len(x), correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["throughput", "accuracy"], default="throughput")
    ap.add_argument("--optimizer", choices=["adam", "sgd", "rmsprop"], default="adam")
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", choices=["keras", "pytorch"], default="keras")
    ap.add_argument("--data-dir", default=DEFAULT_DIR)
    args = ap.parse_args()
    lr = args.lr if args.lr is not None else {"adam": 1e-3, "sgd": 1e-2, "rmsprop": 1e-3}[args.optimizer]

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    xtr, ytr, xte, yte = load(args.data_dir)
    model = Cnn001(args.init)
    opt = make_optimizer(args.optimizer, model.parameters(), lr)
    result = {"context": {"torch_version": torch.__version__, "threads": torch.get_num_threads(),
                          "python": platform.python_version()},
              "model": "cnn001", "optimizer": args.optimizer, "lr": lr, "batch": args.batch,
              "init": args.init, "seed": args.seed}

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    if args.mode == "throughput":
        n = len(xtr)
        for i in range(args.warmup):
            j = (i * args.batch) % (n - args.batch)
            step(xtr[j:j + args.batch], ytr[j:j + args.batch])
        rates, best = [], float("inf")
        for _ in range(args.reps):
            t0 = time.perf_counter()
            for i in range(args.steps):
                j = (i * args.batch) % (n - args.batch)
                t1 = time.perf_counter()
                step(xtr[j:j + args.batch], ytr[j:j + args.batch])
                best = min(best, time.perf_counter() - t1)
            rates.append(args.steps * args.batch / (time.perf_counter() - t0))
        # best_samples_per_second: the fastest single step, the statistic of
        # bench/models/step_best (what the code does when nothing interrupts it).
        result.update(samples_per_second=statistics.median(rates), reps=rates,
                      best_samples_per_second=args.batch / best)
        print(f"torch cnn001 batch {args.batch}, {args.threads} threads: "
              f"{statistics.median(rates):.0f} samples/s (best step {args.batch / best:.0f})",
              file=sys.stderr)
    else:
        g = torch.Generator().manual_seed(args.seed)
        epochs = []
        t_start = time.perf_counter()
        for epoch in range(args.epochs):
            perm = torch.randperm(len(xtr), generator=g)
            total, count = 0.0, 0
            for i in range(0, len(xtr), args.batch):
                idx = perm[i:i + args.batch]
                total += step(xtr[idx], ytr[idx]).item() * len(idx)
                count += len(idx)
            test_loss, test_acc = evaluate(model, xte, yte)
            epochs.append({"epoch": epoch + 1, "train_loss": total / count,
                           "test_loss": test_loss, "test_accuracy": test_acc,
                           "wall_s": time.perf_counter() - t_start})
            print(f"torch epoch {epoch + 1}: train loss {total / count:.4f} test acc {test_acc:.4f}",
                  file=sys.stderr)
        result.update(epochs=epochs)
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
