package org.mtlalign.train;

import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.Tensor;

/**
 * The thin training loop: mini-batches per task, a task-sampling rule, SGD with momentum or
 * Adam, early stopping on the weighted validation loss (the best parameters are restored) and
 * a divergence guard. Task j of {@code tasks} trains head j of the model.
 */
public final class Trainer {
    private final Backend backend;
    private final TrainConfig cfg;
    private IntConsumer epochListener = e -> { };

    public Trainer(Backend backend, TrainConfig cfg) {
        this.backend = backend;
        this.cfg = cfg;
    }

    /** Called after every epoch with its number (used for checkpoints). */
    public Trainer onEpoch(IntConsumer listener) {
        this.epochListener = listener;
        return this;
    }

    public TrainResult train(MtlModel model, List<PreparedTask> tasks, float[] weights) {
        int k = tasks.size();
        if (k != model.taskCount()) {
            throw new IllegalArgumentException(k + " tasks for a model with " + model.taskCount() + " heads");
        }
        int d = model.inputDim();
        Random rnd = new Random(cfg.seed() ^ 0x5DEECE66DL);
        int[][] order = new int[k][];
        int[] cursor = new int[k];
        float[][] xb = new float[k][];
        float[][] tb = new float[k][];
        long totalRows = 0;
        int maxBatches = 0;
        for (int i = 0; i < k; i++) {
            PreparedTask t = tasks.get(i);
            order[i] = t.train().clone();
            shuffle(order[i], rnd);
            int b = Math.min(cfg.batchSize(), order[i].length);
            xb[i] = new float[b * d];
            tb[i] = new float[b * t.targetColumns()];
            totalRows += order[i].length;
            maxBatches = Math.max(maxBatches, (order[i].length + b - 1) / b);
        }
        MtlModel.Workspace ws = model.workspace(Math.min(cfg.batchSize(), maxRows(tasks)));
        long stepsPerEpoch = cfg.sampling() == TrainConfig.Sampling.ALL
                ? maxBatches : Math.max(1, (totalRows + cfg.batchSize() - 1) / cfg.batchSize());
        double[] cumulative = new double[k];
        for (int i = 0; i < k; i++) {
            cumulative[i] = (i == 0 ? 0 : cumulative[i - 1]) + (double) order[i].length / totalRows;
        }
        List<Tensor> params = model.parameters();
        List<List<Tensor>> usedBy = new java.util.ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            usedBy.add(model.parametersUsedBy(i));
        }
        Evaluator evaluator = new Evaluator(backend);
        float[][] best = model.snapshot();
        // The starting parameters are a candidate too (epoch 0): a phase that starts from a
        // trained model (alignment, resume, fine-tuning) then never returns something worse.
        double bestLoss = evaluator.weightedLoss(model, tasks, weights, true);
        if (!Double.isFinite(bestLoss)) {
            bestLoss = Double.POSITIVE_INFINITY;
        }
        int bestEpoch = 0;
        int epoch = 0;
        long step = 0;
        double trainLoss = Double.NaN;
        int nextTask = 0;
        ProgressBar bar = cfg.progress() && cfg.epochs() * stepsPerEpoch > 2000
                ? new ProgressBarBuilder().setTaskName("train").setInitialMax(cfg.epochs() * stepsPerEpoch)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate().build()
                : null;
        try {
            for (epoch = 1; epoch <= cfg.epochs(); epoch++) {
                double epochLoss = 0;
                for (long s = 0; s < stepsPerEpoch; s++) {
                    double loss = 0;
                    int task = -1;
                    List<Tensor> used;
                    if (cfg.sampling() == TrainConfig.Sampling.ALL) {
                        used = params;
                        zero(used);
                        for (int i = 0; i < k; i++) {
                            loss += batchStep(model, tasks.get(i), i, order, cursor, xb, tb, weights, ws, rnd);
                        }
                    } else {
                        // One task: nothing to sample (and no random draw, so a single-task model
                        // trains identically under every sampling rule).
                        if (cfg.sampling() == TrainConfig.Sampling.ROUND_ROBIN || k == 1) {
                            task = nextTask;
                            nextTask = (nextTask + 1) % k;
                        } else {
                            task = sample(cumulative, rnd.nextDouble());
                        }
                        used = usedBy.get(task);
                        zero(used);
                        loss = batchStep(model, tasks.get(task), task, order, cursor, xb, tb, weights, ws, rnd);
                    }
                    step++;
                    if (!Double.isFinite(loss)) {
                        model.restore(best);
                        throw new TrainingDivergedException("training diverged at epoch " + epoch + ", step " + step
                                + (task >= 0 ? " on task '" + tasks.get(task).name() + "'" : "")
                                + " (loss " + loss + "); parameters restored to the last good epoch ("
                                + bestEpoch + "); try a smaller --lr, or rescale very large labels or inputs");
                    }
                    epochLoss += loss;
                    update(used);
                    if (bar != null) {
                        bar.step();
                    }
                }
                trainLoss = epochLoss / stepsPerEpoch;
                double valLoss = evaluator.weightedLoss(model, tasks, weights, true);
                if (!Double.isFinite(valLoss)) {
                    model.restore(best);
                    throw new TrainingDivergedException("training diverged at epoch " + epoch
                            + " (validation loss " + valLoss + "); parameters restored to the last good epoch ("
                            + bestEpoch + "); try a smaller --lr, or rescale very large labels or inputs");
                }
                if (Double.isInfinite(bestLoss) || valLoss < bestLoss - 1e-9 * Math.abs(bestLoss)) {
                    bestLoss = valLoss;
                    bestEpoch = epoch;
                    best = model.snapshot();
                }
                epochListener.accept(epoch);
                if (bar != null) {
                    bar.setExtraMessage(String.format(" val %.4g", valLoss));
                }
                if (epoch - bestEpoch > cfg.patience()) {
                    break;
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        model.restore(best);
        return new TrainResult(Math.min(epoch, cfg.epochs()), bestEpoch, bestLoss, trainLoss, step);
    }

    private double batchStep(MtlModel model, PreparedTask t, int task, int[][] order, int[] cursor,
                             float[][] xb, float[][] tb, float[] weights, MtlModel.Workspace ws, Random rnd) {
        int[] ord = order[task];
        int rows = Math.min(cfg.batchSize(), ord.length);
        if (cursor[task] + rows > ord.length) {
            // Reshuffle at the end of a pass; a partial tail batch would weigh its rows more.
            shuffle(ord, rnd);
            cursor[task] = 0;
        }
        int d = t.dim();
        backend.gatherRows(t.x(), d, ord, cursor[task], rows, xb[task]);
        backend.gatherRows(t.target(), t.targetColumns(), ord, cursor[task], rows, tb[task]);
        cursor[task] += rows;
        float w = weights == null ? 1f : weights[task];
        model.forward(backend, task, xb[task], rows, ws);
        return model.backward(backend, task, xb[task], rows, tb[task], w, ws);
    }

    private static void zero(List<Tensor> ps) {
        for (Tensor p : ps) {
            p.zeroGrad();
        }
    }

    /** Updates only the tensors the step used, so a head's Adam moments and step count advance
     * with its own task's steps and not with every other task's. */
    private void update(List<Tensor> used) {
        for (Tensor p : used) {
            if (!p.trainable()) {
                continue;
            }
            if (cfg.optimizer() == TrainConfig.Optimizer.ADAM) {
                p.setSteps(p.steps() + 1);
                backend.adam(p.value(), p.grad(), p.moment1(), p.moment2(), p.size(), cfg.learningRate(),
                        0.9f, 0.999f, 1e-8f, cfg.weightDecay(), p.steps());
            } else {
                backend.sgdMomentum(p.value(), p.grad(), p.moment1(), p.size(), cfg.learningRate(),
                        cfg.momentum(), cfg.weightDecay());
            }
        }
    }

    private static int maxRows(List<PreparedTask> tasks) {
        int m = 1;
        for (PreparedTask t : tasks) {
            m = Math.max(m, t.train().length);
        }
        return m;
    }

    private static int sample(double[] cumulative, double u) {
        for (int i = 0; i < cumulative.length; i++) {
            if (u < cumulative[i]) {
                return i;
            }
        }
        return cumulative.length - 1;
    }

    static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
