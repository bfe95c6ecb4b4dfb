package org.mtlalign.analysis;

import java.util.Locale;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.Backend;

/**
 * Algorithm 2 of the paper (SVD-based task reweighting). With theta_i = X_i^T y_i / m_i and
 * U_r the top-r left singular vectors of [theta_1 .. theta_k], the paper's weight is
 * alpha_i = ||theta_i^T U_r||; the NORMALIZED variant divides by ||theta_i||, giving the cosine
 * between theta_i and the shared subspace.
 *
 * <p>Why NORMALIZED is the default: the paper's weight grows with the part of theta_i that lies
 * in the shared subspace, and a task with the same signal plus label noise keeps that part, so
 * it is not down-weighted (and label scale alone changes it). The cosine falls as noise
 * spreads theta_i outside the subspace. {@code SvdReweightingTest} checks both statements.
 * Below full rank neither variant is invariant to one task's label units: labels c times larger
 * scale theta_i by c and pull U_r towards it, so its cosine rises towards 1 and the others move;
 * one common scale of all tasks' labels changes no cosine.
 *
 * <p>Labels are centred (y - mean y) before forming theta_i: then theta_i is the cross-covariance
 * of inputs and labels, the same up to a factor 2 for 0/1 and -1/+1 encodings, and the class
 * balance does not leak in through the inputs' mean. For multi-output tasks theta_i is d x c_i
 * and the norms are Frobenius norms. Dividing by m_i changes nothing when X is shared and keeps
 * tasks of different sizes comparable when it is not.
 */
public final class SvdReweighting {
    /** Which formula. */
    public enum Variant {
        PAPER, NORMALIZED;

        public static Variant parse(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "paper": return PAPER;
                case "normalized": case "normalised": return NORMALIZED;
                default: throw new UserInputException("--reweight: unknown variant '" + s
                        + "' (expected normalized, paper or none)");
            }
        }

        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Backend backend;

    /**
     * The rank Algorithm 2 uses: {@code requested} when positive (an error outside
     * 1..min(d, total label columns)), else min(sharedRank, k - 1, d, total): with r at or above the
     * total label columns (k when every task has one) every normalized weight is 1, so by default
     * at most k - 1 directions are kept.
     */
    public static int rank(int requested, int sharedRank, int k, int d, int totalOutputs) {
        int max = Math.min(d, totalOutputs);
        if (requested > 0) {
            if (requested > max) {
                throw new UserInputException("--reweight-rank: must be in 1.." + max
                        + " (d and the number of label columns bound it), got " + requested);
            }
            return requested;
        }
        return Math.max(1, Math.min(Math.min(sharedRank, Math.max(1, k - 1)), max));
    }

    public SvdReweighting(Backend backend) {
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
    }

