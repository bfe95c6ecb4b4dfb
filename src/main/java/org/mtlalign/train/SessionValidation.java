package org.mtlalign.train;

import java.util.List;
import org.mtlalign.backend.Resident;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.ResidentModel;

/**
 * The weighted validation loss of {@link Evaluator#weightedLoss} (validation = true), computed
 * in the training session: the same rows, the same 1024-row forward chunks and one loss over all
 * of a task's rows, so the CPU gets bitwise Evaluator's value; on a GPU nothing but the k losses
 * leaves the device. The validation rows' indices and targets are uploaded once per training.
 */
final class SessionValidation {
    private final Resident dev;
    private final ResidentModel model;
    private final List<PreparedTask> tasks;
    private final float[] weights;
    private final Resident.Floats[] x;
    private final Resident.Ints[] rows;
    private final int[] count;
    private final Resident.Floats[] out;
    private final Resident.Floats[] target;
    private final Resident.Floats grad;
    private final Resident.Floats xb;
    private final Resident.LossSlots slots;
    private final double[] losses;

    SessionValidation(Resident dev, ResidentModel trained, List<PreparedTask> tasks, float[] weights,
                      Resident.Floats[] x, Resident.Floats[] targets) {
        this.dev = dev;
        this.tasks = tasks;
        this.weights = weights;
        this.x = x;
        int k = tasks.size();
        rows = new Resident.Ints[k];
        count = new int[k];
        out = new Resident.Floats[k];
        target = new Resident.Floats[k];
        int maxRows = 1;
        int maxOut = 0;
        int d = trained.model().inputDim();
        for (int i = 0; i < k; i++) {
            PreparedTask t = tasks.get(i);
            int[] idx = t.validation().length > 0 ? t.validation() : t.train();
            for (int r : idx) {
                if (r < 0 || r >= t.rows()) {
                    throw new IllegalArgumentException("task '" + t.name() + "': validation row " + r + " outside 0.."
                            + (t.rows() - 1));
                }
            }
            count[i] = idx.length;
            rows[i] = dev.upload(idx);
            int c = trained.model().heads().get(i).outputs();
            out[i] = dev.floats(Math.multiplyExact(idx.length, c));
            int tc = t.targetColumns();
            target[i] = dev.floats(Math.multiplyExact(idx.length, tc));
            dev.gatherRows(targets[i], t.rows(), tc, rows[i], 0, idx.length, target[i]);
            maxRows = Math.max(maxRows, Math.min(Evaluator.CHUNK, idx.length));
            maxOut = Math.max(maxOut, idx.length * c);
        }
        model = trained.withBuffers(maxRows);
        grad = dev.floats(maxOut);
        xb = dev.floats(Math.multiplyExact(maxRows, d));
        slots = dev.lossSlots(k);
        losses = new double[k];
    }

    /** sum_i w_i * mean loss_i on the validation rows (training rows where a task has none). */
    double weightedLoss() {
        int k = tasks.size();
        for (int i = 0; i < k; i++) {
            PreparedTask t = tasks.get(i);
            int c = model.model().heads().get(i).outputs();
            for (int from = 0; from < count[i]; from += Evaluator.CHUNK) {
                int n = Math.min(Evaluator.CHUNK, count[i] - from);
                dev.gatherRows(x[i], t.rows(), t.dim(), rows[i], from, n, xb);
                model.forward(i, xb, n);
                dev.copy(model.out(), 0, out[i], from * c, n * c);
            }
            dev.lossAndGradient(t.loss(), out[i], count[i], c, target[i], 1f, grad, slots, i);
        }
        dev.readLosses(slots, k, losses);
        double total = 0;
        for (int i = 0; i < k; i++) {
            total += (weights == null ? 1f : weights[i]) * losses[i];
        }
        return total;
    }
}
