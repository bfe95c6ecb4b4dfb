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

    /**
     * The widest line {@link #printWrapped} prints: a k x k matrix is 7 characters a column, so
     * 40 tasks made lines of 2,200 that no terminal shows. Fixed rather than read from the
     * terminal so that the output of a run does not depend on the window it ran in.
     */
    static final int WIDTH = 120;

    /** Matrix row labels keep at most this many characters of a task's name (the index names it too). */
    static final int MATRIX_NAME = 30;

    static void print(PrintWriter out, List<String> header, List<List<String>> rows) {
        int[] w = widths(header, rows);
        int[] all = new int[w.length];
        for (int j = 0; j < all.length; j++) {
            all[j] = j;
        }
        print(out, header, rows, w, all);
    }

    /**
     * As {@link #print}, but when the lines would be wider than {@link #WIDTH} the columns after
     * the first are printed in blocks that fit, each under its own header and with the first
     * column repeated, as R and numpy print wide matrices.
     */
    static void printWrapped(PrintWriter out, List<String> header, List<List<String>> rows) {
        printWrapped(out, header, rows, 1);
    }

    /** As {@link #printWrapped(PrintWriter, List, List)}, repeating the first {@code fixed} columns in every block. */
    static void printWrapped(PrintWriter out, List<String> header, List<List<String>> rows, int fixed) {
        int[] w = widths(header, rows);
        if (w.length <= fixed) {
            print(out, header, rows);
            return;
        }
        int lead = -2;
        for (int c = 0; c < fixed; c++) {
            lead += 2 + w[c];
        }
        int j = fixed;
        while (j < w.length) {
            int width = lead;
            int end = j;
            // At least one column a block, however wide.
            do {
                width += 2 + w[end];
                end++;
            } while (end < w.length && width + 2 + w[end] <= WIDTH);
            int[] cols = new int[fixed + end - j];
            for (int c = 0; c < fixed; c++) {
                cols[c] = c;
            }
            for (int c = j; c < end; c++) {
                cols[fixed + c - j] = c;
            }
            if (j > fixed) {
                out.println();
            }
            print(out, header, rows, w, cols);
            j = end;
        }
    }

    /**
     * The width of a column of task names: the longest name, at least 14 (the column the names of
     * the built-in suites fit), so that a name with spaces or a long one does not run into the text after it.
     */
    static int nameWidth(List<String> names) {
        int w = 14;
        for (String n : names) {
            w = Math.max(w, n.length());
        }
        return w;
    }

    /** {@code name}, or its first characters and "..." when it is longer than {@code max}. */
    static String shortName(String name, int max) {
        return name.length() <= max ? name : name.substring(0, max - 3) + "...";
    }

    private static int[] widths(List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int j = 0; j < w.length; j++) {
            w[j] = header.get(j).length();
            for (List<String> r : rows) {
                w[j] = Math.max(w[j], r.get(j).length());
            }
        }
        return w;
    }

    private static void print(PrintWriter out, List<String> header, List<List<String>> rows, int[] w, int[] cols) {
        line(out, header, w, cols);
        StringBuilder sep = new StringBuilder();
        for (int c = 0; c < cols.length; c++) {
            sep.append(c == 0 ? "" : "  ").append("-".repeat(w[cols[c]]));
        }
        out.println(sep);
        for (List<String> r : rows) {
            line(out, r, w, cols);
        }
    }

    private static void line(PrintWriter out, List<String> cells, int[] w, int[] cols) {
        StringBuilder b = new StringBuilder();
        for (int j : cols) {
            String c = cells.get(j);
            if (j == 0) {
                b.append(c).append(" ".repeat(w[j] - c.length()));
            } else {
                b.append("  ").append(" ".repeat(w[j] - c.length())).append(c);
            }
        }
        out.println(b.toString().stripTrailing());
    }

    /**
     * The similarity title's ranks: each task's when the list is short, else their range and
     * median (40 tasks made a 200-character title line, which the matrix's own 120-column
     * wrapping then did not match).
     */
    static String ranks(int[] ranks) {
        String all = java.util.Arrays.toString(ranks);
        if (all.length() <= 48) {
            return "ranks " + all;
        }
        int[] s = ranks.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        long twice = n % 2 == 1 ? 2L * s[n / 2] : (long) s[n / 2 - 1] + s[n / 2];
        String median = twice / 2 + (twice % 2 == 0 ? "" : ".5");
        return "ranks " + s[0] + " to " + s[n - 1] + ", median " + median + "; each task's in --json";
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
            r.add(i + " " + shortName(names.get(i), MATRIX_NAME));
            for (int j = 0; j < names.size(); j++) {
                r.add(String.format(Locale.ROOT, "%.3f", m[i][j]));
            }
            rows.add(r);
        }
        printWrapped(out, header, rows);
    }
}
