package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.analysis.TestData;

/**
 * Regression labels of order 1e21 train with finite parameters and a finite (double) loss, but
 * Adam's second moment, the squared gradients, overflows float32. ModelIO.save refuses such a
 * model (load would call it damaged), and mtl train --out reported that as "internal error" with
 * exit 1, no tables and no --json; it is a failed save: a checkpoint's warning, then exit 2
 * naming the folder, after the tables and --json.
 */
class CliNonFiniteSaveTest {
    @TempDir
    Path dir;

    @Test
    void aModelWhoseOptimiserStateOverflowedIsAFailedSaveNotAnInternalError() throws Exception {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 3 + rnd.nextInt(4);
        int m = 101 + 2 * rnd.nextInt(30);
        String[] specs = new String[2];
        for (int t = 0; t < 2; t++) {
            float[] x = TestData.gaussian(rnd, m * d, 1.0);
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += x[i * d + j] * (j + 1);
                }
                y[i] = (float) (1e21 * (s + 0.1 * rnd.nextGaussian()));
            }
            specs[t] = CliTestSupport.writeTask(dir, "t" + t, "big" + t, x, m, d, y);
        }
        Path out = dir.resolve("model");
        Path json = dir.resolve("run.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", specs[0], "--task", specs[1], "--backend", "cpu",
                "--epochs", "3", "--loss", "squared", "--out", out.toString(), "--json", json.toString());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertEquals(2, r.code(), "seed=" + seed + "\n" + r.err());
        assertFalse(r.err().contains("internal error"), "seed=" + seed + "\n" + r.err());
        assertTrue(last.startsWith("mtl: " + out) && last.contains("not saved") && last.contains("--standardize-labels"),
                "seed=" + seed + "\n" + r.err());
        assertTrue(r.out().contains("test metric per task"), "seed=" + seed + "\n" + r.out());
        assertTrue(Files.readString(json).contains("\"save_error\""), "seed=" + seed);
        assertFalse(Files.exists(out.resolve("model.json")), "seed=" + seed);
    }
}
