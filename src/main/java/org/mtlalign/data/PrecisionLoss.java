package org.mtlalign.data;

import java.util.Locale;

/**
 * Per column of a float64 array (or a CSV table, whose text has as many digits as it likes), how much of its variation survives the conversion to float32.
 * A column such as 1e9 + N(0, 1) varies in the file but is constant in float32 (whose spacing at
 * 1e9 is 64): every model then sees a constant feature, and nothing says why. Standardising
 * afterwards cannot bring the lost digits back, so the readers measure it while converting.
 */
final class PrecisionLoss {
    /** A column whose float32 standard deviation is off by more than this share is reported. */
    private static final double TOLERANCE = 0.01;
    private final int rows;
    private final int cols;
    private final boolean fortran;
    // Sums of (value - the column's first value), in double, for the file's and float32's values.
    private final double[] shiftD;
    private final double[] shiftF;
    private final double[] sumD;
    private final double[] sumD2;
    private final double[] sumF;
    private final double[] sumF2;
    private final boolean[] started;
    private final long[] count;

    /** For an array of this shape (a 1-D array is one column) in C or Fortran order. */
    PrecisionLoss(int[] shape, boolean fortran) {
        this.rows = shape.length == 0 ? 1 : shape[0];
        long c = 1;
        for (int i = 1; i < shape.length; i++) {
            c *= shape[i];
        }
        this.cols = (int) Math.max(1, Math.min(c, Integer.MAX_VALUE));
        this.fortran = fortran && shape.length > 1;
        shiftD = new double[cols];
        shiftF = new double[cols];
        sumD = new double[cols];
        sumD2 = new double[cols];
        sumF = new double[cols];
        sumF2 = new double[cols];
        started = new boolean[cols];
        count = new long[cols];
    }

    /** For a row-major table of {@code cols} columns whose row count is not known yet (CSV). */
    static PrecisionLoss ofColumns(int cols) {
        return new PrecisionLoss(new int[] {1, cols}, false);
    }

    /** Element at position {@code filePos} of the file's order was {@code v}, is now {@code f}. */
    void note(long filePos, double v, float f) {
        if (!Double.isFinite(v) || !Float.isFinite(f)) {
            return; // NaN, infinities and overflow are reported elsewhere
        }
        // C order: the column is the position modulo cols; Fortran (first axis fastest): the
        // position divided by rows (for 2-D arrays; higher ranks fold the trailing axes).
        int j = (int) (fortran ? (filePos / rows) % cols : filePos % cols);
        if (!started[j]) {
            started[j] = true;
            shiftD[j] = v;
            shiftF[j] = f;
        }
        double a = v - shiftD[j];
        double b = f - shiftF[j];
        sumD[j] += a;
        sumD2[j] += a * a;
        sumF[j] += b;
        sumF2[j] += b * b;
        count[j]++;
    }

    /**
     * The column that lost the largest share of its standard deviation (more than 1%), described,
     * with how many others did; or null. Variation below 1e-12 of a column's magnitude is float64
     * round-off (0.1 * 3 next to 0.3), not data, and is not counted.
     */
    String describe() {
        return describe(null);
    }

    /** As {@link #describe()}, among the columns {@code only} (file column indices; null: all). */
    String describe(int[] only) {
        int worst = -1;
        double worstLoss = 0;
        int lossy = 0;
        for (int at = 0; at < (only == null ? cols : only.length); at++) {
            int j = only == null ? at : only[at];
            if (count[j] == 0) {
                continue;
            }
            double sd = std(sumD[j], sumD2[j], count[j]);
            double sf = std(sumF[j], sumF2[j], count[j]);
            double mean = shiftD[j] + sumD[j] / count[j];
            if (sd > 1e-12 * Math.abs(mean) && Math.abs(sf - sd) > TOLERANCE * sd) {
                lossy++;
                double loss = Math.abs(sf - sd) / sd;
                if (worst < 0 || loss > worstLoss) {
                    worst = j;
                    worstLoss = loss;
                }
            }
        }
        if (worst < 0) {
            return null;
        }
        double sd = std(sumD[worst], sumD2[worst], count[worst]);
        double sf = std(sumF[worst], sumF2[worst], count[worst]);
        double mean = shiftD[worst] + sumD[worst] / count[worst];
        return String.format(Locale.ROOT, "column %d%s varies by %.3g (standard deviation) around %.6g, and float32, "
                + "which keeps about 7 significant digits, %s; subtract the column means (or rescale) before saving",
                worst, lossy > 1 ? " (and " + (lossy - 1) + " more column" + (lossy > 2 ? "s" : "") + ")" : "", sd, mean,
                sf == 0 ? "rounds that variation away entirely"
                        : String.format(Locale.ROOT, "rounds it to a spread %.0f%% %s", 100 * Math.abs(sf - sd) / sd,
                                sf > sd ? "larger" : "smaller"));
    }

    private static double std(double s, double s2, long n) {
        if (n == 0) {
            return 0;
        }
        double mean = s / n;
        return Math.sqrt(Math.max(0, s2 / n - mean * mean));
    }
}
