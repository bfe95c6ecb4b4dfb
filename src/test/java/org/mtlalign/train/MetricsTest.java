package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.analysis.TestData;
import org.mtlalign.model.Loss;

/** Metrics against brute-force definitions. */
class MetricsTest {

    /** P(score_pos > score_neg) + 0.5 P(tie) over all positive/negative pairs. */
    private static double bruteAuc(float[] score, float[] label, int n) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < n; i++) {
            if (!(label[i] > 0.5f)) {
                continue;
            }
            for (int j = 0; j < n; j++) {
                if (label[j] > 0.5f) {
                    continue;
                }
                pairs++;
                if (score[i] > score[j]) {
                    wins += 1;
                } else if (score[i] == score[j]) {
                    wins += 0.5;
                }
            }
        }
        return pairs == 0 ? Double.NaN : wins / pairs;
    }

    @Test
    void aucMatchesPairCountWithTies() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        for (int n : new int[] {2, 3, 7, 31, 101, 257}) {
            for (int rep = 0; rep < 5; rep++) {
                float[] score = new float[n];
                float[] label = new float[n];
                int levels = 1 + rnd.nextInt(5); // few distinct scores: many ties
                boolean continuous = rep == 4;
                for (int i = 0; i < n; i++) {
                    label[i] = rnd.nextBoolean() ? 1f : 0f;
                    score[i] = continuous ? (float) rnd.nextGaussian() + label[i] * 0.5f
                            : (float) (rnd.nextInt(levels) - 2) * 0.25f + (label[i] > 0 ? 0.25f : 0f);
                }
                label[0] = 1f; // both classes present
                label[n - 1] = 0f;
                double want = bruteAuc(score, label, n);
                double got = Metrics.auc(score, label, n);
                assertEquals(want, got, 1e-12, "seed=" + seed + " n=" + n + " rep=" + rep);
            }
        }
        // Hand-checked: scores (0.1, 0.4, 0.35, 0.8) labels (0, 0, 1, 1): 3 of 4 pairs won.
        assertEquals(0.75, Metrics.auc(new float[] {0.1f, 0.4f, 0.35f, 0.8f}, new float[] {0, 0, 1, 1}, 4), 1e-12);
        // All tied: 0.5.
        assertEquals(0.5, Metrics.auc(new float[] {2, 2, 2, 2, 2}, new float[] {0, 1, 1, 0, 1}, 5), 1e-12);
        // Perfectly reversed: 0.
        assertEquals(0.0, Metrics.auc(new float[] {3, 2, 1}, new float[] {0, 1, 1}, 3), 1e-12);
    }

    @Test
    void aucIsNaNWithOneClass() {
        assertTrue(Double.isNaN(Metrics.auc(new float[] {0.2f, 0.7f, 0.1f}, new float[] {1, 1, 1}, 3)));
        assertTrue(Double.isNaN(Metrics.auc(new float[] {0.2f, 0.7f}, new float[] {0, 0}, 2)));
        assertTrue(Double.isNaN(Metrics.auc(new float[] {0.2f}, new float[] {1}, 1)));
        Metrics m = Metrics.of(Loss.LOGISTIC, new float[] {1f, -1f}, new float[] {1f, 1f}, 2, 1);
        assertTrue(Double.isNaN(m.auc()));
        assertEquals(0.5, m.accuracy(), 1e-12);
    }

    @Test
    void logisticAccuracyThresholdsLogitsAtZero() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int n = 53;
        float[] out = TestData.gaussian(rnd, n, 2.0);
        float[] y = new float[n];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextBoolean() ? 1f : 0f;
            correct += ((out[i] > 0) == (y[i] == 1f)) ? 1 : 0;
        }
        Metrics m = Metrics.of(Loss.LOGISTIC, out, y, n, 1);
        assertEquals((double) correct / n, m.accuracy(), 1e-12, "seed=" + seed);
        assertEquals("auc", m.name());
        assertEquals(m.auc(), m.primary(), 0.0);
        assertEquals(bruteAuc(out, y, n), m.auc(), 1e-12, "seed=" + seed);
    }

    @Test
    void softmaxAccuracyIsArgmax() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int n = 37;
        int c = 5;
        float[] out = TestData.gaussian(rnd, n * c, 1.0);
        float[] y = new float[n];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextInt(c);
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (out[i * c + j] > out[i * c + best]) {
                    best = j;
                }
            }
            correct += best == (int) y[i] ? 1 : 0;
        }
        Metrics m = Metrics.of(Loss.SOFTMAX, out, y, n, c);
        assertEquals((double) correct / n, m.accuracy(), 1e-12, "seed=" + seed);
        assertEquals(m.accuracy(), m.primary(), 0.0);
        assertEquals("accuracy", m.name());
        // Hand-checked: rows argmax 2, 0, 1 vs labels 2, 1, 1 -> 2/3.
        float[] o = {0, 1, 5, 9, 1, 2, 0, 3, 1};
        assertEquals(2.0 / 3, Metrics.of(Loss.SOFTMAX, o, new float[] {2, 1, 1}, 3, 3).accuracy(), 1e-12);
    }

    @Test
    void mseAveragesOverRowsAndOutputs() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int n = 13;
        int c = 3;
        float[] out = TestData.gaussian(rnd, n * c, 1.0);
        float[] y = TestData.gaussian(rnd, n * c, 1.0);
        double s = 0;
        for (int i = 0; i < n * c; i++) {
            s += ((double) out[i] - y[i]) * ((double) out[i] - y[i]);
        }
        Metrics m = Metrics.of(Loss.SQUARED, out, y, n, c);
        // Metrics subtracts in float (exact by Sterbenz when close, else 2^-24 relative): 1e-6.
        assertEquals(s / (n * c), m.mse(), 1e-6 * s / (n * c), "seed=" + seed);
        assertEquals(m.mse(), m.primary(), 0.0);
        assertEquals("mse", m.name());
        assertEquals(2.5, Metrics.of(Loss.SQUARED, new float[] {1, 2}, new float[] {0, 4}, 1, 2).mse(), 1e-12);
        assertTrue(Double.isNaN(Metrics.of(Loss.SQUARED, new float[0], new float[0], 0, 1).mse()));
    }

    /** Average precision as scikit-learn computes it: tied scores enter together; NaN without positives. */
    @Test
    void averagePrecisionMatchesScikitLearn() {
        // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333...
        assertEquals(5.0 / 6, Metrics.averagePrecision(new float[] {0.1f, 0.4f, 0.35f, 0.8f}, new float[] {0, 0, 1, 1}, 4),
                1e-12);
        // A tie at the top: precision 1/2 at recall 1/2, then 2/3 at recall 1.
        assertEquals(0.5 * 0.5 + 0.5 * 2 / 3.0,
                Metrics.averagePrecision(new float[] {0.5f, 0.5f, 0.2f}, new float[] {1, 0, 1}, 3), 1e-12);
        assertEquals(1.0, Metrics.averagePrecision(new float[] {0.3f, 0.1f}, new float[] {1, 1}, 2), 1e-12);
        assertTrue(Double.isNaN(Metrics.averagePrecision(new float[] {0.3f, 0.1f}, new float[] {0, 0}, 2)));
        // Without ties: the mean over positives of the precision at each one's rank.
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int n = 50 + rnd.nextInt(200);
        float[] score = new float[n];
        float[] label = new float[n];
        for (int i = 0; i < n; i++) {
            score[i] = (float) rnd.nextGaussian() + i * 1e-3f;
            label[i] = rnd.nextInt(20) == 0 || i == 0 ? 1 : 0;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(score[b], score[a]));
        double sum = 0;
        int tp = 0;
        int pos = 0;
        for (int k = 0; k < n; k++) {
            if (label[order[k]] > 0.5f) {
                tp++;
                sum += tp / (double) (k + 1);
                pos++;
            }
        }
        assertEquals(sum / pos, Metrics.averagePrecision(score, label, n), 1e-12, "seed=" + seed);
        Metrics m = Metrics.of(Loss.LOGISTIC, score, label, n, 1);
        assertEquals(sum / pos, m.averagePrecision(), 1e-12, "seed=" + seed);
        assertTrue(Double.isNaN(Metrics.of(Loss.SOFTMAX, new float[] {1, 0}, new float[] {0}, 1, 2).averagePrecision()));
    }

    @Test
    void rowsAreOrderedAsFloatCompareOrdersTheirScores() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f};
        for (int trial = 0; trial < 50; trial++) {
            int n = rnd.nextInt(300);
            float[] score = new float[n];
            for (int i = 0; i < n; i++) {
                score[i] = rnd.nextInt(3) == 0 ? special[rnd.nextInt(special.length)]
                        : (float) rnd.nextGaussian() * (rnd.nextBoolean() ? 1e-30f : 1e3f);
            }
            Integer[] boxed = new Integer[n];
            for (int i = 0; i < n; i++) {
                boxed[i] = i;
            }
            java.util.Arrays.sort(boxed, (a, b) -> Float.compare(score[a], score[b])); // stable: ties by row
            int[] expect = java.util.Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();
            org.junit.jupiter.api.Assertions.assertArrayEquals(expect, Metrics.ascending(score, n),
                    "trial " + trial + "; seed=" + seed);
        }
    }

    /**
     * Balanced accuracy (scikit-learn's balanced_accuracy_score): the mean over the classes present
     * in the rows of each class's recall, against its definition in float64 on random outputs with
     * odd class counts and absent classes; always predicting one class scores 1 / (classes present).
     */
    @Test
    void balancedAccuracyIsTheMeanRecallOverThePresentClasses() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        for (int c : new int[] {3, 7, 13}) {
            for (int n : new int[] {1, 5, 97}) {
                float[] out = new float[n * c];
                float[] y = new float[n];
                for (int i = 0; i < n; i++) {
                    // Class c - 1 never occurs: absent classes do not count.
                    y[i] = rnd.nextInt(c - 1);
                    for (int j = 0; j < c; j++) {
                        out[i * c + j] = (float) rnd.nextGaussian() + (j == (int) y[i] && rnd.nextBoolean() ? 1.5f : 0f);
                    }
                }
                double sum = 0;
                int present = 0;
                for (int k = 0; k < c; k++) {
                    int rows = 0;
                    int right = 0;
                    for (int i = 0; i < n; i++) {
                        if ((int) y[i] == k) {
                            rows++;
                            int best = 0;
                            for (int j = 1; j < c; j++) {
                                best = out[i * c + j] > out[i * c + best] ? j : best;
                            }
                            right += best == k ? 1 : 0;
                        }
                    }
                    if (rows > 0) {
                        sum += right / (double) rows;
                        present++;
                    }
                }
                Metrics m = Metrics.of(Loss.SOFTMAX, out, y, n, c);
                String ctx = "seed=" + seed + " c=" + c + " n=" + n;
                assertEquals(sum / present, m.balancedAccuracy(), 1e-12, ctx);
                assertTrue(Double.isNaN(Metrics.of(Loss.LOGISTIC, new float[n], new float[n], n, 1).balancedAccuracy()), ctx);

                float[] constant = new float[n * c];
                for (int i = 0; i < n; i++) {
                    constant[i * c + (int) y[0]] = 1f;  // always a class that occurs
                }
                assertEquals(1.0 / present, Metrics.of(Loss.SOFTMAX, constant, y, n, c).balancedAccuracy(), 1e-12, ctx);
            }
        }
        assertTrue(Double.isNaN(Metrics.of(Loss.SOFTMAX, new float[0], new float[0], 0, 3).balancedAccuracy()));
    }
}
