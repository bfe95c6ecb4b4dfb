#!/usr/bin/python3
"""Tables for run_threads.sh: ours as `mtl` runs it (1 OpenBLAS thread, parallel workers) against
ours before (OpenBLAS default threads, 1 worker) and each peer at its better thread setting.

  /usr/bin/python3 benchmarks/peers/compare_threads.py OUTDIR

Per run N it reads jmh-1t-runN.json, jmh-2t-runN.json, peers-2t-runN.json, peers-1t-runN.json.
Cells list the runs in order (" / "). "best" is the lower of a peer's two medians in that run,
with the setting that gave it; ratios are ours (1t) / that, so above 1 means we are slower.
"""

import glob
import os
import sys

from compare import OPS, fmt, load_jmh, load_peers, ordered_keys, unit_for


def jmh(path):
    return {k: v[2] for k, v in load_jmh(path).items()}


def peers(path):
    return {k: {impl: r["median_s"] for impl, r in v.items()} for k, v in load_peers(path)[0].items()}


def main():
    d = sys.argv[1]
    runs = sorted(int(p.split("run")[-1].split(".")[0]) for p in glob.glob(os.path.join(d, "jmh-1t-run*.json")))
    data = []
    for i in runs:
        f = lambda n: os.path.join(d, n + f"-run{i}.json")
        try:
            data.append((jmh(f("jmh-1t")), jmh(f("jmh-2t")), peers(f("peers-2t")), peers(f("peers-1t"))))
        except (OSError, ValueError) as e:  # a run still in progress or cut short
            print(f"(run {i} left out: {e})")
    keys = ordered_keys(new for new, *_ in data)
    for op in OPS.values():
        ks = [k for k in keys if k.split("|")[0] == op]
        if not ks:
            continue
        u = unit_for(op)
        print(f"\n##### {op}, times in {u} (runs: {len(data)}, cells run1 / run2 / ...)\n")
        print("| params | ours now (1t, workers) | ours before (2t) | now/before | numpy best | torch best "
              "| now/numpy | now/torch |")
        print("|---|---|---|---|---|---|---|---|")
        for k in ks:
            cells = [[] for _ in range(7)]
            for new, old, p2, p1 in data:
                if k not in new:
                    continue
                cells[0].append(fmt(new[k], u))
                cells[1].append(fmt(old[k], u) if k in old else "n/a")
                cells[2].append(f"{new[k] / old[k]:.2f}" if k in old else "n/a")
                for c, impl in ((3, "numpy"), (4, "torch")):
                    cand = [(p[k][impl], t) for p, t in ((p2, "2t"), (p1, "1t")) if k in p and impl in p[k]]
                    if cand:
                        s, t = min(cand)
                        cells[c].append(f"{fmt(s, u)} ({t})")
                        cells[c + 2].append(f"{new[k] / s:.2f}")
                    else:
                        cells[c].append("n/a")
                        cells[c + 2].append("n/a")
            params = k.split("|")[1].replace(",", " ")
            print("| " + params + " | " + " | ".join(" / ".join(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
