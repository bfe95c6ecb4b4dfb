package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mtlalign.analysis.TestData;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.TaskHead;
import org.mtlalign.model.Tensor;

/** The training loop: reproducibility, early stopping, the divergence guard and task sampling. */
class TrainerTest {
    private final CpuBackend be = new CpuBackend();

    /** A model with one head per task, initialised from seed. */
    static MtlModel model(List<PreparedTask> tasks, int r, Activation g, boolean bias, long seed) {
        List<TaskHead> heads = new ArrayList<>();
        for (PreparedTask t : tasks) {
            heads.add(t.head());
        }
        MtlModel m = new MtlModel(tasks.get(0).dim(), r, g, bias, heads);
        m.initialize(seed);
        return m;
    }

    /** Two regression tasks and a binary task, with train/validation splits, d = 7. */
    private static List<PreparedTask> mixedTasks(Random rnd) {
        int d = 7;
        List<PreparedTask> tasks = new ArrayList<>();
        int[] rows = {59, 43};
        for (int i = 0; i < rows.length; i++) {
            int m = rows[i];
            float[] x = TestData.gaussian(rnd, m * d, 1.0);
            float[] beta = TestData.gaussian(rnd, d, 1.0);
            float[] y = new float[m];
            for (int a = 0; a < m; a++) {
                double s = 0.3 * rnd.nextGaussian();
                for (int j = 0; j < d; j++) {
                    s += x[a * d + j] * beta[j];
                }
                y[a] = (float) s;
            }
            int split = m * 3 / 4;
            tasks.add(TestData.regression("reg" + i, x, m, d, y, 1, TestData.range(split),
                    TestData.range(split, m), new int[0]));
        }
        int m = 47;
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        float[] labels = new float[m];
        for (int a = 0; a < m; a++) {
            labels[a] = x[a * d] + 0.5f * x[a * d + 1] > 0 ? 1f : 0f;
        }
        labels[0] = 1f;
        labels[1] = 0f;
        tasks.add(TestData.classification("bin", x, m, d, labels, Loss.LOGISTIC));
        return tasks;
    }

