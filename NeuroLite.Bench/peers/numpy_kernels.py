#!/usr/bin/python3
"""NumPy peer of `NeuroLite.Bench kernels`: element-wise kernels at n = 1,000 and 1,000,000, float64, one thread,
ns per element (median of repeats), writing into preallocated outputs (out=) as NeuroLite's kernels do.

    /usr/bin/python3 NeuroLite.Bench/peers/numpy_kernels.py [--repeats R]

Same inputs as the C# table: tanh on U[-3, 3], exp on U[-50, 50], log on e^U[-30, 30], the rest on U[-1, 1];
bias add is (rows x cols) + (cols) with 10x100 at n = 1,000 and 1000x1000 at n = 1,000,000.
Debian: apt-get install python3-numpy libopenblas0-pthread; OPENBLAS_NUM_THREADS=1 is set here.
"""
import argparse
import os
import statistics
import sys
import time

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
# OpenBLAS at its own core choice: a forced core must be gone before NumPy loads it.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blas_env import openblas_line, undo_forced_core  # noqa: E402
UNDONE = undo_forced_core()

import numpy as np  # noqa: E402


def time_ns_per_element(fn, n, repeats, repeat_seconds=0.003):
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-9)
    inner = max(1, int(repeat_seconds / one))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return statistics.median(samples) / n * 1e9


def cases(n, rng):
    u = lambda lo, hi, size=n: rng.uniform(lo, hi, size)  # noqa: E731
    cols = 1000 if n >= 1_000_000 else min(100, n)
    rows = max(1, n // cols)
    x3, x50, xlog = u(-3, 3), u(-50, 50), np.exp(u(-30, 30))
    a, b, y = u(-1, 1), u(-1, 1), np.empty(n)
    m, bias, mo = u(-1, 1, (rows, cols)), u(-1, 1, cols), np.empty((rows, cols))
    return [
        ("Unary.Tanh", "np.tanh", lambda: np.tanh(x3, out=y)),
        ("Unary.Relu", "np.maximum(x, 0)", lambda: np.maximum(a, 0.0, out=y)),
        ("Unary.Exp", "np.exp", lambda: np.exp(x50, out=y)),
        ("Unary.Log", "np.log", lambda: np.log(xlog, out=y)),
        ("Binary.Add", "np.add", lambda: np.add(a, b, out=y)),
        ("Binary.Multiply", "np.multiply", lambda: np.multiply(a, b, out=y)),
        ("Broadcast.Add (row, bias add)", "np.add (rows x cols) + (cols)", lambda: np.add(m, bias, out=mo)),
        ("Reduce.Sum", "np.sum", lambda: np.sum(a)),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print("Kernels (NumPy %s, float64, 1 thread): ns/element, median of %d repeats of ~3 ms" % (np.__version__, args.repeats))
    print(openblas_line(UNDONE))
    print("%-30s %9s %10s  %s" % ("kernel", "n", "NumPy", "call"))
    for n in (1_000, 1_000_000):
        for name, call, fn in cases(n, np.random.default_rng(n)):
            print("%-30s %9s %10.3f  %s" % (name, f"{n:,}", time_ns_per_element(fn, n, args.repeats), call), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
