#!/usr/bin/env python3
"""Does mtl analyze name 'most similar pairs' when every task's inputs come from one distribution?

Each suite: k tasks, each with its own m x d rows of N(0, I) (so every pair's true similarity is
the same) and coin-flip labels. mtl analyze names the most similar pairs unless the pairs' scores
span less than 1% of the highest (CovarianceSimilarity.indistinct); here any such ranking is
sampling noise. Counts how often it is named, and the span, by m and d.
Usage: python3 docs/false-positives/similarity_null.py OUTDIR [--reps R] [--jar JAR]
"""
import argparse, json, os, subprocess
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
JAR = os.path.join(HERE, "..", "..", "target", "mtl-align-0.1.0.jar")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--jar", default=JAR)
    a = ap.parse_args()
    rng = np.random.default_rng(20261202)
    print("| m per task | d | suites | most similar pairs named | span of the pairs' scores (median, max) |")
    print("|---|---|---|---|---|")
    for m in (100, 1000, 10000):
        for d in (10, 50):
            named, spans = 0, []
            for rep in range(a.reps):
                path = os.path.join(a.out, f"m{m}-d{d}-r{rep}")
                for t in range(a.k):
                    os.makedirs(os.path.join(path, f"t{t}"), exist_ok=True)
                    np.save(os.path.join(path, f"t{t}", "X.npy"), rng.standard_normal((m, d)).astype(np.float32))
                    np.save(os.path.join(path, f"t{t}", "y.npy"), rng.integers(0, 2, m))
                p = subprocess.run(["java", "--add-modules", "jdk.incubator.vector", "-jar", a.jar, "analyze",
                                    "--tasks", path, "--json", "-"], capture_output=True, text=True, check=True)
                s = np.array(json.loads(p.stdout)["similarity"])
                off = s[~np.eye(a.k, dtype=bool)]
                lo, hi = off.min(), off.max()
                spans.append((hi - lo) / hi)
                named += not (hi - lo < 0.01 * hi)
            print(f"| {m} | {d} | {a.reps} | {named} | {100 * np.median(spans):.1f}%, {100 * max(spans):.1f}% |")


if __name__ == "__main__":
    main()
