package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtlalign.analysis.TestData;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.train.TrainConfig;

/**
 * Tasks whose training rows differ a hundredfold or more are warned about under round-robin
 * sampling (the small task is revisited that many times per pass over the large one, and its mean
 * validation loss counts as much in early stopping), with the remedy; not under the other rules.
 */
class TaskSizeWarningTest {
    private static PreparedTask task(String name, int trainRows) {
        int m = trainRows + 2;
        return TestData.regression(name, new float[m], m, 1, new float[m], 1, TestData.range(trainRows),
                new int[] {trainRows}, new int[] {trainRows + 1});
    }

    private static TrainConfig sampling(TrainConfig.Sampling s) {
        return TrainConfig.defaults(1).withBatchSize(32).withSampling(s);
    }

    @Test
    void aHundredfoldDifferenceIsWarnedUnderRoundRobinOnly() {
        List<PreparedTask> tasks = List.of(task("big", 3000), task("mid", 400), task("small", 30));
        assertEquals("task 'small' has 30 training rows and task 'big' 3000 (100 times as many): under --sampling "
                + "round-robin every task gets the same number of steps, so 'small' is revisited about 94 "
                + "times per pass over 'big' and may overfit early, and as early stopping sums the tasks' mean validation "
                + "losses alike, it can end the training before the larger tasks are fitted; --sampling proportional "
                + "steps each task by its size", TrainCommand.sizeWarning(tasks, sampling(TrainConfig.Sampling.ROUND_ROBIN)));
        assertNull(TrainCommand.sizeWarning(tasks, sampling(TrainConfig.Sampling.PROPORTIONAL)));
        assertNull(TrainCommand.sizeWarning(tasks, sampling(TrainConfig.Sampling.ALL)));
        assertNull(TrainCommand.sizeWarning(List.of(task("big", 2999), task("small", 30)),
                sampling(TrainConfig.Sampling.ROUND_ROBIN)));
        assertNull(TrainCommand.sizeWarning(List.of(task("one", 30)), sampling(TrainConfig.Sampling.ROUND_ROBIN)));
    }

    @Test
    void oneTrainingRowIsSingular() {
        // A 3-row task keeps 1 training row under the 60/20/20 split: it said "has 1 training rows".
        String w = TrainCommand.sizeWarning(List.of(task("tiny", 1), task("big", 3000)),
                sampling(TrainConfig.Sampling.ROUND_ROBIN));
        org.junit.jupiter.api.Assertions.assertTrue(w.startsWith("task 'tiny' has 1 training row and task 'big' 3000 "
                + "(3000 times as many)"), w);
    }

    @Test
    void theRevisitsAreCountedInSteps() {
        // A task smaller than a batch is one step a pass: 9 rows beside 1200 at --batch 32 are
        // passed over 38 times (ceil(1200 / 32) steps) per pass over the large task, not 133.
        String w = TrainCommand.sizeWarning(List.of(task("small", 9), task("big", 1200)),
                sampling(TrainConfig.Sampling.ROUND_ROBIN));
        org.junit.jupiter.api.Assertions.assertTrue(w.contains("(133 times as many)") && w.contains("revisited about 38 "
                + "times per pass over 'big'"), w);
        w = TrainCommand.sizeWarning(List.of(task("small", 9), task("big", 1200)),
                TrainConfig.defaults(1).withBatchSize(4).withSampling(TrainConfig.Sampling.ROUND_ROBIN));
        org.junit.jupiter.api.Assertions.assertTrue(w.contains("revisited about 100 times"), w); // 300 steps to 3
    }

    @Test
    void mtlSweepAndPairsWarnToo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // 60/20/20 splits: 90 and 9000 training rows.
        String small = CliTestSupport.taskSpec(dir, "small", 150, 3);
        String big = CliTestSupport.taskSpec(dir, "big", 15000, 3);
        for (String command : new String[] {"sweep", "pairs"}) {
            CliTestSupport.Run r = CliTestSupport.run(command, "--task", small, "--task", big, "--seeds", "1",
                    "--epochs", "1", "--sampling", "round-robin");
            assertEquals(0, r.code(), command + ": " + r.all());
            org.junit.jupiter.api.Assertions.assertTrue(r.err().contains("warning: task 'small' has 90 training rows and "
                    + "task 'big' 9000 (100 times as many): under --sampling round-robin"), command + ": " + r.err());
        }
        CliTestSupport.Run r = CliTestSupport.run("pairs", "--task", small, "--task", big, "--seeds", "1", "--epochs", "1",
                "--sampling", "proportional");
        assertEquals(0, r.code(), r.all());
        org.junit.jupiter.api.Assertions.assertFalse(r.err().contains("times as many"), r.err());
        // The default (auto) trains tasks 100 times apart proportionally, so nothing to warn about.
        for (String command : new String[] {"sweep", "pairs"}) {
            r = CliTestSupport.run(command, "--task", small, "--task", big, "--seeds", "1", "--epochs", "1");
            assertEquals(0, r.code(), command + ": " + r.all());
            org.junit.jupiter.api.Assertions.assertFalse(r.err().contains("times as many"), command + ": " + r.err());
            // On stdout beside the plan, as mtl train prints it (it was on stderr).
            org.junit.jupiter.api.Assertions.assertTrue(r.out().contains("\nsampling: proportional (auto: task sizes differ "
                    + "100x (90 to 9000 training rows), over 3x; --sampling round-robin to override)\n"), command + ": " + r.out());
            org.junit.jupiter.api.Assertions.assertFalse(r.err().contains("sampling:"), command + ": " + r.err());
        }
    }
}
