#!/usr/bin/python3
"""Diagnostic: does the LAPACK path (tall QR-first vs wide LQ-first) explain the SVD gap?

CpuBackend.svd hands sgesdd the row-major m x n buffer as a column-major n x m matrix, so for
m > n LAPACK sees a *wide* matrix (M = n < N = m) and takes its LQ-first path. NumPy and torch
copy the input into Fortran order first, so LAPACK sees the *tall* matrix (QR-first path).
Timing numpy/torch on a stack of m x n and on the same data transposed (n x m) shows how much
the path alone costs. Same timing scheme as cpu_peers.py.

  /usr/bin/python3 benchmarks/peers/svd_layout.py [--threads 2] [--json out.json]
"""

import argparse
import json
import sys
import os

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_peers import SEED, measure, fmt_time  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(SEED)
    rows = []
    for batch, m, n in ((10, 1024, 256), (10, 256, 256)):
        x = rng.standard_normal((batch, m, n), dtype=np.float32)
        variants = {
            f"{batch}x{m}x{n} tall (as numpy/torch see it)": x,
            f"{batch}x{n}x{m} wide (= what sgesdd sees from CpuBackend)": np.ascontiguousarray(x.transpose(0, 2, 1)),
        }
        for name, arr in variants.items():
            tarr = torch.from_numpy(arr.copy())
            for impl, fn in (("numpy", lambda arr=arr: np.linalg.svd(arr, full_matrices=False)),
                             ("torch", lambda tarr=tarr: torch.linalg.svd(tarr, full_matrices=False))):
                r = measure(fn, 1.0, 0.5, 7)
                rows.append({"case": name, "impl": impl, **r})
                print(f"{name:58s} {impl:6s} {fmt_time(r['median_s']):>12s} "
                      f"({fmt_time(r['min_s'])}-{fmt_time(r['max_s'])})", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"threads": a.threads, "env_openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
                       "loadavg": open("/proc/loadavg").read().strip(), "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
