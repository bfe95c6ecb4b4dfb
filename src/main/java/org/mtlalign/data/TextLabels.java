package org.mtlalign.data;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * Class labels given as text ("spam"/"ham", "cat"/"dog"/"bird") turned into class indices: the
 * distinct strings of a column, sorted by Unicode code point (as Python's sorted() and np.unique
 * order them, so class index k is scikit-learn's LabelEncoder class k), are its class names, and each row holds the index of its name. For two classes the later name is the
 * positive one, as the larger number is for numeric labels ("yes" over "no", "spam" over "ham").
 */
final class TextLabels {
    private TextLabels() {
    }

    /**
     * Builds the array: columns flagged in {@code text} from {@code cells} (row-major, the other
     * columns' entries unused), the other columns from {@code values} (row-major; written in place).
     *
     * Missing labels (null, blank, "nan") become NaN.
     */
    static NpyArray encode(int[] shape, String dtype, float[] values, String[] cells, boolean[] text,
                           NpyArray.Origin origin) {
        int cols = text.length;
        int rows = cols == 0 ? 0 : cells.length / cols;
        String[][] names = new String[cols][];
        boolean integral = true;
        for (int j = 0; j < cols; j++) {
            if (!text[j]) {
                for (int i = 0; i < rows; i++) {
                    float v = values[i * cols + j];
                    integral &= Float.isFinite(v) && v == Math.rint(v);
                }
                continue;
            }
            TreeSet<String> distinct = new TreeSet<>(TextLabels::byCodePoint);
            for (int i = 0; i < rows; i++) {
                String c = cells[i * cols + j];
                if (!isMissing(c)) {
                    distinct.add(c);
                }
            }
            names[j] = distinct.toArray(new String[0]);
            for (int i = 0; i < rows; i++) {
                String c = cells[i * cols + j];
                // A missing label is NaN, as a numeric one is: its row is left out of the task.
                values[i * cols + j] = isMissing(c) ? Float.NaN : Arrays.binarySearch(names[j], c, TextLabels::byCodePoint);
            }
        }
        NpyArray a = new NpyArray(shape, values, dtype, integral, origin);
        a.classNames = names;
        return a;
    }

    /** Python's string order: by code point (Java's compareTo goes by UTF-16 unit, which differs beyond U+FFFF). */
    static int byCodePoint(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /**
     * No label: null (the CSV reader's missing cells), blank, or "nan" as numpy writes a float NaN
     * converted to text ({@code astype(str)}).
     */
    private static boolean isMissing(String c) {
        return c == null || c.isBlank() || c.strip().equalsIgnoreCase("nan");
    }

    /** As {@link #encode(int[], String, float[], String[], boolean[], NpyArray.Origin)} with every column text. */
    static NpyArray encode(String[] cells, int[] shape, String dtype) {
        int cols = shape.length == 2 ? shape[1] : 1;
        boolean[] text = new boolean[cols];
        Arrays.fill(text, true);
        return encode(shape, dtype, new float[cells.length], cells, text, null);
    }
}