    /**
     * Weights for k tasks: xs[i] is rows[i] x d, ys[i] is rows[i] x cols[i] (already one-hot for
     * classes), r the rank. Returns alpha (not rescaled; {@link #toTrainingWeights} rescales).
     * theta_i is X_i^T y_i / m_i, with y_i - mean(y_i) in place of y_i when {@code centerLabels}
     * (as MtlExperiment and mtl train call it; false gives the paper's X_i^T y_i up to the 1 / m_i).
     *
     * @param variant {@link Variant#PAPER} (||theta_i^T U_r||) or {@link Variant#NORMALIZED} (that
     *     over ||theta_i||)
     * @throws IllegalArgumentException for arrays that do not match (k inputs, row counts, targets
     *     and column counts; exactly rows[i] x d inputs and rows[i] x cols[i] targets, rows[i] and
     *     cols[i] >= 1) or that hold NaN or an infinity
     * @throws NullPointerException for a null variant
     * @throws org.mtlalign.UserInputException for r outside 1..min(d, total label columns)
     */
    public double[] weights(float[][] xs, int[] rows, int d, float[][] ys, int[] cols, int r,
                            Variant variant, boolean centerLabels) {
        // A null variant was read as NORMALIZED (the else branch below) without a word.
        java.util.Objects.requireNonNull(variant, "variant (PAPER or NORMALIZED)");
        int k = xs.length;
        TaskArrays.check("reweighting", xs, rows, d, ys, cols, true);
        int total = 0;
        for (int c : cols) {
            total += c;
        }
        if (r < 1 || r > Math.min(d, total)) {
            throw new UserInputException("--reweight-rank: must be in 1.." + Math.min(d, total) + ", got " + r);
        }
        // Theta is d x total, row-major; task i owns columns [off_i, off_i + cols_i).
        float[] theta = new float[d * total];
        // Per task, the Cauchy-Schwarz bound ||X_i||_F^2 ||y_i||^2 / m_i^2 on |theta_i|^2: the
        // scale that says whether theta_i is a direction or rounding noise, in the task's own units.
        double[] bound = new double[k];
        int off = 0;
        for (int i = 0; i < k; i++) {
            int c = cols[i];
            float[] yc = centerLabels ? Capacity.centred(ys[i], rows[i], c) : ys[i];
            if (centerLabels) {
                // X^T y_c = X_c^T y_c, but only the latter is accurate in float32 for inputs far from
                // their mean (y_c sums to zero only up to rounding): paper weights were off by 1e-2.
                float[] xty = Capacity.centredCross(backend, xs[i], rows[i], d, yc, c);
                for (int t = 0; t < d; t++) {
                    for (int j = 0; j < c; j++) {
                        theta[t * total + off + j] = xty[t * c + j] / rows[i];
                    }
                }
            } else {
                backend.gemm(true, false, d, c, rows[i], 1f / rows[i], xs[i], 0, d, yc, 0, c, 0f, theta, off, total);
            }
            double xx = 0;
            for (int t = 0; t < rows[i] * d; t++) {
                xx += (double) xs[i][t] * xs[i][t];
            }
            double yy = 0;
            for (int t = 0; t < rows[i] * c; t++) {
                yy += (double) yc[t] * yc[t];
            }
            bound[i] = xx * yy / ((double) rows[i] * rows[i]);
            off += c;
        }
        int p = Math.min(d, total);
        double[] u = leftSingularVectors(theta, d, total, p);
        double[] alpha = new double[k];
        // A theta_i that is float32 rounding noise (inputs constant after standardisation, labels
        // uncorrelated to the last bit) has no direction: its cosine would be noise over noise.
        // Judged against the task's own scale, never the other tasks': labels in small units
        // (1e-6 of another task's) are as much a direction as any.
        off = 0;
        for (int i = 0; i < k; i++) {
            double proj = 0;
            double norm = 0;
            for (int c = off; c < off + cols[i]; c++) {
                for (int j = 0; j < r; j++) {
                    double dot = 0;
                    for (int t = 0; t < d; t++) {
                        dot += theta[t * total + c] * u[t * p + j];
                    }
                    proj += dot * dot;
                }
                for (int t = 0; t < d; t++) {
                    norm += (double) theta[t * total + c] * theta[t * total + c];
                }
            }
            boolean noDirection = norm <= 1e-10 * bound[i];
            // A cosine: rounding can put proj a hair above norm, so clamp to 1.
            alpha[i] = variant == Variant.PAPER ? Math.sqrt(proj)
                    : (norm == 0 || noDirection ? 0 : Math.min(1.0, Math.sqrt(proj / norm)));
            off += cols[i];
        }
        return alpha;
    }

    /**
     * A task's theta_i whose sampling noise is above this share of its norm is mostly noise:
     * the estimate's cosine with the theta_i it estimates is then about sqrt(1 - 0.5^2) = 0.87 or
     * less, and such noise, spread over directions no other task has, can take one of the r
     * shared directions from the tasks that do share them. Measured (README, Algorithm 2): three
     * binary tasks at d = 20 with 18, 600 and 18,000 training rows: 0.67 to 0.99 for the smallest,
     * 0.21 to 0.24 and 0.04 for the others.
     */
    public static final double NOISY_RATIO = 0.5;

