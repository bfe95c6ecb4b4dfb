#!/usr/bin/env python3
"""Tables of docs/results/sampling.md from the --json files of `mtl train --seeds 3` runs.

    python3 docs/sampling/report.py OUTDIR SUITE,SUITE,... RULE,RULE,... [--tasks] [--stl=RULE] [--compare]

reads OUTDIR/SUITE-RULE.json (RULE round-robin holds the STL baselines: the others ran --no-stl on
the same splits, whose STL models are the same). Per suite and rule: the mean over tasks of
MTL - STL (classification metrics: AUC or accuracy, seed means; regression: (STL - MTL) / STL of
the seed-mean MSE, in %, so + is better for both), how many tasks MTL helped / hurt in every seed,
and the MTL model's best epoch per seed; then the smallest and the largest task's MTL - STL.
--tasks adds every task's STL and MTL metric (mean over seeds) and MTL - STL (mean ± sd).
--stl=RULE takes the STL baselines from OUTDIR/SUITE-RULE.json instead (e.g. when every rule ran
with its STL models); a rule's file holding STL metrics that differ from those is reported.
--compare (two rules: A,B) adds a table of B against A per suite: the mean MTL - STL of each, B - A,
and a verdict: better / same / worse, same meaning within 0.005 (AUC or accuracy) and 2 points of
relative MSE, "mixed" where a suite's classification and regression means disagree; then the counts, and per
task B - A pooled over the suites, for tasks below their suite's mean training rows and the rest.
"""
import json, os, sys, statistics as st

args = [a for a in sys.argv[1:] if not a.startswith('--')]
out, suites, rules = args[0], args[1].split(','), args[2].split(',')
per_task = '--tasks' in sys.argv
stl_rule = next((a.split('=', 1)[1] for a in sys.argv if a.startswith('--stl=')), 'round-robin')
compare = '--compare' in sys.argv
if compare and len(rules) != 2:
    sys.exit('--compare needs two rules')

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

def verdict(a, b, tol):  # b against a, + better
    return 'same' if abs(b - a) <= tol else ('better' if b > a else 'worse')

