#!/usr/bin/python3
"""CPU peers of the JMH suite (benchmarks/src/main/java/org/mtlalign/bench): NumPy and PyTorch.

Same operations, sizes and dtype (float32) as the JMH benchmarks, so the two can be read side by
side:

  shared   SharedLayerBench  H = X B, dB = X^T dH, dX = dH B^T   batch {256,4096} x d {64,256}, r 16
  cov      CovarianceBench   C = X^T X (optionally of centred X)  m {2048,20000} x d {64,256}
  svd      SvdBench          thin SVD of a stack                  1000x32x32 100x64x64 10x256x256 10x1024x256
  train    TrainEpochBench   one Trainer.train epoch, PyTorch eager  k 8, m {2000,20000}, d 256, r 16

Timing: each case is called in a loop of `inner` calls sized so that one sample takes about
--sample-s seconds (like a JMH AverageTime iteration), after --warmup-s seconds of warm-up
calls; the result is the median (and min/max) over --samples samples of time per call,
measured with time.perf_counter. Outputs are preallocated where the library allows it (out=).

Run with Debian's interpreter (/usr/bin/python3; the pyenv python3 on PATH has no torch):

  /usr/bin/python3 benchmarks/peers/cpu_peers.py --threads 2 --json benchmarks/results/peers.json

Both NumPy and Debian's torch call the system libblas.so.3 / liblapack.so.3 (OpenBLAS
pthread when libopenblas0-pthread is installed), the same library the JVM loads through JNI.
"""

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch

SEED = 20240611


# ----------------------------------------------------------------------------------------------
# timing

def measure(fn, warmup_s, sample_s, samples):
    """Median/min/max seconds per call of fn() (JMH-like: warm-up, then fixed-length samples)."""
    # Warm-up and calibration: how many calls fill one sample.
    t_end = time.perf_counter() + warmup_s
    calls = 0
    t0 = time.perf_counter()
    while True:
        fn()
        calls += 1
        now = time.perf_counter()
        if now >= t_end and calls >= 2:
            break
    per_call = (now - t0) / calls
    inner = max(1, int(round(sample_s / max(per_call, 1e-9))))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "samples": samples,
        "inner": inner,
    }


# ----------------------------------------------------------------------------------------------
# (c) shared layer: SharedLayerBench

def shared_cases(rng):
    for batch in (256, 4096):
        for d in (64, 256):
            r = 16
            x = rng.standard_normal((batch, d), dtype=np.float32)
            b = (rng.standard_normal((d, r)) * math.sqrt(2.0 / d)).astype(np.float32)
            dh = rng.standard_normal((batch, r), dtype=np.float32)
            h = np.empty((batch, r), np.float32)
            db = np.empty((d, r), np.float32)
            dx = np.empty((batch, d), np.float32)
            tx, tb, tdh = torch.from_numpy(x), torch.from_numpy(b), torch.from_numpy(dh)
            th, tdb, tdx = torch.empty(batch, r), torch.empty(d, r), torch.empty(batch, d)
            p = {"batch": batch, "d": d, "r": r}
            flops = 2 * batch * d * r
            xt = x.T
            txt, tbt = tx.t(), tb.t()
            bt = b.T
            yield ("shared.forward", p, flops, "numpy", lambda: np.matmul(x, b, out=h))
            yield ("shared.forward", p, flops, "torch", lambda: torch.mm(tx, tb, out=th))
            yield ("shared.weightGradient", p, flops, "numpy", lambda: np.matmul(xt, dh, out=db))
            yield ("shared.weightGradient", p, flops, "torch", lambda: torch.mm(txt, tdh, out=tdb))
            yield ("shared.inputGradient", p, flops, "numpy", lambda: np.matmul(dh, bt, out=dx))
            yield ("shared.inputGradient", p, flops, "torch", lambda: torch.mm(tdh, tbt, out=tdx))


# ----------------------------------------------------------------------------------------------
# (b) covariance: CovarianceBench

