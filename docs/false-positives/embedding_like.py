#!/usr/bin/env python3
"""Embedding-like suites (d = 768) for timing the similarity resampling of mtl analyze.

A shared power-law spectrum (variance (1 + i)^-1 along random orthogonal directions; the 99% rule
keeps some 550 of 768 directions at 1000 rows) plus 10 directions of each task's own (scale 0.01);
with a 4th argument, t0 and t1 share theirs at scale 0.05, so that t0 ~ t1 stands out. Coin-flip
labels. Usage: python3 docs/false-positives/embedding_like.py OUTDIR ROWS K [pos]
"""
import os, sys
import numpy as np

out, m, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pos = len(sys.argv) > 4
d = 768
rng = np.random.default_rng(7)
base = np.linalg.qr(rng.standard_normal((d, d)))[0] * (1 + np.arange(d)) ** -0.5
for t in range(k):
    own = rng.standard_normal((d, 10)) * (0.05 if pos and t < 2 else 0.01)
    if pos and t == 0:
        shared = own
    if pos and t == 1:
        own = shared
    z = rng.standard_normal((m, d)) @ base.T + rng.standard_normal((m, 10)) @ own.T
    os.makedirs(f"{out}/t{t}", exist_ok=True)
    np.save(f"{out}/t{t}/X.npy", z.astype(np.float32))
    np.save(f"{out}/t{t}/y.npy", rng.integers(0, 2, m))