main, ends, comp, counts, stl_diff = [], [], [], {}, []
by_size = {}  # (suite, task) -> (below the suite's mean training rows?, 'cls' / 'reg', {rule: MTL - STL})
for suite in suites:
    base = load(suite, stl_rule)
    if base is None:
        continue
    names = base['task_names']
    first = {t['name']: t for t in base['runs'][0]['tasks']}
    metric = {n: first[n]['metric'] for n in names}
    rows = {n: first[n]['trainRows'] for n in names}
    stl = {n: [t['stl'] for r in base['runs'] for t in r['tasks'] if t['name'] == n] for n in names}
    small, large = min(names, key=lambda n: rows[n]), max(names, key=lambda n: rows[n])
    ratio = rows[large] / rows[small]
    cells, endcells, means = [], [], []
    for rule in rules:
        j = load(suite, rule)
        if j is None:
            cells.append('-'); endcells.append('-'); continue
        mtl = {n: [t['mtl'] for r in j['runs'] for t in r['tasks'] if t['name'] == n] for n in names}
        own = {n: [t['stl'] for r in j['runs'] for t in r['tasks'] if t['name'] == n] for n in names}
        if any(x is not None for n in names for x in own[n]) and own != stl:
            stl_diff.append(f'{suite} {rule}')
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
        if compare:
            mean_rows = st.mean(rows.values())
            for n in names:
                e = by_size.setdefault((suite, n), ('small' if rows[n] < mean_rows else 'large',
                                                    'cls' if better(metric[n]) > 0 else 'reg', {}))
                e[2][rule] = gain(metric[n], mtl[n], stl[n])
        means.append((st.mean(cls) if cls else None, st.mean(reg) if reg else None,
                      gain(metric[small], mtl[small], stl[small]), gain(metric[large], mtl[large], stl[large]), best))
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
    if compare and len(means) == 2:
        (ca, ra, sa, la, ba), (cb, rb, sb, lb, bb) = means
        vs, diff, mean_a, mean_b = [], [], [], []
        if ca is not None:
            vs.append(verdict(ca, cb, 0.005)); diff.append(f'{cb - ca:+.3f}')
            mean_a.append(f'{ca:+.3f}'); mean_b.append(f'{cb:+.3f}')
        if ra is not None:
            vs.append(verdict(ra, rb, 2)); diff.append(f'{rb - ra:+.0f} pts MSE')
            mean_a.append(f'{ra:+.0f}% MSE'); mean_b.append(f'{rb:+.0f}% MSE')
        v = vs[0] if len(set(vs)) == 1 else ('mixed' if {'better', 'worse'} <= set(vs) else
                                             ('better' if 'better' in vs else 'worse'))
        counts[v] = counts.get(v, 0) + 1
        comp.append(f'| {suite} | {ratio:.0f}x | ' + ' / '.join(mean_a) + ' | ' + ' / '.join(mean_b) + ' | '
                    + ' / '.join(diff) + f' | {v} | ' + fmt(metric[small], sa) + ' → ' + fmt(metric[small], sb)
                    + ' | ' + fmt(metric[large], la) + ' → ' + fmt(metric[large], lb)
                    + f' | {",".join(map(str, ba))} → {",".join(map(str, bb))} |')
    main.append(f'| {suite} | {len(names)} | {rows[small]}-{rows[large]} ({ratio:.0f}x) | {metrics} | ' + ' | '.join(cells) + ' |')
    ends.append(f'| {suite} | {ratio:.0f}x | {small} ({rows[small]}), {large} ({rows[large]}) | ' + ' | '.join(endcells) + ' |')
print('| suite | k | train rows | metrics | ' + ' | '.join(f'{r}: MTL - STL (helped/hurt); best epochs' for r in rules) + ' |')
print('|---|---|---|---|' + '---|' * len(rules))
print('\n'.join(main))
print()
print('| suite | ratio | smallest, largest task (train rows) | ' + ' | '.join(f'{r}: smallest ; largest' for r in rules) + ' |')
print('|---|---|---|' + '---|' * len(rules))
print('\n'.join(ends))
if compare:
    a, b = rules
    print()
    print(f'| suite | ratio | {a}: mean MTL - STL | {b}: mean MTL - STL | {b} - {a} | verdict | '
          f'smallest task {a} → {b} | largest task {a} → {b} | best epochs {a} → {b} |')
    print('|---|---|---|---|---|---|---|---|---|')
    print('\n'.join(comp))
    print()
    print(f'{b} against {a}: ' + ', '.join(f'{counts.get(v, 0)} {v}' for v in ('better', 'same', 'worse', 'mixed')))
    # per task, B - A of MTL - STL, pooled over the suites: tasks below the suite's mean training
    # rows (weight k m_i / M < 1 in B's early stopping when B is the new proportional) and the rest
    print()
    for size in ('small', 'large'):
        for kind, unit in (('cls', ''), ('reg', ' pts MSE')):
            diffs = [g[b] - g[a] for sz, kd, g in by_size.values() if (sz, kd) == (size, kind) and len(g) == 2]
            if not diffs:
                continue
            nb = sum(x > 0 for x in diffs); nw = sum(x < 0 for x in diffs)
            print(f'{"below" if size == "small" else "at or above"} the mean size, {kind}: {len(diffs)} tasks, '
                  f'{b} - {a} mean {st.mean(diffs):+.{1 if unit else 3}f}{unit}, median {st.median(diffs):+.{1 if unit else 3}f}{unit}, '
                  f'{nb} up, {nw} down')
if stl_diff:
    print()
    print(f'STL metrics differing from those of {stl_rule}: ' + ', '.join(stl_diff))
