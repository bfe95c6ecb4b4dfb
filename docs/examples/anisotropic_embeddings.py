"""Eight tasks of anisotropic embedding-like inputs (non-zero mean, 12 dominant directions over small
isotropic noise; some tasks with directions of their own), labels from partly shared and partly
task-specific directions: a 3%-positive binary task (20,000 rows), binary, 5- and 12-class and
regression tasks of 300 to 8,000 rows, as .npy folders, one .npz and one CSV folder with headers;
plus X.npy / Y.npy (6,000 rows, four label columns with NaN gaps) for --shared-x.

    python3 docs/examples/anisotropic_embeddings.py 768 /tmp/emb
    ./mtl train --tasks /tmp/emb/tasks
    ./mtl train --shared-x /tmp/emb/X.npy --labels /tmp/emb/Y.npy --names flag,score,bin2,level
"""
import numpy as np, os, sys, shutil
d = int(sys.argv[1]) if len(sys.argv) > 1 else 768
out = sys.argv[2] if len(sys.argv) > 2 else f"emb{d}"
rng = np.random.default_rng(7)
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out + "/tasks")
# anisotropic embeddings: mean offset, ~10 dominant directions, small isotropic noise
Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
mu = rng.standard_normal(d) * 0.3
base_dirs = Q[:, :12]                       # shared dominant directions
base_sd = np.array([3.0, 2.5, 2.0, 1.8, 1.5, 1.3, 1.1, 1.0, 0.8, 0.7, 0.6, 0.5])
def embed(m, own=None, own_sd=None, scale=1.0):
    Z = rng.standard_normal((m, 12)) * base_sd * scale
    X = Z @ base_dirs.T
    if own is not None:
        X += (rng.standard_normal((m, own.shape[1])) * own_sd) @ own.T
    X += rng.standard_normal((m, d)) * 0.08
    return (X + mu).astype(np.float32)
shared_w = Q[:, :6] @ rng.standard_normal((6, 3))   # signal lives partly in shared directions
def signal(X, j, mix=0.6):
    own = Q[:, 20 + 3 * j: 23 + 3 * j] @ rng.standard_normal(3)
    w = mix * shared_w[:, j % 3] + (1 - mix) * own * 3
    s = (X - mu) @ w
    return s / s.std()
def save(name, X, y, fmt="npy"):
    if fmt == "npz":
        np.savez(f"{out}/tasks/{name}.npz", X=X, y=y); return
    os.makedirs(f"{out}/tasks/{name}")
    if fmt == "csv":
        hdr = ",".join(f"e{i}" for i in range(d))
        np.savetxt(f"{out}/tasks/{name}/X.csv", X, delimiter=",", header=hdr, comments="", fmt="%.6g")
        np.savetxt(f"{out}/tasks/{name}/y.csv", y, header="target", comments="", fmt="%.6g")
    else:
        np.save(f"{out}/tasks/{name}/X.npy", X); np.save(f"{out}/tasks/{name}/y.npy", y)
# own-distribution tasks
own_a = Q[:, 60:64]; own_b = Q[:, 70:75]
X = embed(20000); s = signal(X, 0); t = np.quantile(s, 0.97)
save("rare", X, ((s + 0.3 * rng.standard_normal(len(s))) > t).astype(np.float32))
X = embed(3000, own_a, np.array([2.0, 1.5, 1.0, 1.0])); s = signal(X, 1)
save("bin_a", X, (s + 0.5 * rng.standard_normal(len(s)) > 0).astype(np.float32))
X = embed(8000); s1 = signal(X, 2); s2 = signal(X, 3)
ang = np.arctan2(s2, s1); cls = np.floor((ang + np.pi) / (2 * np.pi) * 12).astype(np.int64) % 12
save("topic12", X, cls)
X = embed(300, own_b, np.array([2.0, 1.5, 1.2, 1.0, 0.8]), scale=0.7)
save("reg_small", X, (signal(X, 4) + 0.3 * rng.standard_normal(300)).astype(np.float32))
X = embed(2000); save("reg_b", X, (2.0 * signal(X, 5) + 0.5 * rng.standard_normal(2000)).astype(np.float32))
X = embed(1500, own_a, np.array([1.0, 1.0, 1.0, 1.0])); s = signal(X, 6)
save("bin_npz", X, (s + 0.4 * rng.standard_normal(1500) > 0.2).astype(np.int64), fmt="npz")
X = embed(600); save("reg_csv", X, (signal(X, 7) + 0.2 * rng.standard_normal(600)), fmt="csv")
X = embed(1000, own_b, np.ones(5)); s = signal(X, 8)
save("sent5", X, np.digitize(s + 0.3 * rng.standard_normal(1000), [-1, -0.3, 0.3, 1]).astype(np.int64))
# shared-X set: 6000 rows, 4 label columns with NaN gaps
X = embed(6000); Y = np.full((6000, 4), np.nan, dtype=np.float32)
Y[:, 0] = (signal(X, 0) > 0.5); Y[:, 1] = signal(X, 1) + 0.3 * rng.standard_normal(6000)
Y[:, 2] = (signal(X, 9) + 0.5 * rng.standard_normal(6000) > 0); Y[:, 3] = np.digitize(signal(X, 2), [-0.8, 0, 0.8])
for j, frac in enumerate([0.1, 0.3, 0.5, 0.05]):
    Y[rng.random(6000) < frac, j] = np.nan
np.save(f"{out}/X.npy", X); np.save(f"{out}/Y.npy", Y)
print("done", out)
