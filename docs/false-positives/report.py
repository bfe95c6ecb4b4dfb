#!/usr/bin/env python3
"""Tables of docs/results/false-positives.md from the raw.jsonl files null_suites.py wrote.
Usage: python3 docs/false-positives/report.py RAW.jsonl [RAW.jsonl ...]"""
import json, math, sys
from collections import defaultdict

recs = [json.loads(l) for f in sys.argv[1:] for l in open(f)]
for r in recs:  # a run at another --epochs is its own row
    if r.get("epochs", 60) != 60:
        r["cond"] = f"{r['cond']}, m = {r['m']}, --epochs {r['epochs']}"
conds = []
for r in recs:
    if r["cond"] not in conds:
        conds.append(r["cond"])


def pct(a, n):
    if n == 0:
        return "-"
    p = a / n
    return f"{100 * p:.1f}% ± {100 * math.sqrt(p * (1 - p) / n):.1f}"


def cells(run, cond, diff=None):
    out = []
    for r in recs:
        if r["run"] == run and r["cond"] == cond:
            for c in r["cells"]:
                if diff is None or c.get("diff") == diff:
                    out.append(c)
    return out


for run, seeds in (("train3", 3), ("train5", 5)):
    chance = 2 * 0.5 ** seeds
    print(f"\n#### mtl train --seeds {seeds}: differences marked `*` (chance alone: {100 * chance:.2f}%)\n")
    print("| suite | difference | cells | marked + | marked - | marked (rate ± se) | marked without `!` |")
    print("|---|---|---|---|---|---|---|")
    for cond in conds:
        for diff in ("mtl_minus_stl", "align_minus_mtl", "reweight_minus_mtl", "align_minus_stl"):
            cs = cells(run, cond, diff)
            if not cs:
                continue
            pos = sum(c["agree"] == 1 for c in cs)
            neg = sum(c["agree"] == -1 for c in cs)
            unfl = [c for c in cs if not c.get("flagged", False)]
            mu = sum(c["agree"] != 0 for c in unfl)
            print(f"| {cond} | {diff} | {len(cs)} | {pos} | {neg} | {pct(pos + neg, len(cs))} | {mu} of {len(unfl)} |")

print("\n#### mtl train --seeds 3: marks per run against the count chance alone gives\n")
print("| suite | runs | differences | marks | differences / 4 (chance, if every one had a sign in every seed) | runs with at least one mark |")
print("|---|---|---|---|---|---|")
for cond in conds:
    rs = [r for r in recs if r["run"] == "train3" and r["cond"] == cond]
    nd = sum(len(r["cells"]) for r in rs)
    marks = sum(c["agree"] != 0 for r in rs for c in r["cells"])
    anym = sum(any(c["agree"] != 0 for c in r["cells"]) for r in rs)
    print(f"| {cond} | {len(rs)} | {nd} | {marks} | {nd / 4:.0f} | {anym} of {len(rs)} |")

print("\n#### one seed's sign of MTL - STL (the first seed of each mtl train --seeds 3 run)\n")
print("| suite | tasks | positive | negative | zero |")
print("|---|---|---|---|---|")
for cond in conds:
    v = [c["per_seed"][0] for c in cells("train3", cond, "mtl_minus_stl") if c.get("per_seed") and c["per_seed"][0] is not None]
    if v:
        print(f"| {cond} | {len(v)} | {sum(x > 0 for x in v)} | {sum(x < 0 for x in v)} | {sum(x == 0 for x in v)} |")

print("\n#### mtl pairs --seeds 3: transfer cells marked `*` (chance alone: 25%)\n")
print("| suite | cells | helps in every seed | hurts in every seed | marked (rate ± se) | marked without `!` |")
print("|---|---|---|---|---|---|")
for cond in conds:
    cs = cells("pairs3", cond)
    if not cs:
        continue
    pos = sum(c["agree"] == "positive" for c in cs)
    neg = sum(c["agree"] == "negative" for c in cs)
    unfl = [c for c in cs if not c["flagged"]]
    mu = sum(c["agree"] is not None for c in unfl)
    print(f"| {cond} | {len(cs)} | {pos} | {neg} | {pct(pos + neg, len(cs))} | {mu} of {len(unfl)} |")

print("\n#### mtl pairs: Spearman(similarity, transfer) over the pairs\n")
print("| suite | runs | above +1.645/sqrt(n-1) | below -1.645/sqrt(n-1) | printed without the <1% note | mean rho |")
print("|---|---|---|---|---|---|")
for cond in conds:
    rs = [r for r in recs if r["run"] == "pairs3" and r["cond"] == cond and r["spearman"] is not None]
    if not rs:
        continue
    up = sum(r["spearman"] > 1.645 / math.sqrt(r["n_pairs"] - 1) for r in rs)
    dn = sum(r["spearman"] < -1.645 / math.sqrt(r["n_pairs"] - 1) for r in rs)
    nonote = sum(r["note"] is None for r in rs)
    print(f"| {cond} | {len(rs)} | {up} | {dn} | {nonote} | {sum(r['spearman'] for r in rs) / len(rs):+.2f} |")

print("\n#### the width: mtl train's suggestion and `weak` flag, mtl sweep's choices\n")
print("| suite | train runs | suggested r (counts) | capacity `weak` in every seed | sweeps | best r (counts) | smallest r within one sd (counts) |")
print("|---|---|---|---|---|---|---|")
for cond in conds:
    tr = [r for r in recs if r["run"] in ("train3", "train5") and r["cond"] == cond]
    sw = [r for r in recs if r["run"] == "sweep3" and r["cond"] == cond]
    def hist(v):
        h = defaultdict(int)
        for x in v:
            h[x] += 1
        return ", ".join(f"{x}: {h[x]}" for x in sorted(h))
    print(f"| {cond} | {len(tr)} | {hist(r['rank'] for r in tr)} | {sum(all(r['weak']) for r in tr)} of {len(tr)} "
          f"| {len(sw)} | {hist(r['best'] for r in sw)} | {hist(r['smallest'] for r in sw)} |")

print("\n#### by size: MTL - STL (mtl train --seeds 3) and pairs cells (--seeds 3) marked `*`\n")
print("| suite | m | d | train: marked + / - of cells | train: with `!` | pairs: helps / hurts of cells | pairs: with `!` |")
print("|---|---|---|---|---|---|---|")
for cond in conds:
    for m, d in ((100, 10), (100, 50), (1000, 10), (1000, 50)):
        tc = [c for r in recs if r["run"] == "train3" and r["cond"] == cond and r["m"] == m and r["d"] == d
              for c in r["cells"] if c["diff"] == "mtl_minus_stl"]
        pc = [c for r in recs if r["run"] == "pairs3" and r["cond"] == cond and r["m"] == m and r["d"] == d
              for c in r["cells"]]
        if not tc and not pc:
            continue
        print(f"| {cond} | {m} | {d} | {sum(c['agree'] == 1 for c in tc)} / {sum(c['agree'] == -1 for c in tc)} of {len(tc)} "
              f"| {sum(c['flagged'] for c in tc)} | {sum(c['agree'] == 'positive' for c in pc)} / "
              f"{sum(c['agree'] == 'negative' for c in pc)} of {len(pc)} | {sum(c['flagged'] for c in pc)} |")
