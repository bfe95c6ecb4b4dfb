#!/usr/bin/env python3
"""The suites of docs/results/sampling.md (round-robin against proportional task sampling), under ROOT:
docs/capacity/suites.py's generators and docs/examples/ with equal and unequal task sizes, and a
text-like bag-of-words suite. Deterministic (fixed numpy seeds); about 120 MB.

    python3 docs/sampling/suites.py /tmp/sampling-data
"""
import os, sys, subprocess, shutil
import numpy as np
repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(repo, 'docs', 'capacity'))
import suites as S
root = sys.argv[1] if len(sys.argv) > 1 else 'sampling-data'
shutil.rmtree(root, ignore_errors=True); os.makedirs(root)

def sizes(k, lo, hi):
    return [int(round(v)) for v in np.geomspace(lo, hi, k)]

RATIOS = {'1x': (1000, 1000), '5x': (300, 1500), '30x': (100, 3000), '100x': (60, 6000)}
# docs/capacity/suites.py generators with row counts per task (k = 6, d = 64, shared rank 3)
for tag, (lo, hi) in RATIOS.items():
    ms = sizes(6, lo, hi)
    S.cls(root, f'cap-bin-{tag}', k=6, d=64, m=0, rank=3, ms=ms, seed=21)
    S.reg(root, f'cap-reg-{tag}', k=6, d=64, m=0, rank=3, noise=0.5, ms=ms, seed=20)
    S.cls(root, f'cap-mix-{tag}', k=6, d=64, m=0, rank=3, classes=3, ms=ms, seed=22,
          kinds=['reg', 'bin', 'multi'] * 2)
# docs/examples/embedding_suite.py (d = 128, k = 6), binary and mixed
for tag, (lo, hi) in RATIOS.items():
    for kind in ('binary', 'mixed'):
        subprocess.run([sys.executable, f'{repo}/docs/examples/embedding_suite.py',
                        f'{root}/emb-{kind}-{tag}', '6', '128', str(lo), str(hi), '2', kind], check=True)
# docs/examples/anisotropic_embeddings.py (d = 128): fixed sizes, 300 to 20,000 rows
subprocess.run([sys.executable, f'{repo}/docs/examples/anisotropic_embeddings.py', '128', f'{root}/aniso'], check=True)
# docs/examples/linear_tasks.py: 133 to 263 rows
subprocess.run([sys.executable, f'{repo}/docs/examples/linear_tasks.py', f'{root}/linear'], check=True)

# text-like: sparse bag-of-words counts, Zipf word frequencies, d = 400 words, k = 5 tasks;
# each task's label: a few indicative words (some shared with other tasks) + noise.
def text(name, ms, seed=5, d=400):
    rng = np.random.default_rng(seed)
    freq = 1.0 / np.arange(1, d + 1) ** 1.1
    freq /= freq.sum()
    shared = rng.choice(np.arange(20, 200), 6, replace=False)   # shared indicative words
    for i, m in enumerate(ms):
        own = rng.choice(np.arange(20, 300), 4, replace=False)
        words = np.concatenate([shared[rng.permutation(6)[:4]], own])
        wts = rng.choice([-1.0, 1.0], len(words)) * rng.uniform(1.0, 2.0, len(words))
        y_latent = rng.standard_normal(m)   # a document's topic leaning
        lengths = rng.poisson(60, m) + 5
        X = np.zeros((m, d), np.float32)
        for r in range(m):
            c = rng.multinomial(lengths[r], freq)
            # indicative words appear more often when their weight agrees with the leaning
            boost = rng.poisson(np.exp(0.8 * np.sign(wts) * y_latent[r]) * 0.6)
            c[words] += boost
            X[r] = c
        s = (np.log1p(X[:, words]) @ wts)
        s = (s - s.mean()) / s.std()
        y = (s + 0.8 * rng.standard_normal(m) > 0.3).astype(np.int64)
        t = f'{root}/{name}/t{i}'
        os.makedirs(t)
        np.save(f'{t}/X.npy', X); np.save(f'{t}/y.npy', y)

text('text-1x', [2000] * 5)
text('text-33x', sizes(5, 300, 10000))
text('text-100x', sizes(5, 100, 10000))
for dname in sorted(os.listdir(root)):
    print(dname)
