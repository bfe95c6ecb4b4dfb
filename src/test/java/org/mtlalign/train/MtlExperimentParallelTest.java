package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtlalign.analysis.Capacity;
import org.mtlalign.analysis.SvdReweighting;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Synthetic;
import org.mtlalign.model.Activation;

/**
 * MtlExperiment runs its independent trainings in parallel on a backend with several workers;
 * the results must be exactly those of the sequential run (every training is seeded from the
 * configuration, and the CPU backend's results do not depend on its worker count).
 */
class MtlExperimentParallelTest {

    @Test
    void parallelTrainingsGiveTheSequentialResults() {
        long seed = System.nanoTime();
        List<PreparedTask> tasks = Preparation.prepare(Synthetic.relu(4, 90, 9, 3, 0.1, seed),
                new Preparation.Config(0.2, 0.2, seed, null, Preparation.Standardize.GLOBAL)).tasks();
        ExperimentConfig cfg = new ExperimentConfig(2, Activation.RELU, true,
                TrainConfig.defaults(seed).withEpochs(8).withBatchSize(16).withProgress(false),
                ExperimentConfig.AlignMode.FIXED_B, SvdReweighting.Variant.NORMALIZED, 0, 0.99, true);
        ExperimentResult seq;
        ExperimentResult par;
        try (CpuBackend one = new CpuBackend(1)) {
            seq = new MtlExperiment(one, cfg).run(tasks, null);
        }
        try (CpuBackend three = new CpuBackend(3)) {
            par = new MtlExperiment(three, cfg).run(tasks, null);
        }
        String at = " (seed " + seed + ")";
        assertEquals(seq.tasks().size(), par.tasks().size(), at);
        for (int i = 0; i < seq.tasks().size(); i++) {
            TaskReport a = seq.tasks().get(i);
            TaskReport b = par.tasks().get(i);
            assertTrue(Double.isFinite(a.stl()) && Double.isFinite(a.mtl()) && Double.isFinite(a.mtlAlign())
                    && Double.isFinite(a.mtlReweight()), "every method ran: " + a + at);
            assertEquals(a, b, "task " + i + at);
        }
        for (int i = 0; i < seq.similarity().length; i++) {
            assertArrayEquals(seq.similarity()[i], par.similarity()[i], "similarity row " + i + at);
            assertArrayEquals(seq.similarityAligned()[i], par.similarityAligned()[i], "aligned row " + i + at);
        }
        // The capacity runs beside the trainings now: the bits of computing it on its own, before them.
        org.mtlalign.data.TrainingRows tr = org.mtlalign.data.TrainingRows.of(tasks);
        Capacity.Suggestion own;
        try (CpuBackend two = new CpuBackend(2)) {
            own = new Capacity(two).suggest(tr.xs(), tr.rows(), tr.dim(), tr.ys(), tr.cols(), 1e-3, 0.9);
        }
        for (ExperimentResult r : List.of(seq, par)) {
            Capacity.Suggestion c = r.capacity();
            assertEquals(own.suggestedRank(), c.suggestedRank(), at);
            assertEquals(own.energyRank(), c.energyRank(), at);
            assertEquals(own.weak(), c.weak(), at);
            assertArrayEquals(own.singularValues(), c.singularValues(), at);
            assertArrayEquals(own.validationError(), c.validationError(), at);
            assertEquals(own.bestRank(), c.bestRank(), at);
            assertEquals(own.standardError(), c.standardError(), at);
            assertEquals(own.widestAsGood(), c.widestAsGood(), at);
        }
    }

    /**
     * Two threads' runs on one experiment shared its model fields: the first run's alignment phase
     * continued the model the second run had just made, and one of the two reported numbers that
     * were not its tasks' (3 of 5 tries, in a library trial). They now take turns, each with the
     * results of a run of its own. The first run waits in its hook until the second has been
     * started, so that the two overlap in every try.
     */
    @Test
    void runsOfOneExperimentFromTwoThreadsGiveTheirOwnResults() throws Exception {
        long seed = System.nanoTime();
        List<PreparedTask> first = Preparation.prepare(Synthetic.relu(2, 70, 5, 2, 0.1, seed),
                new Preparation.Config(0.2, 0.2, seed, null, Preparation.Standardize.GLOBAL)).tasks();
        List<PreparedTask> second = Preparation.prepare(Synthetic.relu(3, 60, 5, 2, 0.1, seed + 1),
                new Preparation.Config(0.2, 0.2, seed, null, Preparation.Standardize.GLOBAL)).tasks();
        ExperimentConfig cfg = new ExperimentConfig(2, Activation.RELU, true,
                TrainConfig.defaults(seed).withEpochs(5).withBatchSize(16).withProgress(false),
                ExperimentConfig.AlignMode.FIXED_B, SvdReweighting.Variant.NORMALIZED, 0, 0.99, false);
        try (CpuBackend be = new CpuBackend(2)) {
            List<TaskReport> alone1 = new MtlExperiment(be, cfg).run(first, null).tasks();
            List<TaskReport> alone2 = new MtlExperiment(be, cfg).run(second, null).tasks();
            java.util.concurrent.CountDownLatch secondStarted = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean waited = new java.util.concurrent.atomic.AtomicBoolean();
            MtlExperiment shared = new MtlExperiment(be, cfg).onMtlTrained(m -> {
                if (waited.compareAndSet(false, true)) {
                    try {
                        secondStarted.await(10, java.util.concurrent.TimeUnit.SECONDS);
                        Thread.sleep(300);  // time for the second run to make its model, were it not waiting
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                java.util.concurrent.Future<List<TaskReport>> one = pool.submit(() -> shared.run(first, null).tasks());
                while (!waited.get()) {
                    Thread.sleep(1);
                }
                java.util.concurrent.Future<List<TaskReport>> two = pool.submit(() -> {
                    secondStarted.countDown();
                    return shared.run(second, null).tasks();
                });
                String at = " (seed " + seed + ")";
                assertEquals(alone1, one.get(60, java.util.concurrent.TimeUnit.SECONDS), "first run" + at);
                assertEquals(alone2, two.get(60, java.util.concurrent.TimeUnit.SECONDS), "second run" + at);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
