package org.mtlalign.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.Activation;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.TaskHead;
import org.mtlalign.train.TrainConfig;
import org.mtlalign.train.Trainer;

/**
 * Proposition 3: with shared X = U D V^T, squared loss and the linear bias-free model, the best
 * width-r shared module spans V D^{-1} Q_r where Q_r holds the top-r eigenvectors of
 * sum_i alpha_i U^T y_i y_i^T U. Checked against a float64 EJML computation, a random search,
 * and the Trainer.
 */
class Proposition3Test {
    private static final int M = 80;
    private static final int D = 6;
    private static final int K = 4;
    private static final int R = 2;
    /** Signal scale per task: tasks 0 and 1 dominate under uniform weights (clear eigen-gap). */
    private static final double[] SCALE = {3.0, 2.5, 1.0, 0.8};
    /** Weights that make tasks 2 and 3 dominate instead. */
    private static final double[] SKEWED = {0.2, 0.2, 10.0, 10.0};
    /** Largest principal angle allowed between the trained B and the closed form (radians). */
    private static final double TRAIN_ANGLE_TOL = 0.1;

    private final CpuBackend be = new CpuBackend();

    /** X (M x D) and Y (M x K): y_i = SCALE_i sqrt(M) U z_i + noise for orthonormal z_i. */
    private record Problem(float[] x, float[] y) {
    }

    private static Problem problem(Random rnd) {
        float[] x = TestData.gaussian(rnd, M * D, 1.0);
        TestData.Svd svd = TestData.svd(TestData.mat(x, M, D));
        DMatrixRMaj z = TestData.randomOrthogonal(rnd, D);
        DMatrixRMaj uz = TestData.mult(svd.u(), z);
        float[] y = new float[M * K];
        for (int a = 0; a < M; a++) {
            for (int i = 0; i < K; i++) {
                y[a * K + i] = (float) (SCALE[i] * Math.sqrt(M) * uz.get(a, i) + 0.05 * rnd.nextGaussian());
            }
        }
        return new Problem(x, y);
    }

    /** The closed form in float64: V D^{-1} Q_r (D x R). */
    private static DMatrixRMaj closedForm64(Problem p, double[] alpha) {
        TestData.Svd svd = TestData.svd(TestData.mat(p.x(), M, D));
        DMatrixRMaj ut = TestData.multTransA(svd.u(), TestData.mat(p.y(), M, K)); // D x K
        DMatrixRMaj s = new DMatrixRMaj(D, D);
        for (int i = 0; i < K; i++) {
            for (int a = 0; a < D; a++) {
                for (int b = 0; b < D; b++) {
                    s.add(a, b, alpha[i] * ut.get(a, i) * ut.get(b, i));
                }
            }
        }
        DMatrixRMaj q = TestData.columns(TestData.symmetricEigen(s).vectors(), 0, R);
        DMatrixRMaj vdInv = svd.v().copy();
        for (int a = 0; a < D; a++) {
            for (int b = 0; b < D; b++) {
                vdInv.set(a, b, vdInv.get(a, b) / svd.s()[b]);
            }
        }
        return TestData.mult(vdInv, q);
    }

    /** sum_i alpha_i ||y_i - P_{X B} y_i||^2 in float64: the objective after optimising the heads. */
    private static double objective(Problem p, DMatrixRMaj b, double[] alpha) {
        DMatrixRMaj xb = TestData.mult(TestData.mat(p.x(), M, D), b);
        DMatrixRMaj q = TestData.orthonormalBasis(xb);
        DMatrixRMaj y = TestData.mat(p.y(), M, K);
        DMatrixRMaj proj = TestData.mult(q, TestData.multTransA(q, y));
        double total = 0;
        for (int i = 0; i < K; i++) {
            double s = 0;
            for (int a = 0; a < M; a++) {
                double r = y.get(a, i) - proj.get(a, i);
                s += r * r;
            }
            total += alpha[i] * s;
        }
        return total;
    }

    private static double[] ones() {
        double[] a = new double[K];
        java.util.Arrays.fill(a, 1.0);
        return a;
    }