def cov_cases(rng):
    for m in (2048, 20000):
        for d in (64, 256):
            # Non-zero column means, as in the JMH setup (0.5 * (j % 7)).
            x = (rng.standard_normal((m, d)) + 0.5 * (np.arange(d) % 7)).astype(np.float32)
            tx = torch.from_numpy(x)
            c = torch.empty(d, d)
            flops = m * d * (d + 1)

            def np_plain(x=x):
                # NumPy recognises a.T @ a and calls ssyrk (one triangle) plus a mirror, like ours.
                return x.T @ x

            def np_center(x=x):
                xc = x - x.mean(axis=0, dtype=np.float64).astype(np.float32)
                return xc.T @ xc

            def t_plain(tx=tx, c=c):
                return torch.mm(tx.t(), tx, out=c)  # sgemm, both triangles

            def t_center(tx=tx, c=c):
                xc = tx - tx.mean(dim=0, dtype=torch.float64).to(torch.float32)
                return torch.mm(xc.t(), xc, out=c)

            def t_center32(tx=tx, c=c):
                # Idiomatic torch: float32 mean. torch 1.13's mean(dtype=float64) over dim 0 is a
                # slow path (about 80 ms of the 140 ms at m=20000, d=256 on this machine), so
                # "torch" above is not torch's best; this variant was added after the first runs.
                xc = tx - tx.mean(dim=0)
                return torch.mm(xc.t(), xc, out=c)

            for center, f_np, f_t in ((False, np_plain, t_plain), (True, np_center, t_center)):
                p = {"m": m, "d": d, "center": center}
                yield ("cov.gram", p, flops, "numpy", f_np)
                yield ("cov.gram", p, flops, "torch", f_t)
                if center:
                    yield ("cov.gram", p, flops, "torch-f32mean", t_center32)


# ----------------------------------------------------------------------------------------------
# (a) SVD: SvdBench

SVD_SHAPES = ("1000x32x32", "100x64x64", "10x256x256", "10x1024x256")


def svd_cases(rng):
    for shape in SVD_SHAPES:
        batch, m, n = (int(v) for v in shape.split("x"))
        a = rng.standard_normal((batch, m, n), dtype=np.float32)
        ta = torch.from_numpy(a.copy())
        flops = batch * 8 * m * n * n  # the README's yardstick
        p = {"shape": shape}
        yield ("svd", p, flops, "numpy", lambda a=a: np.linalg.svd(a, full_matrices=False))
        yield ("svd", p, flops, "torch", lambda ta=ta: torch.linalg.svd(ta, full_matrices=False))


def svd_check(rng):
    """Sanity: float32 results, and the reconstruction error of one matrix of each shape."""
    out = {}
    for shape in SVD_SHAPES:
        batch, m, n = (int(v) for v in shape.split("x"))
        a = rng.standard_normal((2, m, n), dtype=np.float32)
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        tu, ts, tvt = torch.linalg.svd(torch.from_numpy(a), full_matrices=False)
        rec = np.abs((u * s[:, None, :]) @ vt - a).max()
        trec = (tu * ts[:, None, :] @ tvt - torch.from_numpy(a)).abs().max().item()
        out[shape] = {"numpy_dtype": str(u.dtype), "torch_dtype": str(tu.dtype),
                      "numpy_max_abs_rec_err": float(rec), "torch_max_abs_rec_err": float(trec)}
    return out


# ----------------------------------------------------------------------------------------------
# (d) one training epoch: TrainEpochBench / Trainer.train(epochs = 1)

