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
        return gather(tasks, false);
    }

    /**
     * As {@link #of}, for a caller that needs only the training rows afterwards: each task is
     * removed from {@code tasks} (its entry set to null) once its rows are gathered, so that its
     * inputs can be collected while the later tasks' are gathered, unless a later task holds the
     * same array (a shared X). Gathering all tasks while every prepared X stays alive held the
     * inputs 1.6 times over (the X and 60% of its rows); this way the inputs beside the rows
     * gathered so far. {@code tasks} must be a mutable list the caller owns and that nothing else
     * reads, and the caller must hold no other reference to the prepared tasks.
     */
    public static TrainingRows ofReleasing(List<PreparedTask> tasks) {
        return gather(tasks, true);
    }

    private static TrainingRows gather(List<PreparedTask> tasks, boolean release) {
        java.util.Objects.requireNonNull(tasks, "tasks");
        int k = tasks.size();
        if (k == 0) {
            throw new IllegalArgumentException("no tasks");
        }
        // Which earlier task's gathered rows each task shares (same X array, same training rows), found
        // before any task is released.
        int[] same = new int[k];
        for (int i = 0; i < k; i++) {
            PreparedTask t = tasks.get(i);
            if (t == null) {
                throw new NullPointerException("task " + i + " of the list is null");
            }
            // The rows were gathered at their own d and returned as of the first task's.
            if (t.dim() != tasks.get(0).dim()) {
                throw new IllegalArgumentException("task '" + t.name() + "' has d = " + t.dim() + " inputs but task '"
                        + tasks.get(0).name() + "' has d = " + tasks.get(0).dim() + "; the tasks must share the input dimension");
            }
            same[i] = -1;
            for (int j = 0; j < i && same[i] < 0; j++) {
                PreparedTask u = tasks.get(j);
                if (u.x() == t.x() && java.util.Arrays.equals(u.train(), t.train())) {
                    same[i] = j;
                }
            }
        }
        float[][] xs = new float[k][];
        float[][] ys = new float[k][];
        int[] rows = new int[k];
        int[] cols = new int[k];
        int dim = tasks.get(0).dim();
        for (int i = 0; i < k; i++) {
            PreparedTask t = tasks.get(i);
            xs[i] = same[i] >= 0 ? xs[same[i]] : t.gatherX(t.train());
            ys[i] = t.labelMatrix(t.train());
            rows[i] = t.train().length;
            cols[i] = t.labels().outputs();
            if (release) {
                tasks.set(i, null);
            }
        }
        return new TrainingRows(xs, ys, rows, cols, dim);
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
