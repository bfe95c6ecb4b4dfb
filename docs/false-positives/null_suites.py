#!/usr/bin/env python3
"""How often do mtl train --seeds, mtl pairs and mtl sweep claim an effect that is not there?

Builds suites of binary tasks with no shared structure (null) and with a planted shared one
(positive control), runs the CLI on each with --json -, and counts the claims:
  train --seeds N: differences marked '*' (same_sign_every_seed != 0), per task and difference;
  pairs:          transfer cells marked '*' (same_sign_every_seed), per directed pair;
                  Spearman(similarity, transfer) beyond 1.645 / sqrt(n - 1) (the one-sided 5% level);
  sweep:          best_rank and smallest_rank_within_sd;
  train:          capacity.weak and the suggested rank.
Usage: python3 docs/false-positives/null_suites.py OUTDIR [--reps R] [--jar JAR] [--only COND]
Writes OUTDIR/raw.jsonl (one line per CLI run) and prints the tables of
docs/results/false-positives.md.
"""
import argparse, json, math, os, subprocess, sys, time
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
JAR = os.path.join(HERE, "..", "..", "target", "mtl-align-0.1.0.jar")

# (condition, shared X?, exact null?)
#   noise-own     own X per task, labels fair coin flips: any difference is noise (exact null)
#   noise-shared  one X, k columns of coin flips (exact null)
#   indep-linear  own X, y_t = [X w_t > 0] with independent w_t: no shared structure, but tasks
#                 compete for a narrow B, so MTL may truly be worse (a negative transfer is real)
#   indep-relu    one X, y_t = [relu(X W_t) v_t > median], independent W_t, v_t (as indep-linear)
#   same-linear   own X, the same w for every task, 10% of labels flipped: transfer truly exists
CONDITIONS = ["noise-own", "noise-shared", "indep-linear", "indep-relu", "same-linear"]
SIZES = [(100, 10), (100, 50), (1000, 10), (1000, 50)]


def make_suite(path, cond, m, d, k, rng):
    os.makedirs(path, exist_ok=True)
    shared = cond in ("noise-shared", "indep-relu")
    if shared:
        X = rng.standard_normal((m, d)).astype(np.float32)
        if cond == "noise-shared":
            Y = rng.integers(0, 2, size=(m, k))
        else:
            Y = np.zeros((m, k), dtype=np.int64)
            for t in range(k):
                W = rng.standard_normal((d, 8)) / math.sqrt(d)
                s = np.maximum(X @ W, 0) @ rng.standard_normal(8)
                Y[:, t] = s > np.median(s)
        np.save(os.path.join(path, "X.npy"), X)
        np.save(os.path.join(path, "Y.npy"), Y)
        return ["--shared-x", os.path.join(path, "X.npy"), "--labels", os.path.join(path, "Y.npy")]
    w_common = rng.standard_normal(d)
    for t in range(k):
        X = rng.standard_normal((m, d)).astype(np.float32)
        if cond == "noise-own":
            y = rng.integers(0, 2, size=m)
        elif cond == "indep-linear":
            y = (X @ rng.standard_normal(d) > 0).astype(np.int64)
        else:  # same-linear
            y = (X @ w_common > 0).astype(np.int64)
            flip = rng.random(m) < 0.1
            y[flip] = 1 - y[flip]
        td = os.path.join(path, f"t{t}")
        os.makedirs(td, exist_ok=True)
        np.save(os.path.join(td, "X.npy"), X)
        np.save(os.path.join(td, "y.npy"), y)
    return ["--tasks", path]


def run(jar, cmd, data, extra):
    args = ["java", "--add-modules", "jdk.incubator.vector", "-jar", jar, cmd] + data + extra + ["--json", "-"]
    t0 = time.time()
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode not in (0, 3):
        sys.stderr.write(" ".join(args) + "\n" + p.stderr[-2000:] + "\n")
        return None, time.time() - t0
    return json.loads(p.stdout), time.time() - t0


PARTS = {"mtl_minus_stl": ("mtl", "stl"), "align_minus_mtl": ("mtl_align", "mtl"),
         "reweight_minus_mtl": ("mtl_reweight", "mtl"), "align_minus_stl": ("mtl_align", "stl")}