    private static boolean sameParameters(MtlModel a, MtlModel b) {
        List<Tensor> pa = a.parameters();
        List<Tensor> pb = b.parameters();
        for (int i = 0; i < pa.size(); i++) {
            if (!java.util.Arrays.equals(pa.get(i).value(), pb.get(i).value())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Round-robin with a batch as large as all the data (one batch's worth of rows per epoch):
     * every epoch still steps every task once, instead of one task per epoch.
     */
    @Test
    void roundRobinStepsEveryTaskEachEpochEvenWithAHugeBatch() {
        long seed = TestData.seed();
        List<PreparedTask> tasks = mixedTasks(new Random(seed));
        int epochs = 2;
        TrainConfig cfg = new TrainConfig(epochs, 100_000, TrainConfig.Optimizer.ADAM, 1e-2f, 0.9f, 0f,
                TrainConfig.Sampling.ROUND_ROBIN, 100, seed, false);
        MtlModel m = model(tasks, 2, Activation.RELU, true, seed);
        new Trainer(be, cfg).train(m, tasks, null);
        for (int i = 0; i < tasks.size(); i++) {
            assertEquals(epochs, m.headWeight(i).steps(), "seed=" + seed + ": steps of task " + i + "'s head");
        }
        assertEquals(epochs * tasks.size(), m.shared().steps(), "seed=" + seed);
    }

    /** Library misuse is refused up front: an uninitialised (all-zero) model, weights of the wrong length, NaN data. */
    @Test
    void misuseIsRefusedUpFront() {
        long seed = TestData.seed();
        List<PreparedTask> tasks = mixedTasks(new Random(seed));
        TrainConfig cfg = new TrainConfig(2, 8, TrainConfig.Optimizer.ADAM, 1e-2f, 0.9f, 0f,
                TrainConfig.Sampling.ROUND_ROBIN, 100, seed, false);
        List<TaskHead> heads = new ArrayList<>();
        tasks.forEach(t -> heads.add(t.head()));
        MtlModel zero = new MtlModel(tasks.get(0).dim(), 2, Activation.RELU, true, heads);
        String m = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Trainer(be, cfg).train(zero, tasks, null)).getMessage();
        assertTrue(m.contains("initialize"), m);
        MtlModel ok = model(tasks, 2, Activation.RELU, true, seed);
        m = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Trainer(be, cfg).train(ok, tasks, new float[] {1f})).getMessage();
        assertTrue(m.contains("1 task weights for 3 tasks"), m);
        m = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new org.mtlalign.data.Task("n", new float[] {1f, Float.NaN}, 1, 2, new float[] {0f}, 1, true,
                        "mem")).getMessage();
        assertTrue(m.contains("X[0, 1] is NaN"), m);
    }

    /** A single-task model (an STL baseline) trains identically whatever the sampling rule. */
    @Test
    void oneTaskIgnoresTheSamplingRule() {
        long seed = TestData.seed();
        List<PreparedTask> one = List.of(mixedTasks(new Random(seed)).get(0));
        float[][] ref = null;
        for (TrainConfig.Sampling sampling : new TrainConfig.Sampling[] {
            TrainConfig.Sampling.ROUND_ROBIN, TrainConfig.Sampling.PROPORTIONAL}) {
            TrainConfig cfg = new TrainConfig(6, 8, TrainConfig.Optimizer.ADAM, 1e-2f, 0.9f, 0f, sampling, 100, seed, false);
            MtlModel m = model(one, 2, Activation.RELU, true, seed);
            new Trainer(be, cfg).train(m, one, null);
            float[][] snap = m.snapshot();
            if (ref == null) {
                ref = snap;
            } else {
                for (int i = 0; i < ref.length; i++) {
                    assertArrayEquals(ref[i], snap[i], "seed=" + seed + ": parameter " + i + " depends on the rule");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TrainConfig.Sampling.class)
    void sameSeedGivesBitIdenticalParameters(TrainConfig.Sampling sampling) {
        long seed = TestData.seed();
        List<PreparedTask> tasks = mixedTasks(new Random(seed));
        TrainConfig cfg = new TrainConfig(15, 8, TrainConfig.Optimizer.ADAM, 1e-2f, 0.9f, 1e-4f, sampling,
                100, seed, false);
        MtlModel a = model(tasks, 3, Activation.RELU, true, seed);
        MtlModel b = model(tasks, 3, Activation.RELU, true, seed);
        a.enableAlignment();
        b.enableAlignment();
        TrainResult ra = new Trainer(be, cfg).train(a, tasks, new float[] {1f, 0.5f, 2f});
        TrainResult rb = new Trainer(be, cfg).train(b, tasks, new float[] {1f, 0.5f, 2f});
        assertEquals(ra, rb, "seed=" + seed);
        for (int i = 0; i < a.parameters().size(); i++) {
            assertArrayEquals(a.parameters().get(i).value(), b.parameters().get(i).value(),
                    "seed=" + seed + " " + sampling + ": " + a.parameters().get(i).name() + " differs");
        }
        // A different training seed (same initialisation) takes other batches: different parameters.
        MtlModel c = model(tasks, 3, Activation.RELU, true, seed);
        c.enableAlignment();
        new Trainer(be, cfg.withSeed(seed + 1)).train(c, tasks, new float[] {1f, 0.5f, 2f});
        assertFalse(sameParameters(a, c), "seed=" + seed + " " + sampling + ": the seed had no effect");
    }

    /** Trains, adding the weighted validation loss at the start (epoch 0) and after every epoch to {@code val}. */
    private TrainResult trainRecordingValidation(MtlModel model, List<PreparedTask> tasks, TrainConfig cfg, List<Double> val) {
        Evaluator ev = new Evaluator(be);
        val.add(ev.weightedLoss(model, tasks, null, true));
        return new Trainer(be, cfg).onEpoch(e -> val.add(ev.weightedLoss(model, tasks, null, true))).train(model, tasks, null);
    }

    /**
     * Pure-noise labels, 5 training rows in d = 23: the model can only overfit, so the validation
     * loss rises once training fits the noise. The trainer must return the best epoch's
     * parameters: their validation loss equals the reported best.
     */
    @Test
    void earlyStoppingRestoresTheBestValidationParameters() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 23;
        int m = 5 + 61;
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        float[] y = TestData.gaussian(rnd, m, 1.0);
        List<PreparedTask> tasks = List.of(TestData.regression("noise", x, m, d, y, 1, TestData.range(5),
                TestData.range(5, m), new int[0]));
        MtlModel model = model(tasks, 5, Activation.IDENTITY, true, seed);
        TrainConfig cfg = new TrainConfig(400, 5, TrainConfig.Optimizer.ADAM, 5e-2f, 0.9f, 0f,
                TrainConfig.Sampling.ALL, 15, seed, false);
        List<Double> valLosses = new ArrayList<>();
        // Epoch 0 (the starting parameters) is a candidate as well.
        TrainResult r = trainRecordingValidation(model, tasks, cfg, valLosses);
        double now = new Evaluator(be).weightedLoss(model, tasks, null, true);
        String ctx = "seed=" + seed + " " + r + " val losses " + valLosses.subList(0, Math.min(12, valLosses.size()));
        System.out.println("[Trainer] early stopping: " + r + ", restored validation loss " + now);
        assertTrue(r.bestEpoch() < r.epochsRun(), ctx + ": expected the validation loss to rise after the best epoch");
        assertTrue(r.epochsRun() < cfg.epochs(), ctx + ": patience should have stopped the run early");
        assertEquals(r.epochsRun() - r.bestEpoch(), cfg.patienceAfter(r.bestEpoch()) + 1,
                ctx + ": stops max(patience, best epoch) + 1 epochs after the best");
        assertEquals(r.bestValidationLoss(), now, 1e-12 * Math.abs(now), ctx + ": restored parameters");
        assertEquals(valLosses.get(r.bestEpoch()), r.bestValidationLoss(), 1e-12 * Math.abs(now), ctx);
        double min = valLosses.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        assertEquals(min, r.bestValidationLoss(), 1e-12 * Math.abs(min), ctx + ": best is the minimum seen");
        assertTrue(valLosses.get(valLosses.size() - 1) > r.bestValidationLoss(), ctx);
    }

    /**
     * The wait after a best epoch grows with the epochs it took to reach it. At patience 0 the old
     * rule stopped at the first epoch whose noisy mini-batch steps did not improve the validation
     * loss. A linear task with label noise, fitted by Adam on batches of 4, usually goes on to
     * later and clearly better bests after such an epoch (in about 3 of 4 draws; in the others it
     * descends without a pause to its best): each run must stop exactly max(patience, best epoch)
     * epochs after its best, and at least one of 8 draws (all 8 failing: about 1 in 70,000) must
     * be a plateau the old rule stopped on.
     */
    @Test
    void patienceGrowsWithTheEpochsToTheBest() {
        long seed = TestData.seed();
        int stoppedEarly = 0;
        StringBuilder runs = new StringBuilder();
        for (long s = seed; s < seed + 8; s++) {
            Random rnd = new Random(s);
            int d = 11;
            int m = 67 + 41;
            float[] x = TestData.gaussian(rnd, m * d, 1.0);
            float[] w = TestData.gaussian(rnd, d, 1.0);
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                double sum = 0;
                for (int f = 0; f < d; f++) {
                    sum += x[i * d + f] * w[f];
                }
                y[i] = (float) (sum + rnd.nextGaussian());
            }
            List<PreparedTask> tasks = List.of(TestData.regression("slow", x, m, d, y, 1, TestData.range(67),
                    TestData.range(67, m), new int[0]));
            MtlModel model = model(tasks, 3, Activation.IDENTITY, true, s);
            TrainConfig cfg = new TrainConfig(300, 4, TrainConfig.Optimizer.ADAM, 3e-3f, 0.9f, 0f,
                    TrainConfig.Sampling.ROUND_ROBIN, 0, s, false);
            List<Double> val = new ArrayList<>();
            TrainResult r = trainRecordingValidation(model, tasks, cfg, val);
            // Where patience 0 alone stopped: the first epoch that did not improve.
            int oldStop = -1;
            double oldBest = val.get(0);
            for (int e = 1; e < val.size() && oldStop < 0; e++) {
                if (val.get(e) < oldBest - 1e-9 * Math.abs(oldBest)) {
                    oldBest = val.get(e);
                } else {
                    oldStop = e;
                }
            }
            String ctx = "seed=" + s + " " + r + ", patience 0 alone would stop at epoch " + oldStop + " (best "
                    + oldBest + ")";
            runs.append("\n  ").append(ctx);
            assertEquals(Math.min(cfg.epochs(), 2 * r.bestEpoch() + 1), r.epochsRun(),
                    ctx + ": stops max(patience, best epoch) + 1 epochs after the best, or at the cap");
            assertEquals(val.stream().mapToDouble(Double::doubleValue).min().orElseThrow(), r.bestValidationLoss(),
                    1e-12 * r.bestValidationLoss(), ctx + ": best is the minimum seen");
            if (oldStop > 0 && oldStop < r.bestEpoch() && r.bestValidationLoss() < oldBest * (1 - 1e-3)) {
                stoppedEarly++;
            }
        }
        System.out.println("[Trainer] growing patience: " + stoppedEarly + " of 8 runs went past a stop of patience 0"
                + runs);
        assertTrue(stoppedEarly > 0, "seed=" + seed + ": no run found a clearly better best after an epoch that did "
                + "not improve:" + runs);
    }

    @Test
    void patienceAfterIsTheLargerOfPatienceAndTheBestEpoch() {
        TrainConfig cfg = TrainConfig.defaults(1).withPatience(20);
        assertEquals(20, cfg.patienceAfter(0));
        assertEquals(20, cfg.patienceAfter(19));
        assertEquals(20, cfg.patienceAfter(20));
        assertEquals(41, cfg.patienceAfter(41));
        assertEquals(0, cfg.withPatience(0).patienceAfter(0));
        assertEquals(7, cfg.withPatience(0).patienceAfter(7));
    }

    private static void assertFinite(MtlModel m, String ctx) {
        for (Tensor t : m.parameters()) {
            for (float v : t.value()) {
                assertTrue(Float.isFinite(v), ctx + ": " + t.name() + " holds " + v + " after divergence");
            }
        }
    }

    private static List<PreparedTask> simpleRegression(Random rnd, double xScale) {
        int d = 5;
        int m = 31;
        float[] x = TestData.gaussian(rnd, m * d, xScale);
        float[] y = new float[m];
        for (int a = 0; a < m; a++) {
            y[a] = (float) (x[a * d] / xScale + rnd.nextGaussian() * 0.1);
        }
        return List.of(TestData.regression("reg", x, m, d, y, 1, TestData.range(23), TestData.range(23, m),
                new int[0]));
    }

    @ParameterizedTest
    @EnumSource(TrainConfig.Optimizer.class)
    void hugeLearningRateDivergesAndRestoresFiniteParameters(TrainConfig.Optimizer opt) {
        long seed = TestData.seed();
        List<PreparedTask> tasks = simpleRegression(new Random(seed), 1.0);
        MtlModel m = model(tasks, 3, Activation.IDENTITY, true, seed);
        float[][] before = m.snapshot();
        TrainConfig cfg = new TrainConfig(50, 8, opt, 1e30f, 0.9f, 0f, TrainConfig.Sampling.ROUND_ROBIN, 50,
                seed, false);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new Trainer(be, cfg).train(m, tasks, null), "seed=" + seed);
        System.out.println("[Trainer] lr 1e30 (" + opt + "): " + e.getMessage());
        assertTrue(e.getMessage().contains("diverged"), e.getMessage());
        assertFinite(m, "seed=" + seed + " " + opt);
        // Nothing good happened before the blow-up here, so the restored state is the start.
        for (int i = 0; i < before.length; i++) {
            assertArrayEquals(before[i], m.parameters().get(i).value(), "seed=" + seed);
        }
    }

    /**
     * Inputs of 1e30: the first step's head gradient (about 1e30 x 1e29 summed) overflows float32,
     * Adam's update is Inf / Inf and the next loss NaN. At 1e20 the gradients were about 1e37, finite
     * for some initialisations: Adam's second moment g^2 overflowed to Inf instead, every step was
     * 0 / Inf, and the loss stayed a finite 1e36 for all 50 epochs without a divergence (6 of 30000
     * seeds; seed 40004704014112).
     */
    @Test
    void inputsScaledTo1e30DivergeAndRestoreFiniteParameters() {
        long seed = TestData.seed();
        List<PreparedTask> tasks = simpleRegression(new Random(seed), 1e30);
        MtlModel m = model(tasks, 3, Activation.RELU, true, seed);
        TrainConfig cfg = new TrainConfig(50, 8, TrainConfig.Optimizer.ADAM, 1e-3f, 0.9f, 0f,
                TrainConfig.Sampling.PROPORTIONAL, 50, seed, false);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new Trainer(be, cfg).train(m, tasks, null), "seed=" + seed);
        System.out.println("[Trainer] inputs x1e30: " + e.getMessage());
        assertTrue(e.getMessage().contains("diverged"), e.getMessage());
        assertFinite(m, "seed=" + seed);
    }

