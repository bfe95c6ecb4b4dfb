package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.model.Loss;

/**
 * Regression labels of one value (accepted under --loss squared) are warned about as such. The
 * check read the variance sum(v^2)/n - mean^2, which for many values and row counts (3.7 in 361
 * training rows) is a rounding residue above 0: the task was then told its labels "vary by only
 * 1.69e-07", a warning about tiny units, and not that they never vary, and a varied task beside
 * it was told that its loss was 1e12 times the others' median (that residue).
 */
class ConstantRegressionLabelsTest {
    @Test
    void oneValueInEveryTrainingRowIsNamedEvenWhereTheVarianceRoundsAboveZero() {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        Random rnd = new Random(seed);
        int d = 2 + rnd.nextInt(4);
        float value;
        int m;
        // A value and row count whose variance, computed in one pass, does not come out as 0.
        do {
            value = (float) (10 * rnd.nextGaussian());
            m = 31 + rnd.nextInt(700);
        } while (!(onePassVariance(value, m) > 0));
        float[] flat = new float[m];
        java.util.Arrays.fill(flat, value);
        float[] varied = new float[m];
        for (int i = 0; i < m; i++) {
            varied[i] = (float) rnd.nextGaussian();
        }
        List<String> w = Preparation.lossScaleWarnings(List.of(task("flat", flat, m, d), task("varied", varied, m, d)));
        String all = "seed=" + seed + " value=" + value + " m=" + m + "\n" + String.join("\n", w);
        String same = "task 'flat': its labels are the same in all " + m + " of its training rows";
        assertTrue(w.stream().anyMatch(s -> s.startsWith(same)), all);
        assertFalse(w.stream().anyMatch(s -> s.startsWith("task 'flat': its labels vary by only")), all);
        assertFalse(w.stream().anyMatch(s -> s.startsWith("task 'varied'")), all);
    }

    private static double onePassVariance(float value, int n) {
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            sum += value;
            sq += (double) value * value;
        }
        double mu = sum / n;
        return sq / n - mu * mu;
    }

    private static PreparedTask task(String name, float[] y, int m, int d) {
        float[] x = new float[m * d];
        EncodedLabels labels = EncodedLabels.encode(new Task(name, x, m, d, y, 1, false, "X.npy:y.npy"), Loss.SQUARED);
        int[] train = new int[m];
        for (int i = 0; i < m; i++) {
            train[i] = i;
        }
        return new PreparedTask(name, x, m, d, labels, train, new int[0], new int[0]);
    }
}
