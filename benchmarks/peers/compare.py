#!/usr/bin/python3
"""Side-by-side tables of a JMH result file and a cpu_peers.py result file of the same run.

  /usr/bin/python3 benchmarks/peers/compare.py JMH.json PEERS.json [--label run1]

Prints one Markdown table per operation: ours (JMH score +- 99.9% error), numpy and torch
(median, with the min-max spread of the samples), and the ratios ours/peer. A ratio above 1
means we are slower. Only rows present in both files are printed.
"""

import argparse
import json

TO_SECONDS = {"s/op": 1.0, "ms/op": 1e-3, "us/op": 1e-6, "ns/op": 1e-9}

OPS = {
    "org.mtlalign.bench.SharedLayerBench.forward": "shared.forward",
    "org.mtlalign.bench.SharedLayerBench.weightGradient": "shared.weightGradient",
    "org.mtlalign.bench.SharedLayerBench.inputGradient": "shared.inputGradient",
    "org.mtlalign.bench.CovarianceBench.gram": "cov.gram",
    "org.mtlalign.bench.SvdBench.svd": "svd",
    "org.mtlalign.bench.TrainEpochBench.epoch": "train.epoch",
}


def key(op, params):
    return op + "|" + ",".join(f"{k}={str(v).lower()}" for k, v in sorted(params.items()))


def fmt(s, unit):
    scale = {"us": 1e6, "ms": 1e3, "s": 1.0}[unit]
    v = s * scale
    return f"{v:.4g}" if v < 100 else f"{v:.0f}"


def unit_for(op):
    return "us" if op.startswith(("shared", "cov")) else "ms"


def load_jmh(jmh_path):
    """key -> (op, params, score in s, 99.9% error in s or None)."""
    ours = {}
    for b in json.load(open(jmh_path)):
        op = OPS.get(b["benchmark"])
        if op is None:
            continue
        pm = b["primaryMetric"]
        f = TO_SECONDS[pm["scoreUnit"]]
        err = pm.get("scoreError")
        ours[key(op, b.get("params", {}))] = (op, b.get("params", {}), pm["score"] * f,
                                              (err * f) if isinstance(err, (int, float)) else None)
    return ours


def load_peers(peers_path):
    """(key -> {impl: result}, meta)."""
    peers = {}
    data = json.load(open(peers_path))
    for r in data["results"]:
        peers.setdefault(key(r["op"], r["params"]), {})[r["impl"]] = r
    return peers, data.get("meta", {})


def ordered_keys(dicts):
    """Keys of several result dicts, first-seen order."""
    keys = []
    for d in dicts:
        keys += [k for k in d if k not in keys]
    return keys


def load(jmh_path, peers_path):
    peers, meta = load_peers(peers_path)
    return load_jmh(jmh_path), peers, meta


def tables(ours, peers, label=""):
    out = []
    by_op = {}
    for k, (op, params, s, e) in ours.items():
        by_op.setdefault(op, []).append((k, params, s, e))
    for op in OPS.values():
        rows = by_op.get(op)
        if not rows:
            continue
        u = unit_for(op)
        out.append(f"\n#### {op}{(' (' + label + ')') if label else ''}, times in {u}\n")
        out.append(f"| params | ours (JMH) | numpy | torch | ours/numpy | ours/torch |")
        out.append("|---|---|---|---|---|---|")
        for k, params, s, e in rows:
            p = peers.get(k, {})
            ps = " ".join(f"{a}={b}" for a, b in params.items())
            ours_s = fmt(s, u) + (f" ± {fmt(e, u)}" if e is not None else "")
            cells = []
            ratios = []
            for impl in ("numpy", "torch"):
                r = p.get(impl)
                if r is None:
                    cells.append("n/a")
                    ratios.append("n/a")
                else:
                    cells.append(f"{fmt(r['median_s'], u)} ({fmt(r['min_s'], u)}–{fmt(r['max_s'], u)})")
                    ratios.append(f"{s / r['median_s']:.2f}")
            out.append(f"| {ps} | {ours_s} | {cells[0]} | {cells[1]} | {ratios[0]} | {ratios[1]} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("jmh")
    ap.add_argument("peers")
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    ours, peers, meta = load(a.jmh, a.peers)
    print(tables(ours, peers, a.label))


if __name__ == "__main__":
    main()
