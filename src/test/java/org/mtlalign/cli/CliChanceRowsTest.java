package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.analysis.TestData;

/**
 * The '!' warning names the rows it scored the model on: under --val 0 those are the training
 * rows, and the warning said "on its validation rows" all the same.
 */
class CliChanceRowsTest {
    @TempDir
    Path dir;

    @Test
    void underVal0TheWarningSaysTrainingRows() throws Exception {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        int d = 2 + rnd.nextInt(3);
        int m = 20000 + rnd.nextInt(500);
        // Labels of pure noise: no model does 1% better than their mean, on any rows.
        String noise = CliTestSupport.writeTask(dir, "noise", "noise", TestData.gaussian(rnd, m * d, 1.0), m, d,
                TestData.gaussian(rnd, m, 1.0));
        for (String val : new String[] {"0", "0.2"}) {
            CliTestSupport.Run r = CliTestSupport.run("train", "--task", noise, "--rank", "1", "--epochs", "3",
                    "--align", "none", "--reweight", "none", "--val", val);
            assertEquals(0, r.code(), "seed " + seed + ": " + r.all());
            String want = val.equals("0") ? "class rates on its training rows (no validation rows) (STL noise"
                    : "class rates on its validation rows (STL noise";
            assertTrue(r.all().contains(want), "seed " + seed + ", --val " + val + ": " + r.all());
        }
    }
}
