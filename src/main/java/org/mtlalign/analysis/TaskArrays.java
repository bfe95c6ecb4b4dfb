package org.mtlalign.analysis;

/** The k tasks' arrays the analyses take: xs[i] (rows[i] x d), ys[i] (rows[i] x cols[i]). */
final class TaskArrays {
    private TaskArrays() {
    }

    /**
     * Refuses arrays that do not fit together (IllegalArgumentException naming {@code who} and the
     * task) and non-finite targets, and inputs too when {@code finiteInputs}.
     */
    static void check(String who, float[][] xs, int[] rows, int d, float[][] ys, int[] cols, boolean finiteInputs) {
        int k = xs.length;
        if (k == 0 || rows.length != k || ys.length != k || cols.length != k || d < 1) {
            throw new IllegalArgumentException(who + ": " + k + " inputs, " + rows.length + " row counts, " + ys.length
                    + " targets and " + cols.length + " column counts (d = " + d + "); need the same number (>= 1) of "
                    + "each and d >= 1");
        }
        int[] owner = CovarianceSimilarity.owners(xs);
        for (int i = 0; i < k; i++) {
            // "task 0 has 0 input and 0 target values for 0 rows" read as a size mismatch.
            if (rows[i] < 1) {
                throw new IllegalArgumentException(who + ": task " + i + (rows[i] == 0 ? " has no rows"
                        : " has a negative row count " + rows[i]) + " (every task needs at least one)");
            }
            if (cols[i] < 1) {
                throw new IllegalArgumentException(who + ": task " + i + " has " + cols[i]
                        + " target columns (every task needs at least one)");
            }
            if (xs[i] == null || ys[i] == null) {
                throw new IllegalArgumentException(who + ": task " + i + " has no " + (xs[i] == null ? "input" : "target")
                        + " array (null)");
            }
            // Exactly: with "at least", a row count copied from a smaller task (rows = {m0, m0, m0}
            // for tasks of m0, m1, m2 rows) silently used the first m0 rows of the others.
            if (xs[i].length != (long) rows[i] * d || ys[i].length != (long) rows[i] * cols[i]) {
                throw new IllegalArgumentException(who + ": task " + i + " has " + xs[i].length + " input and "
                        + ys[i].length + " target values for " + rows[i] + " rows, d = " + d + ", " + cols[i]
                        + " target column(s)");
            }
            if (finiteInputs && owner[i] == i) {
                // An array shared by several tasks (a shared X: TrainingRows) is checked once.
                org.mtlalign.backend.cpu.CpuBackend.requireFinite(who + ": inputs of task " + i, xs[i], (long) rows[i] * d);
            }
            org.mtlalign.backend.cpu.CpuBackend.requireFinite(who + ": targets of task " + i, ys[i],
                    (long) rows[i] * cols[i]);
        }
    }
}
