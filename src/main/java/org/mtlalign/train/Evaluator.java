package org.mtlalign.train;

import java.util.List;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.Loss;
import org.mtlalign.model.MtlModel;

/**
 * Losses and metrics of a model on a split, computed in chunks to bound memory. It keeps its
 * scratch buffers between calls (a training run evaluates every epoch), so one instance must
 * not be used by two threads at once.
 */
public final class Evaluator {
    /** Rows per forward pass (Trainer's in-session validation uses the same chunks). */
    static final int CHUNK = 1024;
    private final Backend backend;
    private MtlModel.Workspace ws;
    private float[] xb = new float[0];
    private float[] grad = new float[0];

    public Evaluator(Backend backend) {
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
    }

    /**
     * sum_i w_i * mean loss_i on validation rows (or training rows when a task has none); null
     * weights weigh every task 1. Task i is scored with head i.
     *
     * @throws IllegalArgumentException when the tasks are not one per head, or the weights not one per task
     */
    public double weightedLoss(MtlModel model, List<PreparedTask> tasks, float[] weights, boolean validation) {
        // Fewer weights than tasks was an index error; fewer tasks than heads scored only some heads.
        if (tasks.size() != model.taskCount() || (weights != null && weights.length != tasks.size())) {
            throw new IllegalArgumentException(tasks.size() + " tasks and " + (weights == null ? "no" : weights.length)
                    + " weights for a model with " + model.taskCount() + " heads; need one task (and weight) per head");
        }
        double total = 0;
        for (int i = 0; i < tasks.size(); i++) {
            PreparedTask t = tasks.get(i);
            int[] idx = validation && t.validation().length > 0 ? t.validation() : t.train();
            total += (weights == null ? 1f : weights[i]) * meanLoss(model, i, t, idx);
        }
        return total;
    }

    /** Mean loss of head {@code task} over rows idx of t. */
    public double meanLoss(MtlModel model, int task, PreparedTask t, int[] idx) {
        requireHeadFits(model, task, t);
        float[] out = predict(model, task, t, idx);
        int c = model.heads().get(task).outputs();
        float[] target = t.gatherTarget(idx);
        if (grad.length < out.length) {
            grad = new float[out.length];
        }
        return backend.lossAndGradient(t.loss(), out, idx.length, c, target, 1f, grad);
    }

    /** Raw outputs (logits or predictions), idx.length x outputs. */
    public float[] predict(MtlModel model, int task, PreparedTask t, int[] idx) {
        return predict(model, task, t.x(), t.dim(), idx);
    }

    /**
     * Raw outputs of head {@code task} for rows idx of the row-major inputs x (d columns).
     *
     * @throws IllegalArgumentException for a head the model does not have, d other than the model's
     *     input dimension, or a row index outside x
     */
    public float[] predict(MtlModel model, int task, float[] x, int d, int[] idx) {
        // Unchecked, inputs of another width were read with the model's stride and gave plausible
        // numbers for the wrong rows (found by a library trial), and a bad index surfaced as an
        // index error inside the row gather.
        if (task < 0 || task >= model.taskCount()) {
            throw new IllegalArgumentException("no head " + task + " in a model of " + model.taskCount());
        }
        if (d != model.inputDim()) {
            throw new IllegalArgumentException("inputs of d = " + d + " columns for a model of d = " + model.inputDim());
        }
        long available = x.length / d;
        for (int r : idx) {
            if (r < 0 || r >= available) {
                throw new IllegalArgumentException("row " + r + " outside 0.." + (available - 1) + " of the inputs ("
                        + x.length + " values, d = " + d + ")");
            }
        }
        int c = model.heads().get(task).outputs();
        float[] out = new float[idx.length * c];
        int chunk = Math.min(CHUNK, Math.max(1, idx.length));
        if (ws == null || !ws.fits(model, chunk)) {
            ws = model.workspace(chunk);
        }
        if (xb.length < chunk * d) {
            xb = new float[chunk * d];
        }
        for (int from = 0; from < idx.length; from += CHUNK) {
            int rows = Math.min(CHUNK, idx.length - from);
            backend.gatherRows(x, d, idx, from, rows, xb);
            model.forward(backend, task, xb, rows, ws);
            System.arraycopy(ws.out, 0, out, from * c, rows * c);
        }
        return out;
    }

    /** The task's headline metric on rows idx (see {@link Loss#metricName()}). */
    public Metrics metrics(MtlModel model, int task, PreparedTask t, int[] idx) {
        requireHeadFits(model, task, t);
        float[] out = predict(model, task, t, idx);
        float[] target = t.gatherTarget(idx);
        int c = model.heads().get(task).outputs();
        return Metrics.of(t.loss(), out, target, idx.length, c, t.labels().labelScale());
    }

    /**
     * Head {@code task} can read t's targets: a regression head scored as a classifier gave a
     * plausible accuracy for a model that was never trained on the task, and the converse an
     * index error. The same rule as {@link Trainer}'s (heads are matched to tasks by position).
     */
    private static void requireHeadFits(MtlModel model, int task, PreparedTask t) {
        if (task < 0 || task >= model.taskCount()) {
            throw new IllegalArgumentException("no head " + task + " in a model of " + model.taskCount());
        }
        Trainer.requireHeadFits(t, task, model);
        org.mtlalign.model.TaskHead head = model.heads().get(task);
        if (head.loss() == Loss.SOFTMAX && head.outputs() < t.labels().outputs()) {
            throw new IllegalArgumentException("task '" + t.name() + "' has " + t.labels().outputs() + " classes but head "
                    + task + " ('" + head.name() + "') has " + head.outputs() + " outputs");
        }
    }
}
