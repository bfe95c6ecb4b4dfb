"""k tasks of embedding-like inputs (d columns, near-isotropic, sharing an 8-d label direction), .npy task folders.

    python3 docs/examples/embedding_suite.py OUT k d m_min m_max seed [binary|mixed]
    python3 docs/examples/embedding_suite.py /tmp/scale/k24 24 768 1500 1500 2

Row counts are log-uniform in [m_min, m_max]; labels binary, or alternately binary and real (mixed).
"""
import numpy as np, sys, os
out,k,d,mmin,mmax,seed=sys.argv[1],*map(int,sys.argv[2:7]); kind=(sys.argv[7:]+["binary"])[0]
rng=np.random.default_rng(seed); U=np.linalg.qr(rng.standard_normal((d,8)))[0]
ms=np.exp(rng.uniform(np.log(mmin),np.log(mmax),k)).astype(int) if mmin!=mmax else [mmin]*k
for i in range(k):
    m=int(ms[i]); t=f"{out}/t{i:02d}"; os.makedirs(t,exist_ok=True)
    X=(rng.standard_normal((m,d))*(1+0.3*rng.standard_normal(d))).astype(np.float32)
    s=X@(U@rng.standard_normal(8)+0.3*rng.standard_normal(d)/np.sqrt(d))
    y=(s+0.5*rng.standard_normal(m)>0).astype(np.int64) if kind=="binary" or i%2==0 else (s+0.3*rng.standard_normal(m)).astype(np.float32)
    np.save(f"{t}/X.npy",X); np.save(f"{t}/y.npy",y)
