package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
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
 * Transfer mode restarts its source model and its target's STL baseline when they fail at their
 * start, as mtl train does; a healthy run is trained exactly as before, bit for bit.
 */
class TransferFailedStartTest {
    private final CpuBackend backend = new CpuBackend();

    /** Two binary tasks on unstandardised inputs far from 0 (as raw pixels): many ReLU starts are dead. */
    private static List<PreparedTask> offsetTasks(Random rnd, int d) {
        List<Task> tasks = new ArrayList<>();
        for (String name : List.of("source", "target")) {
            tasks.add(FailedStartTest.offsetBinaryTask(rnd, 200 + rnd.nextInt(101), d, name));
        }
        return Preparation.prepare(new TaskSuite("offset", tasks, false),
                new Preparation.Config(0.2, 0.2, rnd.nextLong(), null, Preparation.Standardize.NONE)).tasks();
    }

    private static ExperimentConfig config(int r, long seed, int epochs) {
        return new ExperimentConfig(r, Activation.RELU, true, TrainConfig.defaults(seed).withEpochs(epochs),
                ExperimentConfig.AlignMode.NONE, null, 0, 0.99, false);
    }

    @Test
    void aTargetBaselineDeadAtItsStartIsTrainedAgain() {
        long seed = System.nanoTime();
        String at = " (seed " + seed + ")";
        Random rnd = new Random(seed);
        List<PreparedTask> tasks = offsetTasks(rnd, 5 + rnd.nextInt(4));
        List<PreparedTask> target = List.of(tasks.get(1));
        // The first configuration seed whose STL start on the target has its one unit dead on every training row.
        long s = rnd.nextInt(1000);
        MtlExperiment helper = null;
        for (int tries = 0; tries < 300; tries++, s++) {
            MtlExperiment h = new MtlExperiment(backend, config(1, s, 40));
            if (h.deadUnits(h.newModel(target), target) == 1) {
                helper = h;
                break;
            }
        }
        assertNotNull(helper, "no dead start found" + at);
        List<String> log = new ArrayList<>();
        TransferExperiment e = new TransferExperiment(backend, config(1, s, 40)).log(log::add);
        TransferExperiment.Report r = e.run(tasks, 1);
        TransferExperiment.Training stl = r.stlTraining();
        assertTrue(stl.restarts() >= 1, stl + at);
        assertEquals("its ReLU unit outputs 0 on every training row at its start", stl.restartReason(), at);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("STL target: its ReLU unit outputs 0")), log + at);
        if (stl.restartKept()) {
            assertEquals(0, helper.deadUnits(e.stlModel(), target), "the kept restart is alive" + at);
        }
        // The fine-tuning runs are never restarted.
        for (TransferExperiment.Training t : List.of(r.fineTuneTraining(), r.alignedTraining())) {
            assertEquals(0, t.restarts(), at);
            assertNull(t.restartReason(), at);
        }
    }

    @Test
    void aHealthyRunIsTrainedAsBeforeBitForBit() {
        long seed = System.nanoTime();
        String at = " (seed " + seed + ")";
        Task t = Digits.pairs().tasks().get(0);
        Task u = Digits.pairs().tasks().get(1);
        List<PreparedTask> tasks = Preparation.prepare(new TaskSuite("two", List.of(t, u), false),
                new Preparation.Config(0.2, 0.2, seed, null, Preparation.Standardize.GLOBAL)).tasks();
        int healthy = 0;
        for (long s = seed; s < seed + 3; s++) {
            ExperimentConfig cfg = config(2 + (int) Math.floorMod(s, 2L), s, 15 + (int) Math.floorMod(s, 7L));
            TransferExperiment e = new TransferExperiment(backend, cfg);
            TransferExperiment.Report r = e.run(tasks, 1);
            if (r.sourceTraining().restarts() > 0 || r.stlTraining().restarts() > 0) {
                continue;
            }
            healthy++;
            // The training as transfer mode ran it before restarts existed: new model, start loss, train.
            MtlExperiment h = new MtlExperiment(backend, cfg);
            List<PreparedTask> sources = List.of(tasks.get(0));
            List<PreparedTask> one = List.of(tasks.get(1));
            MtlModel src = h.newModel(sources);
            MtlModel stl = h.newModel(one);
            Evaluator ev = new Evaluator(backend);
            double start = ev.weightedLoss(stl, one, Trainer.validationWeights(null, one, cfg.train().sampling()), true);
            TrainResult sr = new Trainer(backend, cfg.train()).train(src, sources, null);
            TrainResult tr = new Trainer(backend, cfg.train()).train(stl, one, null);
            assertArrayEquals(src.shared().value(), e.sourceModel().shared().value(), at);
            assertArrayEquals(stl.shared().value(), e.stlModel().shared().value(), at);
            assertArrayEquals(stl.headWeight(0).value(), e.stlModel().headWeight(0).value(), at);
            assertEquals(Double.doubleToLongBits(start), Double.doubleToLongBits(r.stlTraining().startValidationLoss()), at);
            assertEquals(Double.doubleToLongBits(tr.bestValidationLoss()),
                    Double.doubleToLongBits(r.stlTraining().bestValidationLoss()), at);
            assertEquals(Double.doubleToLongBits(sr.bestValidationLoss()),
                    Double.doubleToLongBits(r.sourceTraining().bestValidationLoss()), at);
            assertEquals(sr.epochsRun(), r.sourceTraining().epochs(), at);
            assertEquals(tr.epochsRun(), r.stlTraining().epochs(), at);
        }
        assertTrue(healthy > 0, "no healthy run among 3" + at);
    }
}
