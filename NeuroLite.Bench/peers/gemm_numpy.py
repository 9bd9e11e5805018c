#!/usr/bin/python3
"""The GEMM peer of NeuroLite.Bench's GemmBenchmarks: float64 matrix products through NumPy (OpenBLAS on this
machine), one BLAS thread unless --threads says otherwise, reporting the median GFLOP/s of repeated timings.

    /usr/bin/python3 NeuroLite.Bench/peers/gemm_numpy.py [--threads N] [--repeats R]

(/usr/bin/python3 is Debian's, whose python3-numpy links libopenblas0-pthread.) Prints one row per shape:
    gemm n=256 threads=1 GFLOP/s=32.1 cpu_GFLOP/s=32.4
"""
import argparse
import os
import sys

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
parser.add_argument("--repeats", type=int, default=15, help="timed samples per shape; the median is reported")
args = parser.parse_args()

# The thread count must be in the environment before NumPy loads OpenBLAS, and a forced core must be gone by then.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blas_env import openblas_line, undo_forced_core  # noqa: E402
UNDONE = undo_forced_core()

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def loaded_blas():
    """The BLAS shared objects actually mapped into this process (Debian's numpy links the libblas.so.3 alternative)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return ", ".join(sorted(os.path.realpath(p) for p in paths))
    except OSError:
        return ""


def blas_name():
    try:
        from threadpoolctl import threadpool_info
        infos = [f"{i.get('internal_api')} {i.get('version')} ({i.get('filepath')}, {i.get('num_threads')} threads, {i.get('architecture')})"
                 for i in threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            return "; ".join(infos)
    except ImportError:
        pass
    try:
        cfg = np.show_config(mode="dicts")  # NumPy >= 1.26
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version', '')}".strip()
    except TypeError:
        info = np.__config__.get_info("blas_opt_info") or np.__config__.get_info("openblas_info")
        libs = info.get("libraries", []) if info else []
        return ", ".join(libs) or "unknown"


def time_gemm(a, b, repeats):
    m, k = a.shape
    n = b.shape[1]
    flop = 2.0 * m * n * k
    # Enough products per sample for ~50 ms, after a warm-up.
    c = a @ b
    start = time.perf_counter()
    c = a @ b
    once = max(time.perf_counter() - start, 1e-7)
    reps = max(1, int(0.05 / once))
    samples, cpu_samples = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.thread_time()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        samples.append(flop * reps / (time.perf_counter() - start) / 1e9)
        cpu_samples.append(flop * reps / max(time.thread_time() - cpu_start, 1e-9) / 1e9)
    return statistics.median(samples), statistics.median(cpu_samples)


def row(name, a, b):
    wall, cpu = time_gemm(a, b, args.repeats)
    # cpu_GFLOP/s divides by this thread's CPU time: on a shared, loaded machine it discounts time spent descheduled
    # (meaningful with one BLAS thread only).
    print(f"gemm {name} threads={args.threads} GFLOP/s={wall:.1f} cpu_GFLOP/s={cpu:.1f}", flush=True)


def main():
    rng = np.random.default_rng(42)
    print(f"# numpy {np.__version__}, BLAS: {blas_name()}, OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, "
          f"python {sys.version.split()[0]}, median of {args.repeats}")
    print(f"# loaded: {loaded_blas()}")
    print(f"# {openblas_line(UNDONE)}")
    for n in (64, 128, 256, 512, 1024):
        a = rng.random((n, n)) - 0.5
        b = rng.random((n, n)) - 0.5
        row(f"n={n}", a, b)
    # The MLP step shapes; .T views make NumPy hand BLAS the transpose flag, as GemmBenchmarks does.
    x = rng.random((128, 784)) - 0.5
    w1 = rng.random((784, 256)) - 0.5
    g = rng.random((128, 256)) - 0.5
    w2 = rng.random((256, 256)) - 0.5
    shapes = [
        ("mlp_X.W1 128x784.784x256", x, w1),
        ("mlp_Xt.G 784x128T.128x256", x.T, g),
        ("mlp_G.W1t 128x256.256x784T", g, w1.T),
        ("mlp_H.W2 128x256.256x256", g, w2),
        ("mlp_Ht.G 256x128T.128x256", g.T, g),
        ("mlp_G.W2t 128x256.256x256T", g, w2.T),
    ]
    for name, a, b in shapes:
        row(name, a, b)


if __name__ == "__main__":
    main()
