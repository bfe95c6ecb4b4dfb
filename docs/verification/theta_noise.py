"""The numbers of docs/verification/theta_noise.md on Algorithm 2's tasks with too few rows (float64 numpy, about 2 minutes).

    python3 docs/verification/theta_noise.py

1. The noise estimate mtl warns with, sqrt(sum_jc var_t((x_tj - mean x_j)(y_tc - mean y_c)) / m) for
   theta = X_c^T y_c / m, against the actual root-mean-square error of theta over 2000 redrawn
   samples (binary, regression and 3-class one-hot labels, d = 20, 18 to 600 rows).
2. Three binary tasks at d = 20 (600 and 18000 training rows and a third of 12 to 400), r = 2,
   directions in a common 2-D or 3-D subspace or independent; 1500 draws each: how far the two
   sound tasks' normalized weights are from their population values, by the third task's noise
   ratio, and the same with the noisy tasks' theta left out of U_r (noise ratio over 0.5).
"""
import numpy as np


def theta_noise(X, Y):
    X = np.asarray(X, np.float64)
    Y = np.asarray(Y, np.float64)
    Y = Y[:, None] if Y.ndim == 1 else Y
    m = len(X)
    Xc = X - X.mean(0)
    Yc = Y - Y.mean(0)
    th = Xc.T @ Yc / m
    var = sum((Xc * Yc[:, j:j + 1]).var(0, ddof=1).sum() for j in range(Y.shape[1]))
    return th, np.sqrt(var / m)


def check_estimate():
    d = 20
    rng = np.random.default_rng(1)
    w = rng.normal(size=d)

    def draw(m, kind):
        X = rng.normal(size=(m, d)) * np.linspace(0.2, 2, d)
        s = X @ w
        if kind == "binary":
            return X, (s + 0.5 * rng.normal(size=m) > 0).astype(float)
        if kind == "regression":
            return X, s + 3 * rng.normal(size=m)
        return X, np.eye(3)[np.digitize(s + rng.normal(size=m), [-2, 2])]

    for kind in ["binary", "regression", "3-class"]:
        Xp, yp = draw(400000, kind)
        thp, _ = theta_noise(Xp, yp)
        for m in [18, 60, 600]:
            err, est = [], []
            for _ in range(2000):
                th, nz = theta_noise(*draw(m, kind))
                err.append(np.sum((th - thp) ** 2))
                est.append(nz)
            print(f"{kind:10s} m = {m:3d}: rms error of theta {np.sqrt(np.mean(err)):.4f}, "
                  f"mean estimate {np.mean(est):.4f} ({np.mean(est) / np.sqrt(np.mean(err)) - 1:+.1%})")


def weights(thetas, use, r=2):
    T = np.concatenate([t for t, u in zip(thetas, use) if u], axis=1)
    U = np.linalg.svd(T, full_matrices=False)[0][:, :r]
    return np.array([np.linalg.norm(U.T @ t) / np.linalg.norm(t) for t in thetas])


def effect_on_weights():
    d = 20
    edges = [0, .3, .4, .5, .6, .7, .8, 2]
    for fam in ["2d", "3d", "indep"]:
        rows = []
        for rep in range(1500):
            rng = np.random.default_rng(1000 + rep)
            if fam == "indep":
                D = [rng.normal(size=d) for _ in range(3)]
            else:
                B = rng.normal(size=(d, int(fam[0])))
                D = [B @ rng.normal(size=B.shape[1]) for _ in range(3)]
            D = [v / np.linalg.norm(v) * 2 for v in D]
            # Gaussian inputs: the population theta lies along the teacher's direction.
            wpop = weights([v[:, None] for v in D], [True] * 3)
            small = int(rng.choice([12, 18, 30, 60, 100, 180, 400]))
            ths, ratio = [], []
            for m, v in zip([small, 600, 18000], D):
                Z = rng.normal(size=(m, d))
                th, nz = theta_noise(Z, (Z @ v + 0.5 * rng.normal(size=m) > 0).astype(float))
                ths.append(th)
                ratio.append(nz / np.linalg.norm(th))
            w = weights(ths, [True] * 3)
            we = weights(ths, [ratio[0] <= .5, True, True])
            rows.append((ratio[0], np.abs(w[1:] - wpop[1:]).max(), np.abs(we[1:] - wpop[1:]).max(),
                         abs(w[0] - wpop[0]), abs(we[0] - wpop[0])))
        a = np.array(rows)
        print(f"{fam}: directions {'independent' if fam == 'indep' else 'in a common ' + fam.upper() + ' subspace'}")
        for lo, hi in zip(edges[:-1], edges[1:]):
            s = a[(a[:, 0] > lo) & (a[:, 0] <= hi)]
            if len(s):
                print(f"  noise ratio ({lo:.1f}, {hi:.1f}] n = {len(s):4d}: sound tasks' max |w - w_pop| mean "
                      f"{s[:, 1].mean():.3f}, 90th percentile {np.quantile(s[:, 1], .9):.3f}; noisy task "
                      f"{s[:, 3].mean():.3f} | its theta left out of U_r: sound {s[:, 2].mean():.3f}, "
                      f"noisy {s[:, 4].mean():.3f}")


check_estimate()
effect_on_weights()
