#!/usr/bin/env python3
"""Does mtl analyze name 'most similar pairs' when every task's inputs come from one distribution?

Each suite: k tasks, each with its own m x d rows and coin-flip labels, all rows training rows
(--val 0 --test 0). Three kinds:
  null      every task's rows N(0, I): every pair's true similarity is the same, so any named
            "most similar pair" is sampling noise;
  positive  rows N(0, I) plus 3 N(0, 9) factors along a 3-dimensional subspace, the same subspace
            for tasks t0 and t1 and an own random one for each other task: t0 ~ t1 is truly the most
            similar pair (the positive control); the other subspaces overlap at random, so other
            pairs' true scores differ too;
  blocks    as positive with the subspaces on blocks of 3 inputs (t0 and t1 inputs 0-2, t2 3-5, ...):
            t0 ~ t1 is the one pair that stands out (CliRunTest's positive control; needs d >= 3(k - 1)).
Counts, by m and d, the suites where the 1% rule alone would name pairs (the pairs' scores span 1%
or more: CovarianceSimilarity.indistinct, the rule before resampling) and where mtl analyze names
some (its JSON's most_similar_pairs), and for the positive controls those naming t0 ~ t1 first and
alone. "resampling noise" is the JSON's similarity_resampled.noise over the top score: where no pair
is named, the value at which the resampling stopped (its ranges had passed the top pair's lead).
Usage: python3 docs/false-positives/similarity_null.py OUTDIR [--reps R] [--kinds null,positive,blocks]
       [--sizes 60,200,1000] [--dims 20,50,100] [--k 4] [--jar JAR]
"""
import argparse, json, os, subprocess, time
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
JAR = os.path.join(HERE, "..", "..", "target", "mtl-align-0.1.0.jar")


def draw(kind, k, m, d, rng):
    xs = []
    shared = None
    for t in range(k):
        x = rng.standard_normal((m, d))
        if kind == "positive":
            u = np.linalg.qr(rng.standard_normal((d, 3)))[0]
            if t == 0:
                shared = u
            if t == 1:
                u = shared
            x += 3 * rng.standard_normal((m, 3)) @ u.T
        elif kind == "blocks":
            first = 3 * max(0, t - 1)
            x[:, first:first + 3] += 3 * rng.standard_normal((m, 3))
        xs.append(x.astype(np.float32))
    return xs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--kinds", default="null,positive")
    ap.add_argument("--sizes", default="60,200,1000")
    ap.add_argument("--dims", default="20,50,100")
    ap.add_argument("--jar", default=JAR)
    a = ap.parse_args()
    print("| kind | training rows per task | d | suites | named by the 1% rule alone | named now "
          "| t0 ~ t1 named first | t0 ~ t1 named alone | span of the pairs' scores (median) | resampling noise (median) | seconds per run (median) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in a.kinds.split(","):
        for m in map(int, a.sizes.split(",")):
            for d in map(int, a.dims.split(",")):
                # One generator per cell: a cell drawn again (another --reps, another order) is the same data.
                rng = np.random.default_rng([20261202, ["null", "positive", "blocks"].index(kind), m, d])
                old = new = first = alone = 0
                spans, noises, secs = [], [], []
                for rep in range(a.reps):
                    path = os.path.join(a.out, f"{kind}-m{m}-d{d}-r{rep}")
                    for t, x in enumerate(draw(kind, a.k, m, d, rng)):
                        os.makedirs(os.path.join(path, f"t{t}"), exist_ok=True)
                        np.save(os.path.join(path, f"t{t}", "X.npy"), x)
                        np.save(os.path.join(path, f"t{t}", "y.npy"), rng.integers(0, 2, m))
                    t0 = time.time()
                    p = subprocess.run(["java", "--add-modules", "jdk.incubator.vector", "-jar", a.jar, "analyze",
                                        "--tasks", path, "--val", "0", "--test", "0", "--json", "-"],
                                       capture_output=True, text=True, check=True)
                    secs.append(time.time() - t0)
                    j = json.loads(p.stdout)
                    s = np.array(j["similarity"])
                    off = s[np.triu_indices(a.k, 1)]
                    lo, hi = off.min(), off.max()
                    spans.append((hi - lo) / hi)
                    old += not (hi - lo < 0.01 * hi)
                    named = [tuple(q["tasks"]) for q in j["most_similar_pairs"]]
                    new += len(named) > 0
                    first += named[:1] == [("t0", "t1")]
                    alone += named == [("t0", "t1")]
                    if j["similarity_resampled"] is not None:
                        noises.append(j["similarity_resampled"]["noise"] / hi)
                print(f"| {kind} | {m} | {d} | {a.reps} | {old} | {new} | {first if kind != 'null' else '-'} "
                      f"| {alone if kind != 'null' else '-'} "
                      f"| {100 * np.median(spans):.1f}% | {100 * np.median(noises) if noises else float('nan'):.1f}% "
                      f"| {np.median(secs):.1f} |", flush=True)


if __name__ == "__main__":
    main()
