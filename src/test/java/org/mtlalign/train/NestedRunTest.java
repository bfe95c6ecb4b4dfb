package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.mtlalign.analysis.TestData;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Synthetic;

/**
 * A hook or log sink that starts a run of the experiment it is called from. On a backend with
 * several workers the hook runs on a pool thread, waited for by the run, and MtlExperiment.run is
 * synchronized: the nested run waited for the outer one to end, which waited for the hook, for
 * ever. On one worker the hook runs on the run's own thread, the monitor let it in, and the nested
 * run replaced the outer run's models under it. Both are refused at once.
 */
class NestedRunTest {
    private final long seed = TestData.seed();

    private List<PreparedTask> tasks() {
        return Preparation.prepare(Synthetic.relu(2, 60, 5, 2, 0.1, seed),
                new Preparation.Config(0.2, 0.2, seed, null, Preparation.Standardize.GLOBAL)).tasks();
    }

    private ExperimentConfig cfg() {
        return ExperimentConfig.defaults(1).withTrain(TrainConfig.defaults(seed).withEpochs(2).withProgress(false))
                .withStlBaselines(false);
    }

    @Test
    void aHookThatRunsItsOwnExperimentIsRefusedInsteadOfHanging() {
        List<PreparedTask> tasks = tasks();
        for (int workers : new int[] {1, 3}) {
            for (String where : List.of("epoch", "trained", "log")) {
                try (CpuBackend be = new CpuBackend(workers)) {
                    MtlExperiment exp = new MtlExperiment(be, cfg());
                    AtomicBoolean once = new AtomicBoolean();
                    AtomicReference<RuntimeException> inner = new AtomicReference<>();
                    Runnable nested = () -> {
                        if (!once.getAndSet(true)) {
                            try {
                                exp.run(tasks, null);
                            } catch (RuntimeException e) {
                                inner.set(e);
                                throw e;
                            }
                        }
                    };
                    if (where.equals("epoch")) {
                        exp.onMtlEpoch((m, e) -> nested.run());
                    } else if (where.equals("trained")) {
                        exp.onMtlTrained(m -> nested.run());
                    } else {
                        exp.log(line -> {
                            if (line.startsWith("training MTL (")) {
                                nested.run();
                            }
                        });
                    }
                    String at = where + " hook, " + workers + " worker(s), seed " + seed;
                    IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                            () -> assertThrows(IllegalStateException.class, () -> exp.run(tasks, null), at), at);
                    assertTrue(e.getMessage().contains("inside its own run"), e.getMessage());
                    assertTrue(inner.get() instanceof IllegalStateException, at + ": " + inner.get());
                    // Refused, not broken: the next run (without the hook) works.
                    exp.onMtlEpoch(null).onMtlTrained(null).log(null);
                    assertEquals(2, exp.run(tasks, null).tasks().size(), at);
                }
            }
        }
    }

    @Test
    void aTransferLogSinkThatRunsItsOwnExperimentIsRefusedInsteadOfHanging() {
        List<PreparedTask> tasks = tasks();
        for (int workers : new int[] {1, 3}) {
            try (CpuBackend be = new CpuBackend(workers)) {
                TransferExperiment exp = new TransferExperiment(be, cfg());
                AtomicBoolean once = new AtomicBoolean();
                // The first line comes from the run's own thread, the fine-tunings' ("transfer:
                // fine-tuning ...") from the pool's.
                for (String prefix : List.of("transfer: training the shared", "transfer: fine-tuning")) {
                    once.set(false);
                    exp.log(line -> {
                        if (line.startsWith(prefix) && !once.getAndSet(true)) {
                            exp.run(tasks, 0);
                        }
                    });
                    String at = prefix + ", " + workers + " worker(s), seed " + seed;
                    IllegalStateException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                            () -> assertThrows(IllegalStateException.class, () -> exp.run(tasks, 0), at), at);
                    assertTrue(e.getMessage().contains("inside its own run"), e.getMessage());
                }
            }
        }
    }
}
