package org.mtlalign.analysis;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.mtlalign.backend.cpu.CpuBackend;

/**
 * The analyses' check of their task arrays: a task of no rows was reported as "task 0 has 0 input
 * and 0 target values for 0 rows", as if the arrays did not match the sizes; it says the task has
 * no rows (and names a null array instead of a NullPointerException).
 */
class TaskArraysTest {
    private final long seed = TestData.seed();
    private final Random rnd = new Random(seed);

    @Test
    void aTaskWithoutRowsOrColumnsOrArraysIsSaidToBeSo() {
        int k = 2 + rnd.nextInt(3);
        int d = 2 + rnd.nextInt(5);
        int bad = rnd.nextInt(k);
        float[][] xs = new float[k][];
        float[][] ys = new float[k][];
        int[] rows = new int[k];
        int[] cols = new int[k];
        for (int i = 0; i < k; i++) {
            rows[i] = 7 + rnd.nextInt(9);
            cols[i] = 1;
            xs[i] = TestData.gaussian(rnd, rows[i] * d, 1.0);
            ys[i] = TestData.gaussian(rnd, rows[i], 1.0);
        }
        try (CpuBackend be = new CpuBackend(1)) {
            String at = " (seed " + seed + ")";
            assertTrue(new SvdReweighting(be).weights(xs, rows, d, ys, cols, 1, SvdReweighting.Variant.NORMALIZED,
                    true).length == k, "valid arrays" + at);
            xs[bad] = new float[0];
            ys[bad] = new float[0];
            rows[bad] = 0;
            expect("task " + bad + " has no rows", xs, rows, d, ys, cols, be);
            rows[bad] = -3;
            expect("task " + bad + " has a negative row count -3", xs, rows, d, ys, cols, be);
            rows[bad] = 2;
            xs[bad] = TestData.gaussian(rnd, 2 * d, 1.0);
            cols[bad] = 0;
            expect("task " + bad + " has 0 target columns", xs, rows, d, ys, cols, be);
            cols[bad] = 1;
            ys[bad] = null;
            expect("task " + bad + " has no target array", xs, rows, d, ys, cols, be);
        }
    }

    private void expect(String message, float[][] xs, int[] rows, int d, float[][] ys, int[] cols, CpuBackend be) {
        Executable[] calls = {
            () -> new SvdReweighting(be).weights(xs, rows, d, ys, cols, 1, SvdReweighting.Variant.PAPER, true),
            () -> new Capacity(be).suggest(xs, rows, d, ys, cols, 0.1, 0.99),
        };
        for (Executable call : calls) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, message);
            assertTrue(e.getMessage().contains(message), "want '" + message + "' (seed " + seed + "): " + e.getMessage());
        }
    }
}
