package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.data.EncodedLabels;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.model.Loss;

/**
 * Regression labels far from 0 are warned about by how far they reach from their training mean,
 * which the head's bias starts at: an offset alone (3e6 + N(0, 4)) trains as well as unit labels
 * and is no reason to rescale, where labels varying by millions are.
 */
class LargeLabelWarningTest {
    private static final long SEED = Long.getLong("mtlalign.test.seed", System.nanoTime());

    private static PreparedTask task(Random rnd, double offset, double sd, int q) {
        int m = 300;
        int d = 3;
        float[] x = new float[m * d];
        float[] y = new float[m * q];
        for (int i = 0; i < m * d; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < m * q; i++) {
            y[i] = (float) (offset + sd * rnd.nextGaussian());
        }
        y[7 * q] = Float.NaN; // a missing label counts for nothing
        Task t = new Task("r", x, m, d, y, q, false, "test");
        int[] all = java.util.stream.IntStream.range(0, m).toArray();
        return new PreparedTask("r", x, m, d, EncodedLabels.encode(t, Loss.SQUARED), java.util.Arrays.copyOfRange(all, 0, 180),
                java.util.Arrays.copyOfRange(all, 180, 240), java.util.Arrays.copyOfRange(all, 240, 300));
    }

    private static List<String> large(PreparedTask t) {
        return TrainCommand.splitWarnings(List.of(t)).stream().filter(s -> s.contains("labels reach")).toList();
    }

    @Test
    void anOffsetAloneIsNotWarnedLabelsVaryingByMillionsAre() {
        Random rnd = new Random(SEED);
        assertEquals(List.of(), large(task(rnd, 3e6, 4, 1)), "seed=" + SEED);
        assertEquals(List.of(), large(task(rnd, -2e7, 100, 2)), "seed=" + SEED);
        List<String> w = large(task(rnd, 0, 3e6, 1));
        assertEquals(1, w.size(), "seed=" + SEED + ": " + w);
        assertTrue(w.get(0).startsWith("task 'r': labels reach ") && w.get(0).contains("from their training mean"), w.get(0));
        // One column of two in millions: named as well.
        PreparedTask two = task(rnd, 5, 1, 2);
        for (int r = 0; r < two.rows(); r++) {
            two.target()[r * 2 + 1] *= 1e6f;
        }
        assertEquals(1, large(two).size(), "seed=" + SEED);
    }
}
