package org.mtlalign.data;

import org.mtlalign.model.Loss;
import org.mtlalign.model.TaskHead;

/**
 * A task ready for training: standardised inputs, encoded targets and its seeded split.
 * Index arrays refer to rows of {@code x}.
 */
public record PreparedTask(String name, float[] x, int rows, int dim, EncodedLabels labels,
                           int[] train, int[] validation, int[] test) {

    public TaskHead head() {
        return new TaskHead(name, labels.loss(), labels.outputs());
    }

    public Loss loss() {
        return labels.loss();
    }

    public float[] target() {
        return labels.target();
    }

    public int targetColumns() {
        return labels.targetColumns();
    }

    /** Copies the rows idx of X into a new dense array (for analyses on one split). */
    public float[] gatherX(int[] idx) {
        float[] out = new float[idx.length * dim];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(x, idx[i] * dim, out, i * dim, dim);
        }
        return out;
    }

    public float[] gatherTarget(int[] idx) {
        int tc = targetColumns();
        float[] out = new float[idx.length * tc];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(labels.target(), idx[i] * tc, out, i * tc, tc);
        }
        return out;
    }

    /**
     * Labels of rows idx as an idx.length x outputs matrix: values for regression, the 0/1
     * label for binary tasks, one-hot rows for multi-class (the form Algorithm 2 needs).
     */
    public float[] labelMatrix(int[] idx) {
        int c = labels.outputs();
        float[] out = new float[idx.length * c];
        float[] t = labels.target();
        for (int i = 0; i < idx.length; i++) {
            if (loss() == Loss.SOFTMAX) {
                out[i * c + (int) t[idx[i]]] = 1f;
            } else {
                System.arraycopy(t, idx[i] * c, out, i * c, c);
            }
        }
        return out;
    }
}
