package org.mtlalign.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.mtlalign.UserInputException;
import org.mtlalign.analysis.SvdReweighting.Variant;
import org.mtlalign.backend.cpu.CpuBackend;

/**
 * Algorithm 2 (SVD task reweighting): what the PAPER weight ||theta_i^T U_r|| and the NORMALIZED
 * weight ||theta_i^T U_r|| / ||theta_i|| provably do, and the computation against float64.
 */
class SvdReweightingTest {
    private final CpuBackend be = new CpuBackend();
    private final SvdReweighting sr = new SvdReweighting(be);

    /** k tasks sharing X: xs[i] = x for all i. */
    private record Suite(float[][] xs, int[] rows, int d, float[][] ys, int[] cols) {
        int k() {
            return xs.length;
        }

        int total() {
            int t = 0;
            for (int c : cols) {
                t += c;
            }
            return t;
        }
    }

    private static Suite shared(float[] x, int m, int d, float[][] ys, int[] cols) {
        int k = ys.length;
        float[][] xs = new float[k][];
        int[] rows = new int[k];
        Arrays.fill(xs, x);
        Arrays.fill(rows, m);
        return new Suite(xs, rows, d, ys, cols);
    }

    private static float[] xTimes(float[] x, int m, int d, double[] beta) {
        float[] y = new float[m];
        for (int a = 0; a < m; a++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += x[a * d + j] * beta[j];
            }
            y[a] = (float) s;
        }
        return y;
    }

    // Noisy-task setting. Whitened inputs (X^T X = m I, columns centred), so theta_i = beta_i +
    // X^T eps_i / m exactly. The noisy task's noise part e has ||e|| ~ sigma sqrt(d / m) = 1,
    // almost all of it orthogonal to the shared direction, while its component along that
    // direction is ~ N(0, sigma^2 / m) ~ 1/sqrt(d): large d separates the two effects.
    private static final int NOISY_D = 401;
    private static final int NOISY_M = 802;
    private static final int CLEAN = 7;
    private static final double NOISY_SIGMA = Math.sqrt(2.0);

    /** CLEAN tasks near a common direction (small label noise) and, last, one very noisy task. */
    private static Suite noisySuite(Random rnd) {
        int d = NOISY_D;
        int m = NOISY_M;
        float[] x = TestData.whitened(rnd, m, d);
        double[] common = new double[d];
        for (int j = 0; j < d; j++) {
            common[j] = rnd.nextGaussian();
        }
        double n = TestData.norm(common);
        for (int j = 0; j < d; j++) {
            common[j] /= n;
        }
        float[][] ys = new float[CLEAN + 1][];
        for (int i = 0; i <= CLEAN; i++) {
            double[] beta = common.clone();
            if (i < CLEAN) {
                for (int j = 0; j < d; j++) {
                    beta[j] += 0.05 * rnd.nextGaussian() / Math.sqrt(d);
                }
            }
            ys[i] = xTimes(x, m, d, beta);
            double sigma = i < CLEAN ? 0.1 : NOISY_SIGMA;
            for (int a = 0; a < m; a++) {
                ys[i][a] += (float) (sigma * rnd.nextGaussian());
            }
        }
        int[] cols = new int[CLEAN + 1];
        Arrays.fill(cols, 1);
        return shared(x, m, d, ys, cols);
    }

    private double[] weights(Suite s, int r, Variant v, boolean center) {
        return sr.weights(s.xs(), s.rows(), s.d(), s.ys(), s.cols(), r, v, center);
    }

    private static double mean(double[] a, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s / (to - from);
    }

    private static double min(double[] a, int from, int to) {
        double m = Double.POSITIVE_INFINITY;
        for (int i = from; i < to; i++) {
            m = Math.min(m, a[i]);
        }
        return m;
    }

    /**
     * NORMALIZED: the cosine of theta_noisy to U_1 is ~ 1/sqrt(1 + ||e||^2) ~ 0.8 while clean tasks
     * stay ~ 0.99, so the noisy task is ranked lowest. PAPER: theta_noisy^T u_1 keeps the full
     * signal (plus noise of size ~1/sqrt(d) along u_1, and u_1 leans toward the large-norm noisy
     * column), so its weight is not discounted: asserted >= half the clean mean (simulated:
     * ratio 1.14 +- 0.05; NORMALIZED margin 0.19 +- 0.02).
     */
    @Test
    void normalizedRanksTheNoisyTaskLowestAndPaperDoesNotDiscountIt() {
        long seed = TestData.seed();
        Suite s = noisySuite(new Random(seed));
        double[] norm = weights(s, 1, Variant.NORMALIZED, true);
        double[] paper = weights(s, 1, Variant.PAPER, true);
        String ctx = "seed=" + seed + " NORMALIZED=" + Arrays.toString(norm) + " PAPER=" + Arrays.toString(paper);
        System.out.println("[SvdReweighting] noisy task last: " + ctx);
        double noisyNorm = norm[CLEAN];
        double cleanMinNorm = min(norm, 0, CLEAN);
        System.out.printf("[SvdReweighting] NORMALIZED noisy %.4f vs min clean %.4f (margin %.4f);"
                + " PAPER noisy / clean mean = %.4f%n", noisyNorm, cleanMinNorm, cleanMinNorm - noisyNorm,
                paper[CLEAN] / mean(paper, 0, CLEAN));
        assertTrue(noisyNorm < cleanMinNorm, ctx + ": NORMALIZED must rank the noisy task lowest");
        assertTrue(paper[CLEAN] >= 0.5 * mean(paper, 0, CLEAN),
                ctx + ": PAPER weight of the noisy task fell below half the clean mean");
        for (double w : norm) {
            assertTrue(w >= 0 && w <= 1 + 1e-6, ctx + ": a cosine outside [0, 1]");
        }
    }

    /** The same formula in float64 (EJML): theta = X^T (y - mean y) / m, U_r, then both variants. */
    private static double[][] reference(Suite s, int r, boolean center) {
        int d = s.d();
        int total = s.total();
        DMatrixRMaj theta = new DMatrixRMaj(d, total);
        int off = 0;
        for (int i = 0; i < s.k(); i++) {
            int m = s.rows()[i];
            int c = s.cols()[i];
            DMatrixRMaj y = TestData.mat(s.ys()[i], m, c);
            if (center) {
                for (int j = 0; j < c; j++) {
                    double mu = 0;
                    for (int a = 0; a < m; a++) {
                        mu += y.get(a, j);
                    }
                    mu /= m;
                    for (int a = 0; a < m; a++) {
                        y.set(a, j, y.get(a, j) - mu);
                    }
                }
            }
            DMatrixRMaj t = TestData.multTransA(TestData.mat(s.xs()[i], m, d), y);
            for (int a = 0; a < d; a++) {
                for (int j = 0; j < c; j++) {
                    theta.set(a, off + j, t.get(a, j) / m);
                }
            }
            off += c;
        }
        DMatrixRMaj u = TestData.columns(TestData.svd(theta).u(), 0, r);
        DMatrixRMaj proj = TestData.multTransA(theta, u); // total x r
        double[] paper = new double[s.k()];
        double[] norm = new double[s.k()];
        off = 0;
        for (int i = 0; i < s.k(); i++) {
            double p = 0;
            double n = 0;
            for (int j = off; j < off + s.cols()[i]; j++) {
                for (int l = 0; l < r; l++) {
                    p += proj.get(j, l) * proj.get(j, l);
                }
                for (int a = 0; a < d; a++) {
                    n += theta.get(a, j) * theta.get(a, j);
                }
            }
            paper[i] = Math.sqrt(p);
            norm[i] = Math.sqrt(p / n);
            off += s.cols()[i];
        }
        return new double[][] {paper, norm, TestData.svd(theta).s()};
    }

    private void checkAgainstReference(Suite s, int r, boolean center, String ctx) {
        double[][] ref = reference(s, r, center);
        double[] paper = weights(s, r, Variant.PAPER, center);
        double[] norm = weights(s, r, Variant.NORMALIZED, center);
        double ep = TestData.relErr(paper, ref[0]);
        double en = TestData.relErr(norm, ref[1]);
        System.out.printf("[SvdReweighting] %s r=%d center=%b: rel err vs float64 PAPER %.2e NORMALIZED %.2e"
                + " (singular values %s)%n", ctx, r, center, ep, en, Arrays.toString(ref[2]));
        assertTrue(ep < 1e-4, ctx + ": PAPER rel err " + ep);
        assertTrue(en < 1e-4, ctx + ": NORMALIZED rel err " + en);
    }

    @Test
    void matchesFloat64ReferenceOnTheNoisySuite() {
        long seed = TestData.seed();
        Suite s = noisySuite(new Random(seed));
        checkAgainstReference(s, 1, true, "seed=" + seed + " noisy suite");
        checkAgainstReference(s, 1, false, "seed=" + seed + " noisy suite");
    }

    /** Random multi-output tasks with their own X (different row counts), r = 2. */
    @Test
    void matchesFloat64ReferenceWithMultiOutputTasksAndOwnInputs() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 13;
        int[] rows = {37, 41, 23, 5};
        int[] cols = {1, 3, 2, 1};
        for (int attempt = 0; ; attempt++) {
            float[][] xs = new float[rows.length][];
            float[][] ys = new float[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                xs[i] = TestData.gaussian(rnd, rows[i] * d, 1.0);
                ys[i] = TestData.gaussian(rnd, rows[i] * cols[i], 1.0);
                for (int a = 0; a < rows[i] * cols[i]; a++) {
                    ys[i][a] += 0.7f;
                }
            }
            Suite s = new Suite(xs, rows, d, ys, cols);
            double[] sv = reference(s, 2, true)[2];
            // U_2 is only well defined with a gap after the second singular value; re-draw if not.
            if ((sv[1] - sv[2]) / sv[0] < 0.02 && attempt < 50) {
                continue;
            }
            checkAgainstReference(s, 2, true, "seed=" + seed + " multi-output");
            checkAgainstReference(s, 2, false, "seed=" + seed + " multi-output");
            break;
        }
    }

    /**
     * Both variants' weights at r = 2 (centred) against the float64 reference {@code ref}, task by
     * task (paper relative, normalized absolute): the worst error below 1e-5. (A relative error
     * over the whole weight vector hides a small task's: the large weight dominates it.)
     */
    private void assertEveryTaskMatches(Suite s, double[][] ref, String what, long seed) {
        double[] paper = weights(s, 2, Variant.PAPER, true);
        double[] norm = weights(s, 2, Variant.NORMALIZED, true);
        double worst = 0;
        for (int i = 0; i < paper.length; i++) {
            worst = Math.max(worst, Math.abs(paper[i] - ref[0][i]) / ref[0][i]);
            worst = Math.max(worst, Math.abs(norm[i] - ref[1][i]));
        }
        System.out.printf("[SvdReweighting] %s: worst per-task error vs float64 %.2e%n", what, worst);
        assertTrue(worst < 1e-5, "seed=" + seed + " paper " + Arrays.toString(paper) + " vs " + Arrays.toString(ref[0])
                + ", normalized " + Arrays.toString(norm) + " vs " + Arrays.toString(ref[1]) + ": worst per-task error " + worst);
    }

    /**
     * One task's labels in units 1e6 times the others' (as a shared-X suite with a raw amount
     * beside 0/1 labels, without --standardize-labels): every task's weights still match float64
     * task by task. The SVD of [theta_1 .. theta_k] ran in float32, whose error is about 1e-7 of
     * the largest singular value, the large task's: the small tasks' directions and weights were
     * off by up to 3e-3 (relative) on such a suite (d = 17, 61 rows), against a float64 numpy
     * reference. (A relative error over the whole weight vector hides this: the large weight dominates it.)
     */
    @Test
    void labelsInVeryDifferentUnitsKeepEveryTaskFloat64Accurate() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int m = 61;
        int d = 17;
        for (int attempt = 0; ; attempt++) {
            Suite s = randomShared(rnd, m, d, 4, 0.3);
            for (int a = 0; a < m; a++) {
                s.ys()[3][a] *= 1e6f;
            }
            double[][] ref = reference(s, 2, true);
            double[] sv = ref[2];
            // U_2 is only well defined with a gap after the second singular value (relative to it).
            if ((sv[1] - sv[2]) / sv[1] < 0.05 && attempt < 50) {
                continue;
            }
            assertEveryTaskMatches(s, ref, "labels 1e6 apart", seed);
            break;
        }
    }

    /**
     * Tasks with their own inputs, far from their own means (as --standardize global leaves a task
     * whose inputs sit apart from the pooled mean): theta_i = X_i^T (y_i - mean y_i) / m_i equals
     * X_c^T y_c / m_i, and must be as accurate as that. Formed from the uncentred X in float32, the
     * offset entered through y_c's rounded sum and the product's rounding: paper weights off by up to
     * 1e-2 (relative) against float64 on four d = 13 tasks under --standardize global.
     */
    @Test
    void inputsFarFromTheirMeanKeepEveryTaskFloat64Accurate() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 7;
        int[] rows = {43, 29, 61};
        int[] cols = {1, 2, 1};
        for (int attempt = 0; ; attempt++) {
            float[][] xs = new float[rows.length][];
            float[][] ys = new float[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                xs[i] = TestData.gaussian(rnd, rows[i] * d, 1.0);
                double[] beta = TestData.toDouble(TestData.gaussian(rnd, d, 1.0));
                ys[i] = new float[rows[i] * cols[i]];
                for (int a = 0; a < rows[i]; a++) {
                    for (int o = 0; o < cols[i]; o++) {
                        double v = rnd.nextGaussian();
                        for (int j = 0; j < d; j++) {
                            v += xs[i][a * d + j] * beta[j] * (o + 1);
                        }
                        ys[i][a * cols[i] + o] = (float) v;
                    }
                }
                for (int j = 0; j < d; j++) {
                    float off = (float) ((i + 1) * 3e3 * (1 + rnd.nextDouble()));
                    for (int a = 0; a < rows[i]; a++) {
                        xs[i][a * d + j] += off;
                    }
                }
            }
            Suite s = new Suite(xs, rows, d, ys, cols);
            double[][] ref = reference(s, 2, true);
            double[] sv = ref[2];
            if ((sv[1] - sv[2]) / sv[1] < 0.05 && attempt < 50) {
                continue;
            }
            assertEveryTaskMatches(s, ref, "inputs far from their mean", seed);
            break;
        }
    }

    private static Suite randomShared(Random rnd, int m, int d, int k, double xOffset) {
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        for (int a = 0; a < m * d; a++) {
            x[a] += (float) xOffset;
        }
        float[][] ys = new float[k][];
        for (int i = 0; i < k; i++) {
            double[] beta = TestData.toDouble(TestData.gaussian(rnd, d, 1.0));
            ys[i] = xTimes(x, m, d, beta);
            for (int a = 0; a < m; a++) {
                ys[i][a] += (float) rnd.nextGaussian();
            }
        }
        int[] cols = new int[k];
        Arrays.fill(cols, 1);
        return shared(x, m, d, ys, cols);
    }

    /** With r >= (total columns), U_r spans every theta_i, so every cosine is 1. */
    @Test
    void fullRankGivesNormalizedWeightsOfOne() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        Suite s = randomShared(rnd, 53, 11, 5, 0.0);
        double[] norm = weights(s, 5, Variant.NORMALIZED, true);
        for (double w : norm) {
            assertEquals(1.0, w, 1e-5, "seed=" + seed + ": " + Arrays.toString(norm));
        }
        // Also with a multi-output task: r = total columns = 1 + 3 + 1.
        int m = 29;
        float[] x = TestData.gaussian(rnd, m * 7, 1.0);
        Suite mo = shared(x, m, 7, new float[][] {TestData.gaussian(rnd, m, 1.0),
            TestData.gaussian(rnd, m * 3, 1.0), TestData.gaussian(rnd, m, 1.0)}, new int[] {1, 3, 1});
        double[] nm = weights(mo, 5, Variant.NORMALIZED, true);
        for (double w : nm) {
            assertEquals(1.0, w, 1e-5, "seed=" + seed + " multi-output: " + Arrays.toString(nm));
        }
    }

    /**
     * A task whose inputs are constant (an all-zero feature block after global standardisation)
     * has theta_i = X_i^T (y_i - mean) / m_i = 0 up to float32 rounding: its cosine would be noise
     * over noise (it came out near 1 before), so the normalized weight is 0.
     */
    @Test
    void aTaskWithoutSignalGetsNormalizedWeightZero() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 6;
        int m = 41;
        float[] xa = TestData.gaussian(rnd, m * d, 1.0);
        float[] xc = new float[m * d];
        Arrays.fill(xc, 0.37f);
        float[] ya = TestData.gaussian(rnd, m, 1.0);
        float[] yc = TestData.gaussian(rnd, m, 1.0);
        float[] xb = TestData.gaussian(rnd, m * d, 1.0);
        float[] yb = TestData.gaussian(rnd, m, 1.0);
        double[] w = sr.weights(new float[][] {xa, xc, xb}, new int[] {m, m, m}, d, new float[][] {ya, yc, yb},
                new int[] {1, 1, 1}, 1, Variant.NORMALIZED, true);
        assertEquals(0.0, w[1], 0.0, "seed=" + seed + ": " + Arrays.toString(w));
        assertTrue(w[0] > 0 || w[2] > 0, "the tasks with signal keep a weight: " + Arrays.toString(w));
    }

    /**
     * A task whose labels are in units a million times smaller than another's still has a
     * direction: its normalized weight is its cosine with the shared subspace, about 1 here, not 0
     * (the test for "no direction" once compared theta_i with the largest theta of all tasks).
     */
    @Test
    void labelsInSmallUnitsKeepTheirNormalizedWeight() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 10;
        int m = 400 + rnd.nextInt(100);
        int k = 3;
        // Three tasks whose weights lie in one 2-dimensional subspace (spanned by e0 and e1). Tasks
        // 0 and 1 point 90 degrees apart, so they pin that subspace once task 2's theta is tiny: with
        // two nearly parallel weights, U_r's second direction was their noise, and task 2's cosine
        // with it fell to 0.88 (seed 52246718956706 of the earlier version).
        float[][] xs = new float[k][];
        float[][] ys = new float[k][];
        double phi0 = Math.PI * rnd.nextDouble();
        for (int i = 0; i < k; i++) {
            double phi = i == 0 ? phi0 : i == 1 ? phi0 + Math.PI / 2 : 2 * Math.PI * rnd.nextDouble();
            double norm = 0.5 + 1.5 * rnd.nextDouble();
            double a = norm * Math.cos(phi);
            double b = norm * Math.sin(phi);
            xs[i] = TestData.gaussian(rnd, m * d, 1.0);
            ys[i] = new float[m];
            for (int t = 0; t < m; t++) {
                ys[i][t] = (float) (a * xs[i][t * d] + b * xs[i][t * d + 1] + 0.05 * rnd.nextGaussian());
            }
        }
        double[] before = sr.weights(xs, new int[] {m, m, m}, d, ys, new int[] {1, 1, 1}, 2, Variant.NORMALIZED, true);
        for (double unit : new double[] {1e-6, 1e-9}) {
            float[][] scaled = ys.clone();
            scaled[2] = ys[2].clone();
            for (int t = 0; t < m; t++) {
                scaled[2][t] *= (float) unit;
            }
            double[] after = sr.weights(xs, new int[] {m, m, m}, d, scaled, new int[] {1, 1, 1}, 2,
                    Variant.NORMALIZED, true);
            assertTrue(after[2] > 0.9, "seed=" + seed + ", labels x " + unit + ": " + Arrays.toString(after)
                    + " (before: " + Arrays.toString(before) + ")");
        }
    }

    /**
     * Scaling task j's labels by c scales theta_j by c. With r = k the span of U_r does not
     * change, so PAPER alpha_j scales by exactly c (the others stay); NORMALIZED is 1 for every
     * task at r = k whatever the labels, so that says nothing about it. Below full rank (r = k - 1,
     * the default): scaling every task's labels by one c scales every PAPER weight by c and leaves
     * NORMALIZED as it was, but scaling one task's labels turns U_r towards its theta_j, so its
     * NORMALIZED weight rises towards 1 and the others' move: neither variant is invariant to one
     * task's label units (the test claimed NORMALIZED was, from the r = k case alone).
     */
    @Test
    void paperWeightsFollowLabelScaleNormalizedOnlyACommonOne() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int k = 4;
        Suite s = randomShared(rnd, 47, 9, k, 0.3);
        double c = 7.5;
        int j = 2;
        Suite t = scaled(s, j, c);
        double[] p0 = weights(s, k, Variant.PAPER, true);
        double[] p1 = weights(t, k, Variant.PAPER, true);
        String ctx = "seed=" + seed + " PAPER " + Arrays.toString(p0) + " -> " + Arrays.toString(p1);
        for (int i = 0; i < k; i++) {
            double expect = i == j ? c * p0[i] : p0[i];
            assertEquals(expect, p1[i], 1e-5 * expect, ctx + ": PAPER weight of task " + i);
        }
        int r = k - 1;
        Suite all = s;
        for (int i = 0; i < k; i++) {
            all = scaled(all, i, c);
        }
        double[] pr0 = weights(s, r, Variant.PAPER, true);
        double[] pr1 = weights(all, r, Variant.PAPER, true);
        double[] nr0 = weights(s, r, Variant.NORMALIZED, true);
        double[] nr1 = weights(all, r, Variant.NORMALIZED, true);
        ctx = "seed=" + seed + ", r = " + r + ", all labels x" + c + ": PAPER " + Arrays.toString(pr0) + " -> "
                + Arrays.toString(pr1) + ", NORMALIZED " + Arrays.toString(nr0) + " -> " + Arrays.toString(nr1);
        for (int i = 0; i < k; i++) {
            assertEquals(c * pr0[i], pr1[i], 1e-4 * c * pr0[i], ctx + ": PAPER weight of task " + i);
            assertEquals(nr0[i], nr1[i], 1e-5, ctx + ": NORMALIZED weight of task " + i);
        }
        // One task's labels in units 1000 times larger: U_r follows its theta.
        Suite one = scaled(s, j, 1000);
        double[] nj = weights(one, r, Variant.NORMALIZED, true);
        ctx = "seed=" + seed + ", r = " + r + ", task " + j + " x1000: NORMALIZED " + Arrays.toString(nr0) + " -> "
                + Arrays.toString(nj);
        System.out.println("[SvdReweighting] " + ctx);
        assertTrue(nj[j] > 0.9999, ctx);
    }

    private static Suite scaled(Suite s, int j, double c) {
        float[][] ys = s.ys().clone();
        ys[j] = s.ys()[j].clone();
        for (int a = 0; a < ys[j].length; a++) {
            ys[j][a] *= (float) c;
        }
        return new Suite(s.xs(), s.rows(), s.d(), ys, s.cols());
    }

    /** Binary tasks as 0/1 and as -1/+1 labels (y' = 2 y - 1) on the same X. */
    private static float[][][] binaryLabels(Random rnd, float[] x, int m, int d, int k) {
        float[][] zeroOne = new float[k][];
        float[][] plusMinus = new float[k][];
        for (int i = 0; i < k; i++) {
            double[] beta = TestData.toDouble(TestData.gaussian(rnd, d, 1.0));
            float[] score = xTimes(x, m, d, beta);
            double mu = 0;
            for (float v : score) {
                mu += v;
            }
            mu /= m;
            zeroOne[i] = new float[m];
            plusMinus[i] = new float[m];
            for (int a = 0; a < m; a++) {
                boolean pos = score[a] - mu + 0.5 * rnd.nextGaussian() > 0;
                zeroOne[i][a] = pos ? 1f : 0f;
                plusMinus[i][a] = pos ? 1f : -1f;
            }
        }
        return new float[][][] {zeroOne, plusMinus};
    }

    /**
     * Centred labels: y' - mean y' = 2 (y - mean y), so theta' = 2 theta for every task whatever
     * the mean of X: NORMALIZED identical, PAPER exactly doubled. Without centring, theta' =
     * 2 theta - X^T 1 / m: still 2 theta for centred X, not for uncentred X (printed).
     */
    @Test
    void centringMakesBinaryEncodingsAgree() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int m = 61;
        int d = 8;
        int k = 4;
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        for (int a = 0; a < m * d; a++) {
            x[a] += 1.5f; // uncentred inputs
        }
        int[] cols = {1, 1, 1, 1};
        float[][][] labels;
        Suite zo;
        Suite pm;
        int attempt = 0;
        while (true) {
            labels = binaryLabels(rnd, x, m, d, k);
            zo = shared(x, m, d, labels[0], cols);
            pm = shared(x, m, d, labels[1], cols);
            // U_1 and U_2 must be well defined (singular-value gaps) for a 1e-4 comparison.
            double[] sv = reference(zo, 1, true)[2];
            double[] su = reference(zo, 1, false)[2];
            if (((sv[0] - sv[1]) / sv[0] > 0.02 && (sv[1] - sv[2]) / sv[0] > 0.02
                    && (su[0] - su[1]) / su[0] > 0.02) || ++attempt > 50) {
                break;
            }
        }
        for (int r : new int[] {1, 2}) {
            double[] n0 = weights(zo, r, Variant.NORMALIZED, true);
            double[] n1 = weights(pm, r, Variant.NORMALIZED, true);
            double[] p0 = weights(zo, r, Variant.PAPER, true);
            double[] p1 = weights(pm, r, Variant.PAPER, true);
            String ctx = "seed=" + seed + " r=" + r + " 0/1: N" + Arrays.toString(n0) + " P" + Arrays.toString(p0)
                    + " -1/+1: N" + Arrays.toString(n1) + " P" + Arrays.toString(p1);
            double[] twice = p0.clone();
            for (int i = 0; i < k; i++) {
                twice[i] *= 2;
            }
            double en = TestData.relErr(n1, n0);
            double ep = TestData.relErr(p1, twice);
            System.out.printf("[SvdReweighting] centred labels, uncentred X, r=%d: NORMALIZED rel diff %.2e,"
                    + " PAPER vs 2x rel diff %.2e%n", r, en, ep);
            assertTrue(en < 1e-4, ctx + ": NORMALIZED differs between encodings, rel " + en);
            assertTrue(ep < 1e-4, ctx + ": PAPER is not exactly doubled, rel " + ep);
        }
        // No centring, centred X: X^T 1 = 0, so the encodings still agree (up to float rounding).
        float[] xc = x.clone();
        for (int j = 0; j < d; j++) {
            double mu = 0;
            for (int a = 0; a < m; a++) {
                mu += x[a * d + j];
            }
            mu /= m;
            for (int a = 0; a < m; a++) {
                xc[a * d + j] = (float) (x[a * d + j] - mu);
            }
        }
        Suite zoc = shared(xc, m, d, labels[0], cols);
        Suite pmc = shared(xc, m, d, labels[1], cols);
        double en = TestData.relErr(weights(pmc, 1, Variant.NORMALIZED, false),
                weights(zoc, 1, Variant.NORMALIZED, false));
        System.out.printf("[SvdReweighting] no label centring, centred X: NORMALIZED rel diff %.2e%n", en);
        assertTrue(en < 1e-3, "seed=" + seed + ": centred X without label centring, rel diff " + en);
        // No centring, uncentred X: the -X^T 1 / m term enters; printed, not asserted.
        System.out.println("[SvdReweighting] no label centring, uncentred X: NORMALIZED 0/1 "
                + Arrays.toString(weights(zo, 1, Variant.NORMALIZED, false)) + " vs -1/+1 "
                + Arrays.toString(weights(pm, 1, Variant.NORMALIZED, false)) + "; PAPER 0/1 "
                + Arrays.toString(weights(zo, 1, Variant.PAPER, false)) + " vs -1/+1 "
                + Arrays.toString(weights(pm, 1, Variant.PAPER, false)));
    }

    @Test
    void trainingWeightsHaveMeanOneAndKeepRatios() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        double[] alpha = new double[7];
        for (int i = 0; i < alpha.length; i++) {
            alpha[i] = 0.01 + 5 * rnd.nextDouble();
        }
        float[] w = SvdReweighting.toTrainingWeights(alpha);
        double mean = 0;
        for (float v : w) {
            mean += v;
        }
        mean /= w.length;
        assertEquals(1.0, mean, 1e-6, "seed=" + seed);
        for (int i = 1; i < w.length; i++) {
            assertEquals(alpha[i] / alpha[0], w[i] / (double) w[0], 1e-5 * alpha[i] / alpha[0], "seed=" + seed);
        }
        float[] zeros = SvdReweighting.toTrainingWeights(new double[3]);
        for (float v : zeros) {
            assertEquals(1f, v);
        }
    }

    @Test
    void rankOutOfRangeIsAUserError() {
        long seed = TestData.seed();
        Suite s = randomShared(new Random(seed), 17, 5, 3, 0.0);
        assertThrows(UserInputException.class, () -> weights(s, 0, Variant.PAPER, true));
        assertThrows(UserInputException.class, () -> weights(s, 4, Variant.PAPER, true));
    }

    /**
     * Arrays that do not fit together are refused in one line naming the task, as the other
     * analyses refuse them, instead of an ArrayIndexOutOfBoundsException from inside the loops.
     */
    @Test
    void mismatchedOrNonFiniteArraysAreRefusedNamingTheTask() {
        long seed = TestData.seed();
        Suite s = randomShared(new Random(seed), 17, 5, 3, 0.0);
        int[] twoRowCounts = {17, 17};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sr.weights(s.xs(), twoRowCounts, s.d(), s.ys(), s.cols(), 1, Variant.NORMALIZED, true));
        assertTrue(e.getMessage().contains("3 inputs, 2 row counts"), e.getMessage());
        float[][] shortY = s.ys().clone();
        shortY[1] = Arrays.copyOf(shortY[1], 16);
        e = assertThrows(IllegalArgumentException.class,
                () -> sr.weights(s.xs(), s.rows(), s.d(), shortY, s.cols(), 1, Variant.NORMALIZED, true));
        assertTrue(e.getMessage().startsWith("reweighting: task 1 has"), e.getMessage());
        float[][] shortX = s.xs().clone();
        shortX[2] = Arrays.copyOf(shortX[2], 17 * 5 - 1);
        e = assertThrows(IllegalArgumentException.class,
                () -> sr.weights(shortX, s.rows(), s.d(), s.ys(), s.cols(), 1, Variant.NORMALIZED, true));
        assertTrue(e.getMessage().startsWith("reweighting: task 2 has"), e.getMessage());
        int[] noRows = s.rows().clone();
        noRows[0] = 0;
        assertThrows(IllegalArgumentException.class,
                () -> sr.weights(s.xs(), noRows, s.d(), s.ys(), s.cols(), 1, Variant.NORMALIZED, true));
        float[][] nanY = s.ys().clone();
        nanY[1] = nanY[1].clone();
        nanY[1][3] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class,
                () -> sr.weights(s.xs(), s.rows(), s.d(), nanY, s.cols(), 1, Variant.NORMALIZED, true));
        assertTrue(e.getMessage().contains("targets of task 1") && e.getMessage().contains("NaN"), e.getMessage());
    }
    /**
     * The noise estimate against a float64 two-pass computation, entry by entry as in its
     * definition: theta_i = (1/m) sum_t (x_t - mean x) (y_t - mean y)^T, var_jc the rows' sample
     * variance of (x_tj - mean x_j) (y_tc - mean y_c), noise = sqrt(sum_jc var_jc / m). Inputs far
     * from their mean (offset 50) and a 3-column task, where a single pass in float32 would lose it.
     */
    @Test
    void noiseRatiosMatchFloat64() {
        Random rnd = new Random(17);
        int d = 7;
        int[] rows = {9, 40, 500};
        int[] cols = {1, 3, 1};
        float[][] xs = new float[3][];
        float[][] ys = new float[3][];
        for (int i = 0; i < 3; i++) {
            xs[i] = new float[rows[i] * d];
            ys[i] = new float[rows[i] * cols[i]];
            for (int t = 0; t < rows[i]; t++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    xs[i][t * d + j] = (float) (50 + (j + 1) * rnd.nextGaussian());
                    s += (xs[i][t * d + j] - 50) * (j % 3 - 1);
                }
                for (int c = 0; c < cols[i]; c++) {
                    ys[i][t * cols[i] + c] = cols[i] == 1 ? (s + 2 * rnd.nextGaussian() > 0 ? 1 : 0)
                            : (float) (s * (c - 1) + rnd.nextGaussian());
                }
            }
        }
        double[] got = sr.noiseRatios(xs, rows, d, ys, cols);
        double worst = 0;
        for (int i = 0; i < 3; i++) {
            int m = rows[i];
            int c = cols[i];
            double[] mx = new double[d];
            double[] my = new double[c];
            for (int t = 0; t < m; t++) {
                for (int j = 0; j < d; j++) {
                    mx[j] += xs[i][t * d + j] / (double) m;
                }
                for (int o = 0; o < c; o++) {
                    my[o] += ys[i][t * c + o] / (double) m;
                }
            }
            double norm2 = 0;
            double var = 0;
            for (int j = 0; j < d; j++) {
                for (int o = 0; o < c; o++) {
                    double mean = 0;
                    for (int t = 0; t < m; t++) {
                        mean += (xs[i][t * d + j] - mx[j]) * (ys[i][t * c + o] - my[o]) / m;
                    }
                    double ss = 0;
                    for (int t = 0; t < m; t++) {
                        double p = (xs[i][t * d + j] - mx[j]) * (ys[i][t * c + o] - my[o]) - mean;
                        ss += p * p;
                    }
                    norm2 += mean * mean;
                    var += ss / (m - 1);
                }
            }
            double want = Math.sqrt(var / m / norm2);
            worst = Math.max(worst, Math.abs(got[i] - want) / want);
        }
        // float32 inputs centred in float64 and a float32 X^T y: about 1e-6.
        assertTrue(worst < 1e-4, "noise ratio relative error " + worst);
    }

    /**
     * Labels unrelated to the inputs give a theta_i that is all noise: the ratio is about 1 (the
     * expected squared norm of the estimate is the noise's). Labels that follow the inputs closely
     * over many rows give a small ratio. Constant labels (theta_i = 0) and one row give NaN.
     */
    @Test
    void noiseRatioIsAboutOneForPureNoiseAndNaNWithoutDirection() {
        Random rnd = new Random(3);
        // The squared norm of an all-noise theta_i is a chi-square with d degrees of freedom times
        // noise^2 / d: d = 200 keeps the ratio within about 10% of 1.
        int d = 200;
        int m = 400;
        int big = 4000;
        float[] x = new float[big * d];
        for (int t = 0; t < x.length; t++) {
            x[t] = (float) rnd.nextGaussian();
        }
        float[] noise = new float[m];
        float[] signal = new float[big];
        for (int t = 0; t < big; t++) {
            if (t < m) {
                noise[t] = rnd.nextBoolean() ? 1 : 0;
            }
            signal[t] = x[t * d] + x[t * d + 1] > 0 ? 1 : 0;
        }
        float[] xm = Arrays.copyOf(x, m * d);
        double[] r = sr.noiseRatios(new float[][] {xm, x, xm, Arrays.copyOf(x, d)}, new int[] {m, big, m, 1},
                d, new float[][] {noise, signal, new float[m], {1}}, new int[] {1, 1, 1, 1});
        assertTrue(r[0] > 0.85 && r[0] < 1.15, "pure noise: " + r[0]);
        assertTrue(r[1] < 0.5, "signal over 4000 rows: " + r[1]);
        assertTrue(Double.isNaN(r[2]), "constant labels: " + r[2]);
        assertTrue(Double.isNaN(r[3]), "one row: " + r[3]);
    }
}
