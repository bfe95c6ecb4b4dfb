package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.model.Loss;

/**
 * The stratified split keeps each part at its share of the rows also with many small classes
 * (per-class rounding alone gave a thousand classes of two rows no test or validation rows at
 * all), gives every class a training row, and leaves splits of a few large classes as per-class
 * rounding makes them.
 */
class StratifiedSplitTest {
    private static final long SEED = Long.getLong("mtlalign.test.seed", System.nanoTime());

    /** Softmax labels: {@code perClass[c]} rows of class c, classes interleaved. */
    private static EncodedLabels labels(int[] perClass) {
        int m = java.util.Arrays.stream(perClass).sum();
        float[] y = new float[m];
        int[] left = perClass.clone();
        int i = 0;
        while (i < m) {
            for (int c = 0; c < left.length && i < m; c++) {
                if (left[c] > 0) {
                    left[c]--;
                    y[i++] = c;
                }
            }
        }
        float[] values = new float[perClass.length];
        for (int c = 0; c < values.length; c++) {
            values[c] = c;
        }
        return new EncodedLabels(perClass.length == 2 ? Loss.LOGISTIC : Loss.SOFTMAX, y,
                perClass.length == 2 ? 1 : perClass.length, values, "test");
    }

    private static int[] counts(int[] rows, EncodedLabels l, int classes) {
        int[] n = new int[classes];
        for (int r : rows) {
            n[(int) l.target()[r]]++;
        }
        return n;
    }

    /** Every row in one part, and every class in training. */
    private static void checkPartition(int[][] s, EncodedLabels l, int[] perClass, String what) {
        int m = l.target().length;
        boolean[] seen = new boolean[m];
        for (int[] part : s) {
            for (int r : part) {
                assertTrue(!seen[r], what + ": row " + r + " in two parts");
                seen[r] = true;
            }
        }
        for (int r = 0; r < m; r++) {
            assertTrue(seen[r], what + ": row " + r + " in no part");
        }
        int[] train = counts(s[0], l, perClass.length);
        for (int c = 0; c < perClass.length; c++) {
            assertTrue(train[c] >= 1, what + ": class " + c + " has no training row");
        }
    }

    @Test
    void manyClassesOfTwoRowsStillGetTheirTestAndValidationShare() {
        int[] perClass = new int[1000];
        java.util.Arrays.fill(perClass, 2);
        EncodedLabels l = labels(perClass);
        int[][] s = Preparation.split(2000, l, 0.2, 0.2, SEED);
        checkPartition(s, l, perClass, "1000 x 2");
        assertEquals(400, s[2].length, "test rows; seed=" + SEED);
        assertEquals(400, s[1].length, "validation rows; seed=" + SEED);
        assertEquals(1200, s[0].length, "training rows; seed=" + SEED);
    }

    @Test
    void manyClassesOfThreeRowsAreNotSplitInThirds() {
        int[] perClass = new int[500];
        java.util.Arrays.fill(perClass, 3);
        EncodedLabels l = labels(perClass);
        int[][] s = Preparation.split(1500, l, 0.2, 0.2, SEED);
        checkPartition(s, l, perClass, "500 x 3");
        assertEquals(300, s[2].length, 1, "test rows; seed=" + SEED);
        assertEquals(300, s[1].length, 1, "validation rows; seed=" + SEED);
    }