    /**
     * Early stopping judges the objective the sampling rule descends: under proportional the
     * tasks' mean validation losses weighted by k m_i / M (training rows), under the other rules
     * summed alike. Summed alike under proportional, 12 shared-input tasks of 84 to 3,000 labelled
     * rows kept their initialisation (best epoch 0). The best loss reported is bitwise
     * Evaluator's with those weights.
     */
    @ParameterizedTest
    @EnumSource(TrainConfig.Sampling.class)
    void earlyStoppingWeighsTasksAsTheSamplingRuleDoes(TrainConfig.Sampling sampling) {
        long seed = TestData.seed();
        List<PreparedTask> tasks = mixedTasks(new Random(seed)); // three tasks of different training row counts
        float[] alpha = {0.5f, 2f, 1f};
        MtlModel m = model(tasks, 2, Activation.RELU, true, seed);
        TrainConfig cfg = new TrainConfig(7, 8, TrainConfig.Optimizer.ADAM, 1e-2f, 0.9f, 0f, sampling, 60,
                seed, false);
        TrainResult r = new Trainer(be, cfg).train(m, tasks, alpha);
        Evaluator ev = new Evaluator(be);
        float[] expect = alpha;
        if (sampling == TrainConfig.Sampling.PROPORTIONAL) {
            int total = 0;
            for (PreparedTask t : tasks) {
                total += t.train().length;
            }
            expect = new float[alpha.length];
            for (int i = 0; i < alpha.length; i++) {
                expect[i] = (float) (alpha[i] * ((double) tasks.size() * tasks.get(i).train().length / total));
            }
        }
        assertArrayEquals(expect, Trainer.validationWeights(alpha, tasks, sampling));
        String ctx = "seed=" + seed + " " + sampling + " " + r;
        assertEquals(ev.weightedLoss(m, tasks, expect, true), r.bestValidationLoss(), 0.0, ctx);
        if (sampling == TrainConfig.Sampling.PROPORTIONAL) {
            assertTrue(Math.abs(ev.weightedLoss(m, tasks, alpha, true) - r.bestValidationLoss())
                    > 1e-6 * r.bestValidationLoss(), ctx + ": the same as summed alike");
        }
    }

