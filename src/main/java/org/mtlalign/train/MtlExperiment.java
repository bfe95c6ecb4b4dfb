package org.mtlalign.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.mtlalign.analysis.Capacity;
import org.mtlalign.analysis.CovarianceSimilarity;
import org.mtlalign.analysis.SvdReweighting;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.TrainingRows;
import org.mtlalign.model.Loss;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.TaskHead;
import org.mtlalign.model.Tensor;

/**
 * The paper's comparison for one set of tasks: single-task baselines, MTL, MTL + covariance
 * alignment (Algorithm 1), MTL + SVD reweighting (Algorithm 2), the covariance similarity of
 * every pair before and after alignment, and a capacity suggestion. Every model starts from the
 * same seed so that differences come from the method, not the initialisation.
 *
 * <p>An experiment keeps the models of its last run ({@link #mtlModel()} and the others), so
 * calls of {@link #run} on one experiment from several threads take turns; for runs in parallel,
 * make one experiment per thread (the backend may be shared).
 */
public final class MtlExperiment {
    /**
     * Learning rate of Algorithm 1's alignment phase relative to the MTL learning rate, for inputs
     * of up to {@link #ALIGN_LR_DIM} dimensions; see {@link #alignLrFactor(int)} above.
     */
    public static final float ALIGN_LR_FACTOR = 0.1f;
    /** The input dimension above which the default alignment factor falls as 1 / d. */
    public static final int ALIGN_LR_DIM = 64;
    private final Backend backend;
    private final ExperimentConfig cfg;
    private Consumer<String> log = s -> { };
    /** NaN: {@link #alignLrFactor(int)} of the model's d. */
    private float alignLrFactor = Float.NaN;
    private java.util.function.BiConsumer<MtlModel, Integer> mtlEpochHook = (m, e) -> { };
    private java.util.function.Consumer<MtlModel> mtlTrainedHook = m -> { };
    private int scratchEpochs;
    private ExperimentResult.Training lastAlignTraining;
    private float alignLearningRate = Float.NaN;
    private MtlModel mtlModel;
    private MtlModel alignedModel;
    private Capacity.Suggestion knownCapacity;
    private MtlModel reweightedModel;

    public MtlExperiment(Backend backend, ExperimentConfig cfg) {
        // Null here failed only at run(), as a NullPointerException deep inside an analysis.
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
        this.cfg = java.util.Objects.requireNonNull(cfg, "cfg");
    }

    /**
     * The capacity suggestion for these tasks' training rows, if the caller computed it already
     * (mtl train does, to choose r): run() then reuses it instead of computing it again.
     */
    public MtlExperiment capacity(Capacity.Suggestion known) {
        this.knownCapacity = known;
        return this;
    }

    /** Progress lines ("training MTL ...") go here; null: nowhere. */
    public MtlExperiment log(Consumer<String> sink) {
        // Null failed as a NullPointerException at the first line; Backends.select reads a null notice so too.
        this.log = sink != null ? sink : s -> { };
        return this;
    }

    /**
     * The default alignment learning-rate factor at input dimension d: {@link #ALIGN_LR_FACTOR}
     * up to d = 64, 0.1 x 64 / d above. Adam moves every entry of R_i by about the learning rate
     * whatever its gradient's size, so one step changes each column of X_i R_i by about d times
     * it. Measured on eight embedding-like tasks (r = 3, ReLU): at d = 768 the phase at 0.1 never
     * improved the validation loss (4.56 at the start, 9.0 after 19 epochs), at 0.01 it reached
     * 3.97 and at 0.001 3.99 after 13 epochs; at d = 256, 0.1 reached 2.70 (at epoch 2), 0.025
     * 2.59 (at epoch 13).
     */
    public static float alignLrFactor(int d) {
        return d <= ALIGN_LR_DIM ? ALIGN_LR_FACTOR : ALIGN_LR_FACTOR * ALIGN_LR_DIM / d;
    }

    /** Sets the alignment phase's learning rate relative to the MTL one (default {@link #alignLrFactor(int)}). */
    public MtlExperiment alignLearningRateFactor(float factor) {
        if (!(factor > 0) || Float.isInfinite(factor)) {
            throw new org.mtlalign.UserInputException("--align-lr-factor: must be a positive number, got " + factor);
        }
        this.alignLrFactor = factor;
        return this;
    }

    /**
     * Epoch cap of the models trained from scratch next to a continued MTL model (STL baselines,
     * reweighted MTL), so that a resumed run compares like with like; 0 (default) means the
     * configuration's epochs.
     *
     * @throws IllegalArgumentException for a negative count
     */
    public MtlExperiment scratchEpochs(int epochs) {
        if (epochs < 0) {
            // It was read as 0 (the configuration's epochs) without a word.
            throw new IllegalArgumentException("scratch epochs must be >= 0 (0: the configuration's), got " + epochs);
        }
        this.scratchEpochs = epochs;
        return this;
    }

    /** Called once the MTL model has finished training, before alignment and the other runs; null: nothing. */
    public MtlExperiment onMtlTrained(java.util.function.Consumer<MtlModel> hook) {
        // Null failed as a NullPointerException once the MTL training had run.
        this.mtlTrainedHook = hook != null ? hook : m -> { };
        return this;
    }

    /** Called after every epoch of the MTL run (checkpoints: the model holds finite values); null: nothing. */
    public MtlExperiment onMtlEpoch(java.util.function.BiConsumer<MtlModel, Integer> hook) {
        this.mtlEpochHook = hook != null ? hook : (m, e) -> { };
        return this;
    }

    /** The last run's MTL model (the start model itself when one was given); null before a run. */
    public MtlModel mtlModel() {
        return mtlModel;
    }

