package org.mtlalign.backend;

import java.util.Locale;

/**
 * The argument checks every {@link Backend} makes before it computes, shared so that the
 * backends refuse a wrong array with the same {@link IllegalArgumentException} and message
 * (otherwise the CPU one failed inside BLAS with an IndexOutOfBoundsException, or on an index
 * deep in a loop, where the CUDA one named the argument). O(1) and allocation-free: they run on
 * every call of a training step.
 */
public final class ArrayChecks {
    private ArrayChecks() {
    }

    /** Refuses a null {@code x} or one shorter than {@code count} values; {@code what} names the argument. */
    public static void need(String what, float[] x, long count) {
        if (x == null) {
            throw new IllegalArgumentException(what + ": null array");
        }
        if (count > x.length) {
            throw new IllegalArgumentException(what + ": needs " + count + " values, the array has " + x.length);
        }
    }

    /**
     * Elements from {@code off} to the end of a rows x cols block with leading dimension
     * {@code ld}, after checking that {@code x} holds them (0 for an empty block).
     */
    public static long span(String what, float[] x, int off, int rows, int cols, int ld) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(what + ": leading dimension " + ld + " < columns " + cols);
        }
        if (off < 0) {
            throw new IllegalArgumentException(what + ": negative offset " + off);
        }
        if (rows == 0 || cols == 0) {
            return 0;
        }
        long span = (long) (rows - 1) * ld + cols;
        if (x == null || off + span > x.length) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: %d x %d with leading dimension %d at offset %d needs %d values, the array has %s",
                    what, rows, cols, ld, off, off + span, x == null ? "none" : String.valueOf(x.length)));
        }
        return span;
    }
}