    /** Tasks of equal size: proportional's validation weights are the task weights bit for bit. */
    @Test
    void equalSizesKeepTheTaskWeightsUnderProportional() {
        Random rnd = new Random(TestData.seed());
        List<PreparedTask> tasks = simpleRegression(rnd, 1.0);
        List<PreparedTask> equal = List.of(tasks.get(0), tasks.get(0), tasks.get(0));
        float[] alpha = {0.3f, 1.7f, (float) Math.PI};
        assertArrayEquals(alpha, Trainer.validationWeights(alpha, equal, TrainConfig.Sampling.PROPORTIONAL));
        assertArrayEquals(new float[] {1f, 1f, 1f}, Trainer.validationWeights(null, equal,
                TrainConfig.Sampling.PROPORTIONAL));
        assertEquals(null, Trainer.validationWeights(null, equal, TrainConfig.Sampling.ROUND_ROBIN));
    }

    @ParameterizedTest
    @EnumSource(TrainConfig.Sampling.class)
    void everySamplingRuleReducesTheTrainingLoss(TrainConfig.Sampling sampling) {
        long seed = TestData.seed();
        List<PreparedTask> tasks = mixedTasks(new Random(seed));
        MtlModel m = model(tasks, 4, Activation.IDENTITY, true, seed);
        Evaluator ev = new Evaluator(be);
        double before = ev.weightedLoss(m, tasks, null, false);
        double[] beforeTask = new double[tasks.size()];
        for (int i = 0; i < tasks.size(); i++) {
            beforeTask[i] = ev.meanLoss(m, i, tasks.get(i), tasks.get(i).train());
        }
        TrainConfig cfg = new TrainConfig(60, 8, TrainConfig.Optimizer.ADAM, 1e-2f, 0.9f, 0f, sampling, 60,
                seed, false);
        TrainResult r = new Trainer(be, cfg).train(m, tasks, null);
        double after = ev.weightedLoss(m, tasks, null, false);
        StringBuilder ctx = new StringBuilder(String.format("seed=%d %s: train loss %.4f -> %.4f, per task", seed,
                sampling, before, after));
        for (int i = 0; i < tasks.size(); i++) {
            double a = ev.meanLoss(m, i, tasks.get(i), tasks.get(i).train());
            ctx.append(String.format(" %.4f->%.4f", beforeTask[i], a));
            assertTrue(a < 0.9 * beforeTask[i], ctx + ": task " + i + " did not improve");
        }
        System.out.println("[Trainer] " + ctx + " (" + r + ")");
        assertTrue(after < 0.5 * before, ctx.toString());
        assertTrue(r.steps() > 0, ctx.toString());
    }
    /**
     * Without a progress bar, an epoch line comes after the first epoch that ends 30 s or more
     * after the last one (a clock that advances 11 s a read: epochs 3, 6, 9, ...), with the time an
     * epoch takes, the most left at the cap, and the validation losses; never after the last epoch.
     */
    @Test
    void epochLinesSayHowALongTrainingIsGoing() {
        long seed = TestData.seed();
        List<PreparedTask> tasks = mixedTasks(new Random(seed));
        TrainConfig cfg = new TrainConfig(9, 8, TrainConfig.Optimizer.ADAM, 1e-2f, 0.9f, 0f,
                TrainConfig.Sampling.ROUND_ROBIN, 100, seed, false);
        MtlModel m = model(tasks, 2, Activation.RELU, true, seed);
        List<String> lines = new ArrayList<>();
        Trainer tr = new Trainer(be, cfg).logEpochs("MTL", lines::add);
        long[] now = {0};
        tr.clock = () -> now[0] += 11_000_000_000L;
        tr.train(m, tasks, null);
        assertEquals(2, lines.size(), lines.toString());
        // mixedTasks has a task without validation rows: early stopping reads its training rows.
        String loss = "loss on validation rows (training rows for 1 of 3 tasks)";
        assertEquals(loss, Trainer.stoppingLossName(tasks));
        assertTrue(lines.get(0).startsWith("MTL: epoch 3 of at most 9, 11 s an epoch (at most 66 s more); " + loss + " "),
                lines.get(0));
        assertTrue(lines.get(1).startsWith("MTL: epoch 6 of at most 9, 11 s an epoch (at most 33 s more)"), lines.get(1));
        assertTrue(lines.get(1).matches(".*; " + java.util.regex.Pattern.quote(loss)
                + " [0-9.e+-]+, best [0-9.e+-]+ at epoch [0-6]"), lines.get(1));

        // The same training without the sink: bitwise the same model.
        MtlModel quiet = model(tasks, 2, Activation.RELU, true, seed);
        new Trainer(be, cfg).train(quiet, tasks, null);
        assertTrue(sameParameters(m, quiet), "seed=" + seed);
    }

