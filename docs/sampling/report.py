#!/usr/bin/env python3
"""Tables of docs/results/sampling.md from the --json files of `mtl train --seeds 3` runs.

    python3 docs/sampling/report.py OUTDIR SUITE,SUITE,... RULE,RULE,... [--tasks]

reads OUTDIR/SUITE-RULE.json (RULE round-robin holds the STL baselines: the others ran --no-stl on
the same splits, whose STL models are the same). Per suite and rule: the mean over tasks of
MTL - STL (classification metrics: AUC or accuracy, seed means; regression: (STL - MTL) / STL of
the seed-mean MSE, in %, so + is better for both), how many tasks MTL helped / hurt in every seed,
and the MTL model's best epoch per seed; then the smallest and the largest task's MTL - STL.
--tasks adds every task's STL and MTL metric (mean over seeds) and MTL - STL (mean ± sd).
"""
import json, os, sys, statistics as st

out, suites, rules = sys.argv[1], sys.argv[2].split(','), sys.argv[3].split(',')
per_task = '--tasks' in sys.argv

def load(suite, rule):
    p = f'{out}/{suite}-{rule}.json'
    return json.load(open(p)) if os.path.exists(p) else None

def better(metric):  # +1 when a larger value is better
    return -1 if metric in ('mse', 'rmse', 'mae') else 1

def gain(metric, mtl, stl):  # seed means; + is better
    if better(metric) > 0:
        return st.mean(mtl) - st.mean(stl)
    return 100 * (st.mean(stl) - st.mean(mtl)) / st.mean(stl)

def fmt(metric, g):
    return f'{g:+.3f}' if better(metric) > 0 else f'{g:+.0f}% MSE'

main, ends = [], []
for suite in suites:
    base = load(suite, 'round-robin')
    if base is None:
        continue
    names = base['task_names']
    first = {t['name']: t for t in base['runs'][0]['tasks']}
    metric = {n: first[n]['metric'] for n in names}
    rows = {n: first[n]['trainRows'] for n in names}
    stl = {n: [t['stl'] for r in base['runs'] for t in r['tasks'] if t['name'] == n] for n in names}
    small, large = min(names, key=lambda n: rows[n]), max(names, key=lambda n: rows[n])
    ratio = rows[large] / rows[small]
    cells, endcells = [], []
    for rule in rules:
        j = load(suite, rule)
        if j is None:
            cells.append('-'); endcells.append('-'); continue
        mtl = {n: [t['mtl'] for r in j['runs'] for t in r['tasks'] if t['name'] == n] for n in names}
        best = [tr['bestEpoch'] for r in j['runs'] for tr in r['trainings'] if tr['run'] == 'MTL']
        sgn = {n: [(a - b) * better(metric[n]) for a, b in zip(mtl[n], stl[n])] for n in names}
        helped = sum(all(x > 1e-12 for x in sgn[n]) for n in names)
        hurt = sum(all(x < -1e-12 for x in sgn[n]) for n in names)
        parts = []
        cls = [gain(metric[n], mtl[n], stl[n]) for n in names if better(metric[n]) > 0]
        reg = [gain(metric[n], mtl[n], stl[n]) for n in names if better(metric[n]) < 0]
        if cls:
            parts.append(f'{st.mean(cls):+.3f}')
        if reg:
            parts.append(f'{st.mean(reg):+.0f}% MSE')
        cells.append(' / '.join(parts) + f' ({helped}/{hurt}); {",".join(map(str, best))}')
        endcells.append(fmt(metric[small], gain(metric[small], mtl[small], stl[small])) + ' ; '
                        + fmt(metric[large], gain(metric[large], mtl[large], stl[large])))
        if per_task:
            print(f'{suite} {rule}: MTL best epoch by seed {best}')
            for n in names:
                d = [a - b for a, b in zip(mtl[n], stl[n])]
                print(f'  {n:10s} {rows[n]:6d} train rows  {metric[n]:8s} STL {st.mean(stl[n]):.4f}  '
                      f'MTL {st.mean(mtl[n]):.4f}  MTL-STL {st.mean(d):+.4f} ± {st.stdev(d):.4f}')
    metrics = ','.join(sorted(set(metric.values())))
    main.append(f'| {suite} | {len(names)} | {rows[small]}-{rows[large]} ({ratio:.0f}x) | {metrics} | ' + ' | '.join(cells) + ' |')
    ends.append(f'| {suite} | {ratio:.0f}x | {small} ({rows[small]}), {large} ({rows[large]}) | ' + ' | '.join(endcells) + ' |')
print('| suite | k | train rows | metrics | ' + ' | '.join(f'{r}: MTL - STL (helped/hurt); best epochs' for r in rules) + ' |')
print('|---|---|---|---|' + '---|' * len(rules))
print('\n'.join(main))
print()
print('| suite | ratio | smallest, largest task (train rows) | ' + ' | '.join(f'{r}: smallest ; largest' for r in rules) + ' |')
print('|---|---|---|' + '---|' * len(rules))
print('\n'.join(ends))
