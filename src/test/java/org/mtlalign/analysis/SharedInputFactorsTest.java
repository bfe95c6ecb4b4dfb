package org.mtlalign.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Npy;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.TaskLoader;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.data.TrainingRows;
import org.mtlalign.train.ExperimentConfig;
import org.mtlalign.train.PairwiseTransfer;
import org.mtlalign.train.TrainConfig;

/**
 * Tasks of a shared X with the same training rows have one covariance: TrainingRows gathers their
 * rows once and CovarianceSimilarity factors that array once. The scores must be the bits of the
 * per-task path (every task its own copy, factored on its own); with missing labels the tasks'
 * rows differ and each keeps its own factor.
 */
class SharedInputFactorsTest {
    @TempDir
    Path dir;

    private final long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());

    /** A shared-X suite of k tasks (m x d), with a share of each task's labels missing. */
    private List<PreparedTask> prepared(Random rnd, int m, int d, int k, double missing) {
        float[] x = new float[m * d];
        for (int i = 0; i < m; i++) {
            double common = rnd.nextGaussian();
            for (int j = 0; j < d; j++) {
                // Columns of different scales and a common part: a covariance with a real spectrum.
                x[i * d + j] = (float) ((j + 1) * rnd.nextGaussian() + common);
            }
        }
        float[] y = new float[m * k];
        for (int i = 0; i < m; i++) {
            for (int t = 0; t < k; t++) {
                y[i * k + t] = rnd.nextDouble() < missing ? Float.NaN : (float) (x[i * d + t % d] + rnd.nextGaussian());
            }
        }
        Path xf = dir.resolve("X" + m + ".npy");
        Path yf = dir.resolve("Y" + m + ".npy");
        Npy.write(xf, new int[] {m, d}, x);
        Npy.write(yf, new int[] {m, k}, y);
        TaskSuite suite = TaskLoader.sharedInputs(xf, yf, null);
        return Preparation.prepare(suite, Preparation.Config.defaults(rnd.nextLong())).tasks();
    }

    /** Each task's rows as its own array: the path before tasks shared one. */
    private static float[][] ownCopies(float[][] xs) {
        float[][] own = new float[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            own[i] = xs[i].clone();
        }
        return own;
    }

    private static void assertSameBits(CovarianceSimilarity.Factor[] want, CovarianceSimilarity.Factor[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i].rank(), got[i].rank(), "rank of task " + i);
            assertEquals(want[i].frobenius(), got[i].frobenius(), 0.0, "norm of task " + i);
            assertArrayEquals(want[i].m(), got[i].m(), "factor of task " + i);
        }
    }

    @Test
    void aSharedXIsFactoredOnceWithThePerTaskBits() {
        Random rnd = new Random(seed);
        int d = 9 + rnd.nextInt(9);
        int k = 3 + rnd.nextInt(4);
        int m = 3 * d + rnd.nextInt(200);
        List<PreparedTask> tasks = prepared(rnd, m, d, k, 0);
        TrainingRows tr = TrainingRows.of(tasks);
        for (int i = 1; i < k; i++) {
            assertSame(tr.xs()[0], tr.xs()[i], "seed " + seed + ": task " + i + " shares the gathered rows");
        }
        CovarianceSimilarity cs = new CovarianceSimilarity(new CpuBackend(2), 0.99);
        CovarianceSimilarity.Factor[] shared = cs.factors(tr.xs(), tr.rows(), d);
        for (int i = 1; i < k; i++) {
            assertSame(shared[0], shared[i]);
        }
        CovarianceSimilarity.Factor[] own = cs.factors(ownCopies(tr.xs()), tr.rows(), d);
        assertNotSame(own[0], own[1]);
        assertSameBits(own, shared);
        assertTrue(CovarianceSimilarity.byTrace(shared[0], shared[0]), "the pairs are scored from C = M M^T, rank "
                + shared[0].rank() + " of d = " + d);
        // Scores from the shared factors, also with the C = M M^T matrices formed two at a time.
        double[][] want = cs.matrix(own);
        assertTrue(Arrays.deepEquals(want, cs.matrix(shared)), "seed " + seed);
        assertTrue(Arrays.deepEquals(cs.matrix(own, 1), cs.matrix(shared, 1)), "seed " + seed);
        assertTrue(Arrays.deepEquals(want, cs.matrix(tr.xs(), tr.rows(), d)), "seed " + seed);
    }

    @Test
    void withMissingLabelsEachTaskKeepsItsOwnRowsAndFactor() {
        Random rnd = new Random(seed);
        int d = 4 + rnd.nextInt(7);
        int k = 2 + rnd.nextInt(4);
        int m = 6 * d + rnd.nextInt(150);
        List<PreparedTask> tasks = prepared(rnd, m, d, k, 0.3);
        TrainingRows tr = TrainingRows.of(tasks);
        for (int i = 0; i < k; i++) {
            assertArrayEquals(tasks.get(i).gatherX(tasks.get(i).train()), tr.xs()[i], "task " + i + "'s own rows");
            for (int j = 0; j < i; j++) {
                assertNotSame(tr.xs()[j], tr.xs()[i], "seed " + seed + ": tasks " + j + " and " + i);
            }
        }
        CovarianceSimilarity cs = new CovarianceSimilarity(new CpuBackend(2), 0.99);
        CovarianceSimilarity.Factor[] f = cs.factors(tr.xs(), tr.rows(), d);
        assertSameBits(cs.factors(ownCopies(tr.xs()), tr.rows(), d), f);
        for (int j = 1; j < k; j++) {
            assertNotSame(f[0], f[j]);
        }
    }

    /** mtl pairs factors a shared X once too, and its similarity matrix is the per-task one. */
    @Test
    void pairsScoreASharedXAsEachTaskOnItsOwn() {
        Random rnd = new Random(seed);
        int d = 3 + rnd.nextInt(5);
        int m = 8 * d + rnd.nextInt(100);
        for (double missing : new double[] {0, 0.25}) {
            List<PreparedTask> tasks = prepared(rnd, m, d, 3, missing);
            CpuBackend be = new CpuBackend(2);
            TrainConfig tc = TrainConfig.defaults(seed).withEpochs(1).withProgress(false);
            ExperimentConfig cfg = new ExperimentConfig(1, org.mtlalign.model.Activation.RELU, true, tc,
                    ExperimentConfig.AlignMode.NONE, null, 0, 0.99, true);
            double[][] sim = new PairwiseTransfer(be, cfg).run(tasks, null, null).similarity();
            TrainingRows tr = TrainingRows.of(tasks);
            CovarianceSimilarity cs = new CovarianceSimilarity(be, 0.99);
            double[][] want = cs.matrix(cs.factors(ownCopies(tr.xs()), tr.rows(), d));
            assertTrue(Arrays.deepEquals(want, sim), "seed " + seed + ", missing " + missing + ": "
                    + Arrays.deepToString(sim) + " vs " + Arrays.deepToString(want));
        }
    }

    /** The progress line counts what {@link CovarianceSimilarity#factors} computes: one covariance per distinct array. */
    @Test
    void theProgressLineCountsTheCovariancesComputed() {
        float[] a = new float[6];
        float[] b = new float[6];
        assertEquals("covariance similarity: 3 task covariances (d = 2) and 3 pair scores",
                CovarianceSimilarity.progressLine(new float[][] {a, b, a.clone()}, 2));
        assertEquals("covariance similarity: 4 tasks sharing one input covariance (d = 2) and 6 pair scores",
                CovarianceSimilarity.progressLine(new float[][] {a, a, a, a}, 2));
        assertEquals("covariance similarity: 3 tasks with 2 distinct input covariances (d = 2) and 3 pair scores",
                CovarianceSimilarity.progressLine(new float[][] {a, b, a}, 2));
        assertEquals("covariance similarity: 1 task covariance (d = 2) and 0 pair scores",
                CovarianceSimilarity.progressLine(new float[][] {a}, 2));
    }
}
