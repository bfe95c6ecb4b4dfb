#!/usr/bin/env python3
"""Synthetic regression suites for checking the capacity suggestion (README, "Capacity suggestion").

Each task i: X_i ~ N(0, 1) (m x d, float32), y_i = X_i w_i + 0.1 N(0, 1), with w_i = B c_i for one
B (d x rank) shared by all tasks, so the right shared width is `rank`. Writes DIR/NAME/tNN/{X,y}.npy.

    python3 docs/capacity_suites.py /tmp/cap
    for s in d768r1 d768r6 d256r3_m300 d64r3 d64orth; do ./mtl analyze --tasks /tmp/cap/$s | grep capacity; done
"""
import os
import sys

import numpy as np


def make(root, name, k, d, m, rank, noise=0.1, seed=20):
    rng = np.random.default_rng(seed)
    b = rng.standard_normal((d, rank)) / np.sqrt(d)
    for i in range(k):
        w = b @ rng.standard_normal(rank)
        x = rng.standard_normal((m, d)).astype("f4")
        y = (x @ w + noise * rng.standard_normal(m)).astype("f4")
        p = os.path.join(root, name, f"t{i:02d}")
        os.makedirs(p, exist_ok=True)
        np.save(os.path.join(p, "X.npy"), x)
        np.save(os.path.join(p, "y.npy"), y)


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else "capacity-suites"
    make(root, "d768r1", 12, 768, 300, 1)
    make(root, "d768r6", 20, 768, 300, 6)
    make(root, "d64r3", 12, 64, 2000, 3)
    make(root, "d256r3_m300", 12, 256, 300, 3)
    make(root, "d64orth", 8, 64, 300, 8)