    @Test
    void closedFormMatchesFloat64AndBeatsRandomSubspaces() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        Problem p = problem(rnd);
        SharedSubspace ss = new SharedSubspace(be);
        for (double[] alpha : new double[][] {ones(), SKEWED}) {
            float[] b = ss.optimalShared(p.x(), M, D, p.y(), K, alpha, R);
            DMatrixRMaj ref = closedForm64(p, alpha);
            double sin = TestData.sinMaxAngle(TestData.mat(b, D, R), ref);
            double angle = Math.asin(Math.min(1, sin));
            System.out.printf("[Proposition3] seed=%d alpha=%s closed form vs float64: max angle %.3e rad%n",
                    seed, java.util.Arrays.toString(alpha), angle);
            assertTrue(angle < 1e-3, "seed=" + seed + ": closed form vs EJML max principal angle " + angle);
            // Brute force: no random width-R subspace does better on the objective.
            double best = objective(p, TestData.mat(b, D, R), alpha);
            for (int t = 0; t < 500; t++) {
                DMatrixRMaj rb = TestData.mat(TestData.gaussian(rnd, D * R, 1.0), D, R);
                double o = objective(p, rb, alpha);
                assertTrue(o >= best * (1 - 1e-5), "seed=" + seed + ": random B has objective " + o
                        + " below the closed form's " + best);
            }
        }
    }

    @Test
    void principalAnglesMatchFloat64() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        SharedSubspace ss = new SharedSubspace(be);
        int n = 11;
        int pa = 3;
        int pb = 5;
        float[] a = TestData.gaussian(rnd, n * pa, 1.0);
        float[] b = TestData.gaussian(rnd, n * pb, 1.0);
        double[] got = ss.principalAngles(a, n, pa, b, pb);
        double[] ref = TestData.principalAngles(TestData.mat(a, n, pa), TestData.mat(b, n, pb));
        assertEquals(pa, got.length, "seed=" + seed);
        double err = TestData.relErr(got, ref);
        System.out.printf("[Proposition3] seed=%d principal angles %s vs float64 %s: rel err %.2e%n",
                seed, java.util.Arrays.toString(got), java.util.Arrays.toString(ref), err);
        assertTrue(err < 1e-4, "seed=" + seed + ": principal angles rel err " + err);
        // A subspace against itself (rescaled, mixed columns): all angles ~0.
        float[] mixed = new float[n * pa];
        for (int i = 0; i < n; i++) {
            mixed[i * pa] = 3 * a[i * pa] + a[i * pa + 1];
            mixed[i * pa + 1] = -2 * a[i * pa + 1];
            mixed[i * pa + 2] = a[i * pa + 2] - a[i * pa];
        }
        double same = TestData.maxAngle(ss.principalAngles(a, n, pa, mixed, pa));
        // Float32 cosines near 1 resolve angles only to ~sqrt(2 * 2^-23 * few ulps) ~ 1e-3 rad.
        assertTrue(same < 3e-3, "seed=" + seed + ": angle of a subspace to itself " + same);
    }

    private MtlModel train(Problem p, float[] weights, long seed) {
        List<PreparedTask> tasks = new ArrayList<>();
        List<TaskHead> heads = new ArrayList<>();
        for (int i = 0; i < K; i++) {
            float[] yi = new float[M];
            for (int a = 0; a < M; a++) {
                yi[a] = p.y()[a * K + i];
            }
            PreparedTask t = TestData.regression("t" + i, p.x(), M, D, yi, 1);
            tasks.add(t);
            heads.add(t.head());
        }
        MtlModel m = new MtlModel(D, R, Activation.IDENTITY, false, heads);
        m.initialize(seed);
        int epochs = 3000;
        TrainConfig cfg = new TrainConfig(epochs, 1024, TrainConfig.Optimizer.ADAM, 1e-2f, 0.9f, 0f,
                TrainConfig.Sampling.ALL, epochs, seed, false);
        new Trainer(be, cfg).train(m, tasks, weights);
        return m;
    }

    private static double maxAngle(float[] b, DMatrixRMaj ref) {
        return Math.asin(Math.min(1, TestData.sinMaxAngle(TestData.mat(b, D, R), ref)));
    }

    @Test
    void trainedSharedModuleSpansTheClosedForm() {
        long seed = TestData.seed();
        Problem p = problem(new Random(seed));
        float[] closed = new SharedSubspace(be).optimalShared(p.x(), M, D, p.y(), K, null, R);
        MtlModel m = train(p, null, seed);
        float[] trained = m.shared().value();
        double angle = maxAngle(trained, TestData.mat(closed, D, R));
        double codeAngle = TestData.maxAngle(new SharedSubspace(be).principalAngles(trained, D, R, closed, R));
        System.out.printf("[Proposition3] seed=%d uniform weights: trained B vs closed form max angle %.3e rad"
                + " (SharedSubspace.principalAngles: %.3e)%n", seed, angle, codeAngle);
        assertTrue(angle < TRAIN_ANGLE_TOL, "seed=" + seed + ": max principal angle " + angle);
        assertTrue(codeAngle < TRAIN_ANGLE_TOL, "seed=" + seed + ": principalAngles reports " + codeAngle);
    }

    @Test
    void taskWeightsMoveTheClosedFormAndTheTrainedModule() {
        long seed = TestData.seed();
        Problem p = problem(new Random(seed));
        SharedSubspace ss = new SharedSubspace(be);
        float[] uniform = ss.optimalShared(p.x(), M, D, p.y(), K, null, R);
        float[] skewed = ss.optimalShared(p.x(), M, D, p.y(), K, SKEWED, R);
        double between = maxAngle(skewed, TestData.mat(uniform, D, R));
        float[] w = new float[K];
        for (int i = 0; i < K; i++) {
            w[i] = (float) SKEWED[i];
        }
        float[] trained = train(p, w, seed).shared().value();
        double toSkewed = maxAngle(trained, TestData.mat(skewed, D, R));
        double toUniform = maxAngle(trained, TestData.mat(uniform, D, R));
        System.out.printf("[Proposition3] seed=%d weights %s: closed forms differ by %.3f rad; trained B vs weighted"
                + " closed form %.3e rad, vs uniform closed form %.3f rad%n",
                seed, java.util.Arrays.toString(SKEWED), between, toSkewed, toUniform);
        assertTrue(between > 0.5, "seed=" + seed + ": weights should move the closed form, angle " + between);
        assertTrue(toSkewed < TRAIN_ANGLE_TOL, "seed=" + seed + ": trained vs weighted closed form " + toSkewed);
        assertTrue(toUniform > 0.5, "seed=" + seed + ": trained B should not match the unweighted optimum, "
                + toUniform);
    }

    @Test
    void alphaOfOnesEqualsNullAndScalingAlphaChangesNothing() {
        long seed = TestData.seed();
        Problem p = problem(new Random(seed));
        SharedSubspace ss = new SharedSubspace(be);
        float[] a = ss.optimalShared(p.x(), M, D, p.y(), K, null, R);
        float[] b = ss.optimalShared(p.x(), M, D, p.y(), K, ones(), R);
        double[] scaled = SKEWED.clone();
        for (int i = 0; i < K; i++) {
            scaled[i] *= 7.0;
        }
        float[] c = ss.optimalShared(p.x(), M, D, p.y(), K, SKEWED, R);
        float[] e = ss.optimalShared(p.x(), M, D, p.y(), K, scaled, R);
        assertTrue(maxAngle(a, TestData.mat(b, D, R)) < 1e-3, "seed=" + seed + ": alpha = 1 vs null");
        assertTrue(maxAngle(c, TestData.mat(e, D, R)) < 1e-3, "seed=" + seed + ": alpha vs 7 alpha");
    }

    /** More columns than rows (no full column rank) failed with an IndexOutOfBoundsException. */
    @Test
    void principalAnglesRefuseMoreColumnsThanRows() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        SharedSubspace ss = new SharedSubspace(be);
        float[] wide = TestData.gaussian(rnd, 3 * 4, 1.0);
        float[] b = TestData.gaussian(rnd, 3 * 2, 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ss.principalAngles(wide, 3, 4, b, 2));
        assertTrue(e.getMessage().contains("p = 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ss.principalAngles(b, 3, 2, wide, 4));
        assertThrows(IllegalArgumentException.class, () -> ss.principalAngles(b, 3, 2, new float[5], 2));
    }

    /**
     * An X with dependent columns has no closed form: dividing by its float32 zero singular value
     * gave a B of entries near 1e6 pointing into X's null space (X B about 0), returned silently;
     * it is refused, and so are arrays that do not fit (an ArrayIndexOutOfBoundsException before).
     */
    @Test
    void rankDeficientXAndMisfitArraysAreRefused() {
        long seed = TestData.seed();
        Problem p = problem(new Random(seed));
        SharedSubspace ss = new SharedSubspace(be);
        float[] dependent = p.x().clone();
        for (int a = 0; a < M; a++) {
            dependent[a * D + 1] = 2 * dependent[a * D];
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ss.optimalShared(dependent, M, D, p.y(), K, null, R));
        assertTrue(e.getMessage().contains("full column rank"), e.getMessage());
        float[] constant = p.x().clone();
        for (int a = 0; a < M; a++) {
            constant[a * D + 3] = 0;
        }
        assertThrows(IllegalArgumentException.class, () -> ss.optimalShared(constant, M, D, p.y(), K, null, R));
        // Independent columns on scales 1e6 apart are refused too (the float32 SVD cannot resolve the
        // small one); the message named only dependent or constant columns, to be dropped.
        float[] scaled = p.x().clone();
        for (int a = 0; a < M; a++) {
            scaled[a * D + 2] *= 1e-6f;
        }
        e = assertThrows(IllegalArgumentException.class, () -> ss.optimalShared(scaled, M, D, p.y(), K, null, R));
        assertTrue(e.getMessage().contains("scales far apart") && e.getMessage().contains("standardise"), e.getMessage());
        float[] shortY = java.util.Arrays.copyOf(p.y(), M * K - 1);
        assertThrows(IllegalArgumentException.class, () -> ss.optimalShared(p.x(), M, D, shortY, K, null, R));
        assertThrows(IllegalArgumentException.class, () -> ss.optimalShared(p.x(), M, D, p.y(), K, new double[K - 1], R));
        double[] negative = ones();
        negative[2] = -1;
        e = assertThrows(IllegalArgumentException.class, () -> ss.optimalShared(p.x(), M, D, p.y(), K, negative, R));
        assertTrue(e.getMessage().contains("task weight 2 is -1.0"), e.getMessage());
        float[] nanY = p.y().clone();
        nanY[5] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> ss.optimalShared(p.x(), M, D, nanY, K, null, R));
        assertThrows(IllegalArgumentException.class, () -> ss.optimalShared(p.x(), M, D, new float[0], 0, null, R));
        // A zero weight is allowed (the oracle of the reweighting experiment drops the noisy task).
        double[] dropOne = ones();
        dropOne[0] = 0;
        assertEquals(D * R, ss.optimalShared(p.x(), M, D, p.y(), K, dropOne, R).length);
    }
}
