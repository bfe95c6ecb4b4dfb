package org.mtlalign.data;

import org.mtlalign.UserInputException;

/**
 * Rejects arrays containing NaN or infinity before they reach training, where a single bad value
 * silently poisons every weight. Reading is deliberately lenient ({@link Npy}, {@link Csv} accept
 * "nan", and hold a value too large for float32 as an infinity), so that this check can name the
 * first offending element: by its multi-dimensional index, or by line and column for CSV.
 */
public final class FiniteCheck {

    private FiniteCheck() {
    }

    /** The float32 range, as printed in messages about values outside it. */
    static final String FLOAT32_RANGE = "(|x| <= 3.4e38)";

    /**
     * Appended to an infinity found in a float16 file: float16 overflows at 65504, so an inf there
     * is most often a value that {@code astype(np.float16)} turned into one, not an inf in the data.
     */
    static final String FLOAT16_HINT = "; float16 holds |x| <= 65504, so larger values were likely lost"
            + " (turned to inf) when the array was cast to float16: save it as float32 instead";

    /**
     * @param source what to name in the message, usually the file path
     * @throws UserInputException for the first non-finite element in row-major order:
     *     {@code "SOURCE: NaN at index [12, 3]"} (or {@code Inf}, {@code -Inf}); where the array's
     *     {@link NpyArray#origin() origin} knows better, in the file's terms, e.g.
     *     {@code "y.csv: line 14, column 4: NaN"}, and for a finite value in the file that float32
     *     cannot hold, {@code "X.npy: value -1e+39 at index [1, 0] is outside the float32 range
     *     (|x| <= 3.4e38)"}; an infinity in a float16 file ({@code <f2}) is named with
     *     {@link #FLOAT16_HINT}, since it is likely a value that overflowed the cast to float16
     */
    public static void requireFinite(String source, NpyArray a) {
        check(source, a.data(), a.shape(), a.origin(), false, isFloat16(a.dtype()));
    }

    /**
     * As {@link #requireFinite(String, NpyArray)}, for a raw row-major array.
     *
     * @throws IllegalArgumentException if {@code data.length} is not the product of {@code shape}
     */
    public static void requireFinite(String source, float[] data, int[] shape) {
        check(source, data, shape, null, false, false);
    }

    /**
     * As {@link #requireFinite(String, NpyArray)} but NaN passes: for labels, where NaN (an empty
     * cell, NA, a pandas NaN) is a missing label and its row is left out of that task.
     */
    public static void requireNoInfinity(String source, NpyArray a) {
        check(source, a.data(), a.shape(), a.origin(), true, isFloat16(a.dtype()));
    }

    /** Whether a numpy descriptor such as {@code "<f2"} or {@code ">f2"} is float16. */
    private static boolean isFloat16(String dtype) {
        return dtype.equals("f2") || dtype.length() == 3 && "<>=|".indexOf(dtype.charAt(0)) >= 0
                && dtype.endsWith("f2");
    }

    private static void check(String source, float[] data, int[] shape, NpyArray.Origin origin, boolean nanOk,
            boolean float16) {
        if (product(shape) != data.length) {
            throw new IllegalArgumentException("shape does not match " + data.length + " elements");
        }
        // Tight scan first; the index is only worth computing once something is found.
        for (int i = 0; i < data.length; i++) {
            float v = data[i];
            if (!Float.isFinite(v) && !(nanOk && Float.isNaN(v))) {
                String m = message(source, v, i, shape, origin);
                throw new UserInputException(Npy.oneLine(float16 && Float.isInfinite(v) ? m + FLOAT16_HINT : m));
            }
        }
    }

    private static String message(String source, float v, int flat, int[] shape, NpyArray.Origin origin) {
        String location = origin != null ? origin.location(flat) : null;
        String tooLarge = origin != null ? origin.outOfRange(flat) : null;
        if (tooLarge != null) {
            return source + ": " + (location != null ? location + ": value " + tooLarge
                    : "value " + tooLarge + " at index " + unravel(flat, shape))
                    + " is outside the float32 range " + FLOAT32_RANGE;
        }
        String what = Float.isNaN(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
        // NaN is how numpy and pandas hold a missing value; say so, as the CSV reader does for NA.
        return (location != null ? source + ": " + location + ": " + what
                : source + ": " + what + " at index " + unravel(flat, shape)) + (Float.isNaN(v) ? Csv.MISSING_HINT : "");
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
