package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task whose theta_i (Algorithm 2) is mostly sampling noise is warned about wherever the
 * weights are computed, naming it, its training rows and the ratio; not for tasks with enough
 * rows, nor on a built-in suite, nor when no reweighting runs.
 */
class NoisyThetaWarningTest {
    private static final String WARNING = "Algorithm 2: 1 task has too few training rows for d = 20";

    @Test
    void analyzeAndTrainNameTheTinyTask(@TempDir Path dir) throws Exception {
        // 60/20/20 splits: 18, 600 and 1800 training rows; binary, d = 20.
        String tiny = CliTestSupport.taskSpec(dir, "tiny", 30, 20);
        String mid = CliTestSupport.taskSpec(dir, "mid", 1000, 20);
        String big = CliTestSupport.taskSpec(dir, "big", 3000, 20);
        Path json = dir.resolve("a.json");
        CliTestSupport.Run r = CliTestSupport.run("analyze", "--task", tiny, "--task", mid, "--task", big, "-r", "2",
                "--json", json.toString());
        assertEquals(0, r.code(), r.all());
        // Beside the weights on stdout, and in the JSON's warnings.
        int table = r.out().indexOf("SVD task weights");
        int warned = r.out().indexOf("warning: " + WARNING);
        assertTrue(table >= 0 && warned > table, r.out());
        assertTrue(r.out().contains("tiny (18 training rows, noise "), r.out());
        assertFalse(r.out().contains("mid (600") || r.out().contains("big (1800"), r.out());
        assertTrue(Files.readString(json).contains(WARNING), Files.readString(json));

        r = CliTestSupport.run("train", "--task", tiny, "--task", mid, "--task", big, "-r", "2", "--epochs", "1",
                "--no-stl", "--align", "none");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("warning: " + WARNING) && r.err().contains("tiny (18 training rows"), r.err());
        r = CliTestSupport.run("train", "--task", tiny, "--task", mid, "--task", big, "-r", "2", "--epochs", "1",
                "--no-stl", "--align", "none", "--reweight", "none");
        assertEquals(0, r.code(), r.all());
        assertFalse(r.all().contains("Algorithm 2: "), r.err());
    }

    @Test
    void notForTasksWithEnoughRowsNorTheBuiltInSuites(@TempDir Path dir) throws Exception {
        String a = CliTestSupport.taskSpec(dir, "a", 1000, 20);
        String b = CliTestSupport.taskSpec(dir, "b", 1000, 20);
        String c = CliTestSupport.taskSpec(dir, "c", 3000, 20);
        CliTestSupport.Run r = CliTestSupport.run("analyze", "--task", a, "--task", b, "--task", c, "-r", "2");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("SVD task weights"), r.out());
        assertFalse(r.all().contains("Algorithm 2: "), r.all());
        for (String suite : new String[] {"digits-pairs", "task-covariance", "synthetic-linear"}) {
            r = CliTestSupport.run("analyze", "--suite", suite, "--resamples", "0");
            assertEquals(0, r.code(), suite + ": " + r.all());
            assertFalse(r.all().contains("Algorithm 2: "), suite + ": " + r.all());
        }
    }
}
