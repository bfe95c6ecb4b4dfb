#!/usr/bin/env python3
"""GPU peers of the training benchmark, for benchmarks/gpu/device-check.sh on a lent GPU machine.

  train    TrainEpochBench's epoch (cpu_peers.TorchMtl) in PyTorch eager on CUDA: k 8,
           m {2000,20000}, d 256, r 16, batch 256, ReLU, Adam, round-robin; the loss read back
           every 32 steps (as our GPU sessions do) and, for reference, every step
  ceil     the device's measured ceilings: device-to-device copy (GB/s, read + write bytes) and
           a large FP32 SGEMM through cuBLAS (TF32 off), for the GB/s and GFLOP/s the issue asks
           kernels to be reported against

Timing as cpu_peers.measure (warm-up, then fixed-length samples, median), with
torch.cuda.synchronize() closing every call so the time is the device's, not the launch queue's.
Prints one line per case; --json writes them with versions. Exit 2 when torch has no CUDA.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import torch
except ImportError:
    print("gpu_peers: no torch on this machine")
    sys.exit(2)

from cpu_peers import TorchMtl, measure  # noqa: E402  (needs numpy too, as cpu_peers does)


def synced(fn):
    def call():
        fn()
        torch.cuda.synchronize()
    return call


def ceilings(args):
    out = []
    n = 1 << 27  # 512 MiB of float32
    a = torch.randn(n, device="cuda")
    b = torch.empty_like(a)
    r = measure(synced(lambda: b.copy_(a)), args.warmup_s, args.sample_s, args.samples)
    r.update(case="ceil.copy_d2d", bytes=2 * 4 * n, gbps=2 * 4 * n / r["median_s"] / 1e9)
    out.append(r)
    del a, b
    torch.backends.cuda.matmul.allow_tf32 = False
    s = 8192
    x = torch.randn(s, s, device="cuda")
    y = torch.randn(s, s, device="cuda")
    z = torch.empty(s, s, device="cuda")
    r = measure(synced(lambda: torch.matmul(x, y, out=z)), args.warmup_s, args.sample_s, args.samples)
    r.update(case="ceil.sgemm_8192", flops=2 * s ** 3, gflops=2 * s ** 3 / r["median_s"] / 1e9)
    out.append(r)
    return out


def train(args):
    out = []
    for m in (2000, 20000):
        for every in (32, 1):
            model = TorchMtl(8, m, 256, 16, device="cuda", check_every=every)
            r = measure(synced(model.epoch), args.warmup_s, args.sample_s, args.samples)
            r.update(case="train.epoch", k=8, m=m, d=256, r=16, check_every=every)
            out.append(r)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="ceil,train")
    ap.add_argument("--warmup-s", type=float, default=1.0)
    ap.add_argument("--sample-s", type=float, default=0.5)
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("gpu_peers: torch %s sees no CUDA device" % torch.__version__)
        return 2
    info = {"torch": torch.__version__, "cuda": torch.version.cuda, "device": torch.cuda.get_device_name(0)}
    print("# torch %(torch)s, CUDA %(cuda)s, %(device)s" % info)
    results = []
    groups = set(args.only.split(","))
    if "ceil" in groups:
        results += ceilings(args)
    if "train" in groups:
        results += train(args)
    for r in results:
        extra = " ".join("%s=%s" % (k, r[k]) for k in ("m", "check_every") if k in r)
        rate = ("%.0f GB/s" % r["gbps"]) if "gbps" in r else ("%.0f GFLOP/s" % r["gflops"]) if "gflops" in r else ""
        print("%-16s %-22s median %9.3f ms  (min %.3f, max %.3f)  %s"
              % (r["case"], extra, 1e3 * r["median_s"], 1e3 * r["min_s"], 1e3 * r["max_s"], rate))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"versions": info, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