    /** The last run's MTL + alignment model (a copy with R_i); null before a run or when alignment did not run. */
    public MtlModel alignedModel() {
        return alignedModel;
    }

    /** The last run's MTL + reweighting model; null before a run, with one task, or when reweighting did not run. */
    public MtlModel reweightedModel() {
        return reweightedModel;
    }

    /**
     * The learning rate the last alignment phase of this experiment trained at (the MTL rate times
     * the factor), NaN before one ran. Saved models record this, not a recomputation of it.
     */
    public float alignLearningRate() {
        return alignLearningRate;
    }

    /**
     * Tasks are told apart by name (reports, saved heads, {@code Predictor.requireHead}): two of
     * one name would make the second unreachable. TaskSuite refuses them; prepared tasks built
     * by hand are checked here.
     */
    static void requireDistinctNames(List<PreparedTask> tasks) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (PreparedTask t : tasks) {
            if (!seen.add(t.name())) {
                throw new IllegalArgumentException("two tasks are named '" + t.name() + "'; task names must differ");
            }
        }
    }

    /**
     * The checks of a task list passed in: not null, not empty, no null entry, one input dimension
     * and distinct names. Tasks of different d, put together by hand from two preparations, failed
     * deep inside with a message about Algorithm 2's arrays (run), an index error (a transfer) or
     * not at all (newModel built a model of the first task's d).
     */
    static void requireTasks(List<PreparedTask> tasks) {
        java.util.Objects.requireNonNull(tasks, "tasks");
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("no tasks");
        }
        for (int i = 0; i < tasks.size(); i++) {
            if (tasks.get(i) == null) {
                throw new NullPointerException("task " + i + " of the list is null");
            }
        }
        PreparedTask first = tasks.get(0);
        for (PreparedTask t : tasks) {
            if (t.dim() != first.dim()) {
                throw new IllegalArgumentException("task '" + t.name() + "' has d = " + t.dim() + " inputs but task '"
                        + first.name() + "' has d = " + first.dim() + "; the tasks must share the input dimension");
            }
        }
        requireDistinctNames(tasks);
    }

    /**
     * A fresh model for {@code tasks} as run() starts one: initialised from the configuration's
     * seed, biases at the label means.
     *
     * @throws IllegalArgumentException for no tasks, tasks of different input dimensions or names
     *     used twice
     */
    public MtlModel newModel(List<PreparedTask> tasks) {
        requireTasks(tasks);
        return newModel(tasks, cfg.train().seed());
    }

    /** {@link #newModel(List)} initialised from {@code seed} instead of the configuration's. */
    MtlModel newModel(List<PreparedTask> tasks, long seed) {
        List<TaskHead> heads = new ArrayList<>();
        for (PreparedTask t : tasks) {
            heads.add(t.head());
        }
        int d = tasks.get(0).dim();
        if (cfg.rank() > d) {
            throw new org.mtlalign.UserInputException("--rank: r = " + cfg.rank() + " exceeds the input dimension d = " + d);
        }
        MtlModel m = new MtlModel(d, cfg.rank(), cfg.activation(), cfg.bias(), heads);
        m.initialize(seed);
        startBiasesAtLabelMeans(m, tasks);
        return m;
    }

    /**
     * How many times {@link #trainFresh} trains a model again from another initialisation when
     * its training failed at its start. On digits-pairs at --standardize none (raw pixels, r = 1;
     * mtl pairs --seeds 10) 73 of 150 first starts failed; the first restart fixed 54 of them, the
     * second 15 of the other 19, and 4 kept their first start (the run took 7.7 s instead of 6.2 s).
     */
    public static final int RESTARTS = 2;

    /**
     * A freshly initialised model after {@link #trainFresh}.
     *
     * @param restarts      how many times it was trained again from another initialisation (0: its
     *                      first start was kept)
     * @param restartReason why the first start was refused (see {@link #startFailure}), or null
     * @param restartKept   the model is a restart's; false with restarts above 0: every restart
     *                      failed too, and the first start's training stands as it was
     */
    public record Fresh(MtlModel model, TrainResult result, int restarts, String restartReason, boolean restartKept) {
    }

    /**
     * The initialisation seed of restart {@code n} (1, 2, ...) of a training seeded {@code seed}:
     * far from seed + 1, seed + 2, which are the next seeds' own starts under --seeds.
     */
    static long restartSeed(long seed, int n) {
        return seed + n * 0x9E3779B97F4A7C15L;
    }

    /**
     * Trains {@code first} (a fresh {@link #newModel}) on {@code tasks}, and when that training
     * failed at its start ({@link #startFailure}: a ReLU unit dead on every training row, before or
     * after training, or a ReLU unit turned off and no task better than the constant prediction)
     * trains a new model from {@link #restartSeed} instead, at most {@link #RESTARTS} times; the
     * first healthy one is kept, else the first start's training stands. A healthy first start is trained exactly as
     * without this check, so its results are bitwise the same. STL baselines, MTL models and pairs
     * all train through here, so a failed start no longer reads as a width or a partner being bad.
     * The mechanism, measured on digits-pairs at r = 1: the single unit starts alive on 61% of the
     * training rows of 2-vs-3 (seed 1) but its head weight has the wrong sign for them, and Adam
     * turns it off instead (alive on 8% of the rows by epoch 6), so the task stays at its class
     * rate's loss and early stopping ends the run there (test AUC 0.498).
     *
     * @param run     the training's name in the log line that a restart prints
     * @param trainer the trainer for a model (the first or a restart's)
     * @throws TrainingDivergedException when the first start diverges (a restart that diverges
     *         counts as failed)
     */
    public Fresh trainFresh(MtlModel first, List<PreparedTask> tasks, float[] weights, String run,
                            java.util.function.Function<MtlModel, Trainer> trainer) {
        Evaluator ev = new Evaluator(backend);
        MtlModel m = first;
        TrainResult firstResult = null;
        String reason = null;
        for (int n = 0; ; n++) {
            String why = deadUnitReason(deadUnits(m, tasks), m.rank(), "at its start");
            TrainResult tr = null;
            if (why == null) {
                try {
                    Trainer t = trainer.apply(m);
                    tr = t.train(m, tasks, weights);
                    why = startFailure(ev, m, tasks, stalled(tr, t.config()));
                } catch (TrainingDivergedException e) {
                    if (n == 0) {
                        throw e;
                    }
                    why = "diverged";
                }
            }
            if (n == 0) {
                firstResult = tr;
                reason = why;
            }
            if (why == null) {
                return new Fresh(m, tr, n, reason, n > 0);
            }
            if (n == RESTARTS) {
                break;
            }
            log.accept(run + ": " + why + "; training it again from another initialisation (restart " + (n + 1)
                    + " of at most " + RESTARTS + ")");
            m = newModel(tasks, restartSeed(cfg.train().seed(), n + 1));
        }
        // No start passed: the first one's training stands, as it was before restarts existed.
        if (firstResult == null) {
            firstResult = trainer.apply(first).train(first, tasks, weights);
        }
        return new Fresh(first, firstResult, RESTARTS, reason, false);
    }

    /**
     * A ReLU unit alive (X B + b > 0) on fewer than this share of the training rows has been
     * turned off: with no task learned, that is a failed start, not a task without signal. Measured
     * on STL trainings at r = 1 (three starts each): of 225 on digits-pairs (seeds 1-10, and 1-5 under
     * --standardize none), the 24 that learned nothing had their unit alive on 0% (22), 0.5% and
     * 7.9% of the rows; of 120 on tasks of coin-flip labels (100 x 10 and 1000 x 50 inputs, seeds
     * 1-5), 92 learned nothing (by the 1% rule) with their unit alive on 23% to 60% of the rows, and
     * restarting those only picks a start that passes the rule by chance on the validation rows.
     * The split is not perfect: an MTL model of six coin-flip tasks sharing 1000 x 50 inputs
     * (docs/false-positives, seed 1, r = 1) learned nothing with its unit alive on 9.8% of the rows.
     */
    static final double TURNED_OFF = 0.15;

    /**
     * Whether a training ended on a plateau: early stopping ended it, or it ran into the epoch cap
     * after --patience epochs without a gain. The second matters since the wait after a late best
     * epoch grew to that epoch (TrainConfig.patienceAfter): a run whose best epoch is past half the
     * cap always ends at the cap, so a model that learned nothing with its unit turned off (three
     * tasks of d = 1, alive on 1 of 291 rows, best epoch 153 of 200 at 3 ln 2) was never judged.
     * A run still gaining within --patience epochs of the cap (--epochs 4) is short of epochs.
     */
    static boolean stalled(TrainResult r, TrainConfig c) {
        // At least one epoch without a gain: under --patience 0 a run whose last epoch was its best
        // is still improving.
        return r.epochsRun() < c.epochs() || r.epochsRun() - r.bestEpoch() >= Math.max(1, c.patience());
    }

    /**
     * Why a trained fresh model failed at its start, or null: a ReLU unit that outputs 0 on every
     * training row of every task (it gets no gradient again, so the model is narrower than r for
     * no reason of the data), or, when early stopping ended the training, no task whose
     * validation loss is 1% below the constant prediction's ({@link #learnedNothing}) while a ReLU
     * unit is alive on fewer than {@link #TURNED_OFF} of the training rows. In a multi-task model
     * one task left without the shared module is the tasks' competition, reported as such, not a
     * failed start. A training that the epoch cap ended within --patience epochs of a gain was still
     * improving: one that has not yet learned is short of epochs, which another start does not fix
     * (on three small tasks at --epochs 4, most trainings were); see {@link #stalled}. A linear model (identity) that
     * learned nothing is not restarted: no failure mechanism was found there, and on a
     * synthetic-linear task whose three starts all ended within 6% of the constant's loss the
     * restarts only chose among them by chance.
     */
    String startFailure(Evaluator ev, MtlModel m, List<PreparedTask> tasks, boolean stalled) {
        // Cheapest first: a healthy model shows every unit alive in the first block of rows, and
        // the full pass over the training rows runs only for a model that learned nothing.
        String dead = deadUnitReason(deadUnits(m, tasks), m.rank(), "after training");
        if (dead != null || !stalled || m.activation() != org.mtlalign.model.Activation.RELU) {
            return dead;
        }
        for (int t = 0; t < tasks.size(); t++) {
            if (!learnedNothing(ev, m, t, tasks.get(t))) {
                return null;
            }
        }
        double least = 1;
        for (double a : aliveShares(m, tasks)) {
            least = Math.min(least, a);
        }
        if (least >= TURNED_OFF) {
            return null;
        }
        return (tasks.size() == 1 ? "learned nothing (validation loss not 1% below the constant prediction's)"
                : "no task learned anything (validation losses not 1% below the constant predictions')")
                + String.format(java.util.Locale.ROOT, ", a ReLU unit turned off (alive on %.1f%% of the training rows)",
                        100 * least);
    }

    /** The reason for {@code dead} of r ReLU units dead on every training row, or null for none. */
    private static String deadUnitReason(int dead, int r, String when) {
        return dead == 0 ? null : (dead == r ? (r == 1 ? "its ReLU unit outputs" : "all " + r + " ReLU units output")
                : dead + " of its " + r + " ReLU units " + (dead == 1 ? "outputs" : "output")) + " 0 on every training row "
                + when;
    }

    /**
     * How many of the shared layer's ReLU units output 0 (X B + b <= 0) on every training row of
     * every task: such a unit passes no gradient to its column of B or its bias, so it never
     * comes back. 0 for other activations. Reads the rows until every unit has been seen alive,
     * which for a healthy model is the first block.
     */
    int deadUnits(MtlModel m, List<PreparedTask> tasks) {
        long[] alive = aliveRows(m, tasks, true);
        int dead = 0;
        for (long a : alive) {
            dead += a == 0 ? 1 : 0;
        }
        return dead;
    }

    /**
     * Per ReLU unit of the shared layer, the share of all tasks' training rows on which it is
     * alive (X B + b > 0); empty for other activations.
     */
    double[] aliveShares(MtlModel m, List<PreparedTask> tasks) {
        long[] alive = aliveRows(m, tasks, false);
        long rows = 0;
        for (PreparedTask t : tasks) {
            rows += t.train().length;
        }
        double[] share = new double[alive.length];
        for (int u = 0; u < alive.length; u++) {
            share[u] = rows == 0 ? 1 : (double) alive[u] / rows;
        }
        return share;
    }

    /**
     * Per ReLU unit, on how many training rows (of all tasks) it is alive; a fresh model has no
     * alignment, so X B + b. With {@code untilAllAlive} the count stops at the first block of rows
     * after which every unit has been alive somewhere (the counts are then only "0 or not").
     */
    private long[] aliveRows(MtlModel m, List<PreparedTask> tasks, boolean untilAllAlive) {
        if (m.activation() != org.mtlalign.model.Activation.RELU) {
            return new long[0];
        }
        int d = m.inputDim();
        int r = m.rank();
        float[] b = m.sharedBias() == null ? null : m.sharedBias().value();
        long[] alive = new long[r];
        int unseen = r;
        final int block = 1024;
        for (PreparedTask t : tasks) {
            int[] train = t.train();
            for (int s = 0; s < train.length && !(untilAllAlive && unseen == 0); s += block) {
                int n = Math.min(block, train.length - s);
                float[] x = t.gatherX(java.util.Arrays.copyOfRange(train, s, s + n));
                float[] pre = new float[n * r];
                backend.gemm(false, false, n, r, d, 1f, x, 0, d, m.shared().value(), 0, r, 0f, pre, 0, r);
                for (int i = 0; i < n; i++) {
                    for (int u = 0; u < r; u++) {
                        if (pre[i * r + u] + (b == null ? 0f : b[u]) > 0f) {
                            unseen -= alive[u] == 0 ? 1 : 0;
                            alive[u]++;
                        }
                    }
                }
            }
        }
        return alive;
    }

    /**
     * A regression head's bias starts at its training targets' mean: from zero, labels such as
     * temperatures in kelvin (290 +- 5) or prices took the whole epoch budget to reach their
     * level (Adam moves a bias by about the learning rate per step), and until then the shared
     * module was fitting the offset instead of the tasks, for every task of the run.
     */
    public static void startBiasesAtLabelMeans(MtlModel m, List<PreparedTask> tasks) {
        java.util.Objects.requireNonNull(m, "model");
        requireTasks(tasks);
        // Checked as run() checks a start model: fewer heads failed with an index error naming a
        // head, and heads in another order took a regression task's mean into another head's bias.
        if (m.taskCount() != tasks.size()) {
            throw new IllegalArgumentException("the model has " + m.taskCount() + " head" + (m.taskCount() == 1 ? "" : "s")
                    + " for " + tasks.size() + " tasks");
        }
        for (int i = 0; i < tasks.size(); i++) {
            if (!m.heads().get(i).equals(tasks.get(i).head())) {
                throw new IllegalArgumentException("the model's head " + i + " is " + m.heads().get(i) + " but task " + i
                        + " needs " + tasks.get(i).head() + "; its heads must be the tasks' heads, in order");
            }
        }
        for (int i = 0; i < tasks.size(); i++) {
            PreparedTask t = tasks.get(i);
            org.mtlalign.model.Tensor c = m.headBias(i);
            if (c == null || t.loss() != org.mtlalign.model.Loss.SQUARED || t.train().length == 0) {
                continue;
            }
            int cols = t.targetColumns();
            float[] y = t.target();
            for (int o = 0; o < cols; o++) {
                double sum = 0;
                for (int r : t.train()) {
                    sum += y[r * cols + o];
                }
                c.value()[o] = (float) (sum / t.train().length);
            }
        }
    }

    /**
     * Runs everything: the STL baselines (if configured), MTL, MTL + alignment and MTL +
     * reweighting (skipped with one task: Algorithm 2 weighs tasks against each other, so its
     * metrics are NaN and it has no training record), the similarities and the capacity.
     *
     * @param start an MTL model to continue from (as --resume does), trained in place, or null
     *              for a fresh one (see {@link #mtlModel()} afterwards); its width, activation and
     *              bias must be the configuration's, which the baselines and the reweighted model use,
     *              and its heads the tasks' ({@link PreparedTask#head()}), in order
     * @throws IllegalArgumentException for a {@code start} of another architecture than the configuration's
     *     or with other heads, no tasks, tasks of different input dimensions or names used twice
     */
    public ExperimentResult run(List<PreparedTask> tasks, MtlModel start) {
        // Refused before the monitor is taken: a hook of this run calling run again would wait
        // for it for ever (see RunScope).
        java.util.Set<Object> outer = RunScope.enter(this);
        try {
            // Synchronized: two threads' runs on one experiment wrote and read the same model fields
            // (the MTL model that alignment continues), and one of them reported another's numbers.
            synchronized (this) {
                return runLocked(tasks, start);
            }
        } finally {
            RunScope.exit(outer);
        }
    }

    private ExperimentResult runLocked(List<PreparedTask> tasks, MtlModel start) {
        long t0 = System.nanoTime();
        requireTasks(tasks);
        int k = tasks.size();
        if (start != null && (start.rank() != cfg.rank() || start.activation() != cfg.activation()
                || start.hasBias() != cfg.bias())) {
            // It was trained as it was while the STL baselines and the reweighted model were built
            // from the configuration: an MTL column of r = 3 beside baselines of r = 1, no word.
            throw new IllegalArgumentException("the start model (r = " + start.rank() + ", " + start.activation()
                    + (start.hasBias() ? " with" : " without") + " biases) is not the configuration's (r = " + cfg.rank()
                    + ", " + cfg.activation() + (cfg.bias() ? " with" : " without") + " biases); set them with "
                    + "ExperimentConfig.withRank and withActivation");
        }
        if (start != null) {
            // Checked as mtl train --resume checks a saved model: heads of one kind in another order,
            // or another task's head, trained on these tasks' data without a word.
            if (start.taskCount() != k) {
                throw new IllegalArgumentException("the start model has " + start.taskCount() + " heads for " + k + " tasks");
            }
            for (int i = 0; i < k; i++) {
                if (!start.heads().get(i).equals(tasks.get(i).head())) {
                    throw new IllegalArgumentException("the start model's head " + i + " is " + start.heads().get(i)
                            + " but task " + i + " needs " + tasks.get(i).head() + "; its heads must be the tasks' heads, "
                            + "in order");
                }
            }
        }
        int d = tasks.get(0).dim();
        double[] stl = nanArray(k);
        double[] mtl = nanArray(k);
        double[] aligned = nanArray(k);
        double[] reweighted = nanArray(k);
        // Per run (STL, MTL, MTL+align, MTL+reweight) and task: the secondary metric, a binary
        // task's average precision or a multi-class task's balanced accuracy.
        double[][] ap = {nanArray(k), nanArray(k), nanArray(k), nanArray(k)};
        // Per run (STL, MTL, MTL+align, MTL+reweight) and task: its model learned nothing from the
        // inputs (see PairwiseTransfer.noBetterThanPrior).
        boolean[][] chance = new boolean[4][k];
        // Per run and task: no better than the prior in loss, yet ordering the rows beyond chance
        // (PairwiseTransfer.ranksBeyondChance): miscalibrated rather than ignorant.
        boolean[][] miscalibrated = new boolean[4][k];
        boolean stlRuns = cfg.runStl();
        boolean reweightRuns = cfg.reweight() != null && k > 1;
        // The training rows gathered once, for Algorithm 2, the similarity scores and the capacity.
        TrainingRows trainRows = TrainingRows.of(tasks);
        double[] alpha = reweightRuns ? reweightAlpha(trainRows) : null;
        mtlModel = start != null ? start : newModel(tasks);
        // A run without them (one task, a diverged phase) left the previous run's models there,
        // with another run's heads.
        alignedModel = null;
        reweightedModel = null;
        // The trainings are independent (MTL then its alignment phase; each STL baseline; the
        // reweighted MTL), each seeded from the configuration, so a backend that allows it runs
        // them in parallel with the same results as one after the other. Only the MTL run
        // (the one that is checkpointed) shows a progress bar.
        boolean parallel = backend.concurrency() > 1;
        TrainConfig quiet = parallel ? cfg.train().withProgress(false) : cfg.train();
        TrainConfig scratch = scratchEpochs > 0 ? quiet.withEpochs(scratchEpochs) : quiet;
        int jobs = (stlRuns ? k : 0) + 1 + (reweightRuns ? 1 : 0);
        int stlBase = 1;
        int reweightJob = stlBase + (stlRuns ? k : 0);
        if (parallel && jobs > 1) {
            log.accept("training " + jobs + " models on " + backend.concurrency() + " workers");
        }
        double[] alphaFinal = alpha;
        ExperimentResult.Training[] trainings = new ExperimentResult.Training[3 + k];
        // The similarity of the inputs and the capacity do not depend on the trainings: they are
        // one more job beside them, for a worker that the shorter trainings leave idle. With the
        // width given (mtl train --rank) the capacity's 5-fold ridge fits took a fifth to a quarter
        // of a run on a large shared X after the trainings, while with --no-stl one of two workers
        // had idled through most of MTL + alignment. Last, so that on one worker the order is as before.
        int analysisJob = jobs;
        CovarianceSimilarity cs = new CovarianceSimilarity(backend, cfg.energy());
        float[][] xs = trainRows.xs();
        int[] rows = trainRows.rows();
        CovarianceSimilarity.Factor[][] factorsOut = new CovarianceSimilarity.Factor[1][];
        double[][][] simOut = new double[1][][];
        Capacity.Suggestion[] capOut = {knownCapacity};
        backend.forEachIndependent(jobs + 1, RunScope.carry(job -> {
            if (job == analysisJob) {
                // At d = 768 and k = 40 this step can outlast a short training: say what it computes.
                log.accept(CovarianceSimilarity.progressLine(xs, d) + (knownCapacity != null ? "" : "; capacity")
                        + (parallel ? ", beside the trainings" : ""));
                factorsOut[0] = cs.factors(xs, rows, d);
                simOut[0] = cs.matrix(factorsOut[0]);
                if (knownCapacity == null) {
                    capOut[0] = new Capacity(backend).suggest(xs, rows, d, trainRows.ys(), trainRows.cols(), 1e-3, 0.9);
                }
                return;
            }
            Evaluator ev = new Evaluator(backend);
            if (job == 0) {
                log.accept("training MTL (k = " + k + ", r = " + cfg.rank() + ", " + cfg.activation().cliName() + ")");
                java.util.function.Function<MtlModel, Trainer> trainer = m -> new Trainer(backend, cfg.train())
                        .onEpoch(e -> mtlEpochHook.accept(m, e)).logEpochs("MTL", log);
                try {
                    if (start != null) {
                        // A resumed model is the user's: it is trained on, never replaced.
                        trainings[0] = ExperimentResult.Training.of("MTL", trainer.apply(mtlModel).train(mtlModel,
                                tasks, null), cfg.train());
                    } else {
                        Fresh f = trainFresh(mtlModel, tasks, null, "MTL", trainer);
                        mtlModel = f.model();
                        trainings[0] = ExperimentResult.Training.of("MTL", f, cfg.train());
                    }
                } catch (TrainingDivergedException e) {
                    // MTL is what the other results are measured against (and what --out saves):
                    // without it the run stops, naming it.
                    throw e.in("MTL");
                }
                mtlTrainedHook.accept(mtlModel);
                testMetrics(ev, mtlModel, tasks, mtl, ap[1]);
                markChance(ev, mtlModel, tasks, chance[1], miscalibrated[1]);
                if (cfg.alignMode() != ExperimentConfig.AlignMode.NONE) {
                    log.accept("training MTL + alignment (Algorithm 1, " + cfg.alignMode().cliName() + ")");
                    try {
                        alignedModel = align(mtlModel, tasks, quiet);
                        trainings[1] = lastAlignTraining;
                        testMetrics(ev, alignedModel, tasks, aligned, ap[2]);
                        markChance(ev, alignedModel, tasks, chance[2], miscalibrated[2]);
                    } catch (TrainingDivergedException e) {
                        trainings[1] = ExperimentResult.Training.diverged("MTL+align", e.in("MTL+align"));
                    }
                }
            } else if (job == reweightJob) {
                log.accept("training MTL + SVD reweighting (Algorithm 2, " + cfg.reweight().cliName() + ")");
                try {
                    Fresh f = trainFresh(newModel(tasks), tasks, SvdReweighting.toTrainingWeights(alphaFinal),
                            "MTL + reweighting", model -> new Trainer(backend, scratch).logEpochs("MTL + reweighting", log));
                    MtlModel m = f.model();
                    trainings[2] = ExperimentResult.Training.of("MTL+reweight", f, scratch);
                    reweightedModel = m;
                    testMetrics(ev, m, tasks, reweighted, ap[3]);
                    markChance(ev, m, tasks, chance[3], miscalibrated[3]);
                } catch (TrainingDivergedException e) {
                    // The other runs' results stand; this one is reported as diverged.
                    trainings[2] = ExperimentResult.Training.diverged("MTL+reweight", e.in("MTL+reweight"));
                }
            } else {
                int i = job - stlBase;
                log.accept("training STL baseline " + (i + 1) + "/" + k + " (" + tasks.get(i).name() + ")");
                List<PreparedTask> one = List.of(tasks.get(i));
                String run = "STL " + tasks.get(i).name();
                try {
                    Fresh f = trainFresh(newModel(one), one, null, run,
                            model -> new Trainer(backend, scratch).logEpochs(run, log));
                    MtlModel m = f.model();
                    trainings[3 + i] = ExperimentResult.Training.of(run, f, scratch);
                    if (tasks.get(i).test().length > 0) {
                        Metrics mt = ev.metrics(m, 0, tasks.get(i), tasks.get(i).test());
                        stl[i] = mt.primary();
                        ap[0][i] = secondary(tasks.get(i), mt);
                    }
                    int fit = fit(ev, m, 0, tasks.get(i));
                    chance[0][i] = fit == NOTHING;
                    miscalibrated[0][i] = fit == MISCALIBRATED;
                } catch (TrainingDivergedException e) {
                    trainings[3 + i] = ExperimentResult.Training.diverged(run, e.in(run));
                }
            }
        }));

        CovarianceSimilarity.Factor[] factors = factorsOut[0];
        int[] ranks = new int[k];
        for (int i = 0; i < k; i++) {
            ranks[i] = factors[i].rank();
        }
        double[][] sim = simOut[0];
        double[][] simAligned = null;
        if (alignedModel != null) {
            log.accept("covariance similarity after alignment: " + k + " task covariance" + (k == 1 ? "" : "s")
                    + " (d = " + d + ")");
            // One Z_i = X_i R_i at a time (as many workers as run at once), each reduced to its
            // d x rank factor before the next: all of them at once would be another copy of every
            // task's training rows, at the end of a run whose results are not yet written.
            CovarianceSimilarity.Factor[] alignedFactors = new CovarianceSimilarity.Factor[k];
            MtlModel am = alignedModel;
            backend.forEachIndependent(k, i -> {
                float[] z = new float[rows[i] * d];
                backend.gemm(false, false, rows[i], d, d, 1f, xs[i], 0, d, am.alignment(i).value(), 0, d, 0f, z, 0, d);
                alignedFactors[i] = cs.factor(z, rows[i], d);
            });
            simAligned = cs.matrix(alignedFactors);
        }
        Capacity.Suggestion cap = capOut[0];

        List<TaskReport> reports = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            PreparedTask t = tasks.get(i);
            boolean higher = t.loss().higherIsBetter();
            double transfer = PairwiseTransfer.signedTransfer(higher, stl[i], mtl[i]);
            // Differences that print as +0.0000 / -0.0000 are no transfer, not a sign.
            int s = PairwiseTransfer.transferSign(transfer, stl[i], mtl[i]);
            String sign = Double.isNaN(transfer) ? "n/a" : s > 0 ? "positive" : s < 0 ? "negative" : "none";
            reports.add(new TaskReport(t.name(), t.loss().cliName(), t.labels().reason(), t.train().length,
                    t.validation().length, t.test().length, t.labels().outputs(), t.loss().metricName(),
                    stl[i], mtl[i], aligned[i], reweighted[i], alpha == null ? Double.NaN : alpha[i], transfer, sign,
                    classLabels(t.labels()), chanceRuns(chance, i), chanceRuns(miscalibrated, i), t.loss() == Loss.LOGISTIC
                            ? new TaskReport.AveragePrecision(positiveRate(t), ap[0][i], ap[1][i], ap[2][i], ap[3][i])
                            : null, t.loss() == Loss.SOFTMAX ? balancedAccuracy(t, ap, i) : null));
        }
        List<ExperimentResult.Training> ran = new ArrayList<>();
        for (ExperimentResult.Training t : trainings) {
            if (t != null) {
                ran.add(t);
            }
        }
        return new ExperimentResult(reports, sim, simAligned, ranks, alpha, cap, (System.nanoTime() - t0) / 1e9, ran);
    }

    /**
     * Algorithm 1: starting from a copy of a trained MTL model, add R_i = I and train them with the
     * heads (and B too under {@link ExperimentConfig.AlignMode#JOINT}); {@code trained} is not changed.
     *
     * @throws IllegalStateException when the configuration skips Algorithm 1 ({@link ExperimentConfig.AlignMode#NONE})
     * @throws IllegalArgumentException for no tasks, tasks of different input dimensions or names used
     *     twice, or tasks that do not fit the model's heads
     */
    public MtlModel align(MtlModel trained, List<PreparedTask> tasks) {
        // AlignMode.NONE was trained as JOINT (B moving too), without a word.
        if (cfg.alignMode() == ExperimentConfig.AlignMode.NONE) {
            throw new IllegalStateException("this configuration skips Algorithm 1 (AlignMode.NONE); set FIXED_B or JOINT "
                    + "with ExperimentConfig.withAlignment");
        }
        java.util.Objects.requireNonNull(trained, "trained");
        requireTasks(tasks);
        return align(trained, tasks, cfg.train());
    }

    private MtlModel align(MtlModel trained, List<PreparedTask> tasks, TrainConfig tc) {
        MtlModel m = trained.copy();
        m.enableAlignment();
        boolean fixB = cfg.alignMode() == ExperimentConfig.AlignMode.FIXED_B;
        m.shared().setTrainable(!fixB);
        if (m.sharedBias() != null) {
            m.sharedBias().setTrainable(!fixB);
        }
        for (Tensor p : m.parameters()) {
            p.resetOptimizerState();
        }
        // The alignment phase starts next to an optimum of the heads, and a fresh Adam state
        // moves all d^2 entries of every R_i by about lr at once: at the MTL learning rate that
        // overshoots and the validation loss never recovers (measured on digits-pairs: 0.43 ->
        // 0.49 after one epoch at lr 0.005; 0.43 -> 0.39 at lr 0.0005). Hence a tenth of it, and
        // less at larger d (alignLrFactor(d)).
        float factor = Float.isNaN(alignLrFactor) ? alignLrFactor(m.inputDim()) : alignLrFactor;
        TrainConfig alignTc = tc.withLearningRate(tc.learningRate() * factor);
        alignLearningRate = alignTc.learningRate();
        lastAlignTraining = ExperimentResult.Training.of("MTL+align", new Trainer(backend, alignTc)
                .logEpochs("MTL + alignment", log).train(m, tasks, null),
                alignTc);
        m.shared().setTrainable(true);
        if (m.sharedBias() != null) {
            m.sharedBias().setTrainable(true);
        }
        return m;
    }

    /**
     * Algorithm 2's alpha on the training rows, with the configuration's variant and rank.
     *
     * @throws IllegalStateException when the configuration skips Algorithm 2 (a null variant)
     * @throws IllegalArgumentException for no tasks, tasks of different input dimensions or names used twice
     */
    public double[] reweightAlpha(List<PreparedTask> tasks) {
        if (cfg.reweight() == null) {
            throw new IllegalStateException("this configuration skips Algorithm 2 (no reweighting variant); set one "
                    + "with ExperimentConfig.withReweighting");
        }
        requireTasks(tasks);
        return reweightAlpha(TrainingRows.of(tasks));
    }

    private double[] reweightAlpha(TrainingRows tr) {
        int k = tr.xs().length;
        int d = tr.dim();
        int total = tr.totalOutputs();
        int r = SvdReweighting.rank(cfg.reweightRank(), cfg.rank(), k, d, total);
        return new SvdReweighting(backend).weights(tr.xs(), tr.rows(), d, tr.ys(), tr.cols(), r, cfg.reweight(), true);
    }

    /**
     * Whether model head {@code head} does no better on task {@code t} than the constant prediction
     * ({@link PairwiseTransfer#noBetterThanPrior(double, double)}), scored on its validation rows
     * (its training rows when it has none), as {@code mtl pairs} scores its runs.
     */
    boolean learnedNothing(Evaluator ev, MtlModel m, int head, PreparedTask t) {
        return fit(ev, m, head, t) == NOTHING;
    }

    /** {@link #fit}: the model beats the constant prediction's loss. */
    static final int LEARNED = 0;
    /** {@link #fit}: no better than the constant prediction, in loss and in ordering the rows. */
    static final int NOTHING = 1;
    /** {@link #fit}: no better in loss, but it orders the rows beyond chance ({@link PairwiseTransfer#ranksBeyondChance}). */
    static final int MISCALIBRATED = 2;

    /**
     * How model head {@code head} compares on task t's scoring rows with the constant prediction:
     * {@link #LEARNED}, {@link #NOTHING} or {@link #MISCALIBRATED}.
     */
    int fit(Evaluator ev, MtlModel m, int head, PreparedTask t) {
        int[] rows = PairwiseTransfer.scoringRows(t);
        if (!PairwiseTransfer.noBetterThanPrior(ev.meanLoss(m, head, t, rows), PairwiseTransfer.priorLoss(backend, t, rows))) {
            return LEARNED;
        }
        return PairwiseTransfer.ranksBeyondChance(ev, m, head, t, rows) ? MISCALIBRATED : NOTHING;
    }

    private void markChance(Evaluator ev, MtlModel m, List<PreparedTask> tasks, boolean[] nothing, boolean[] miscalibrated) {
        for (int t = 0; t < tasks.size(); t++) {
            int fit = fit(ev, m, t, tasks.get(t));
            nothing[t] = fit == NOTHING;
            miscalibrated[t] = fit == MISCALIBRATED;
        }
    }

    private static final String[] RUNS = {"STL", "MTL", "MTL+align", "MTL+reweight"};

    private static List<String> chanceRuns(boolean[][] chance, int task) {
        List<String> runs = new ArrayList<>();
        for (int r = 0; r < RUNS.length; r++) {
            if (chance[r][task]) {
                runs.add(RUNS[r]);
            }
        }
        return List.copyOf(runs);
    }

    /**
     * Each task's headline metric on its test rows into {@code primary}, and its {@link #secondary}
     * metric into {@code secondary} (both left NaN for a task without test rows).
     */
    private static void testMetrics(Evaluator ev, MtlModel m, List<PreparedTask> tasks, double[] primary,
                                    double[] secondary) {
        for (int i = 0; i < tasks.size(); i++) {
            PreparedTask t = tasks.get(i);
            if (t.test().length > 0) {
                Metrics mt = ev.metrics(m, i, t, t.test());
                primary[i] = mt.primary();
                secondary[i] = secondary(t, mt);
            }
        }
    }

    /** What the report adds to a task's headline metric: a binary task's average precision, a multi-class task's balanced accuracy. */
    static double secondary(PreparedTask t, Metrics mt) {
        return t.loss() == Loss.LOGISTIC ? mt.averagePrecision() : t.loss() == Loss.SOFTMAX ? mt.balancedAccuracy()
                : Double.NaN;
    }

    /**
     * How many of a classification task's {@code rows} are in each class (a binary task:
     * negative, positive).
     */
    public static int[] classCounts(PreparedTask t, int[] rows) {
        boolean binary = t.loss() == Loss.LOGISTIC;
        int[] count = new int[binary ? 2 : t.labels().outputs()];
        for (float v : t.gatherTarget(rows)) {
            count[binary ? (v > 0.5f ? 1 : 0) : (int) v]++;
        }
        return count;
    }

    /** {@link #classCounts} of the test rows, which the secondary metrics' shares are read against. */
    static int[] testClassCounts(PreparedTask t) {
        return classCounts(t, t.test());
    }

    /** The largest of {@code count} over their sum, NaN for none. */
    static double largestShare(int[] count) {
        int largest = 0;
        long n = 0;
        for (int c : count) {
            largest = Math.max(largest, c);
            n += c;
        }
        return n == 0 ? Double.NaN : largest / (double) n;
    }

    /** How many of {@code count} are not zero. */
    static int present(int[] count) {
        int p = 0;
        for (int c : count) {
            p += c > 0 ? 1 : 0;
        }
        return p;
    }

    /** A multi-class task's balanced accuracy per run ({@code ba[run][task]}) with its test rows' class sizes. */
    private static TaskReport.BalancedAccuracy balancedAccuracy(PreparedTask t, double[][] ba, int i) {
        int[] count = testClassCounts(t);
        return new TaskReport.BalancedAccuracy(largestShare(count), present(count), ba[0][i], ba[1][i], ba[2][i],
                ba[3][i]);
    }

    /** The share of a binary task's test rows in its positive class (NaN without test rows). */
    private static double positiveRate(PreparedTask t) {
        int[] c = testClassCounts(t);
        return c[0] + c[1] == 0 ? Double.NaN : c[1] / (double) (c[0] + c[1]);
    }

    /** Each task's headline metric on its test rows (NaN for a task without test rows). */
    public static double[] testMetric(Evaluator ev, MtlModel m, List<PreparedTask> tasks) {
        double[] out = new double[tasks.size()];
        for (int i = 0; i < out.length; i++) {
            PreparedTask t = tasks.get(i);
            // No test rows, no test metric: never silently score on the training rows.
            out[i] = t.test().length > 0 ? ev.metrics(m, i, t, t.test()).primary() : Double.NaN;
        }
        return out;
    }

    private static double[] nanArray(int k) {
        double[] a = new double[k];
        java.util.Arrays.fill(a, Double.NaN);
        return a;
    }

    /** A classification task's class labels in index order, or null (see {@link TaskReport#classes()}). */
    private static List<String> classLabels(org.mtlalign.data.EncodedLabels labels) {
        if (labels.classValues() == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int c = 0; c < labels.classValues().length; c++) {
            out.add(labels.classLabel(c));
        }
        return List.copyOf(out);
    }
}
