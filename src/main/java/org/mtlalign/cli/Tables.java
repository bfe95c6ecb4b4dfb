package org.mtlalign.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** Plain-text tables for stdout. */
final class Tables {
    private Tables() {
    }

    /** A share as a percentage without rounding it to another rule: 0.99 -> "99", 0.995 -> "99.5" (not "100"). */
    static String percent(double share) {
        return new java.math.BigDecimal(Double.toString(share)).movePointRight(2).stripTrailingZeros().toPlainString();
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /**
     * A difference of two metrics around {@code scale} with its sign, in the form {@link #num}
     * prints them: e-notation when they are (3.2e-14 against 6.1e-13 is not "+0.0000"; 300 between
     * MSEs of 1e6 prints as +3.000e+02, below their fourth digit, as the sign "none" says).
     */
    static String signed(double v, double scale) {
        double a = Math.abs(scale);
        if (!Double.isNaN(v) && a != 0 && (a < 1e-3 || a >= 1e5)) {
            return String.format(Locale.ROOT, "%+.3e", v);
        }
        return signed(v);
    }

    /** A difference with its sign, in the same fixed-point form as the metrics it compares. */
    static String signed(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 1e5) {
            return String.format(Locale.ROOT, "%+.3e", v);
        }
        return String.format(Locale.ROOT, "%+.4f", v);
    }

    static void print(PrintWriter out, List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int j = 0; j < w.length; j++) {
            w[j] = header.get(j).length();
            for (List<String> r : rows) {
                w[j] = Math.max(w[j], r.get(j).length());
            }
        }
        line(out, header, w);
        StringBuilder sep = new StringBuilder();
        for (int j = 0; j < w.length; j++) {
            sep.append(j == 0 ? "" : "  ").append("-".repeat(w[j]));
        }
        out.println(sep);
        for (List<String> r : rows) {
            line(out, r, w);
        }
    }

    private static void line(PrintWriter out, List<String> cells, int[] w) {
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < cells.size(); j++) {
            String c = cells.get(j);
            if (j == 0) {
                b.append(c).append(" ".repeat(w[j] - c.length()));
            } else {
                b.append("  ").append(" ".repeat(w[j] - c.length())).append(c);
            }
        }
        out.println(b.toString().stripTrailing());
    }

    static void matrix(PrintWriter out, String title, List<String> names, double[][] m) {
        out.println(title);
        List<String> header = new java.util.ArrayList<>();
        header.add("");
        for (int i = 0; i < names.size(); i++) {
            header.add(String.valueOf(i));
        }
        List<List<String>> rows = new java.util.ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            List<String> r = new java.util.ArrayList<>();
            r.add(i + " " + names.get(i));
            for (int j = 0; j < names.size(); j++) {
                r.add(String.format(Locale.ROOT, "%.3f", m[i][j]));
            }
            rows.add(r);
        }
        print(out, header, rows);
    }
}
