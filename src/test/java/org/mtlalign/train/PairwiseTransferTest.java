package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.analysis.TestData;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Loss;

/** {@link PairwiseTransfer}: which pairs it trains, the constant-prediction reference, determinism. */
class PairwiseTransferTest {
    private final CpuBackend be = new CpuBackend();

    /** Three tasks: regression (2 label columns), binary, 4 classes; odd sizes, d = 5. */
    private static List<PreparedTask> tasks(long seed) {
        Random rnd = new Random(seed);
        int d = 5;
        int[] ms = {83, 97, 131};
        Task[] ts = new Task[3];
        for (int t = 0; t < 3; t++) {
            int m = ms[t];
            float[] x = TestData.gaussian(rnd, m * d, 1.0);
            int cols = t == 0 ? 2 : 1;
            float[] y = new float[m * cols];
            for (int i = 0; i < m; i++) {
                double s = x[i * d] - 0.5 * x[i * d + 2] + 0.3 * rnd.nextGaussian();
                if (t == 0) {
                    y[i * 2] = (float) (3 + s);
                    y[i * 2 + 1] = (float) (-1 + 0.2 * rnd.nextGaussian());
                } else if (t == 1) {
                    y[i] = s > 0.4 ? 1 : 0;
                } else {
                    y[i] = s < -1 ? 0 : s < 0 ? 1 : s < 1 ? 2 : 3;
                }
            }
            ts[t] = new Task("t" + t, x, m, d, y, cols, t > 0, "memory");
        }
        TaskSuite s = new TaskSuite("pairs", List.of(ts), false);
        return Preparation.prepare(s, Preparation.Config.defaults(seed)).tasks();
    }

    /**
     * The reference loss is the mean loss of the best constant prediction fitted on the training
     * rows, computed here in float64 from its definition for each loss kind.
     */
    @Test
    void priorLossIsTheConstantPredictionsLoss() {
        long seed = TestData.seed();
        List<PreparedTask> ts = tasks(seed);
        assertEquals(List.of(Loss.SQUARED, Loss.LOGISTIC, Loss.SOFTMAX), ts.stream().map(PreparedTask::loss).toList());
        for (PreparedTask p : ts) {
            int[] rows = p.validation();
            int[] train = p.train();
            float[] y = p.target();
            double want;
            if (p.loss() == Loss.SQUARED) {
                int c = p.targetColumns();
                double sum = 0;
                for (int o = 0; o < c; o++) {
                    double mu = 0;
                    for (int r : train) {
                        mu += y[r * c + o];
                    }
                    mu /= train.length;
                    for (int r : rows) {
                        double e = y[r * c + o] - mu;
                        sum += 0.5 * e * e;
                    }
                }
                want = sum / rows.length; // 0.5 * squared error, summed over outputs, mean over rows
            } else if (p.loss() == Loss.LOGISTIC) {
                double pos = 0;
                for (int r : train) {
                    pos += y[r];
                }
                double rate = pos / train.length;
                double sum = 0;
                for (int r : rows) {
                    sum -= y[r] > 0.5 ? Math.log(rate) : Math.log(1 - rate);
                }
                want = sum / rows.length;
            } else {
                int c = p.labels().outputs();
                double[] count = new double[c];
                for (int r : train) {
                    count[(int) y[r]]++;
                }
                double sum = 0;
                for (int r : rows) {
                    sum -= Math.log((count[(int) y[r]] + 0.5) / (train.length + 0.5 * c));
                }
                want = sum / rows.length;
            }
            double got = PairwiseTransfer.priorLoss(be, p, rows);
            assertEquals(want, got, 1e-5 * Math.abs(want), p.name() + " (" + p.loss() + "), seed " + seed
                    + ": relative error " + Math.abs(got - want) / Math.abs(want));
        }
    }

