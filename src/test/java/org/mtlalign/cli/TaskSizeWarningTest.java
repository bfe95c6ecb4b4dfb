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

    @Test
    void aHundredfoldDifferenceIsWarnedUnderRoundRobinOnly() {
        List<PreparedTask> tasks = List.of(task("big", 3000), task("mid", 400), task("small", 30));
        assertEquals("task 'small' has 30 training rows and task 'big' 3000 (100 times as many): under --sampling "
                + "round-robin (the default) every task gets the same number of steps, so 'small' is revisited about 100 "
                + "times per pass over 'big' and may overfit early, and as early stopping sums the tasks' mean validation "
                + "losses alike, it can end the training before the larger tasks are fitted; --sampling proportional "
                + "steps each task by its size", TrainCommand.sizeWarning(tasks, TrainConfig.Sampling.ROUND_ROBIN));
        assertNull(TrainCommand.sizeWarning(tasks, TrainConfig.Sampling.PROPORTIONAL));
        assertNull(TrainCommand.sizeWarning(tasks, TrainConfig.Sampling.ALL));
        assertNull(TrainCommand.sizeWarning(List.of(task("big", 2999), task("small", 30)),
                TrainConfig.Sampling.ROUND_ROBIN));
        assertNull(TrainCommand.sizeWarning(List.of(task("one", 30)), TrainConfig.Sampling.ROUND_ROBIN));
    }
}
