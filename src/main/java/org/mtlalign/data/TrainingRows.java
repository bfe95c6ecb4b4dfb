package org.mtlalign.data;

import java.util.List;

/**
 * The training rows of k prepared tasks as dense arrays, the form the analyses take:
 * xs[i] (rows[i] x d), ys[i] (rows[i] x cols[i], one-hot for classes; see
 * {@link PreparedTask#labelMatrix}). Tasks with one X array and the same training rows (a shared X
 * without missing labels) share one gathered copy, xs[i] == xs[j], which the analyses then
 * factor once ({@link org.mtlalign.analysis.CovarianceSimilarity#factors}): k copies of a large X
 * were k times its memory and k identical covariances. The arrays are read, never written.
 */
public record TrainingRows(float[][] xs, float[][] ys, int[] rows, int[] cols, int dim) {

    public static TrainingRows of(List<PreparedTask> tasks) {
        java.util.Objects.requireNonNull(tasks, "tasks");
        int k = tasks.size();
        if (k == 0) {
            throw new IllegalArgumentException("no tasks");
        }
        float[][] xs = new float[k][];
        float[][] ys = new float[k][];
        int[] rows = new int[k];
        int[] cols = new int[k];
        for (int i = 0; i < k; i++) {
            PreparedTask t = tasks.get(i);
            xs[i] = null;
            for (int j = 0; j < i && xs[i] == null; j++) {
                PreparedTask u = tasks.get(j);
                if (u.x() == t.x() && java.util.Arrays.equals(u.train(), t.train())) {
                    xs[i] = xs[j];
                }
            }
            if (xs[i] == null) {
                xs[i] = t.gatherX(t.train());
            }
            ys[i] = t.labelMatrix(t.train());
            rows[i] = t.train().length;
            cols[i] = t.labels().outputs();
        }
        return new TrainingRows(xs, ys, rows, cols, tasks.get(0).dim());
    }

    /** The sum of the tasks' output counts. */
    public int totalOutputs() {
        int s = 0;
        for (int c : cols) {
            s += c;
        }
        return s;
    }
}
