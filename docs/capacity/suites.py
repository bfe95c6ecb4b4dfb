#!/usr/bin/env python3
"""Suites for checking the capacity suggestion against trainings (docs/results/capacity-suggestion.md).

Linear suites: y_i = X_i B c_i + noise (B d x rank shared). Other suites: a latent z = X B drives
binary (sign), multi-class (argmax) or regression labels; `nullTasks` get pure-noise labels.
Writes DIR/NAME/tNN/{X,y}.npy; then `./mtl analyze --tasks DIR/NAME` prints the suggestion and
`./mtl train --tasks DIR/NAME --rank R --no-stl --align none --reweight none [--activation
identity for the linear suites] --json out.json` trains one width.

    python3 docs/capacity/suites.py /tmp/capsuites
"""
import sys

import os

import numpy as np

def save(root, name, i, x, y):
    p = os.path.join(root, name, f"t{i:02d}")
    os.makedirs(p, exist_ok=True)
    np.save(os.path.join(p, "X.npy"), x.astype("f4"))
    np.save(os.path.join(p, "y.npy"), y)

def shared(rng, d, rank):
    return rng.standard_normal((d, rank)) / np.sqrt(d)

def reg(root, name, k, d, m, rank, noise=0.1, seed=20, cscale=None, private=0.0, ms=None):
    """docs/capacity_suites.py generator + options: cscale (per-direction strength), private (task-own part), ms (rows per task)."""
    rng = np.random.default_rng(seed)
    b = shared(rng, d, rank)
    cs = np.ones(rank) if cscale is None else np.asarray(cscale)
    for i in range(k):
        w = b @ (cs * rng.standard_normal(rank))
        if private:
            w = w + private * rng.standard_normal(d) / np.sqrt(d) * np.sqrt(rank)
        mi = m if ms is None else ms[i]
        x = rng.standard_normal((mi, d))
        y = x @ w + noise * rng.standard_normal(mi)
        save(root, name, i, x, y.astype("f4"))

def cls(root, name, k, d, m, rank, classes=2, noise=0.5, seed=21, ms=None, nullTasks=(), kinds=None):
    """latent z = X B; binary: y = 1[z c_i + noise > 0]; C classes: argmax(z C_i + noise); 'reg' kind: z c_i + noise."""
    rng = np.random.default_rng(seed)
    b = shared(rng, d, rank)
    for i in range(k):
        mi = m if ms is None else ms[i]
        x = rng.standard_normal((mi, d))
        z = x @ b  # m x rank, each col var ~1
        kind = kinds[i] if kinds else ('bin' if classes == 2 else 'multi')
        C = classes if kind == 'multi' else (classes if isinstance(kind, int) else 2)
        if isinstance(kind, int):
            kind, C = 'multi', kind
        if kind == 'bin':
            s = z @ rng.standard_normal(rank) + noise * rng.standard_normal(mi)
            y = (s > 0).astype("i4")
            if i in nullTasks: y = rng.integers(0, 2, mi).astype("i4")
        elif kind == 'multi':
            s = z @ rng.standard_normal((rank, C)) + noise * rng.standard_normal((mi, C))
            y = s.argmax(1).astype("i4")
            if i in nullTasks: y = rng.integers(0, C, mi).astype("i4")
        else:  # regression
            y = z @ rng.standard_normal(rank) + noise * rng.standard_normal(mi)
            if i in nullTasks: y = rng.standard_normal(mi)
            y = y.astype("f4")
        save(root, name, i, x, y)


LINEAR = {
 'L1_k12_d256_m150_r1': dict(k=12,d=256,m=150,rank=1),
 'L2_k12_d256_m300_r3': dict(k=12,d=256,m=300,rank=3),
 'L3_k20_d128_m200_r6': dict(k=20,d=128,m=200,rank=6),
 'L4_k8_d64_m3000_r3': dict(k=8,d=64,m=3000,rank=3),
 'L5_k8_d64_m300_r8': dict(k=8,d=64,m=300,rank=8),
 'L6_k4_d32_m2000_r2': dict(k=4,d=32,m=2000,rank=2),
 'L7_k16_d128_m400_r4_n1': dict(k=16,d=128,m=400,rank=4,noise=1.0),
 'L8_k10_d64_m1000_r4_n3': dict(k=10,d=64,m=1000,rank=4,noise=3.0),
 'L9_k10_d64_m3000_r4_n10': dict(k=10,d=64,m=3000,rank=4,noise=10.0),
 'L10_k12_d64_m500_r5_decay': dict(k=12,d=64,m=500,rank=5,cscale=[1,.5,.3,.2,.1]),
 'L11_k12_d128_m300_r3_priv': dict(k=12,d=128,m=300,rank=3,private=0.3),
 'L12_k20_d256_m250_r2_n05': dict(k=20,d=256,m=250,rank=2,noise=0.5),
}

OTHER = {
 'C1_bin_k10_d64_m600_r3': (cls, dict(k=10,d=64,m=600,rank=3)),
 'C2_bin_k12_d128_m300_r2': (cls, dict(k=12,d=128,m=300,rank=2)),
 'C3_3cls_k8_d64_m800_r4': (cls, dict(k=8,d=64,m=800,rank=4,classes=3)),
 'C4_5cls_k6_d64_m1500_r3': (cls, dict(k=6,d=64,m=1500,rank=3,classes=5)),
 'C5_bin_k16_d256_m200_r4': (cls, dict(k=16,d=256,m=200,rank=4)),
 'C6_bin_k10_d64_m2000_r4_n3': (cls, dict(k=10,d=64,m=2000,rank=4,noise=3.0)),
 'M1_mix_k9_d64_m600_r3': (cls, dict(k=9,d=64,m=600,rank=3,classes=3,kinds=['reg','bin','multi']*3)),
 'M2_mix_k12_d128_m300_r4_n1': (cls, dict(k=12,d=128,m=300,rank=4,classes=4,noise=1.0,kinds=['reg','bin','multi']*4)),
 'S1_reg_k8_d64_m30v3000_r3': (reg, dict(k=8,d=64,m=0,rank=3,noise=0.5,ms=[50,50,50,50,3000,3000,3000,3000])),
 'S2_reg_k10_d64_m500_r3_4null': (cls, dict(k=10,d=64,m=500,rank=3,noise=0.5,kinds=['reg']*10,nullTasks=(6,7,8,9))),
 'S3_bin_k10_d64_m600_r3_4null': (cls, dict(k=10,d=64,m=600,rank=3,nullTasks=(6,7,8,9))),
 'S4_bin_k8_d64_m40v3000_r4': (cls, dict(k=8,d=64,m=0,rank=4,ms=[40,40,40,40,3000,3000,3000,3000])),
}


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else "capacity-suites"
    for name, c in LINEAR.items():
        reg(root, name, **c)
    for name, (f, c) in OTHER.items():
        f(root, name, **c)
