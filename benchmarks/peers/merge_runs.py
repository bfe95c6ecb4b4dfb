#!/usr/bin/python3
"""One Markdown table per operation over several (JMH, peers) run pairs, ratios within each pair.

  /usr/bin/python3 benchmarks/peers/merge_runs.py JMH1.json PEERS1.json [JMH2.json PEERS2.json ...]

Cells list the runs in order, separated by " / ": ours is the JMH score ± its 99.9% error,
numpy and torch the median of the peer samples; ratios are ours/peer of the same run pair.
"""

import sys

from compare import OPS, load, ordered_keys, unit_for, fmt


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit(__doc__)
    runs = [load(args[i], args[i + 1])[:2] for i in range(0, len(args), 2)]
    keys = ordered_keys(ours for ours, _ in runs)
    for op in OPS.values():
        ks = [k for k in keys if k.split("|")[0] == op]
        if not ks:
            continue
        u = unit_for(op)
        print(f"\n#### {op}, times in {u} (runs: {len(runs)}, cells run1 / run2 / ...)\n")
        print("| params | ours (JMH) | numpy | torch | ours/numpy | ours/torch |")
        print("|---|---|---|---|---|---|")
        for k in ks:
            params = k.split("|")[1].replace(",", " ")
            o, n, t, rn, rt = [], [], [], [], []
            for ours, peers in runs:
                if k not in ours:
                    continue
                _, _, s, e = ours[k]
                o.append(fmt(s, u) + (f" ± {fmt(e, u)}" if e is not None else ""))
                p = peers.get(k, {})
                for impl, cells, ratios in (("numpy", n, rn), ("torch", t, rt)):
                    r = p.get(impl)
                    cells.append(fmt(r["median_s"], u) if r else "n/a")
                    ratios.append(f"{s / r['median_s']:.2f}" if r else "n/a")
            print(f"| {params} | {' / '.join(o)} | {' / '.join(n)} | {' / '.join(t)} | "
                  f"{' / '.join(rn)} | {' / '.join(rt)} |")


if __name__ == "__main__":
    main()