def summarise_train(j):
    out = []
    for s in j["summary"]:
        for key, (a, b) in PARTS.items():
            v = s[key]
            if v["n"] >= 2:
                # flagged: the table marks one of the two means '!' (a model that learned nothing)
                flagged = s[a]["no_better_than_prior_in_some_seed"] or s[b]["no_better_than_prior_in_some_seed"]
                out.append({"diff": key, "agree": v["same_sign_every_seed"], "mean": v["mean"], "flagged": flagged,
                            "per_seed": v["per_seed"]})
    weak = [r["capacity"]["weak"] for r in j["runs"] if r.get("status") == "complete"]
    return {"cells": out, "rank": j["config"]["rank"], "weak": weak}


def summarise_pairs(j):
    cells = []
    stl_flag = {s["task"]: any(r["no_better_than_prior"][0] for r in s["runs"] if r) for s in j["stl"]}
    for p in j["pairs"]:
        for tgt, v in p["transfer_to"].items():
            if v["seeds_measured"] >= 2:
                # flagged: the cell is marked '!' (the target's STL baseline learned nothing in some seed)
                cells.append({"agree": v["same_sign_every_seed"], "mean": v["mean"], "flagged": stl_flag[tgt]})
    sv = j["similarity_vs_transfer"]
    return {"cells": cells, "spearman": sv["spearman"], "n_pairs": sv["pairs"], "note": sv["note"]}


def summarise_sweep(j):
    return {"best": j["best_rank"], "smallest": j["smallest_rank_within_sd"],
            "ranks": [r["rank"] for r in j["ranks"]]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--reps", type=int, default=2, help="suites per condition, size and k")
    ap.add_argument("--jar", default=JAR)
    ap.add_argument("--only", default=None)
    ap.add_argument("--epochs", default="60")
    ap.add_argument("--first-rep", type=int, default=0, help="replicate number to start from (more suites)")
    ap.add_argument("--sizes", default=None, help="m x d list, e.g. 100x50,100x10 (default: all four)")
    ap.add_argument("--runs", default=None, help="only these of train3,train5,pairs3,sweep3")
    ap.add_argument("--ks", default="2,3,4,5,6")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng([20261201, a.first_rep, CONDITIONS.index(a.only) if a.only else 99])
    raw = open(os.path.join(a.out, "raw.jsonl"), "a")
    conds = [a.only] if a.only else CONDITIONS
    sizes = [tuple(int(v) for v in x.split("x")) for x in a.sizes.split(",")] if a.sizes else SIZES
    n = 0
    for cond in conds:
        for (m, d) in sizes:
            for rep in range(a.first_rep, a.first_rep + a.reps):
                for k in [int(v) for v in a.ks.split(",")]:
                    n += 1
                    # Not every command on every suite: train --seeds 3 always, pairs on k >= 3,
                    # train --seeds 5 and sweep on alternate suites (compute budget).
                    path = os.path.join(a.out, "data", f"{cond}-m{m}-d{d}-k{k}-r{rep}")
                    data = make_suite(path, cond, m, d, k, rng)
                    common = ["--epochs", a.epochs, "--seed", str(1 + 10 * rep)]
                    todo = [("train3", "train", ["--seeds", "3"])]
                    if k >= 3:
                        todo.append(("pairs3", "pairs", ["--seeds", "3"]))
                    if (k + rep) % 2 == 0:
                        todo.append(("train5", "train", ["--seeds", "5"]))
                    if (k + rep) % 2 == 1 and k >= 3:
                        todo.append(("sweep3", "sweep", ["--seeds", "3"]))
                    if a.runs:
                        todo = [x for x in todo if x[0] in a.runs.split(",")]
                    for tag, cmd, extra in todo:
                        j, secs = run(a.jar, cmd, data, common + extra)
                        if j is None:
                            continue
                        rec = {"cond": cond, "m": m, "d": d, "k": k, "rep": rep, "run": tag, "seconds": round(secs, 2),
                               "epochs": int(a.epochs)}
                        rec.update(summarise_train(j) if cmd == "train" else
                                   summarise_pairs(j) if cmd == "pairs" else summarise_sweep(j))
                        raw.write(json.dumps(rec) + "\n")
                        raw.flush()
                    print(f"{cond} m={m} d={d} k={k} rep={rep} done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
