package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task's covariance similarity with itself is ||D||_F / trace(D), far below 1 for inputs of
 * high rank (0.037 on isotropic 4096-d inputs): the matrix printed it without a word, and its
 * 0.04 read as "unrelated, even to itself". The note says so when a diagonal entry is below 0.5.
 */
class CliSelfScoreNoteTest {
    @TempDir
    Path dir;

    @Test
    void theNoteFollowsTheLowestDiagonalEntry() {
        double[][] sim = {{0.31, 0.2, 0.1}, {0.2, 0.47, 0.3}, {0.1, 0.3, 0.9}};
        String note = TrainCommand.selfScoreNote(sim);
        assertTrue(note.startsWith("the diagonal is each task's score with itself, ||D||_F / trace(D) of its kept "
                + "spectrum (here down to 0.310; 1 only at rank 1)"), note);
        assertNull(TrainCommand.selfScoreNote(new double[][] {{1, 0.2}, {0.2, 0.5}}));
        assertNull(TrainCommand.selfScoreNote(new double[][] {{0.1}}), "one task: no pairs to compare");
        assertNull(TrainCommand.selfScoreNote(new double[][] {{Double.NaN, 0}, {0, 1}}));
    }

    /** Isotropic inputs of rank d (d >= 8: self score about 1/sqrt(d) < 0.5) get the note; rank-1 inputs do not. */
    @Test
    void analyzeSaysItForHighRankInputsOnly() throws Exception {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        int d = 8 + rnd.nextInt(20);
        int m = 200 + rnd.nextInt(100);
        String a = CliTestSupport.taskSpec(dir, "a", m, d);
        String b = CliTestSupport.taskSpec(dir, "b", m + 7, d);
        CliTestSupport.Run r = CliTestSupport.run("analyze", "--task", a, "--task", b, "--resamples", "0");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("note: the diagonal is each task's score with itself"), "seed " + seed + ": " + r.out());
        // Rank-1 inputs: every row a multiple of one direction, so each task scores 1 with itself.
        float[] dir1 = new float[d];
        for (int j = 0; j < d; j++) {
            dir1[j] = (float) rnd.nextGaussian();
        }
        String[] specs = new String[2];
        for (int t = 0; t < 2; t++) {
            int n = m + t;
            float[] x = new float[n * d];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                double s = rnd.nextGaussian();
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) (s * dir1[j]);
                }
                y[i] = s + 0.5 * rnd.nextGaussian() > 0 ? 1 : 0;
            }
            specs[t] = CliTestSupport.writeTask(dir, "r1" + t, "r" + t, x, n, d, y);
        }
        r = CliTestSupport.run("analyze", "--task", specs[0], "--task", specs[1], "--resamples", "0",
                "--standardize", "none");
        assertEquals(0, r.code(), r.all());
        assertFalse(r.out().contains("note: the diagonal"), "seed " + seed + ": " + r.out());
    }
}
