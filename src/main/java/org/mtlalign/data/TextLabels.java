package org.mtlalign.data;

import java.util.Arrays;
import java.util.TreeSet;
import java.util.function.IntFunction;
import org.mtlalign.UserInputException;

/**
 * Class labels given as text ("spam"/"ham", "cat"/"dog"/"bird") turned into class indices: the
 * distinct strings of a column, sorted (by Unicode code units, as Java and Python sort them), are
 * its class names, and each row holds the index of its name. For two classes the later name is the
 * positive one, as the larger number is for numeric labels ("yes" over "no", "spam" over "ham").
 */
final class TextLabels {
    private TextLabels() {
    }

    /**
     * Builds the array: columns flagged in {@code text} from {@code cells} (row-major, the other
     * columns' entries unused), the other columns from {@code values} (row-major; written in place).
     *
     * @param location names a flat index the way the file shows it, for messages
     * @throws UserInputException for an empty label in a text column
     */
    static NpyArray encode(String where, int[] shape, String dtype, float[] values, String[] cells, boolean[] text,
                           NpyArray.Origin origin, IntFunction<String> location) {
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
            TreeSet<String> distinct = new TreeSet<>();
            for (int i = 0; i < rows; i++) {
                String c = cells[i * cols + j];
                if (c.isBlank()) {
                    throw new UserInputException(where + ": " + location.apply(i * cols + j)
                            + ": empty label (a missing value? fill in or drop those rows first)");
                }
                distinct.add(c);
            }
            names[j] = distinct.toArray(new String[0]);
            for (int i = 0; i < rows; i++) {
                values[i * cols + j] = Arrays.binarySearch(names[j], cells[i * cols + j]);
            }
        }
        NpyArray a = new NpyArray(shape, values, dtype, integral, origin);
        a.classNames = names;
        return a;
    }

    /** As {@link #encode(String, int[], String, float[], String[], boolean[], NpyArray.Origin, IntFunction)} with every column text. */
    static NpyArray encode(String where, String[] cells, int[] shape, String dtype) {
        int cols = shape.length == 2 ? shape[1] : 1;
        boolean[] text = new boolean[cols];
        Arrays.fill(text, true);
        return encode(where, shape, dtype, new float[cells.length], cells, text, null,
                flat -> "element " + (shape.length == 2 ? "[" + flat / cols + ", " + flat % cols + "]" : "[" + flat + "]"));
    }
}
