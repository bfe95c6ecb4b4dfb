package org.mtlalign.train;

import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.Resident;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.ResidentModel;

/**
 * The thin training loop: mini-batches per task, a task-sampling rule, SGD with momentum or
 * Adam, early stopping on the weighted validation loss ({@link TrainConfig#patienceAfter}; the
 * best parameters are restored) and a divergence guard. Task j of {@code tasks} trains head j of the model.
 *
 * <p>It runs on a {@link Resident} session of the backend: the data, parameters and optimiser
 * state go to the backend once per {@link #train} call, steps and the per-epoch validation loss
 * run there, losses come back every {@link Resident#lossReadInterval()} steps and the
 * parameters (with the optimiser state) once per epoch, before the best-epoch snapshot and the
 * epoch listener. On the CPU the session wraps the model's own arrays.
 */
public final class Trainer {
    private final Backend backend;
    private final TrainConfig cfg;
    private IntConsumer epochListener = e -> { };

    public Trainer(Backend backend, TrainConfig cfg) {
        // Null here failed only at train(), as a NullPointerException deep inside.
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
        this.cfg = java.util.Objects.requireNonNull(cfg, "cfg");
    }

    /** The configuration this trainer trains with. */
    TrainConfig config() {
        return cfg;
    }

    /** At most one epoch line per this interval (see {@link #logEpochs}). */
    static final long EPOCH_LINE_NANOS = 30_000_000_000L;

    private String epochLogName;
    private java.util.function.Consumer<String> epochLog;
    // The clock of the epoch lines; tests replace it (defaultClock: for the trainers that
    // PairwiseTransfer and the experiments make).
    static volatile java.util.function.LongSupplier defaultClock = System::nanoTime;
    java.util.function.LongSupplier clock = defaultClock;

    /**
     * Says how a training without a progress bar is going (standard error sent to a log file, or
     * the trainings that run beside the one with the bar): after an epoch that ends 30 s or more
     * after the last such line (or the start), one line such as "MTL: epoch 3 of at most 200,
     * 1.2 min an epoch (at most 3.9 h more); validation loss 0.4123, best 0.4101 at epoch 2".
     * On 670k training rows of d = 384 an epoch took minutes, and nothing was printed between
     * "training MTL" and its end.
     */
    public Trainer logEpochs(String name, java.util.function.Consumer<String> sink) {
        this.epochLogName = name;
        this.epochLog = sink;
        return this;
    }

    /** "12 s", "3.4 min", "2.1 h". */
    static String duration(double seconds) {
        return seconds < 120 ? String.format(java.util.Locale.ROOT, "%.0f s", seconds)
                : seconds < 7200 ? String.format(java.util.Locale.ROOT, "%.1f min", seconds / 60)
                : String.format(java.util.Locale.ROOT, "%.1f h", seconds / 3600);
    }

    /** Called after every epoch with its number (used for checkpoints); null: nothing. */
    public Trainer onEpoch(IntConsumer listener) {
        // Null failed as a NullPointerException after the first epoch.
        this.epochListener = listener != null ? listener : e -> { };
        return this;
    }

