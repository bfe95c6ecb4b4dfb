package org.mtlalign.data;

import java.util.List;

/**
 * The training rows of k prepared tasks as dense arrays, the form the analyses take:
 * xs[i] (rows[i] x d), ys[i] (rows[i] x cols[i], one-hot for classes; see
 * {@link PreparedTask#labelMatrix}).
 */
public record TrainingRows(float[][] xs, float[][] ys, int[] rows, int[] cols, int dim) {

    public static TrainingRows of(List<PreparedTask> tasks) {
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
            xs[i] = t.gatherX(t.train());
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
