package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
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
 * Transfer mode: the shared module stays frozen bitwise, both fine-tuning variants start from
 * a zero head (the same function; logistic loss ln 2 on every row), training lowers the
 * validation loss below that start, and the epoch-cap flag says exactly whether the budget,
 * not early stopping, ended a run. The source and target are two halves of the digits task
 * 0-vs-1, so the frozen features are informative for the target whatever the seed.
 */
class TransferExperimentTest {
    private static final double LN2 = Math.log(2);

    private static List<PreparedTask> halves(long seed) {
        Task t = Digits.pairs().tasks().get(0);
        int d = t.dim();
        int half = t.rows() / 2;
        Task a = new Task("first", Arrays.copyOfRange(t.x(), 0, half * d), half, d,
                Arrays.copyOfRange(t.y(), 0, half), 1, true, "test");
        int rest = t.rows() - half;
        Task b = new Task("second", Arrays.copyOfRange(t.x(), half * d, t.rows() * d), rest, d,
                Arrays.copyOfRange(t.y(), half, t.rows()), 1, true, "test");
        return Preparation.prepare(new TaskSuite("halves", List.of(a, b), false),
                new Preparation.Config(0.2, 0.2, seed, null, Preparation.Standardize.GLOBAL)).tasks();
    }

    private static ExperimentConfig config(long seed, int epochs) {
        return new ExperimentConfig(2, Activation.RELU, true,
                TrainConfig.defaults(seed).withEpochs(epochs).withPatience(10).withBatchSize(32),
                ExperimentConfig.AlignMode.NONE, null, 0, 0.99, false);
    }

    @Test
    void sharedModuleStaysFrozenAndZeroHeadsTrainBelowTheirStart() {
        long seed = System.nanoTime();
        String at = " (seed " + seed + ")";
        TransferExperiment e = new TransferExperiment(new CpuBackend(), config(seed, 60));
        TransferExperiment.Report r = e.run(halves(seed), 1);
        MtlModel src = e.sourceModel();
        for (MtlModel m : List.of(e.fineTuneModel(), e.alignedModel())) {
            assertArrayEquals(src.shared().value(), m.shared().value(), "B frozen bitwise" + at);
            assertArrayEquals(src.sharedBias().value(), m.sharedBias().value(), "shared bias frozen bitwise" + at);
            assertFalse(m.shared().trainable(), at);
        }
        // A zero head (and head bias) outputs 0 for every row: mean logistic loss ln 2, whatever
        // the features; the old random start (the source head's initial values) does not.
        for (TransferExperiment.Training t : List.of(r.fineTuneTraining(), r.alignedTraining())) {
            assertEquals(LN2, t.startValidationLoss(), 1e-6, "zero head at the start" + at);
            assertTrue(t.bestValidationLoss() < t.startValidationLoss(), "training lowered the validation loss: "
                    + t + at);
            assertTrue(t.bestEpoch() > 0, t + at);
        }
        assertTrue(anyNonZero(e.fineTuneModel().headWeight(0).value()), "the head trained" + at);
        float[] rAligned = e.alignedModel().alignment(0).value();
        int d = e.alignedModel().inputDim();
        boolean moved = false;
        for (int i = 0; i < d && !moved; i++) {
            for (int j = 0; j < d; j++) {
                moved |= rAligned[i * d + j] != (i == j ? 1f : 0f);
            }
        }
        assertTrue(moved, "R trained away from I" + at);
        assertEquals(60, r.epochCap());
        assertEquals(10, r.patience());
        for (double v : new double[] {r.stl(), r.fineTune(), r.fineTuneAligned()}) {
            assertTrue(v >= 0 && v <= 1, r + at);
        }
    }

    /**
     * A divergence names the training it happened in: the message named only a task (often a
     * source's), not whether the source model, the target's STL or a fine-tuning diverged.
     */
    @Test
    void aDivergenceNamesItsTraining() {
        long seed = System.nanoTime();
        List<PreparedTask> tasks = halves(seed);
        ExperimentConfig cfg = config(seed, 3);
        ExperimentConfig wild = cfg.withTrain(cfg.train().withSgd(1e30f, 0.9f));
        TrainingDivergedException src = assertThrows(TrainingDivergedException.class,
                () -> new TransferExperiment(new CpuBackend(), wild).run(tasks, 1));
        assertTrue(src.getMessage().startsWith("source MTL: training diverged"), src.getMessage() + " (seed " + seed + ")");
        // A sane source, a target side that diverges: the lowest-index training that failed is named.
        TrainingDivergedException target = assertThrows(TrainingDivergedException.class,
                () -> new TransferExperiment(new CpuBackend(), wild).sourceTraining(cfg.train()).run(tasks, 1));
        assertTrue(target.getMessage().matches("(STL second|fine-tune on 'second'|fine-tune\\+align on 'second'): "
                + "training diverged.*"), target.getMessage() + " (seed " + seed + ")");
    }