    /**
     * Trains {@code model} in place on the tasks' training rows, task i through head i, and leaves
     * it at its best epoch's parameters.
     *
     * @param weights each task's weight in the summed loss (finite, >= 0, not all 0), or null for 1 each
     * @throws IllegalArgumentException for tasks that are not one per head or do not fit their heads
     *     (kind, width, order, input dimension), weights as above, or a model whose parameters are all
     *     zero (call {@link MtlModel#initialize} first)
     * @throws TrainingDivergedException when the training or validation loss becomes NaN or infinite (the
     *     model is then left at its last good epoch)
     */
    public TrainResult train(MtlModel model, List<PreparedTask> tasks, float[] weights) {
        java.util.Objects.requireNonNull(model, "model");
        java.util.Objects.requireNonNull(tasks, "tasks");
        int k = tasks.size();
        if (k != model.taskCount()) {
            throw new IllegalArgumentException(k + " tasks for a model with " + model.taskCount() + " heads");
        }
        for (int i = 0; i < k; i++) {
            if (tasks.get(i) == null) {
                throw new NullPointerException("task " + i + " of the list is null");
            }
        }
        if (weights != null && weights.length != k) {
            throw new IllegalArgumentException(weights.length + " task weights for " + k + " tasks");
        }
        if (weights != null) {
            for (int i = 0; i < k; i++) {
                // A negative weight turns that task's descent into ascent: its loss would be
                // maximised and the summed validation loss could go below zero.
                if (!(weights[i] >= 0 && Float.isFinite(weights[i]))) {
                    throw new IllegalArgumentException("task weight " + i + " is " + weights[i]
                            + "; weights must be finite and >= 0");
                }
            }
            // Every weight zero: no gradient reached any parameter, and the run "succeeded" with a
            // best validation loss of 0 at epoch 0.
            boolean any = false;
            for (float w : weights) {
                any |= w > 0;
            }
            if (k > 0 && !any) {
                throw new IllegalArgumentException("every task weight is 0: nothing would be trained; give at least "
                        + "one task a positive weight (null weighs every task 1)");
            }
        }
        if (isAllZero(model)) {
            // Zero B and zero heads get zero gradients: training would "succeed" and learn nothing.
            throw new IllegalArgumentException("the model's parameters are all zero; call MtlModel.initialize(seed) "
                    + "before training it");
        }
        try (Resident dev = backend.resident()) {
            return train(dev, model, tasks, weights);
        }
    }

    private static boolean isAllZero(MtlModel model) {
        for (org.mtlalign.model.Tensor t : model.parameters()) {
            for (float v : t.value()) {
                if (v != 0f) {
                    return false;
                }
            }
        }
        return true;
    }

