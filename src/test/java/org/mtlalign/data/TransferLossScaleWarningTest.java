package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.model.Loss;

/**
 * Transfer mode fine-tunes its target alone, so the target is in no summed loss. A regression
 * target in units 1000 times the sources' was told that 'the summed loss that trains the shared
 * module ... is mostly this task, so the others' transfer reflects the label scales' (neither
 * true there), and a source was compared with a median that counted the target.
 */
class TransferLossScaleWarningTest {
    private static final long SEED = Long.getLong("mtlalign.test.seed", System.nanoTime());

    @Test
    void aTaskTrainedAloneIsNotSaidToDominateTheOthersSum() {
        Random rnd = new Random(SEED);
        List<PreparedTask> tasks = List.of(task("s0", rnd, 1), task("s1", rnd, 1), task("big", rnd, 1000));
        // Trained together (mtl train): 'big' dominates the sum, as before.
        List<String> mtl = Preparation.lossScaleWarnings(tasks, -1);
        assertEquals(mtl, Preparation.lossScaleWarnings(tasks), "seed=" + SEED);
        assertEquals(1, mtl.size(), "seed=" + SEED + ": " + mtl);
        assertTrue(mtl.get(0).startsWith("task 'big': its squared loss") && mtl.get(0).contains("mostly this task"),
                mtl.get(0));
        // 'big' fine-tuned alone: named as the target, without the claim about the sum.
        List<String> alone = Preparation.lossScaleWarnings(tasks, 2);
        assertEquals(1, alone.size(), "seed=" + SEED + ": " + alone);
        assertTrue(alone.get(0).startsWith("task 'big' (the transfer target, trained alone)")
                && alone.get(0).contains("--standardize-labels") && !alone.get(0).contains("mostly this task"),
                alone.get(0));
        // A large source beside a large target: among the sources alone it is 1000 times the other,
        // which the median over all three (the target's included) had hidden.
        List<PreparedTask> two = List.of(task("s0", rnd, 1), task("s1", rnd, 1000), task("t", rnd, 1000));
        assertEquals(List.of(), Preparation.lossScaleWarnings(two, -1), "seed=" + SEED);
        List<String> src = Preparation.lossScaleWarnings(two, 2);
        // (The target, on the scale of the sources' median, is not named.)
        assertEquals(1, src.size(), "seed=" + SEED + ": " + src);
        assertTrue(src.get(0).startsWith("task 's1': its squared loss") && src.get(0).contains("mostly this task"),
                src.get(0));
        assertThrows(IndexOutOfBoundsException.class, () -> Preparation.lossScaleWarnings(tasks, 3));
    }

    private static PreparedTask task(String name, Random rnd, double scale) {
        int m = 60 + rnd.nextInt(40);
        int d = 3;
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            y[i] = (float) (scale * rnd.nextGaussian());
        }
        EncodedLabels labels = EncodedLabels.encode(new Task(name, x, m, d, y, 1, false, "X.npy:y.npy"), Loss.SQUARED);
        int[] train = new int[m];
        for (int i = 0; i < m; i++) {
            train[i] = i;
        }
        return new PreparedTask(name, x, m, d, labels, train, new int[0], new int[0]);
    }
}