    /** The epoch lines name what early stopping judges when tasks have no validation rows. */
    @Test
    void epochLinesNameTheLossEarlyStoppingJudges() {
        long seed = TestData.seed();
        List<PreparedTask> tasks = mixedTasks(new Random(seed));
        List<PreparedTask> all = new ArrayList<>();
        List<PreparedTask> none = new ArrayList<>();
        for (PreparedTask t : tasks) {
            if (t.validation().length > 0) {
                all.add(t);
            }
            none.add(new PreparedTask(t.name(), t.x(), t.rows(), t.dim(), t.labels(), t.train(), new int[0], t.test()));
        }
        assertEquals("validation loss", Trainer.stoppingLossName(all));
        assertEquals("training loss (no validation rows)", Trainer.stoppingLossName(none));
        List<PreparedTask> some = new ArrayList<>(all);
        some.add(none.get(0));
        assertEquals("loss on validation rows (training rows for 1 of " + some.size() + " tasks)",
                Trainer.stoppingLossName(some));
    }

    @Test
    void durationsReadAsSecondsMinutesOrHours() {
        assertEquals("12 s", Trainer.duration(12.2));
        assertEquals("3.4 min", Trainer.duration(204));
        assertEquals("2.1 h", Trainer.duration(7560));
    }
}
