package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.UserInputException;

/** Finiteness check: the first NaN/Inf in row-major order, reported by multi-dimensional index. */
class FiniteCheckTest {

    static final long SEED = NpyReadTest.SEED;

    private static String message(String source, float[] data, int... shape) {
        return assertThrows(UserInputException.class, () -> FiniteCheck.requireFinite(source, data, shape))
                .getMessage();
    }

    @Test
    void finiteArraysPass() {
        assertDoesNotThrow(() -> FiniteCheck.requireFinite("x", new float[] {0, -0f, Float.MAX_VALUE,
            -Float.MAX_VALUE, Float.MIN_VALUE}, new int[] {5}));
        assertDoesNotThrow(() -> FiniteCheck.requireFinite("x", new float[0], new int[] {0, 3}));
        assertDoesNotThrow(() -> FiniteCheck.requireFinite("x", new float[] {1}, new int[0]));
        assertDoesNotThrow(() -> FiniteCheck.requireFinite("x",
                new NpyArray(new int[] {2, 2}, new float[] {1, 2, 3, 4}, "<f4", false)));
    }

    @Test
    void reportsKindAndIndex() {
        float[] d = new float[20 * 5];
        d[12 * 5 + 3] = Float.NaN;
        assertEquals("data/X.npy: NaN at index [12, 3] (a missing value: fill in or drop the missing values first)", message("data/X.npy", d, 20, 5));
        d[12 * 5 + 3] = Float.POSITIVE_INFINITY;
        assertEquals("data/X.npy: Inf at index [12, 3]", message("data/X.npy", d, 20, 5));
        d[12 * 5 + 3] = Float.NEGATIVE_INFINITY;
        assertEquals("data/X.npy: -Inf at index [12, 3]", message("data/X.npy", d, 20, 5));
    }

    @Test
    void firstInRowMajorOrderWins() {
        float[] d = new float[4 * 3];
        d[2 * 3 + 0] = Float.NaN;
        d[1 * 3 + 2] = Float.NEGATIVE_INFINITY;
        d[3 * 3 + 1] = Float.POSITIVE_INFINITY;
        assertEquals("y.csv: -Inf at index [1, 2]", message("y.csv", d, 4, 3));
    }

    @Test
    void everyRank() {
        assertEquals("s: NaN at index [] (a missing value: fill in or drop the missing values first)", message("s", new float[] {Float.NaN}));
        assertEquals("v: Inf at index [4]", message("v", new float[] {0, 0, 0, 0, Float.POSITIVE_INFINITY}, 5));
        float[] d = new float[2 * 3 * 4];
        d[1 * 12 + 2 * 4 + 3] = Float.NaN;
        assertEquals("t: NaN at index [1, 2, 3] (a missing value: fill in or drop the missing values first)", message("t", d, 2, 3, 4));
        NpyArray a = new NpyArray(new int[] {2, 3, 4}, d, "<f4", false);
        assertEquals("t: NaN at index [1, 2, 3] (a missing value: fill in or drop the missing values first)",
                assertThrows(UserInputException.class, () -> FiniteCheck.requireFinite("t", a)).getMessage());
    }

    @Test
    void randomPositions() {
        Random r = new Random(SEED);
        for (int trial = 0; trial < 300; trial++) {
            int rank = 1 + r.nextInt(4);
            int[] shape = new int[rank];
            int n = 1;
            for (int k = 0; k < rank; k++) {
                shape[k] = 1 + r.nextInt(7);
                n *= shape[k];
            }
            float[] d = new float[n];
            for (int i = 0; i < n; i++) {
                d[i] = (float) r.nextGaussian();
            }
            int[] idx = new int[rank];
            int flat = 0;
            for (int k = 0; k < rank; k++) {
                idx[k] = r.nextInt(shape[k]);
                flat = flat * shape[k] + idx[k];
            }
            d[flat] = Float.NaN;
            String expected = "src: NaN at index " + Arrays.toString(idx) + " (a missing value: fill in or drop the missing values first)";
            assertEquals(expected, message("src", d, shape), "seed=" + SEED + " shape=" + Arrays.toString(shape));
        }
    }

    @Test
    void shapeMismatchIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class,
                () -> FiniteCheck.requireFinite("x", new float[5], new int[] {2, 3}));
        assertThrows(IllegalArgumentException.class,
                () -> FiniteCheck.requireFinite("x", new float[0], new int[] {-1}));
    }
}
