"""Five embedding-like tasks of d = 384 (900k rows, 1.38 GB as float32; task 1 stored as float16),
the data of benchmarks/NOTES.md's 2026-12-01 entry (memory of preparation, parallel reading).

    python3 benchmarks/peers/embedding_tasks.py OUT
"""
import numpy as np, os, sys
out=sys.argv[1]; d=384
rng=np.random.default_rng(7); U=np.linalg.qr(rng.standard_normal((d,4)))[0]
rows=[200_000,150_000,250_000,120_000,180_000]
for i,m in enumerate(rows):
    t=f"{out}/t{i}"; os.makedirs(t,exist_ok=True)
    scale=(1+0.3*rng.standard_normal(d)).astype(np.float32)
    X=rng.standard_normal((m,d),dtype=np.float32); X*=scale; X+=np.float32(0.5*i)
    w=U@rng.standard_normal(4)+0.3*rng.standard_normal(d)/np.sqrt(d)
    s=X@w.astype(np.float32)
    if i%2==0: y=(s+0.5*rng.standard_normal(m)>np.median(s)).astype(np.int64)
    else: y=(s+0.3*rng.standard_normal(m)).astype(np.float32)
    np.save(f"{t}/X.npy",X.astype(np.float16) if i==1 else X); np.save(f"{t}/y.npy",y)
    del X,s
