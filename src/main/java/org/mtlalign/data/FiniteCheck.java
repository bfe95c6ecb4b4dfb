package org.mtlalign.data;

import org.mtlalign.UserInputException;

/**
 * Rejects arrays containing NaN or infinity before they reach training, where a single bad value
 * silently poisons every weight. Reading is deliberately lenient ({@link Npy}, {@link Csv} accept
 * "nan"), so that this check can name the first offending element by its multi-dimensional index.
 */
public final class FiniteCheck {

    private FiniteCheck() {
    }

    /**
     * @param source what to name in the message, usually the file path
     * @throws UserInputException {@code "SOURCE: NaN at index [12, 3]"} (or {@code Inf}, {@code -Inf})
     *     for the first non-finite element in row-major order
     */
    public static void requireFinite(String source, NpyArray a) {
        requireFinite(source, a.data(), a.shape());
    }

    /**
     * As {@link #requireFinite(String, NpyArray)}, for a raw row-major array.
     *
     * @throws IllegalArgumentException if {@code data.length} is not the product of {@code shape}
     */
    public static void requireFinite(String source, float[] data, int[] shape) {
        if (product(shape) != data.length) {
            throw new IllegalArgumentException("shape does not match " + data.length + " elements");
        }
        // Tight scan first; the index is only worth computing once something is found.
        for (int i = 0; i < data.length; i++) {
            float v = data[i];
            if (!Float.isFinite(v)) {
                String what = Float.isNaN(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
                throw new UserInputException(source + ": " + what + " at index " + unravel(i, shape));
            }
        }
    }

    private static long product(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape");
            }
            if (d == 0) {
                return 0;
            }
        }
        for (int d : shape) {
            n *= d;
            if (n > Integer.MAX_VALUE) {
                return Long.MAX_VALUE; // cannot match any array length; avoids overflow
            }
        }
        return n;
    }

    /** Row-major flat index to "[i, j, k]". */
    private static String unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        int rest = flat;
        for (int k = shape.length - 1; k >= 0; k--) {
            idx[k] = rest % shape[k];
            rest /= shape[k];
        }
        StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < idx.length; k++) {
            if (k > 0) {
                sb.append(", ");
            }
            sb.append(idx[k]);
        }
        return sb.append(']').toString();
    }
}