    /**
     * With one target, only its STL baseline and its pairs train; every measured transfer is the
     * pair's metric minus the STL metric, signed by the metric's direction; the similarity matrix
     * is symmetric. Results do not depend on the number of workers.
     */
    @Test
    void oneTargetTrainsItsBaselineAndItsPairsOnly() {
        long seed = TestData.seed();
        List<PreparedTask> ts = tasks(seed);
        ExperimentConfig cfg = ExperimentConfig.defaults(1).withTrain(TrainConfig.defaults(seed).withEpochs(8));
        boolean[] target = {false, true, false};
        assertEquals(3, PairwiseTransfer.trainings(target));
        assertEquals(6, PairwiseTransfer.trainings(new boolean[] {true, true, true}));
        int[] calls = {0};
        PairwiseTransfer.Result r = new PairwiseTransfer(be, cfg).run(ts, target, s -> calls[0]++);
        assertEquals(3, calls[0]);
        assertNull(r.stl()[0]);
        assertNotNull(r.stl()[1]);
        assertNull(r.stl()[2]);
        assertNull(r.pairs()[0][2], "a pair without a target is not trained");
        assertNotNull(r.pairs()[0][1]);
        assertNotNull(r.pairs()[1][2]);
        assertTrue(r.pairs()[1][2] == r.pairs()[2][1]);
        for (int j : new int[] {0, 2}) {
            double stl = r.stlMetric(1);
            double pair = r.pairMetric(1, j);
            assertTrue(Double.isFinite(stl) && Double.isFinite(pair));
            assertEquals(pair - stl, r.transfer(1, j), 0.0, "AUC: higher is better");
        }
        assertEquals(r.pairs()[0][1].test()[1], r.pairMetric(1, 0), 0.0, "task 1 is the second of the pair {0, 1}");
        assertEquals(r.pairs()[1][2].test()[0], r.pairMetric(1, 2), 0.0, "task 1 is the first of the pair {1, 2}");
        assertTrue(Double.isNaN(r.transfer(0, 1)), "task 0 is not a target: no baseline");
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(r.similarity()[i][j], r.similarity()[j][i], 0.0);
            }
        }
        // MSE: lower is better, so the sign flips.
        assertEquals(0.5 - 0.75, PairwiseTransfer.signedTransfer(false, 0.5, 0.75), 0.0);
        assertEquals(0.75 - 0.5, PairwiseTransfer.signedTransfer(true, 0.5, 0.75), 0.0);

        PairwiseTransfer.Result again = new PairwiseTransfer(new CpuBackend(3), cfg).run(ts, target, null);
        for (int j : new int[] {0, 2}) {
            assertEquals(r.pairMetric(1, j), again.pairMetric(1, j), 0.0, "1 worker vs 3, seed " + seed);
        }
        assertEquals(r.stlMetric(1), again.stlMetric(1), 0.0);
    }

    /** The sign rule: differences that print as +0.0000 are none; at e-notation scales, the fourth digit. */
    @Test
    void transferSignIgnoresDifferencesBelowThePrintedDigits() {
        assertEquals(0, PairwiseTransfer.transferSign(4e-5, 0.9, 0.90004));
        assertEquals(1, PairwiseTransfer.transferSign(6e-5, 0.9, 0.90006));
        assertEquals(-1, PairwiseTransfer.transferSign(-6e-5, 0.9, 0.89994));
        assertEquals(0, PairwiseTransfer.transferSign(1e-7, 1e-3 / 2, 1e-3 / 2 + 1e-7));
        assertEquals(1, PairwiseTransfer.transferSign(1e-6, 1e-4, 1e-4 - 1e-6));
        assertEquals(0, PairwiseTransfer.transferSign(Double.NaN, 0.9, Double.NaN));
        PairwiseTransfer.Run failed = new PairwiseTransfer.Run(new double[] {0.5}, 0.7, 10, 2, false, null,
                new double[] {0.70}, new double[] {0.70}, new boolean[] {false});
        assertTrue(failed.noBetterThanPrior(0));
        // The same loss with the rows ordered beyond chance: overconfident, not "learned nothing".
        PairwiseTransfer.Run sure = new PairwiseTransfer.Run(new double[] {0.88}, 0.7, 10, 2, false, null,
                new double[] {0.70}, new double[] {0.70}, new boolean[] {true});
        assertFalse(sure.noBetterThanPrior(0));
        PairwiseTransfer.Run learned = new PairwiseTransfer.Run(new double[] {0.9}, 0.3, 10, 2, false, null,
                new double[] {0.68}, new double[] {0.70}, new boolean[] {true});
        assertFalse(learned.noBetterThanPrior(0));
    }

    /** A progress line shows an undefined metric (one class in the test rows) as '-', as the tables do, never NaN. */
    @Test
    void anUndefinedMetricIsADashInTheProgressLine() {
        List<PreparedTask> sub = tasks(3).subList(1, 3);
        PairwiseTransfer.Run r = new PairwiseTransfer.Run(new double[] {Double.NaN, 0.75}, 0.5, 7, 4, false, null,
                new double[] {0.1, 0.2}, new double[] {0.3, 0.4}, new boolean[2]);
        assertEquals("AUC -, accuracy 0.7500 after 7 epochs (best 4)", PairwiseTransfer.describe(r, sub));
    }

    /**
     * A long pair or baseline training says how it goes, as mtl train's do: lines named by the
     * run ("STL t0", "t0 + t1"), one at a time, from a clock that advances 40 s a read; the
     * results are bitwise those of a run without lines.
     */
    @Test
    void longTrainingsSayHowTheyGo() {
        long seed = TestData.seed();
        List<PreparedTask> ts = tasks(seed);
        ExperimentConfig cfg = ExperimentConfig.defaults(1).withTrain(TrainConfig.defaults(seed).withEpochs(4)
                .withProgress(false));
        List<String> lines = new java.util.ArrayList<>();
        long[] now = {0};
        java.util.function.LongSupplier before = Trainer.defaultClock;
        PairwiseTransfer.Result r;
        try {
            Trainer.defaultClock = () -> {
                synchronized (now) {
                    return now[0] += 40_000_000_000L;
                }
            };
            r = new PairwiseTransfer(new CpuBackend(1), cfg).logEpochs(lines::add).run(ts, null, null);
        } finally {
            Trainer.defaultClock = before;
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("STL t1: epoch 1 of at most 4, ")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("t0 + t2: epoch ")), lines.toString());
        assertTrue(lines.stream().allMatch(l -> l.matches("(STL t\\d|t\\d \\+ t\\d): epoch [1-3] of at most 4, .*")),
                lines.toString());
        PairwiseTransfer.Result quiet = new PairwiseTransfer(new CpuBackend(1), cfg).run(ts, null, null);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (i != j) {
                    assertEquals(Double.doubleToLongBits(quiet.transfer(i, j)), Double.doubleToLongBits(r.transfer(i, j)),
                            "seed=" + seed);
                }
            }
        }
    }
}