    /**
     * Per task, the sampling noise of theta_i = X_i^T (y_i - mean y_i) / m_i over its norm: theta_i
     * is a mean over rows of (x_t - mean x) (y_t - mean y), so the standard error of each entry is
     * sqrt(var_t / m_i) and the noise is the root of their sum over the d inputs and the label
     * columns, sqrt(sum var / m_i), var the rows' sample variance (m_i - 1). The expected squared
     * norm of theta_i's estimate is its true squared norm plus the noise's, so a ratio near 1 is an
     * estimate that is all noise, and the estimate's cosine with the true theta_i is about
     * sqrt(1 - ratio^2). NaN for a task with fewer than two rows or a theta_i of 0 (no direction:
     * {@link #weights} gives it 0). Arrays as for {@link #weights}.
     *
     * @throws IllegalArgumentException for arrays that do not match or hold NaN or an infinity
     */
    public double[] noiseRatios(float[][] xs, int[] rows, int d, float[][] ys, int[] cols) {
        TaskArrays.check("reweighting", xs, rows, d, ys, cols, true);
        int k = xs.length;
        double[] ratio = new double[k];
        for (int i = 0; i < k; i++) {
            int m = rows[i];
            int c = cols[i];
            float[] yc = Capacity.centred(ys[i], m, c);
            float[] xty = Capacity.centredCross(backend, xs[i], m, d, yc, c);
            double norm2 = 0;
            for (float v : xty) {
                norm2 += ((double) v / m) * ((double) v / m);
            }
            // sum_j var_t(x_tj yc_t) = (sum_t ||x_t - mean x||^2 ||yc_t||^2 - m ||theta||^2) / (m - 1):
            // O(m (d + c)) where the entries' variances one by one would cost O(m d c).
            double[] mu = new double[d];
            for (int t = 0; t < m; t++) {
                for (int j = 0; j < d; j++) {
                    mu[j] += xs[i][t * d + j];
                }
            }
            for (int j = 0; j < d; j++) {
                mu[j] /= m;
            }
            double s = 0;
            for (int t = 0; t < m; t++) {
                double xx = 0;
                for (int j = 0; j < d; j++) {
                    double v = xs[i][t * d + j] - mu[j];
                    xx += v * v;
                }
                double yy = 0;
                for (int j = 0; j < c; j++) {
                    yy += (double) yc[t * c + j] * yc[t * c + j];
                }
                s += xx * yy;
            }
            if (m < 2 || !(norm2 > 0)) {
                ratio[i] = Double.NaN;
                continue;
            }
            double var = Math.max(0, (s - m * norm2) / (m - 1));
            ratio[i] = Math.sqrt(var / m / norm2);
        }
        return ratio;
    }

    /**
     * The left singular vectors of the d x total row-major matrix theta (d x p row-major, p =
     * min(d, total)), by LAPACK's dgesdd in float64. Why not the backend's float32 SVD: its error is
     * about 1e-7 of the largest singular value, and with one task's labels in units 1e6 times the
     * others' (a raw amount beside 0/1 labels) that swamped the small tasks' directions: their
     * weights were off by up to 1e-2 against float64. theta is small (d x total), so the cost is nil.
     */
    private static double[] leftSingularVectors(float[] theta, int d, int total, int p) {
        // Row-major theta is its transpose (total x d) in column-major order; the right singular
        // vectors of that transpose are theta's left ones.
        double[] a = new double[d * total];
        for (int i = 0; i < a.length; i++) {
            a[i] = theta[i];
        }
        double[] s = new double[p];
        double[] left = new double[total * p];
        double[] vt = new double[p * d];
        int[] iwork = new int[8 * p];
        org.netlib.util.intW info = new org.netlib.util.intW(0);
        double[] query = new double[1];
        org.mtlalign.backend.cpu.Lapack.call(l -> l.dgesdd("S", total, d, a, 0, total, s, 0, left, 0, total, vt, 0, p,
                query, 0, -1, iwork, 0, info));
        double[] work = new double[Math.max(1, (int) query[0])];
        info.val = 0;
        org.mtlalign.backend.cpu.Lapack.call(l -> l.dgesdd("S", total, d, a, 0, total, s, 0, left, 0, total, vt, 0, p,
                work, 0, work.length, iwork, 0, info));
        if (info.val != 0) {
            throw new ArithmeticException("dgesdd failed on the task directions (info=" + info.val + ")");
        }
        double[] u = new double[d * p];
        for (int t = 0; t < d; t++) {
            for (int j = 0; j < p; j++) {
                u[t * p + j] = vt[j + t * p];
            }
        }
        return u;
    }

    /**
     * Rescales weights to mean 1 so that reweighting does not change the effective step size
     * (all 1 when every weight is 0).
     *
     * @throws IllegalArgumentException for no weights, or one that is negative, NaN or infinite
     */
    public static float[] toTrainingWeights(double[] alpha) {
        if (alpha.length == 0) {
            throw new IllegalArgumentException("no weights to rescale");
        }
        for (int i = 0; i < alpha.length; i++) {
            // A NaN made the mean NaN and every weight 1, as if Algorithm 2 had found nothing.
            if (!(alpha[i] >= 0 && alpha[i] < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("weight " + i + " is " + alpha[i] + "; weights must be finite and >= 0");
            }
        }
        double mean = 0;
        for (double a : alpha) {
            mean += a;
        }
        mean /= alpha.length;
        float[] w = new float[alpha.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = mean > 0 ? (float) (alpha[i] / mean) : 1f;
        }
        return w;
    }
}
