"""Recompute mtl's analysis numbers in float64 numpy from the files alone, on generated awkward suites.

    python3 docs/verification/verify.py [--mtl ./mtl] [--work DIR] [--seed N]

Writes three suites (own inputs with d = 13 > some m_i, a constant and a duplicate column, inputs
at 1e6 and 1e-6, a 3-class, binary and regression tasks; one shared rank-deficient X with a
1e6-scale label column; d = 1), runs `mtl train --save-split` (for the split and the losses),
`mtl analyze --json` under each --standardize, `mtl predict` and `mtl svd`, and compares with
the README's definitions: the similarity score (eq. 5) and its ranks, the similarity after
alignment (of X_i R_i, with R_i from --out-aligned), Algorithm 2's weights (both variants), the
capacity's singular values, the MTL and MTL + alignment test metrics, and the SVD. Prints the
relative errors and exits 1 if one is beyond its tolerance.
"""
import argparse, csv, json, os, subprocess, sys, tempfile
import numpy as np

EPS32 = float(np.finfo(np.float32).eps)
ap = argparse.ArgumentParser()
ap.add_argument("--mtl", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "mtl"))
ap.add_argument("--work", default=None)
ap.add_argument("--seed", type=int, default=7)
args = ap.parse_args()
work = args.work or tempfile.mkdtemp(prefix="mtl-verify-")
rng = np.random.default_rng(args.seed)
failures = []


def mtl(*a):
    r = subprocess.run([args.mtl, *a], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"mtl {' '.join(a)} failed ({r.returncode}): {r.stderr.strip().splitlines()[-1:]}")


def report(what, err, tol):
    ok = err <= tol
    print(f"  {what:58s} {err:9.2e}  {'ok' if ok else 'BEYOND ' + format(tol, '.0e')}")
    if not ok:
        failures.append(what)


# ---- suites -------------------------------------------------------------------------------
def save_task(root, name, X, y, csv_files=False):
    p = os.path.join(root, name)
    os.makedirs(p, exist_ok=True)
    if csv_files:
        np.savetxt(os.path.join(p, "X.csv"), X, delimiter=",", fmt="%.9g")
        np.savetxt(os.path.join(p, "y.csv"), y.reshape(len(y), -1), delimiter=",", fmt="%.9g")
    else:
        np.save(os.path.join(p, "X.npy"), X)
        np.save(os.path.join(p, "y.npy"), y)


