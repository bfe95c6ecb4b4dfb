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
     * The checks of {@link Backend#lossAndGradient} for rows >= 1: array lengths, and for softmax
     * a class index in 0..outputs - 1 per row (one read past a row's logits otherwise). Returns the
     * logits' count: rows for logistic (one logit per row), rows x outputs otherwise.
     */
    public static long lossArguments(org.mtlalign.model.Loss loss, float[] out, int rows, int outputs, float[] target,
                                     float[] grad) {
        long n = loss == org.mtlalign.model.Loss.LOGISTIC ? rows : (long) rows * outputs;
        need("lossAndGradient out", out, n);
        need("lossAndGradient target", target, loss == org.mtlalign.model.Loss.SQUARED ? n : rows);
        need("lossAndGradient grad", grad, n);
        if (loss == org.mtlalign.model.Loss.SOFTMAX) {
            for (int i = 0; i < rows; i++) {
                int cls = (int) target[i];
                if (cls < 0 || cls >= outputs) {
                    throw new IllegalArgumentException("lossAndGradient SOFTMAX: target[" + i + "] = " + target[i]
                            + " is not a class index in 0.." + (outputs - 1));
                }
            }
        }
        return n;
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
