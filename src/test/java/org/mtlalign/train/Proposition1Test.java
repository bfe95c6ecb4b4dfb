package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.mtlalign.analysis.TestData;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.Activation;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.TaskHead;

/**
 * Proposition 1 of the paper: for the linear bias-free model with squared loss, a shared module
 * of width r >= k (one output per task) leaves every task at its single-task optimum, so
 * B A_i = (X_i^T X_i)^{-1} X_i^T y_i; with r = 1 < k and unrelated optima at least one task
 * must move away from its optimum.
 */
class Proposition1Test {
    private static final int D = 6;
    private static final int M = 61;
    private static final int K = 3;
    /** Tolerance on ||B A_i - beta_i^STL|| / ||beta_i^STL|| after training (r >= k). */
    private static final double STL_TOL = 2e-2;

    private final CpuBackend be = new CpuBackend();

    private record Problem(List<PreparedTask> tasks, double[][] stl) {
    }

    /** k tasks, each with its own X_i (M x D) and y_i = X_i beta_i + noise; optima orthogonal. */
    private static Problem problem(Random rnd) {
        DMatrixRMaj q = TestData.randomOrthogonal(rnd, D);
        List<PreparedTask> tasks = new ArrayList<>();
        double[][] stl = new double[K][];
        for (int i = 0; i < K; i++) {
            float[] x = TestData.gaussian(rnd, M * D, 1.0);
            float[] y = new float[M];
            for (int a = 0; a < M; a++) {
                double s = 0;
                for (int j = 0; j < D; j++) {
                    // beta_i = 2 * column i of a random orthogonal matrix: unrelated optima.
                    s += x[a * D + j] * 2.0 * q.get(j, i);
                }
                y[a] = (float) (s + 0.3 * rnd.nextGaussian());
            }
            tasks.add(TestData.regression("t" + i, x, M, D, y, 1));
            stl[i] = TestData.leastSquares(TestData.mat(x, M, D), TestData.mat(y, M, 1)).data;
        }
        return new Problem(tasks, stl);
    }

    /** B A_i (D values) of the trained model. */
    private static double[] product(MtlModel m, int task) {
        int r = m.rank();
        float[] b = m.shared().value();
        float[] a = m.headWeight(task).value();
        double[] w = new double[D];
        for (int j = 0; j < D; j++) {
            for (int l = 0; l < r; l++) {
                w[j] += (double) b[j * r + l] * a[l];
            }
        }
        return w;
    }

    private MtlModel train(Problem p, int r, long seed, int epochs) {
        List<TaskHead> heads = new ArrayList<>();
        for (PreparedTask t : p.tasks()) {
            heads.add(t.head());
        }
        MtlModel m = new MtlModel(D, r, Activation.IDENTITY, false, heads);
        m.initialize(seed);
        // Full batch (batch >= rows) with ALL sampling: exact gradient steps on the summed loss.
        TrainConfig cfg = new TrainConfig(epochs, 1024, TrainConfig.Optimizer.ADAM, 1e-2f, 0.9f, 0f,
                TrainConfig.Sampling.ALL, epochs, seed, false);
        new Trainer(be, cfg).train(m, p.tasks(), null);
        return m;
    }

    @Test
    void enoughCapacityRecoversEverySingleTaskOptimum() {
        long seed = TestData.seed();
        Problem p = problem(new Random(seed));
        MtlModel m = train(p, K, seed, 2000);
        StringBuilder report = new StringBuilder("seed=" + seed + " r=" + K + " relative errors of B A_i vs STL:");
        double worst = 0;
        for (int i = 0; i < K; i++) {
            double err = TestData.relErr(product(m, i), p.stl()[i]);
            report.append(String.format(" %.3e", err));
            worst = Math.max(worst, err);
        }
        System.out.println("[Proposition1] " + report);
        assertTrue(worst < STL_TOL, report + " (tolerance " + STL_TOL + ")");
    }

    @Test
    void tooLittleCapacityMovesSomeTaskAwayFromItsOptimum() {
        long seed = TestData.seed();
        Problem p = problem(new Random(seed));
        MtlModel m = train(p, 1, seed, 1000);
        StringBuilder report = new StringBuilder("seed=" + seed + " r=1 relative errors of B A_i vs STL:");
        double worst = 0;
        for (int i = 0; i < K; i++) {
            double err = TestData.relErr(product(m, i), p.stl()[i]);
            report.append(String.format(" %.3e", err));
            worst = Math.max(worst, err);
        }
        System.out.println("[Proposition1] " + report);
        // With r = 1 every B A_i lies on the line spanned by B; for (nearly) orthogonal optima
        // sum_i sin^2(angle(beta_i, B)) >= k - 1, so some task is at relative error >= sqrt((k-1)/k).
        assertTrue(worst > 0.1, report + " (expected some task > 0.1)");
    }
}
