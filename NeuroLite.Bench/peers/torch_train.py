#!/usr/bin/python3
"""PyTorch peer of `NeuroLite.Bench train`: the same three training-step workloads and the same digits run, float64,
one thread, printing the same rows in the same units.

    /usr/bin/python3 NeuroLite.Bench/peers/torch_train.py [steps|digits|all] [--reference] [--repeats R] [--out PATH]

steps      median µs per training step (zero_grad, forward, loss, backward, optimizer step) of
           XOR 2-4-1 tanh MSE SGD batch 4, 64-128-64-10 tanh softmax-CE Adam batch 64,
           784-256-256-10 tanh softmax-CE Adam batch 128; also written, with this machine's CPU model, to
           artifacts/peers/torch_train.json in the repository (or --out PATH), where `NeuroLite.Bench train` and
           `bdn --filter '*Training*'` read them to print beside NeuroLite's figures on the same CPU model
digits     NeuroLite's digits run: the same file, the same SplitMix64 80/20 split (seed 42), 64-128-64-10 tanh,
           Adam lr 3e-3 cosine-decayed, batch 64, 60 epochs, Gaussian input noise 0.1 (torch's own generator,
           so the noise, init and the order of batches are not bit-identical to NeuroLite's)
--reference  the digits reference configuration instead: Adam lr 1e-3, 20 epochs, no noise (96.4% on the
           split of data/README.md)

Debian: apt-get install python3-torch python3-numpy libopenblas0-pthread (without libopenblas0-pthread torch
and numpy use the slow reference BLAS). Runs with OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(1), and unsets
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE before importing torch, so OpenBLAS runs its own best kernel for this CPU.
"""
import argparse
import datetime
import json
import math
import os
import statistics
import sys
import time

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
# OpenBLAS at its own core choice: a forced core must be gone before torch and numpy load it.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blas_env import cpu_key, openblas_core, openblas_line, undo_forced_core  # noqa: E402
UNDONE = undo_forced_core()

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, "..", "Data", "digits.csv")
RESULTS = os.path.normpath(os.path.join(HERE, "..", "..", "artifacts", "peers", "torch_train.json"))
M64 = (1 << 64) - 1


class SplitMix64:
    """Bit-identical to NeuroLite.Bench/Training/SplitMix64.cs."""

    def __init__(self, seed):
        self.state = seed & M64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.next() % (i + 1)
            items[i], items[j] = items[j], items[i]