    @Test
    void anyClassSizesGivePartsNearTheirShare() {
        Random rnd = new Random(SEED);
        for (int trial = 0; trial < 200; trial++) {
            int classes = 2 + rnd.nextInt(300);
            int[] perClass = new int[classes];
            int m = 0;
            for (int c = 0; c < classes; c++) {
                // Long-tailed: many classes of 1-4 rows, a few large ones.
                perClass[c] = rnd.nextInt(4) == 0 ? 5 + rnd.nextInt(200) : 1 + rnd.nextInt(4);
                m += perClass[c];
            }
            double val = 0.05 + 0.25 * rnd.nextDouble();
            double test = 0.05 + 0.25 * rnd.nextDouble();
            EncodedLabels l = labels(perClass);
            int[][] s = Preparation.split(m, l, val, test, rnd.nextLong());
            String what = "trial " + trial + " (" + classes + " classes, " + m + " rows, val " + val + ", test " + test
                    + "); seed=" + SEED;
            checkPartition(s, l, perClass, what);
            // Within a row, or a tenth, of the share: per-class rounding's few rows off a large
            // share are left as they are (see aFewLargeClassesAreRoundedPerClassAsBefore).
            long wantTest = Math.round(m * test);
            long wantVal = Math.round(m * val);
            assertEquals(wantTest, s[2].length, Math.max(1, wantTest / 10.0), "test rows, " + what);
            assertEquals(wantVal, s[1].length, Math.max(1, wantVal / 10.0), "validation rows, " + what);
        }
    }

    @Test
    void aFewLargeClassesAreRoundedPerClassAsBefore() {
        // Sizes whose per-class roundings sum one row away from the total's, or a few rows away
        // with ten classes of a hundred rows (200 test rows for a share of 204), fifteen of 27 (75 for 81) or five
        // of 37 to 62 (46 for 48):
        // left as they are, so that the splits (and the results and saved-model checksums built on
        // them, which --resume compares) do not move.
        for (int[] perClass : new int[][] {{178, 182}, {327, 900, 773}, {2, 298}, {1, 2, 997},
                {102, 102, 102, 102, 102, 102, 102, 102, 102, 102}, {27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27},
                {37, 52, 42, 62, 47}}) {
            EncodedLabels l = labels(perClass);
            int m = java.util.Arrays.stream(perClass).sum();
            int[][] s = Preparation.split(m, l, 0.2, 0.2, SEED);
            int[] test = counts(s[2], l, perClass.length);
            int[] val = counts(s[1], l, perClass.length);
            int[] expectTest = new int[perClass.length];
            int[] expectVal = new int[perClass.length];
            for (int c = 0; c < perClass.length; c++) {
                int n = perClass[c];
                expectTest[c] = (int) Math.round(n * 0.2);
                expectVal[c] = (int) Math.round(n * 0.2);
                if (n - expectTest[c] - expectVal[c] < 1) {
                    expectTest[c] = Math.max(0, Math.min(expectTest[c], n - 1));
                    expectVal[c] = Math.max(0, Math.min(expectVal[c], n - 1 - expectTest[c]));
                }
            }
            assertArrayEquals(expectTest, test, java.util.Arrays.toString(perClass) + " test");
            assertArrayEquals(expectVal, val, java.util.Arrays.toString(perClass) + " validation");
        }
    }

    @Test
    void classesOfTwentyFiveRowsOrMoreAreRoundedPerClassAtTheDefaultFractions() {
        Random rnd = new Random(SEED);
        for (int trial = 0; trial < 100; trial++) {
            int classes = 2 + rnd.nextInt(60);
            int[] perClass = new int[classes];
            int m = 0;
            for (int c = 0; c < classes; c++) {
                perClass[c] = 25 + rnd.nextInt(rnd.nextBoolean() ? 10 : 400);
                m += perClass[c];
            }
            EncodedLabels l = labels(perClass);
            int[][] s = Preparation.split(m, l, 0.2, 0.2, rnd.nextLong());
            int[] test = counts(s[2], l, classes);
            int[] val = counts(s[1], l, classes);
            for (int c = 0; c < classes; c++) {
                int want = (int) Math.round(perClass[c] * 0.2);
                assertEquals(want, test[c], "trial " + trial + ", class " + c + " of " + perClass[c] + "; seed=" + SEED);
                assertEquals(want, val[c], "trial " + trial + ", class " + c + " of " + perClass[c] + "; seed=" + SEED);
            }
        }
    }
}
