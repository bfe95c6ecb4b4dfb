package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Digits;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Activation;
import org.mtlalign.model.MtlModel;

/**
 * A training that fails at its start (ReLU units dead on every training row, or nothing learned)
 * is trained again from another initialisation; a healthy one is trained exactly as before.
 */
class FailedStartTest {
    private final CpuBackend backend = new CpuBackend();

    /**
     * A binary task whose inputs sit far from 0 on one side (unstandardised counts, as raw
     * pixels): a ReLU unit's X B + b then has about one sign on every row, so about half the
     * initialisations leave it dead on all of them.
     */
    private static List<PreparedTask> offsetTask(Random rnd, int m, int d) {
        return offsetTask(rnd, m, d, "offset");
    }

    private static List<PreparedTask> offsetTask(Random rnd, int m, int d, String name) {
        Task t = offsetBinaryTask(rnd, m, d, name);
        return Preparation.prepare(new TaskSuite("offset", List.of(t), false),
                new Preparation.Config(0.2, 0.2, rnd.nextLong(), null, Preparation.Standardize.NONE)).tasks();
    }

    /** The binary task of {@link #offsetTask}, unprepared: inputs 8 + N(0, 1), labels from a random linear signal. */
    static Task offsetBinaryTask(Random rnd, int m, int d, String name) {
        float[] x = new float[m * d];
        float[] y = new float[m];
        double[] w = new double[d];
        for (int j = 0; j < d; j++) {
            w[j] = rnd.nextGaussian();
        }
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                double z = rnd.nextGaussian();
                x[i * d + j] = (float) (8 + z);
                s += w[j] * z;
            }
            y[i] = s > 0 ? 1f : 0f;
        }
        return new Task(name, x, m, d, y, 1, true, "test");
    }

    /** Every parameter of {@code got} equals {@code want}'s, bit for bit. */
    private static void assertSameParameters(MtlModel want, MtlModel got, String what, String at) {
        float[][] a = want.snapshot();
        float[][] b = got.snapshot();
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], what + i + at);
        }
    }

    private static ExperimentConfig config(int r, long seed, int epochs) {
        return new ExperimentConfig(r, Activation.RELU, true, TrainConfig.defaults(seed).withEpochs(epochs),
                ExperimentConfig.AlignMode.NONE, null, 0, 0.99, false);
    }

    @Test
    void aStartWithEveryUnitDeadOnTheRowsIsTrainedAgainAndLearns() {
        long seed = System.nanoTime();
        String at = " (seed " + seed + ")";
        Random rnd = new Random(seed);
        List<PreparedTask> tasks = offsetTask(rnd, 300 + rnd.nextInt(101), 5 + rnd.nextInt(4));
        Evaluator ev = new Evaluator(backend);
        // The first initialisation seed whose start has its one unit dead on every training row,
        // and whose first restart, trained as it is, learns (on such inputs many starts that are
        // alive die in training too: the mean input dominates B's gradient).
        MtlExperiment exp = null;
        MtlModel restart = null;
        TrainResult restartResult = null;
        long s = rnd.nextInt(1000);
        for (int tries = 0; tries < 300 && exp == null; tries++, s++) {
            MtlExperiment e = new MtlExperiment(backend, config(1, s, 60));
            if (e.deadUnits(e.newModel(tasks), tasks) == 1) {
                MtlModel m = e.newModel(tasks, MtlExperiment.restartSeed(s, 1));
                TrainResult tr = new Trainer(backend, TrainConfig.defaults(s).withEpochs(60)).train(m, tasks, null);
                if (e.deadUnits(m, tasks) == 0 && !e.learnedNothing(ev, m, 0, tasks.get(0))) {
                    exp = e;
                    restart = m;
                    restartResult = tr;
                }
            }
        }
        assertTrue(exp != null, "a dead start with a restart that learns among 300 seeds" + at);
        long initSeed = s - 1;
        // Without a restart: no gradient reaches B or b, and the model learns nothing from the inputs.
        MtlModel plain = exp.newModel(tasks);
        new Trainer(backend, TrainConfig.defaults(initSeed).withEpochs(60)).train(plain, tasks, null);
        assertEquals(1, exp.deadUnits(plain, tasks), at);
        assertTrue(exp.learnedNothing(ev, plain, 0, tasks.get(0)), "the dead start learned nothing" + at);

        MtlExperiment.Fresh f = exp.trainFresh(exp.newModel(tasks), tasks, null, "STL offset",
                m -> new Trainer(backend, TrainConfig.defaults(initSeed).withEpochs(60)));
        assertEquals(1, f.restarts(), f + at);
        assertTrue(f.restartKept(), f + at);
        assertEquals("its ReLU unit outputs 0 on every training row at its start", f.restartReason(), at);
        assertEquals(restartResult, f.result(), at);
        assertSameParameters(restart, f.model(), "the first restart's model, parameter ", at);
    }

    /**
     * mtl train's MTL model is restarted as its baselines are: the model it returns (and saves, and
     * hands to the checkpoint hook) is the restart's, and the trainings say so.
     */
    @Test
    void theMtlModelOfAnExperimentIsRestartedToo() {
        long seed = System.nanoTime();
        String at = " (seed " + seed + ")";
        Random rnd = new Random(seed);
        int d = 5 + rnd.nextInt(4);
        List<PreparedTask> a = offsetTask(rnd, 250 + rnd.nextInt(101), d);
        List<PreparedTask> b = offsetTask(rnd, 250 + rnd.nextInt(101), d, "offset2");
        List<PreparedTask> tasks = List.of(a.get(0), b.get(0));
        Evaluator ev = new Evaluator(backend);
        ExperimentConfig cfg = null;
        MtlModel restart = null;
        long s = rnd.nextInt(1000);
        for (int tries = 0; tries < 300 && cfg == null; tries++, s++) {
            ExperimentConfig c = config(1, s, 60);
            MtlExperiment e = new MtlExperiment(backend, c);
            if (e.deadUnits(e.newModel(tasks), tasks) == 1) {
                MtlModel m = e.newModel(tasks, MtlExperiment.restartSeed(s, 1));
                new Trainer(backend, c.train()).train(m, tasks, null);
                if (e.deadUnits(m, tasks) == 0 && !e.learnedNothing(ev, m, 0, tasks.get(0))) {
                    cfg = c;
                    restart = m;
                }
            }
        }
        assertTrue(cfg != null, "a dead start with a restart that learns among 300 seeds" + at);
        MtlModel[] hooked = new MtlModel[1];
        MtlExperiment exp = new MtlExperiment(backend, cfg).onMtlEpoch((m, e) -> hooked[0] = m);
        ExperimentResult res = exp.run(tasks, null);
        ExperimentResult.Training mtl = res.trainings().get(0);
        assertEquals("MTL", mtl.run());
        assertEquals(1, mtl.restarts(), mtl + at);
        assertTrue(mtl.restartKept(), mtl + at);
        assertEquals("its ReLU unit outputs 0 on every training row at its start", mtl.restartReason(), at);
        assertTrue(hooked[0] == exp.mtlModel(), "the checkpoint hook saw the kept model" + at);
        assertArrayEquals(restart.shared().value(), exp.mtlModel().shared().value(), at);
        assertArrayEquals(restart.headWeight(1).value(), exp.mtlModel().headWeight(1).value(), at);
    }

    /** A healthy start: no restart, and the model and result are bitwise those of training it directly. */
    @Test
    void aHealthyStartIsTrainedExactlyAsWithoutTheCheck() {
        long seed = System.nanoTime();
        String at = " (seed " + seed + ")";
        Random rnd = new Random(seed);
        List<PreparedTask> tasks = Preparation.prepare(Digits.pairs(),
                new Preparation.Config(0.2, 0.2, rnd.nextInt(1000), null, Preparation.Standardize.GLOBAL)).tasks()
                .subList(0, 2 + rnd.nextInt(2));
        int r = 3 + rnd.nextInt(3);
        ExperimentConfig cfg = config(r, rnd.nextInt(1000), 15 + rnd.nextInt(10));
        MtlExperiment exp = new MtlExperiment(backend, cfg);
        MtlModel direct = exp.newModel(tasks);
        TrainResult expected = new Trainer(backend, cfg.train()).train(direct, tasks, null);
        MtlExperiment.Fresh f = exp.trainFresh(exp.newModel(tasks), tasks, null, "MTL",
                m -> new Trainer(backend, cfg.train()));
        assertEquals(0, f.restarts(), f.restartReason() + at);
        assertNull(f.restartReason(), at);
        assertFalse(f.restartKept(), at);
        assertEquals(expected, f.result(), at);
        assertSameParameters(direct, f.model(), "parameter ", at);
    }

    /** A run that the cap ended counts as stalled once --patience epochs passed without a gain. */
    @Test
    void aRunAtTheCapIsStalledAfterPatienceEpochsWithoutAGain() {
        TrainConfig c = TrainConfig.defaults(1).withEpochs(200).withPatience(20);
        assertTrue(MtlExperiment.stalled(new TrainResult(57, 30, 1, 1, 1), c), "early stopping ended it");
        assertTrue(MtlExperiment.stalled(new TrainResult(200, 153, 1, 1, 1), c), "47 epochs past its best");
        assertTrue(MtlExperiment.stalled(new TrainResult(200, 180, 1, 1, 1), c), "20 epochs past its best");
        assertFalse(MtlExperiment.stalled(new TrainResult(200, 181, 1, 1, 1), c), "still gaining");
        assertFalse(MtlExperiment.stalled(new TrainResult(4, 3, 1, 1, 1), c.withEpochs(4)), "short of epochs");
        TrainConfig none = c.withPatience(0);
        assertFalse(MtlExperiment.stalled(new TrainResult(200, 200, 1, 1, 1), none), "--patience 0, best at the end");
        assertTrue(MtlExperiment.stalled(new TrainResult(200, 199, 1, 1, 1), none), "--patience 0, one epoch past");
    }

    /**
     * Three one-input binary tasks (d = 1, as a user's single score per row): some starts turn the
     * unit off and the summed validation loss creeps down at 3 ln 2 until late (best epoch 153 of
     * 200 in the case found), so the run ends at the cap: it learned nothing and was not
     * restarted, since only runs that early stopping ended were judged. Such a start is now trained
     * again.
     */
    @Test
    void aRunThatLearnedNothingAndEndedAtTheCapIsTrainedAgain() {
        long seed = System.nanoTime();
        String at = " (seed " + seed + ")";
        Random rnd = new Random(seed);
        List<Task> raw = new java.util.ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int m = 151 + 10 * t + rnd.nextInt(5);
            float[] x = new float[m];
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                x[i] = (float) rnd.nextGaussian();
                y[i] = x[i] * (1 + t) + 0.5 * rnd.nextGaussian() > 0 ? 1f : 0f;
            }
            raw.add(new Task("t" + t, x, m, 1, y, 1, true, "test"));
        }
        List<PreparedTask> tasks = Preparation.prepare(new TaskSuite("d1", raw, false),
                new Preparation.Config(0.2, 0.2, rnd.nextLong(), null, Preparation.Standardize.GLOBAL)).tasks();
        Evaluator ev = new Evaluator(backend);
        int epochs = 120;
        // The first initialisation seed whose training ends at the cap, stalled, having learned nothing
        // with its unit turned off (alive on some rows: not dead, which was restarted before).
        Long found = null;
        for (long s = rnd.nextInt(1000), tries = 0; tries < 400 && found == null; tries++, s++) {
            ExperimentConfig cfg = config(1, s, epochs);
            MtlExperiment e = new MtlExperiment(backend, cfg);
            MtlModel m = e.newModel(tasks);
            TrainResult r = new Trainer(backend, cfg.train()).train(m, tasks, null);
            if (r.epochsRun() == epochs && MtlExperiment.stalled(r, cfg.train()) && e.deadUnits(m, tasks) == 0
                    && e.aliveShares(m, tasks)[0] < MtlExperiment.TURNED_OFF
                    && e.learnedNothing(ev, m, 0, tasks.get(0)) && e.learnedNothing(ev, m, 1, tasks.get(1))
                    && e.learnedNothing(ev, m, 2, tasks.get(2))) {
                found = s;
            }
        }
        assertTrue(found != null, "a start among 400 seeds that ended so" + at);
        ExperimentConfig cfg = config(1, found, epochs);
        MtlExperiment exp = new MtlExperiment(backend, cfg);
        MtlExperiment.Fresh f = exp.trainFresh(exp.newModel(tasks), tasks, null, "MTL",
                m -> new Trainer(backend, cfg.train()));
        assertTrue(f.restarts() >= 1, f + at);
        assertTrue(f.restartReason().startsWith("no task learned anything"), f.restartReason() + at);
    }

    /**
     * Coin-flip labels: the training learns nothing from any start (by the 1% rule it often
     * passes by chance on the validation rows), its unit stays alive, and it is not restarted: a
     * restart would only pick a start that passes by chance. Its results are those of training
     * it directly.
     */
    @Test
    void aTaskWithoutSignalIsNotRestarted() {
        long seed = System.nanoTime();
        String at = " (seed " + seed + ")";
        Random rnd = new Random(seed);
        int m = 150 + rnd.nextInt(151);
        int d = 7 + rnd.nextInt(6);
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < m; i++) {
            y[i] = rnd.nextBoolean() ? 1f : 0f;
        }
        List<PreparedTask> tasks = Preparation.prepare(new TaskSuite("coins", List.of(new Task("coins", x, m, d, y, 1,
                true, "test")), false), new Preparation.Config(0.2, 0.2, rnd.nextLong(), null,
                        Preparation.Standardize.GLOBAL)).tasks();
        ExperimentConfig cfg = config(1, rnd.nextInt(1000), 200);
        MtlExperiment exp = new MtlExperiment(backend, cfg);
        MtlModel direct = exp.newModel(tasks);
        TrainResult expected = new Trainer(backend, cfg.train()).train(direct, tasks, null);
        MtlExperiment.Fresh f = exp.trainFresh(exp.newModel(tasks), tasks, null, "STL coins",
                model -> new Trainer(backend, cfg.train()));
        assertEquals(0, f.restarts(), f.restartReason() + " " + java.util.Arrays.toString(exp.aliveShares(direct, tasks))
                + at);
        assertEquals(expected, f.result(), at);
        assertArrayEquals(direct.shared().value(), f.model().shared().value(), at);
    }

    /**
     * The documented case: on digits-pairs (seed 1, r = 1, ReLU) the STL baseline of 2-vs-3 turned
     * its single unit off within a few epochs and ended at its class rate's loss (test AUC 0.498);
     * mtl pairs then read +0.15 of 'transfer' from every partner. It is now trained again, and the
     * other baseline of that seed is untouched.
     */
    @Test
    void theDigitsBaselineThatLearnedNothingIsTrainedAgain() {
        List<PreparedTask> tasks = Preparation.prepare(Digits.pairs(),
                new Preparation.Config(0.2, 0.2, 1, null, Preparation.Standardize.GLOBAL)).tasks();
        ExperimentConfig cfg = new ExperimentConfig(1, Activation.RELU, true, TrainConfig.defaults(1),
                ExperimentConfig.AlignMode.NONE, null, 0, 0.99, true);
        boolean[] targets = {false, true, false, false, false};
        PairwiseTransfer.Result res = new PairwiseTransfer(backend, cfg).run(tasks, targets, null);
        PairwiseTransfer.Run stl = res.stl()[1];
        assertEquals(1, stl.restarts(), stl.toString());
        assertTrue(stl.restartKept());
        assertEquals("learned nothing (validation loss not 1% below the constant prediction's), a ReLU unit turned off "
                + "(alive on 7.9% of the training rows)", stl.restartReason());
        assertFalse(stl.noBetterThanPrior(0));
        assertTrue(res.stlMetric(1) > 0.95, "STL AUC " + res.stlMetric(1));
        for (int j : new int[] {0, 2, 3, 4}) {
            assertEquals(0, res.pairs()[1][j].restarts(), "pair 2-vs-3 + " + j);
        }
    }
}