    @Test
    void aOneEpochBudgetIsReportedAsTheCap() {
        long seed = System.nanoTime();
        TransferExperiment.Report r = new TransferExperiment(new CpuBackend(), config(seed, 1)).run(halves(seed), 1);
        assertTrue(r.stlTraining().hitEpochCap() && r.fineTuneTraining().hitEpochCap()
                && r.alignedTraining().hitEpochCap() && r.anyHitEpochCap(), r + " (seed " + seed + ")");
        assertEquals(1, r.fineTuneTraining().epochs());
    }

    @Test
    void sourceTrainingBudgetTrainsTheSourceModelOnly() {
        long seed = System.nanoTime();
        List<PreparedTask> tasks = halves(seed);
        ExperimentConfig cfg = config(seed, 20);
        TrainConfig source = cfg.train().withEpochs(3).withPatience(0);
        TransferExperiment e = new TransferExperiment(new CpuBackend(), cfg).sourceTraining(source);
        TransferExperiment.Report r = e.run(tasks, 1);
        // The same source model, trained by hand under the source budget, bit for bit.
        List<PreparedTask> src = List.of(tasks.get(0));
        MtlModel expected = new MtlExperiment(new CpuBackend(), cfg).newModel(src);
        new Trainer(new CpuBackend(), source).train(expected, src, null);
        assertArrayEquals(expected.shared().value(), e.sourceModel().shared().value(), "seed " + seed);
        assertEquals(20, r.epochCap(), "the target side keeps the configuration's budget");
        // How the source model ended is reported, under its own budget: 3 epochs, patience 0.
        TransferExperiment.Training st = r.sourceTraining();
        TrainResult byHand = new Trainer(new CpuBackend(), source).train(
                new MtlExperiment(new CpuBackend(), cfg).newModel(src), src, null);
        assertEquals(byHand.epochsRun(), st.epochs(), "seed " + seed);
        assertEquals(byHand.bestEpoch(), st.bestEpoch(), "seed " + seed);
        assertEquals(TransferExperiment.hitEpochCap(byHand, source), st.hitEpochCap(), "seed " + seed);
        // Its best validation loss is the kept B's (the best epoch's parameters are restored).
        Evaluator ev = new Evaluator(new CpuBackend());
        assertEquals(ev.weightedLoss(e.sourceModel(), src, null, true), st.bestValidationLoss(), 1e-6,
                "seed " + seed);
        assertEquals(ev.weightedLoss(new MtlExperiment(new CpuBackend(), cfg).newModel(src), src, null, true),
                st.startValidationLoss(), 1e-12, "seed " + seed);
    }

    @Test
    void epochCapFlagSeparatesTheCapFromEarlyStopping() {
        TrainConfig tc = TrainConfig.defaults(1).withEpochs(100).withPatience(20);
        // Ran all 100 epochs, last improvement at 80: patience not exhausted, the cap ended it.
        assertTrue(TransferExperiment.hitEpochCap(new TrainResult(100, 80, 0.1, 0.1, 1), tc));
        // Best at 50: the rule waits max(20, 50) epochs, so only the cap could end it at 100.
        assertTrue(TransferExperiment.hitEpochCap(new TrainResult(100, 50, 0.1, 0.1, 1), tc));
        // Best at 49: the rule stops it by epoch 100 (100 - 49 > max(20, 49)).
        assertFalse(TransferExperiment.hitEpochCap(new TrainResult(100, 49, 0.1, 0.1, 1), tc));
        // A run whose best came early waits the plain patience: best 10 stops at 31, not the cap.
        assertFalse(TransferExperiment.hitEpochCap(new TrainResult(31, 10, 0.1, 0.1, 1), tc));
        // Stopped before the cap.
        assertFalse(TransferExperiment.hitEpochCap(new TrainResult(45, 24, 0.1, 0.1, 1), tc));
    }

    @Test
    void parallelTrainingsGiveTheSequentialResults() {
        long seed = System.nanoTime();
        List<PreparedTask> tasks = halves(seed);
        TransferExperiment.Report seq;
        TransferExperiment.Report par;
        try (CpuBackend one = new CpuBackend(1)) {
            seq = new TransferExperiment(one, config(seed, 15)).run(tasks, 1);
        }
        try (CpuBackend three = new CpuBackend(3)) {
            par = new TransferExperiment(three, config(seed, 15)).run(tasks, 1);
        }
        assertEquals(seq, par, "seed " + seed);
    }

    private static boolean anyNonZero(float[] a) {
        for (float v : a) {
            if (v != 0f) {
                return true;
            }
        }
        return false;
    }
}
