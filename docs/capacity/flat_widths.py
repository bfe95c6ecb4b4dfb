#!/usr/bin/env python3
"""Which width in a flat capacity range trains best (docs/results/capacity-suggestion.md, "Which width
of a flat range"). Reads `mtl analyze --json AN/NAME.json` and `mtl sweep --json SW/NAME_ACT.json`
(ACT relu or identity; the sweep's --ranks must hold the candidate widths) and prints, for every
suite with a flat curve (widestAsGood > suggestedRank), how each candidate rule's width compares with
the smallest end (today's suggestion) on the test metrics:

  geometric middle  round(sqrt(suggestedRank * widestAsGood))
  arithmetic middle round((suggestedRank + widestAsGood) / 2)
  widestAsGood, bestRank

The change is the mean over tasks of (test error at the candidate / test error at the smallest end - 1),
per seed, then averaged over the seeds (error: 1 - AUC, 1 - accuracy, or the MSE); negative is better.
"Seeds" counts the seeds on which the candidate was better; "tasks" the tasks whose seed-mean error is
lower (+) or higher (-).

    python3 docs/capacity/flat_widths.py AN SW
"""
import glob, json, math, os, statistics, sys

an_dir, sw_dir = sys.argv[1], sys.argv[2]


def capacity(o):
    """The capacity object of an analyze JSON (the one holding widestAsGood)."""
    if isinstance(o, dict):
        if 'widestAsGood' in o:
            return o
        o = list(o.values())
    if isinstance(o, list):
        for v in o:
            r = capacity(v)
            if r:
                return r
    return None


def rnd(x):  # Java's Math.round, not Python's round-half-even
    return int(math.floor(x + 0.5))


def err(metric, v):
    return v if metric == 'mse' else 1 - v


RULES = ['geo', 'arith', 'widest', 'best']
rows, agg = [], {}
for f in sorted(glob.glob(os.path.join(sw_dir, '*.json')), key=lambda p: (os.path.basename(p).rsplit('_', 1)[0].lower(),
                                                                        p.endswith('identity.json'))):
    name, act = os.path.basename(f)[:-5].rsplit('_', 1)
    c = capacity(json.load(open(os.path.join(an_dir, name + '.json'))))
    s, b, w = c['suggestedRank'], c['bestRank'], c['widestAsGood']
    if w <= s:
        continue
    cand = {'geo': rnd(math.sqrt(s * w)), 'arith': rnd((s + w) / 2), 'widest': w, 'best': b}
    j = json.load(open(f))
    R = {r['rank']: r for r in j['ranks']}
    met = j['task_metrics']

    def per_seed(r):
        return [[err(m, t) for m, t in zip(met, run['test'])] for run in R[r]['runs']]

    base = per_seed(s)
    cells = []
    for k in RULES:
        r = cand[k]
        if r not in R:
            cells.append(f'{r}: not swept')
            continue
        cur = per_seed(r)
        rel = [sum(ce / be - 1 for ce, be in zip(cs, bs) if be > 0) / len(met) * 100 for cs, bs in zip(cur, base)]
        mean = sum(rel) / len(rel)
        better = sum(x < 0 for x in rel)
        tc = [sum(x) / len(x) for x in zip(*cur)]
        tb = [sum(x) / len(x) for x in zip(*base)]
        up = sum(a < z for a, z in zip(tc, tb))
        down = sum(a > z for a, z in zip(tc, tb))
        cells.append(f'{r}: {mean:+.1f}%' + ('' if r == s else f' ({better}/{len(rel)}; {up}+/{down}-)'))
        agg.setdefault((act, k), []).append((mean, better if r != s else None, len(rel)))
    vl = ' '.join(f"{r}: {R[r]['validation_loss_mean']:.4g}" for r in sorted(R))
    rows.append(f"| {name} | {act} | {s}-{w} ({b}) | {vl} | " + ' | '.join(cells) + ' |')

print('| suite | activation | flat range (best) | validation loss by r (mean, 3 seeds) '
      '| geometric middle | arithmetic middle | widestAsGood | bestRank |')
print('|---|---|---|---|---|---|---|---|')
print('\n'.join(rows))
print()
print('| activation | candidate | suites | median change | mean change | better (on every seed) '
      '| worse (on every seed) | same width as the smallest end |')
print('|---|---|---|---|---|---|---|---|')
for act in ['relu', 'identity']:
    for k in RULES:
        v = agg.get((act, k), [])
        if not v:
            continue
        ch = [m for m, _, _ in v]
        print(f"| {act} | {k} | {len(v)} | {statistics.median(ch):+.1f}% | {sum(ch) / len(ch):+.1f}% "
              f"| {sum(m < 0 for m, bt, _ in v if bt is not None)} ({sum(m < 0 and bt == n for m, bt, n in v)}) "
              f"| {sum(m > 0 for m, bt, _ in v if bt is not None)} ({sum(m > 0 and bt == 0 for m, bt, n in v)}) "
              f"| {sum(bt is None for _, bt, _ in v)} |")
