package org.mtlalign.analysis;

import org.mtlalign.backend.Backend;

/**
 * Proposition 3 in closed form, and principal angles to compare subspaces.
 *
 * <p>For the linear model with shared X = U D V^T (thin SVD, X of full column rank) and squared
 * loss, the best shared module of width r spans (X^T X)^{-1} V D Q_r = V D^{-1} Q_r, where Q_r
 * holds the top-r eigenvectors of sum_i alpha_i U^T y_i y_i^T U.
 */
public final class SharedSubspace {
    private final Backend backend;

    public SharedSubspace(Backend backend) {
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
    }

    /**
     * Below this share of the largest singular value, X's smallest one counts as zero: columns that
     * depend on each other exactly come out of the float32 SVD at 1e-9 to 1e-7 of the largest, and
     * dividing by them would make B point into X's null space.
     */
    static final double RANK_TOLERANCE = 1e-5;

    /**
     * The closed-form B (d x r) for X (m x d), labels y (m x k, one column per task), weights
     * alpha (k; null for all ones) and width r.
     *
     * @throws IllegalArgumentException for m < d, r outside 1..d, k < 1, arrays shorter than m x d
     *     (x) or m x k (y), alpha not of k finite values >= 0, NaN or Inf in y, and an X that is
     *     not of full column rank (its smallest singular value at most {@value #RANK_TOLERANCE} of its
     *     largest: dependent or constant columns, or columns on scales that far apart)
     */
    public float[] optimalShared(float[] x, int m, int d, float[] y, int k, double[] alpha, int r) {
        if (m < d) {
            throw new IllegalArgumentException("Proposition 3 needs m >= d (X of full column rank)");
        }
        if (r < 1 || r > d) {
            throw new IllegalArgumentException("r must be in 1.." + d + ", got " + r);
        }
        if (k < 1 || x.length < (long) m * d || y.length < (long) m * k) {
            throw new IllegalArgumentException("Proposition 3: X needs " + m + " x " + d + " values and has " + x.length
                    + ", y needs " + m + " x " + k + " (k >= 1 tasks) and has " + y.length);
        }
        if (alpha != null) {
            if (alpha.length != k) {
                throw new IllegalArgumentException("Proposition 3: " + alpha.length + " task weights for k = " + k
                        + " tasks");
            }
            for (int j = 0; j < k; j++) {
                if (!(alpha[j] >= 0) || Double.isInfinite(alpha[j])) {
                    throw new IllegalArgumentException("Proposition 3: task weight " + j + " is " + alpha[j]
                            + "; weights must be finite and >= 0");
                }
            }
        }
        org.mtlalign.backend.cpu.CpuBackend.requireFinite("Proposition 3: y", y, (long) m * k);
        float[] u = new float[m * d];
        float[] s = new float[d];
        float[] v = new float[d * d];
        backend.svd(x, 1, m, d, u, s, v);
        if (!(s[d - 1] > RANK_TOLERANCE * s[0])) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "Proposition 3 needs X of full "
                    + "column rank; its smallest singular value is %.3g against a largest of %.3g (dependent or "
                    + "constant columns: drop them; or columns on scales far apart, which float32 cannot resolve: "
                    + "standardise them)", s[d - 1], s[0]));
        }
        // P = U^T Y diag(sqrt(alpha)) (d x k); then sum_i alpha_i U^T y_i y_i^T U = P P^T.
        float[] yw = new float[m * k];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                yw[i * k + j] = (float) (y[i * k + j] * Math.sqrt(alpha == null ? 1.0 : alpha[j]));
            }
        }
        float[] p = new float[d * k];
        backend.gemm(true, false, d, k, m, 1f, u, 0, d, yw, 0, k, 0f, p, 0, k);
        float[] ppt = new float[d * d];
        backend.gemm(false, true, d, d, k, 1f, p, 0, k, p, 0, k, 0f, ppt, 0, d);
        float[] w = new float[d];
        float[] q = new float[d * d];
        backend.symmetricEigen(ppt, d, w, q);
        // B = V D^{-1} Q_r.
        float[] vd = new float[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                vd[i * d + j] = v[i * d + j] / s[j];
            }
        }
        float[] b = new float[d * r];
        backend.gemm(false, false, d, r, d, 1f, vd, 0, d, q, 0, d, 0f, b, 0, r);
        return b;
    }

    /**
     * Principal angles (radians, ascending) between the column spaces of a (n x p) and b (n x q),
     * both of full column rank.
     *
     * @throws IllegalArgumentException for p or q outside 1..n (no full column rank) or arrays
     *     shorter than n x p and n x q
     */
    public double[] principalAngles(float[] a, int n, int p, float[] b, int q) {
        if (p < 1 || q < 1 || p > n || q > n || a.length < (long) n * p || b.length < (long) n * q) {
            throw new IllegalArgumentException("principal angles need two matrices of full column rank with n >= p, q "
                    + ">= 1 rows; got n = " + n + ", p = " + p + ", q = " + q + " and " + a.length + " and " + b.length
                    + " values");
        }
        float[] qa = orthonormalBasis(a, n, p);
        float[] qb = orthonormalBasis(b, n, q);
        float[] c = new float[p * q];
        backend.gemm(true, false, p, q, n, 1f, qa, 0, p, qb, 0, q, 0f, c, 0, q);
        int t = Math.min(p, q);
        float[] uu = new float[p * t];
        float[] ss = new float[t];
        float[] vv = new float[q * t];
        backend.svd(c, 1, p, q, uu, ss, vv);
        double[] angles = new double[t];
        for (int i = 0; i < t; i++) {
            angles[i] = Math.acos(Math.min(1.0, Math.max(-1.0, ss[i])));
        }
        java.util.Arrays.sort(angles);
        return angles;
    }

    private float[] orthonormalBasis(float[] a, int n, int p) {
        int t = Math.min(n, p);
        float[] u = new float[n * t];
        float[] s = new float[t];
        float[] v = new float[p * t];
        backend.svd(a, 1, n, p, u, s, v);
        return u;
    }
}
