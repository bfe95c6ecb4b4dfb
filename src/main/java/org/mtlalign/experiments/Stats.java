package org.mtlalign.experiments;

import java.util.Arrays;

/** Means, spreads and rank correlations over seeds. */
public final class Stats {
    private Stats() {
    }

    public static double mean(double[] a) {
        double s = 0;
        int n = 0;
        for (double v : a) {
            if (!Double.isNaN(v)) {
                s += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /** How many values {@link #mean} and {@link #std} use: those that are not NaN. */
    public static int count(double[] a) {
        int n = 0;
        for (double v : a) {
            n += Double.isNaN(v) ? 0 : 1;
        }
        return n;
    }

    /** Sample standard deviation (n - 1); 0 for a single value. */
    public static double std(double[] a) {
        double m = mean(a);
        double s = 0;
        int n = 0;
        for (double v : a) {
            if (!Double.isNaN(v)) {
                s += (v - m) * (v - m);
                n++;
            }
        }
        return n < 2 ? 0 : Math.sqrt(s / (n - 1));
    }

    /** Spearman's rank correlation (average ranks for ties). */
    public static double spearman(double[] x, double[] y) {
        return pearson(ranks(x), ranks(y));
    }

    public static double pearson(double[] x, double[] y) {
        double mx = mean(x);
        double my = mean(y);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    static double[] ranks(double[] a) {
        Integer[] idx = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (p, q) -> Double.compare(a[p], a[q]));
        double[] r = new double[a.length];
        int i = 0;
        while (i < a.length) {
            int j = i;
            while (j + 1 < a.length && a[idx[j + 1]] == a[idx[i]]) {
                j++;
            }
            for (int t = i; t <= j; t++) {
                r[idx[t]] = (i + j) / 2.0 + 1;
            }
            i = j + 1;
        }
        return r;
    }

    /** A "mean ± std" cell. */
    public static String pm(double[] a) {
        return String.format(java.util.Locale.ROOT, "%.4f ± %.4f", mean(a), std(a));
    }
}