d = 13
sep = os.path.join(work, "sep")
w = rng.normal(size=d)
X = rng.normal(size=(211, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(size=d)
X[:, 0] = 4.2
X[:, 5] = X[:, 3]
save_task(sep, "a_bin", X, (X @ w + rng.normal(size=211) > np.median(X @ w)).astype(np.int64))
X = rng.normal(size=(41, d)) @ rng.normal(size=(d, d)) * 1e6
save_task(sep, "b_reg_big", X, X @ w / 1e6 + 0.1 * rng.normal(size=41), csv_files=True)
X = (rng.normal(size=(97, d)) * 1e-6).astype(np.float32)
s = X.astype(np.float64) @ w
save_task(sep, "c_multi_small", X, np.digitize(s, np.quantile(s, [1 / 3, 2 / 3])))
X = rng.normal(size=(11, d)) + 3
save_task(sep, "d_few", X, X @ rng.normal(size=d))
sh = os.path.join(work, "shared")
os.makedirs(sh, exist_ok=True)
Xs = rng.normal(size=(101, 17)) @ np.diag(rng.uniform(0.1, 5, 17))
Xs[:, 7] = Xs[:, 2]
Xs[:, 11] = Xs[:, 1] + Xs[:, 4]
Xs[:, 16] = -2.5
Z = Xs @ rng.normal(size=(17, 2))
Y = np.column_stack([(Z[:, 0] > 0).astype(float), Z[:, 1] + 0.3 * rng.normal(size=101),
                     np.digitize(Z[:, 0] + Z[:, 1], [-1.0, 1.0]).astype(float), 1e6 * (Z[:, 0] - Z[:, 1])])
np.save(os.path.join(sh, "X.npy"), Xs.astype(np.float32))
np.savetxt(os.path.join(sh, "Y.csv"), Y, delimiter=",", fmt="%.9g", header="bin,reg,multi,regbig", comments="")
one = os.path.join(work, "d1")
for i, m in enumerate([53, 7, 29]):
    X = rng.normal(size=(m, 1)) * (i + 1) + i
    y = 2 * X[:, 0] + rng.normal(size=m) if i == 1 else (X[:, 0] + rng.normal(size=m) > i).astype(int)
    save_task(one, f"t{i}", X, y)


# ---- loading, as the README describes it ---------------------------------------------------
def load(path):
    if path.endswith(".npy"):
        return np.load(path)
    with open(path) as f:
        first = f.readline()
    try:
        [float(v) for v in first.split(",")]
        skip = 0
    except ValueError:
        skip = 1
    return np.loadtxt(path, delimiter=",", skiprows=skip, ndmin=2)


def tasks_of(spec):
    """[(name, X as float32 values in float64, y, X file)] and whether X is shared."""
    if spec[0] == "tasks":
        out = []
        for name in sorted(os.listdir(spec[1])):
            files = {os.path.splitext(f)[0]: os.path.join(spec[1], name, f) for f in os.listdir(os.path.join(spec[1], name))}
            X = load(files["X"]).astype(np.float32).astype(np.float64)
            out.append((name, X.reshape(len(X), -1), load(files["y"]).astype(np.float64).reshape(len(X), -1), files["X"]))
        return out, False
    X = load(spec[1]).astype(np.float32).astype(np.float64)
    Y = load(spec[2]).astype(np.float32).astype(np.float64)
    return [(n, X, Y[:, j:j + 1], spec[1]) for j, n in enumerate(spec[3])], True


def split_of(path):
    rows = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["task"], {}).setdefault(r["part"], []).append(int(r["row"]))
    return {t: {p: np.array(sorted(v)) for p, v in parts.items()} for t, parts in rows.items()}


def targets(y, loss):
    """0/1 for a binary task (the larger value 1), one-hot for softmax, the values for squared loss."""
    v = np.unique(y)
    if loss == "logistic":
        return (y == v.max()).astype(float)
    if loss == "softmax":
        return (y[:, :1] == v[None, :]).astype(float)
    return y


def standardised(xs, mode):
    """Training rows after --standardize: mean and population sd over the training rows (pooled
    under global), a column constant to float32 keeps scale 1; (x - mean) / scale in float32."""
    f = np.float32

    def fit(z):
        mu, sd = z.mean(0), z.std(0)
        sc = np.where((sd > 1e-7 * np.abs(mu)) & (sd.astype(f) >= np.finfo(f).tiny), sd, 1.0)
        return mu.astype(f), sc.astype(f)

    def apply(x, mu, sc):
        return ((x.astype(f) - mu) / sc).astype(np.float64)

    if mode == "none":
        return xs
    if mode == "global":
        mu, sc = fit(np.vstack(xs))
        return [apply(x, mu, sc) for x in xs]
    return [apply(x, *fit(x)) for x in xs]


# ---- the README's definitions in float64 ---------------------------------------------------
def similarity(xs, energy):
    """eq. 5: X^T X cut to the smallest rank holding `energy` of its eigenvalue sum (eigenvalues at
    or below min(m, d) eps_fp32 of the largest count as zero), M = U_k D_k^1/2."""
    fs, ranks = [], []
    for x in xs:
        ev, U = np.linalg.eigh(x.T @ x)
        ev, U = ev[::-1], U[:, ::-1]
        keep = ev > max(ev[0], 0) * min(x.shape) * EPS32
        tot = ev[keep].sum()
        k = 0 if tot <= 0 else min(int(np.searchsorted(np.cumsum(np.where(keep, ev, 0)) / tot, energy * (1 - 1e-12))) + 1,
                                   int(keep.sum()))
        fs.append(U[:, :k] * np.sqrt(ev[:k]) if k else None)
        ranks.append(k)
    S = np.zeros((len(xs), len(xs)))
    for i, a in enumerate(fs):
        for j, b in enumerate(fs):
            if a is not None and b is not None:
                S[i, j] = np.linalg.norm(a.T @ b) / (np.linalg.norm(a) * np.linalg.norm(b))
    return S, ranks


def svd_weights(xs, ys, r):
    """Algorithm 2: theta_i = X_i^T (y_i - mean y_i) / m_i, U_r of [theta_1 ..]; paper ||theta_i^T U_r||,
    normalized that over ||theta_i|| (0 where theta_i is rounding noise: |theta|^2 <= 1e-10 ||X||^2 ||y_c||^2 / m^2)."""
    th = [x.T @ (y - y.mean(0)) / len(x) for x, y in zip(xs, ys)]
    U = np.linalg.svd(np.hstack(th), full_matrices=False)[0][:, :r]
    paper = np.array([np.linalg.norm(t.T @ U) for t in th])
    noise = [np.sum(t ** 2) <= 1e-10 * np.sum(x ** 2) * np.sum((y - y.mean(0)) ** 2) / len(x) ** 2
             for t, x, y in zip(th, xs, ys)]
    norm = np.array([0.0 if n or not np.any(t) else min(1.0, p / np.linalg.norm(t)) for t, p, n in zip(th, paper, noise)])
    return paper, norm


def capacity_singular_values(xs, ys, lams):
    """Ridge fits on centred rows, W_i = (X_c^T X_c + lam_i m I)^-1 X_c^T y_c, each of unit norm, stacked
    (lam_i: the task's ridge strength as the JSON reports it, chosen on held-out folds)."""
    ws = []
    for x, y, lam in zip(xs, ys, lams):
        xc = np.where(np.ptp(x, 0) == 0, 0.0, x - x.mean(0))
        wi = np.linalg.solve(xc.T @ xc + lam * len(x) * np.eye(x.shape[1]), xc.T @ (y - y.mean(0)))
        n = np.linalg.norm(wi)
        ws.append(wi / n if n > 0 else wi)
    return np.linalg.svd(np.hstack(ws), compute_uv=False)


def auc(y, s):
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[order[j + 1]] == s[order[i]]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n1 = int(y.sum())
    n0 = len(y) - n1
    return None if n1 == 0 or n0 == 0 else (ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def check_metrics(tasks, tr, split, base, model, key):
    """The test metric recomputed from mtl predict's output on the saved test rows."""
    worst = 0.0
    for (name, X, y, xfile), t in zip(tasks, tr["tasks"]):
        out = base + f"-pred{model}-{name}.npy"
        mtl("predict", "--model", base + model, "--task", name, "--in", xfile, "--out", out)
        p = np.load(out).astype(np.float64)[split[name]["test"]]
        yt = y[split[name]["test"]].astype(np.float32).astype(np.float64)
        v = np.unique(y)
        if t["metric"] == "auc":
            val = auc((yt[:, 0] == v.max()).astype(int), p)
            ties = len(p) - len(np.unique(p))
            if ties and val != t[key]:
                # The reported AUC ranks float32 scores, predict writes float32 probabilities: scores
                # closer than float32 resolves after the sigmoid tie there (see the README).
                print(f"  ({name}: AUC {val:.4f} from predict, {t[key]:.4f} reported; {ties} of its test "
                      "probabilities tie in float32, so not counted)")
                continue
        elif t["metric"] == "accuracy":
            val = float(np.mean(v[np.argmax(p, 1)] == yt[:, 0]))
        else:
            val = float(np.mean((p.reshape(len(yt), -1) - yt) ** 2))
        if val is not None and t[key] is not None:
            worst = max(worst, abs(val - t[key]) / max(abs(t[key]), 1e-12))
    report(f"{key} test metrics from mtl predict, max rel err", worst, 1e-6)


# ---- checks --------------------------------------------------------------------------------
suites = {"sep": ("tasks", sep), "shared": ("shared", os.path.join(sh, "X.npy"), os.path.join(sh, "Y.csv"),
                                            ["bin", "reg", "multi", "regbig"]), "d1": ("tasks", one)}
for tag, spec in suites.items():
    data = ["--tasks", spec[1]] if spec[0] == "tasks" else ["--shared-x", spec[1], "--labels", spec[2]]
    tasks, shared = tasks_of(spec)
    base = os.path.join(work, "run-" + tag)
    mtl("train", *data, "--epochs", "20", "--save-split", base + "-split.csv", "--json", base + "-train.json",
        "--out", base + "-model", "--out-aligned", base + "-aligned")
    tr = json.load(open(base + "-train.json"))
    split = split_of(base + "-split.csv")
    names = tr["task_names"]
    train_rows = [split[n]["train"] for n in names]
    losses = [t["loss"] for t in tr["tasks"]]
    print(f"{tag}: {len(names)} tasks, d = {tasks[0][1].shape[1]}{', shared X' if shared else ''}")
    for mode in ["none", "global", "per-task"]:
        mtl("analyze", *data, "--standardize", mode, "--json", base + f"-analyze-{mode}.json")
        J = json.load(open(base + f"-analyze-{mode}.json"))
        if shared:  # standardised once, over the rows any task trains on
            union = np.unique(np.concatenate(train_rows))
            xa = standardised([tasks[0][1][union]], mode)[0]
            xs = [xa[np.searchsorted(union, r)] for r in train_rows]
        else:
            xs = standardised([t[1][r] for t, r in zip(tasks, train_rows)], mode)
        ys = [targets(t[2][r], l) for t, r, l in zip(tasks, train_rows, losses)]
        S, ranks = similarity(xs, J["energy"])
        report(f"{mode:8s} similarity, max |diff| / max score", np.abs(np.array(J["similarity"]) - S).max() / S.max(), 1e-6)
        report(f"{mode:8s} similarity ranks differ (count)", sum(a != b for a, b in zip(J["similarity_ranks"], ranks)), 0)
        if "weights_paper" in J:
            paper, norm = svd_weights(xs, ys, J["reweight_rank"])
            report(f"{mode:8s} Algorithm 2 paper, max per-task rel err",
                   max(abs(a - b) / b if b > 1e-12 * paper.max() else abs(a) / paper.max() for a, b in zip(J["weights_paper"], paper)), 1e-5)
            report(f"{mode:8s} Algorithm 2 normalized, max abs err", np.abs(np.array(J["weights_normalized"]) - norm).max(), 1e-5)
        sv = capacity_singular_values(xs, ys, J["capacity"]["ridge"])
        got = np.array(J["capacity"]["singularValues"])
        # loose: a float32 right-hand side is amplified by cond(X_c^T X_c + ridge) (3.5e4 on the shared X)
        report(f"{mode:8s} capacity singular values, err / largest", np.abs(got - sv[:len(got)]).max() / sv[0], 1e-3)
    # The similarity after alignment: of X_i R_i, the training rows as mtl train prepared them (default --standardize global).
    if shared:
        union = np.unique(np.concatenate(train_rows))
        xa = standardised([tasks[0][1][union]], "global")[0]
        xs = [xa[np.searchsorted(union, r)] for r in train_rows]
    else:
        xs = standardised([t[1][r] for t, r in zip(tasks, train_rows)], "global")
    S = similarity([x @ np.load(os.path.join(base + "-aligned", f"R_{i}.npy")).astype(np.float64)
                    for i, x in enumerate(xs)], tr["config"]["energy"])[0]
    report("train similarityAligned (X_i R_i), max |diff| / max score",
           np.abs(np.array(tr["similarityAligned"]) - S).max() / S.max(), 1e-6)
    for model, key in (("-model", "mtl"), ("-aligned", "mtlAlign")):
        check_metrics(tasks, tr, split, base, model, key)

print("svd:")
cases = {"tall 37x13 (float64 CSV)": rng.normal(size=(37, 13)), "wide 5x31": rng.normal(size=(5, 31)),
         "17x1": rng.normal(size=(17, 1)), "1x7": rng.normal(size=(1, 7)),
         "batch 3x13x7": rng.normal(size=(3, 13, 7)), "1e6 scale 19x19": rng.normal(size=(19, 19)) * 1e6}
A = rng.normal(size=(23, 11))
A[:, 4] = A[:, 2]
A[:, 9] = 1.0
cases["rank-deficient 23x11"] = A
q1, _ = np.linalg.qr(rng.normal(size=(29, 11)))
q2, _ = np.linalg.qr(rng.normal(size=(11, 11)))
cases["singular values 1..1e-8, 29x11"] = (q1 * np.logspace(0, -8, 11)) @ q2.T
for i, (name, A) in enumerate(cases.items()):
    src = os.path.join(work, f"svd{i}.npy")
    if "CSV" in name:
        src = src[:-4] + ".csv"
        np.savetxt(src, A, delimiter=",", fmt="%.17g")
    else:
        np.save(src, A.astype(np.float32))
    mtl("svd", "--in", src, "--out", os.path.join(work, f"svd{i}"))
    U, S, V = (np.load(os.path.join(work, f"svd{i}", f + ".npy")).astype(np.float64) for f in "USV")
    A = A.astype(np.float32).astype(np.float64)
    A, U, S, V = (a if a.ndim == n else a[None] for a, n in ((A, 3), (U, 3), (S, 2), (V, 3)))
    e = dict(s=0.0, rec=0.0, orth=0.0, sign=0)
    for a, u, s, v in zip(A, U, S, V):
        ref = np.linalg.svd(a, compute_uv=False)
        e["s"] = max(e["s"], np.abs(s - ref).max() / ref[0])
        e["rec"] = max(e["rec"], np.abs(u * s @ v.T - a).max() / np.abs(a).max())
        e["orth"] = max(e["orth"], np.abs(u.T @ u - np.eye(len(s))).max(), np.abs(v.T @ v - np.eye(len(s))).max())
        e["sign"] += int(sum(u[np.argmax(np.abs(u[:, j])), j] < 0 for j in range(len(s))))
        e["sign"] += int(np.any(np.diff(s) > 0))
    report(f"{name}: S err / largest", e["s"], 1e-6)
    report(f"{name}: reconstruction err / max |A|", e["rec"], 5e-6)
    report(f"{name}: |U^T U - I|, |V^T V - I|", e["orth"], 5e-6)
    report(f"{name}: sign convention or order broken (count)", e["sign"], 0)
print(f"\n{'all within tolerance' if not failures else str(len(failures)) + ' beyond tolerance'} (files in {work})")
sys.exit(1 if failures else 0)