def mlp(sizes, seed):
    """Xavier-uniform W (in x out) and zero b, as NeuroLite's Layer."""
    g = torch.Generator().manual_seed(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        w = ((torch.rand(fan_in, fan_out, generator=g) * 2 - 1) * bound).requires_grad_()
        params += [w, torch.zeros(fan_out, requires_grad=True)]
    return params


def forward(params, x):
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = torch.tanh(h)
    return h


def workloads():
    g = torch.Generator().manual_seed(0)
    xor_x = torch.tensor([[0.0, 0], [0, 1], [1, 0], [1, 1]])
    xor_y = torch.tensor([[0.0], [1], [1], [0]])
    out = []
    p = mlp([2, 4, 1], 0)
    out.append(("xor", "XOR 2-4-1 tanh, MSE, SGD, batch 4", 4, p, torch.optim.SGD(p, lr=0.1),
                lambda p=p: torch.nn.functional.mse_loss(forward(p, xor_x), xor_y)))
    for key, name, sizes, batch in (("mlp-64", "64-128-64-10 tanh, softmax CE, Adam, batch 64", [64, 128, 64, 10], 64),
                                    ("mlp-784", "784-256-256-10 tanh, softmax CE, Adam, batch 128", [784, 256, 256, 10], 128)):
        p = mlp(sizes, 1)
        x = torch.rand(batch, sizes[0], generator=g) * 2 - 1
        t = torch.randint(0, 10, (batch,), generator=g)
        out.append((key, name, batch, p, torch.optim.Adam(p, lr=1e-3),
                    lambda p=p, x=x, t=t: torch.nn.functional.cross_entropy(forward(p, x), t)))
    return out


def steps(repeats, out):
    """Times each workload; writes {"cpu", "peer", "written_utc", "us_per_step": {name: µs}} to out (unless None)."""
    core, _ = openblas_core()
    print("Training steps (PyTorch %s eager, float64, 1 thread): median µs/step" % torch.__version__)
    print(openblas_line(UNDONE))
    print("%-50s %12s %14s %8s" % ("network", "µs/step", "B/step", "steps"))
    figures = {}
    for key, name, batch, params, opt, loss_fn in workloads():
        def step():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            opt.step()
        for _ in range(20):
            step()
        t0 = time.perf_counter()
        step()
        one = time.perf_counter() - t0
        per = max(1, int(0.15 / max(one, 1e-7)))
        samples, total = [], 0
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(per):
                step()
            samples.append((time.perf_counter() - t0) / per)
            total += per
        figures[key] = statistics.median(samples) * 1e6
        print("%-50s %12.2f %14s %8d" % (name, figures[key], "-", total), flush=True)
    if out:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w") as f:
            json.dump({"cpu": cpu_key(),
                       "peer": "PyTorch %s eager, float64, 1 thread, OpenBLAS %s" % (torch.__version__, core or "not loaded"),
                       "written_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
                       "us_per_step": figures}, f, indent=2)
            f.write("\n")
        print("wrote %s (CPU: %s)" % (out, cpu_key()))


def load_digits():
    d = np.loadtxt(DIGITS, delimiter=",")
    order = list(range(len(d)))
    SplitMix64(42).shuffle(order)
    n_train = len(d) * 4 // 5
    x = torch.tensor(d[:, :64] / 16.0)
    y = torch.tensor(d[:, 64]).long()
    tr, te = torch.tensor(order[:n_train]), torch.tensor(order[n_train:])
    return x[tr], y[tr], x[te], y[te]


def digits(reference):
    lr0, epochs, batch, noise, seed = (1e-3, 20, 64, 0.0, 1) if reference else (3e-3, 60, 64, 0.1, 1)
    xtr, ytr, xte, yte = load_digits()
    params = mlp([64, 128, 64, 10], seed)
    opt = torch.optim.Adam(params, lr=lr0)
    rng = SplitMix64(seed + 1000)
    gen = torch.Generator().manual_seed(seed)
    n = len(ytr)
    order = list(range(n))
    print("Digits (PyTorch %s, float64, 1 thread; %d train / %d test, NeuroLite's split): MLP 64-128-64-10 tanh, softmax CE, "
          "Adam lr %g %s, batch %d, %d epochs, input noise σ %g" % (torch.__version__, n, len(yte), lr0,
                                                                    "constant" if reference else "cosine-decayed", batch, epochs, noise))
    print("%-10s %6s %12s %10s %10s %10s %10s" % ("run", "epoch", "loss", "train acc", "test acc", "µs/step", "lr"))

    def accuracy(x, y):
        with torch.no_grad():
            return (forward(params, x).argmax(1) == y).double().mean().item()

    start = time.perf_counter()
    test = 0.0
    for epoch in range(1, epochs + 1):
        lr = lr0 if reference else lr0 * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / epochs))
        for group in opt.param_groups:
            group["lr"] = lr
        rng.shuffle(order)
        idx_all = torch.tensor(order)
        loss_sum, count = 0.0, 0
        t0 = time.perf_counter()
        for s in range(0, n, batch):
            idx = idx_all[s:s + batch]
            xb = xtr[idx]
            if noise > 0:
                xb = xb + noise * torch.randn(xb.shape, generator=gen)
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(forward(params, xb), ytr[idx])
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            count += 1
        us = (time.perf_counter() - t0) / count * 1e6
        train, test = accuracy(xtr, ytr), accuracy(xte, yte)
        print("%-10s %6d %12.6f %9.1f%% %9.1f%% %10.2f %10.1e" % ("digits", epoch, loss_sum / n, 100 * train, 100 * test, us, lr), flush=True)
    print("digits: test accuracy %.1f%% after %d epochs in %.2f s" % (100 * test, epochs, time.perf_counter() - start))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="all", choices=["steps", "digits", "all"])
    parser.add_argument("--reference", action="store_true", help="digits: the reference configuration (lr 1e-3, 20 epochs, no noise)")
    parser.add_argument("--repeats", type=int, default=7, help="steps: timed repeats of ~0.15 s; the median is printed")
    parser.add_argument("--out", default=RESULTS, help="steps: where to write the figures as JSON (default: %(default)s; '' for nowhere)")
    args = parser.parse_args()
    if args.what in ("steps", "all"):
        steps(args.repeats, args.out)
        print()
    if args.what in ("digits", "all"):
        digits(args.reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