    private TrainResult train(Resident dev, MtlModel model, List<PreparedTask> tasks, float[] weights) {
        int k = tasks.size();
        int d = model.inputDim();
        Random rnd = new Random(cfg.seed() ^ 0x5DEECE66DL);
        int[][] order = new int[k][];
        int[] cursor = new int[k];
        Resident.Ints[] orderDev = new Resident.Ints[k];
        Resident.Floats[] xDev = new Resident.Floats[k];
        Resident.Floats[] targetDev = new Resident.Floats[k];
        Resident.Floats[] xb = new Resident.Floats[k];
        Resident.Floats[] tb = new Resident.Floats[k];
        long totalRows = 0;
        int maxBatches = 0;
        for (int i = 0; i < k; i++) {
            PreparedTask t = tasks.get(i);
            checkTask(t, i, model);
            order[i] = t.train().clone();
            shuffle(order[i], rnd);
            int b = Math.min(cfg.batchSize(), order[i].length);
            // Every task's data goes to the backend once; a step then moves no data. Tasks of a
            // shared X read one copy (the steps only gather from it): on a GPU, k uploads were k
            // copies of X in device memory.
            for (int j = 0; j < i && xDev[i] == null; j++) {
                if (tasks.get(j).x() == t.x()) {
                    xDev[i] = xDev[j];
                }
            }
            if (xDev[i] == null) {
                xDev[i] = dev.upload(t.x());
            }
            targetDev[i] = dev.upload(t.target());
            orderDev[i] = dev.upload(order[i]);
            xb[i] = dev.floats(Math.multiplyExact(b, d));
            tb[i] = dev.floats(Math.multiplyExact(b, t.targetColumns()));
            totalRows += order[i].length;
            maxBatches = Math.max(maxBatches, (order[i].length + b - 1) / b);
        }
        ResidentModel rm = ResidentModel.upload(model, dev, Math.min(cfg.batchSize(), maxRows(tasks)));
        // An epoch is as many steps as batches in all rows; under round-robin at least one step
        // per task, or a batch near the data size (one step an epoch) would leave tasks untrained
        // for whole epochs and early stopping would count single steps.
        long stepsPerEpoch = cfg.sampling() == TrainConfig.Sampling.ALL
                ? maxBatches : Math.max(cfg.sampling() == TrainConfig.Sampling.ROUND_ROBIN ? k : 1,
                        (totalRows + cfg.batchSize() - 1) / cfg.batchSize());
        double[] cumulative = new double[k];
        for (int i = 0; i < k; i++) {
            cumulative[i] = (i == 0 ? 0 : cumulative[i - 1]) + (double) order[i].length / totalRows;
        }
        // Losses are read back every `window` steps (every step on the CPU); each step's task
        // (-1: all tasks) is kept so a non-finite loss is reported with its step and task.
        int window = Math.max(1, dev.lossReadInterval());
        int perStep = cfg.sampling() == TrainConfig.Sampling.ALL ? k : 1;
        Resident.LossSlots slots = dev.lossSlots(window * perStep);
        double[] losses = new double[window * perStep];
        int[] stepTask = new int[window];
        SessionValidation validation = new SessionValidation(dev, rm, tasks,
                validationWeights(weights, tasks, cfg.sampling()), xDev, targetDev);
        float[][] best = model.snapshot();
        // The starting parameters are a candidate too (epoch 0): a phase that starts from a
        // trained model (alignment, resume, fine-tuning) then never returns something worse.
        double bestLoss = validation.weightedLoss();
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
        long started = epochLog != null ? clock.getAsLong() : 0;
        String lossName = stoppingLossName(tasks);
        long lastLine = started;
        try {
            for (epoch = 1; epoch <= cfg.epochs(); epoch++) {
                double epochLoss = 0;
                int pending = 0;
                for (long s = 0; s < stepsPerEpoch; s++) {
                    int task = -1;
                    if (cfg.sampling() == TrainConfig.Sampling.ALL) {
                        rm.startGradients(-1);
                        for (int i = 0; i < k; i++) {
                            batchStep(dev, rm, tasks.get(i), i, order, orderDev, cursor, xDev, targetDev, xb, tb,
                                    weights, rnd, slots, pending * perStep + i);
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
                        rm.startGradients(task);
                        batchStep(dev, rm, tasks.get(task), task, order, orderDev, cursor, xDev, targetDev, xb, tb,
                                weights, rnd, slots, pending);
                    }
                    stepTask[pending++] = task;
                    if (pending == window || s == stepsPerEpoch - 1) {
                        // On the CPU (window 1) this check comes before the step's update, so a
                        // diverging step never reaches the parameters; elsewhere the best
                        // parameters restored below make the later updates moot.
                        dev.readLosses(slots, pending * perStep, losses);
                        for (int j = 0; j < pending; j++) {
                            double loss = 0;
                            for (int i = 0; i < perStep; i++) {
                                loss += losses[j * perStep + i];
                            }
                            if (!Double.isFinite(loss)) {
                                model.restore(best);
                                int tj = stepTask[j];
                                throw new TrainingDivergedException("training diverged at epoch " + epoch + ", step "
                                        + (step + j + 1)
                                        + (tj >= 0 ? " on task '" + tasks.get(tj).name() + "'" : "")
                                        + " (loss " + loss + "); parameters restored to the last good epoch ("
                                        + bestEpoch + "); try a smaller --lr, or rescale very large labels or inputs",
                                        epoch, bestEpoch, bestLoss);
                            }
                            epochLoss += loss;
                        }
                        step += pending;
                        pending = 0;
                    }
                    update(rm, task);
                    if (bar != null) {
                        bar.step();
                    }
                }
                trainLoss = epochLoss / stepsPerEpoch;
                double valLoss = validation.weightedLoss();
                // The host's tensors are brought up to date every epoch: the snapshot of a new
                // best and the epoch listener (checkpoints) read them.
                rm.download();
                if (!Double.isFinite(valLoss)) {
                    model.restore(best);
                    throw new TrainingDivergedException("training diverged at epoch " + epoch
                            + " (validation loss " + valLoss + "); parameters restored to the last good epoch ("
                            + bestEpoch + "); try a smaller --lr, or rescale very large labels or inputs",
                            epoch, bestEpoch, bestLoss);
                }
                if (Double.isInfinite(bestLoss) || valLoss < bestLoss - 1e-9 * Math.abs(bestLoss)) {
                    bestLoss = valLoss;
                    bestEpoch = epoch;
                    best = model.snapshot();
                }
                epochListener.accept(epoch);
                if (bar == null && epochLog != null && epoch < cfg.epochs() && epoch - bestEpoch <= cfg.patienceAfter(bestEpoch)) {
                    long now = clock.getAsLong();
                    if (now - lastLine >= EPOCH_LINE_NANOS) {
                        lastLine = now;
                        double perEpoch = (now - started) / 1e9 / epoch;
                        epochLog.accept(String.format(java.util.Locale.ROOT, "%s: epoch %d of at most %d, %s an epoch "
                                + "(at most %s more); %s %.4g, best %.4g at epoch %d", epochLogName, epoch,
                                cfg.epochs(), duration(perEpoch), duration(perEpoch * (cfg.epochs() - epoch)), lossName, valLoss,
                                bestLoss, bestEpoch));
                    }
                }
                if (bar != null) {
                    bar.setExtraMessage(String.format(java.util.Locale.ROOT, " val %.4g", valLoss));
                }
                if (epoch - bestEpoch > cfg.patienceAfter(bestEpoch)) {
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

    /**
     * The task weights of the validation loss early stopping judges: those of the objective the
     * sampling rule descends. Round-robin and all weigh every task's mean loss alike, so the task
     * weights as given; proportional draws task i with probability m_i / M (training rows), so
     * w_i k m_i / M, which is w_i itself for tasks of equal size. Summing alike under proportional
     * let the small tasks decide: 12 shared-input tasks of 84 to 3,000 labelled rows kept their
     * initialisation (best epoch 0, MTL AUC 0.40-0.74 on every task); weighted, best epoch 7.
     *
     * @param weights the task weights, or null for 1 each
     * @return the weights (null for 1 each) to sum the tasks' mean validation losses with
     */
    static float[] validationWeights(float[] weights, List<PreparedTask> tasks, TrainConfig.Sampling sampling) {
        if (sampling != TrainConfig.Sampling.PROPORTIONAL) {
            return weights;
        }
        int k = tasks.size();
        long total = 0;
        for (PreparedTask t : tasks) {
            total += t.train().length;
        }
        float[] v = new float[k];
        for (int i = 0; i < k; i++) {
            double share = total == 0 ? 1 : (double) k * tasks.get(i).train().length / total;
            v[i] = (float) ((weights == null ? 1f : weights[i]) * share);
        }
        return v;
    }

    /**
     * What early stopping judges, as the epoch lines name it: the validation loss, the training
     * loss when no task has validation rows, and the loss on validation rows where a task has
     * them (training rows for the others) in between.
     */
    static String stoppingLossName(List<PreparedTask> tasks) {
        int without = 0;
        for (PreparedTask t : tasks) {
            without += t.validation().length == 0 ? 1 : 0;
        }
        return without == 0 ? "validation loss" : without == tasks.size() ? "training loss (no validation rows)"
                : "loss on validation rows (training rows for " + without + " of " + tasks.size() + " tasks)";
    }

    private void batchStep(Resident dev, ResidentModel rm, PreparedTask t, int task, int[][] order,
                           Resident.Ints[] orderDev, int[] cursor, Resident.Floats[] xDev, Resident.Floats[] targetDev,
                           Resident.Floats[] xb, Resident.Floats[] tb, float[] weights, Random rnd,
                           Resident.LossSlots slots, int slot) {
        int[] ord = order[task];
        int rows = Math.min(cfg.batchSize(), ord.length);
        if (cursor[task] + rows > ord.length) {
            // Reshuffle at the end of a pass; a partial tail batch would weigh its rows more.
            shuffle(ord, rnd);
            dev.upload(ord, orderDev[task]);
            cursor[task] = 0;
        }
        dev.gatherRows(xDev[task], t.rows(), t.dim(), orderDev[task], cursor[task], rows, xb[task]);
        dev.gatherRows(targetDev[task], t.rows(), t.targetColumns(), orderDev[task], cursor[task], rows, tb[task]);
        cursor[task] += rows;
        float w = weights == null ? 1f : weights[task];
        rm.forward(task, xb[task], rows);
        rm.backward(task, xb[task], rows, tb[task], w, slots, slot);
    }

    /**
     * Head i of the model is of task t's kind and width, and t's data fits the model and its own
     * arrays (Evaluator scores with the same rule).
     */
    static void requireHeadFits(PreparedTask t, int i, MtlModel model) {
        org.mtlalign.model.TaskHead head = model.heads().get(i);
        // Heads are matched to tasks by position; a head of another kind (or listed in another
        // order) would train on targets it cannot read, e.g. a logistic loss on class 2.
        if (head.loss() != t.loss()) {
            throw new IllegalArgumentException("task '" + t.name() + "' (" + i + ") has " + t.loss().cliName()
                    + " targets but head " + i + " ('" + head.name() + "') has a " + head.loss().cliName()
                    + " loss; heads must be in the tasks' order, of the tasks' kind");
        }
        if (head.loss() != org.mtlalign.model.Loss.SOFTMAX && head.outputs() != t.targetColumns()) {
            throw new IllegalArgumentException("task '" + t.name() + "' (" + i + ") has " + t.targetColumns()
                    + " target column(s) but head " + i + " ('" + head.name() + "') has " + head.outputs() + " output(s)");
        }
        if (t.dim() != model.inputDim() || (long) t.rows() * t.dim() > t.x().length
                || (long) t.rows() * t.targetColumns() > t.target().length) {
            throw new IllegalArgumentException("task '" + t.name() + "': " + t.rows() + " x " + t.dim()
                    + " data does not fit the model (d = " + model.inputDim() + ") or its arrays");
        }
    }

    /**
     * What the device path cannot check per step, checked once: the data's shape, the row
     * indices, and that softmax targets are class indices of the head.
     */
    private static void checkTask(PreparedTask t, int i, MtlModel model) {
        requireHeadFits(t, i, model);
        // Heads of one kind and width in another order than the tasks passed the checks above and
        // trained each head on another task's data, without a word.
        String head = model.heads().get(i).name();
        if (!head.equals(t.name())) {
            for (int j = 0; j < model.taskCount(); j++) {
                if (model.heads().get(j).name().equals(t.name())) {
                    throw new IllegalArgumentException("task '" + t.name() + "' (" + i + ") would train head " + i + " ('"
                            + head + "') while head " + j + " is named '" + t.name() + "'; heads must be in the tasks' order");
                }
            }
        }
        for (int r : t.train()) {
            if (r < 0 || r >= t.rows()) {
                throw new IllegalArgumentException("task '" + t.name() + "': training row " + r + " outside 0.."
                        + (t.rows() - 1));
            }
        }
        if (model.heads().get(i).loss() == org.mtlalign.model.Loss.SOFTMAX) {
            // Every split's rows, not only the training rows: the validation loss runs on the device too.
            int classes = model.heads().get(i).outputs();
            int cols = t.targetColumns();
            // Rows of no split (a missing label, NaN) are never read.
            for (int r : java.util.stream.IntStream.concat(java.util.Arrays.stream(t.train()),
                    java.util.stream.IntStream.concat(java.util.Arrays.stream(t.validation()),
                            java.util.Arrays.stream(t.test()))).toArray()) {
                float y = t.target()[r * cols];
                if (!(y >= 0 && y < classes) || y != (int) y) {
                    throw new IllegalArgumentException("task '" + t.name() + "': row " + r + " has class " + y
                            + ", not one of 0.." + (classes - 1));
                }
            }
        }
    }

    /** Updates only the tensors the step used (-1: all), so a head's Adam moments and step count
     * advance with its own task's steps and not with every other task's. */
    private void update(ResidentModel rm, int task) {
        if (cfg.optimizer() == TrainConfig.Optimizer.ADAM) {
            rm.adam(task, cfg.learningRate(), 0.9f, 0.999f, 1e-8f, cfg.weightDecay());
        } else {
            rm.sgdMomentum(task, cfg.learningRate(), cfg.momentum(), cfg.weightDecay());
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