class TorchMtl:
    """out_i = relu(X B + b) A_i + c_i; squared loss 0.5 * mean (out - y)^2; Adam lr 0.005.

    Mirrors Trainer.train with epochs = 1, batch 256, round-robin sampling: a validation pass
    before training (epoch 0 candidate) and after the epoch, per-task shuffled row orders that
    are reshuffled when the next full batch does not fit, a gather of 256 rows per step into a
    preallocated per-task buffer, a finiteness check of the loss every step (loss.item()), and a
    snapshot of the parameters when the validation loss improves.
    """

    def __init__(self, k, m, d, r, batch=256, val_rows=256, lr=0.005, device="cpu", check_every=1):
        """device: where tensors live (gpu_peers.py passes "cuda"); check_every: steps between
        reads of the loss (loss.item(), which waits for the device): 1 as Trainer on the CPU,
        32 as Trainer on a GPU session (Resident.lossReadInterval)."""
        self.k, self.m, self.d, self.r, self.batch = k, m, d, r, batch
        self.device, self.check_every = device, check_every
        g = torch.Generator().manual_seed(SEED)
        shared = torch.randn(d, generator=g) * math.sqrt(1.0 / d)
        self.x, self.y = [], []
        for _ in range(k):
            theta = (shared + torch.randn(d, generator=g) * math.sqrt(1.0 / d)) / math.sqrt(2.0)
            x = torch.randn(m, d, generator=g)
            y = (x.double() @ theta.double()).float() + 0.1 * torch.randn(m, generator=g)
            self.x.append(x.contiguous().to(device))
            self.y.append(y.reshape(m, 1).contiguous().to(device))
        self.val = torch.arange(min(val_rows, m), device=device)
        self.xb = [torch.empty(batch, d, device=device) for _ in range(k)]
        self.yb = [torch.empty(batch, 1, device=device) for _ in range(k)]
        self.gen = torch.Generator().manual_seed(SEED ^ 0x5DEECE66D)
        self.lr = lr
        self.reset(SEED)

    def reset(self, seed):
        """A fresh model and optimiser (TrainEpochBench rebuilds the model every iteration)."""
        g = torch.Generator().manual_seed(seed)
        d, r, k, dev = self.d, self.r, self.k, self.device
        self.B = torch.nn.Parameter((torch.randn(d, r, generator=g) * math.sqrt(2.0 / d)).to(dev))
        self.b = torch.nn.Parameter(torch.full((r,), 0.01, device=dev))
        self.A = [torch.nn.Parameter((torch.randn(r, 1, generator=g) * math.sqrt(1.0 / r)).to(dev)) for _ in range(k)]
        self.c = [torch.nn.Parameter(torch.zeros(1, device=dev)) for _ in range(k)]
        self.params = [self.B, self.b] + self.A + self.c
        # Parameters whose grad is None (set_to_none) are skipped by Adam: only the shared
        # tensors and the stepped task's head advance, as in Trainer.update(used).
        self.opt = torch.optim.Adam(self.params, lr=self.lr, betas=(0.9, 0.999), eps=1e-8)

    def forward(self, t, x):
        return torch.addmm(self.c[t], torch.relu(torch.addmm(self.b, x, self.B)), self.A[t])

    @torch.no_grad()
    def val_loss(self):
        total = 0.0
        for t in range(self.k):
            xv = self.x[t].index_select(0, self.val)
            yv = self.y[t].index_select(0, self.val)
            total += 0.5 * (self.forward(t, xv) - yv).square().mean().item()
        return total

    def epoch(self):
        k, m, bs = self.k, self.m, self.batch
        dev = self.device
        order = [torch.randperm(m, generator=self.gen).to(dev) for _ in range(k)]
        cursor = [0] * k
        best = self.val_loss()
        snapshot = [p.detach().clone() for p in self.params]
        steps = max(1, -(-(k * m) // bs))
        epoch_loss = 0.0
        pending = torch.zeros((), device=dev, dtype=torch.float64)
        task = 0
        rows = min(bs, m)
        for s in range(steps):
            t = task
            task = (task + 1) % k
            if cursor[t] + rows > m:
                order[t] = torch.randperm(m, generator=self.gen).to(dev)
                cursor[t] = 0
            idx = order[t][cursor[t]:cursor[t] + rows]
            cursor[t] += rows
            torch.index_select(self.x[t], 0, idx, out=self.xb[t])
            torch.index_select(self.y[t], 0, idx, out=self.yb[t])
            self.opt.zero_grad(set_to_none=True)
            loss = 0.5 * (self.forward(t, self.xb[t]) - self.yb[t]).square().mean()
            loss.backward()
            if self.check_every == 1:
                lv = loss.item()
                if not math.isfinite(lv):
                    raise FloatingPointError("diverged")
                epoch_loss += lv
            else:
                pending += loss.detach()
                if (s + 1) % self.check_every == 0 or s == steps - 1:
                    lv = pending.item()
                    if not math.isfinite(lv):
                        raise FloatingPointError("diverged")
                    epoch_loss += lv
                    pending.zero_()
            self.opt.step()
        val = self.val_loss()
        if val < best:
            snapshot = [p.detach().clone() for p in self.params]
        return epoch_loss / steps, val, snapshot


def train_cases():
    for m in (2000, 20000):
        k, d, r = 8, 256, 16
        model = TorchMtl(k, m, d, r)
        flops = 4 * k * m * d * r
        yield ("train.epoch", {"k": k, "m": m, "d": d, "r": r}, flops, "torch", model.epoch)


# ----------------------------------------------------------------------------------------------

def versions(threads):
    info = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_num_threads": torch.get_num_threads(),
        "torch_num_interop_threads": torch.get_num_interop_threads(),
        "torch_blas_line": next((ln.strip() for ln in torch.__config__.show().splitlines()
                                 if "BLAS_INFO" in ln), None),
        "platform": platform.platform(),
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                               "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
    }
    try:
        import scipy
        info["scipy"] = scipy.__version__
    except ImportError:
        info["scipy"] = None
    try:
        import threadpoolctl
        info["threadpoolctl"] = threadpoolctl.__version__
        info["threadpools"] = threadpoolctl.threadpool_info()
    except ImportError:
        info["threadpools"] = None
    return info


def fmt_time(s):
    if s >= 1:
        return f"{s:.3f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3f} ms"
    return f"{s * 1e6:.2f} us"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (OpenBLAS keeps its own)")
    ap.add_argument("--only", default="shared,cov,svd,train", help="comma list of groups")
    ap.add_argument("--warmup-s", type=float, default=1.0)
    ap.add_argument("--sample-s", type=float, default=0.5)
    ap.add_argument("--samples", type=int, default=7)
    ap.add_argument("--json", default=None, help="write results here")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    # Touch LAPACK once so threadpoolctl sees every loaded library.
    np.linalg.svd(np.eye(4, dtype=np.float32))
    torch.linalg.svd(torch.eye(4))
    meta = versions(args.threads)
    meta["loadavg_start"] = open("/proc/loadavg").read().strip()
    meta["started"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    meta["timing"] = {"warmup_s": args.warmup_s, "sample_s": args.sample_s, "samples": args.samples,
                      "statistic": "median of samples, each the mean over `inner` back-to-back calls"}

    groups = set(args.only.split(","))
    gens = []
    if "shared" in groups:
        gens.append(shared_cases(rng))
    if "cov" in groups:
        gens.append(cov_cases(rng))
    if "svd" in groups:
        meta["svd_check"] = svd_check(rng)
        gens.append(svd_cases(rng))
    if "train" in groups:
        gens.append(train_cases())

    results = []
    print(f"# numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"load {meta['loadavg_start']}")
    print(f"{'op':24s} {'params':38s} {'impl':6s} {'median':>12s} {'min':>12s} {'max':>12s} {'GFLOP/s':>8s} inner")
    for gen in gens:
        for op, params, flops, impl, fn in gen:
            res = measure(fn, args.warmup_s, args.sample_s, args.samples)
            gflops = flops / res["median_s"] / 1e9
            row = {"op": op, "params": params, "impl": impl, "flops": flops, "gflops": gflops, **res}
            results.append(row)
            ps = " ".join(f"{k}={v}" for k, v in params.items())
            print(f"{op:24s} {ps:38s} {impl:6s} {fmt_time(res['median_s']):>12s} {fmt_time(res['min_s']):>12s} "
                  f"{fmt_time(res['max_s']):>12s} {gflops:8.2f} {res['inner']}", flush=True)
    meta["loadavg_end"] = open("/proc/loadavg").read().strip()
    meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=1, default=str)
        print(f"# wrote {args.json}")


if __name__ == "__main__":
    main()
