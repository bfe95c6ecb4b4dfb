package org.mtlalign.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.mtlalign.UserInputException;
import org.mtlalign.model.Loss;

/**
 * Turns a {@link TaskSuite} into {@link PreparedTask}s: label encoding, seeded train /
 * validation / test splits (stratified for classification so every class reaches training),
 * standardisation fitted on training rows only, and optional label noise on the training and
 * validation rows of chosen tasks ({@link LabelNoise}; test labels stay clean).
 */
public final class Preparation {
    /** How inputs are standardised: not at all, per task, or with one fit over all tasks. */
    public enum Standardize {
        NONE, PER_TASK, GLOBAL;

        public static Standardize parse(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "none": return NONE;
                case "per-task": return PER_TASK;
                case "global": return GLOBAL;
                default:
                    throw new UserInputException("--standardize: unknown value '" + s
                            + "' (expected none, per-task or global)");
            }
        }
    }

    /**
     * Split fractions and options.
     *
     * @param labelNoise label noise applied after splitting to the training and validation rows
     *                   of the named tasks (at most one entry per task; test rows stay clean)
     * @param loss       the loss of every task not in taskLosses (null: inferred from its labels)
     * @param taskLosses per-task losses by task name (overriding {@code loss} for those tasks)
     * @param positives  per binary task (by name), the label of its positive class, as written
     *                   (a class name, or a value such as "0"); others take the later label
     * @param standardizeLabels whether squared-loss tasks train on labels standardised with their
     *                   training rows' mean and deviation (metrics and predictions stay in the labels' units)
     */
    public record Config(double validationFraction, double testFraction, long seed, Loss loss,
                         Standardize standardize, List<LabelNoise> labelNoise, java.util.Map<String, Loss> taskLosses,
                         java.util.Map<String, String> positives, boolean standardizeLabels) {
        public Config {
            // Null read as NONE for tasks with their own inputs but as standardising a shared X.
            java.util.Objects.requireNonNull(standardize, "standardize (Standardize.NONE for raw inputs)");
            taskLosses = taskLosses == null ? java.util.Map.of() : java.util.Map.copyOf(taskLosses);
            positives = positives == null ? java.util.Map.of() : java.util.Map.copyOf(positives);
            if (!(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 0.95)) {
                throw new UserInputException("--val/--test: fractions must be >= 0 and sum below 0.95");
            }
            labelNoise = labelNoise == null ? List.of() : List.copyOf(labelNoise);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (LabelNoise n : labelNoise) {
                if (!seen.add(n.task())) {
                    throw new UserInputException("--label-noise: task '" + n.task() + "' is given more than once");
                }
            }
        }

        /** Labels as given. */
        public Config(double validationFraction, double testFraction, long seed, Loss loss, Standardize standardize,
                      List<LabelNoise> labelNoise, java.util.Map<String, Loss> taskLosses,
                      java.util.Map<String, String> positives) {
            this(validationFraction, testFraction, seed, loss, standardize, labelNoise, taskLosses, positives, false);
        }

        /** Without chosen positive classes. */
        public Config(double validationFraction, double testFraction, long seed, Loss loss, Standardize standardize,
                      List<LabelNoise> labelNoise, java.util.Map<String, Loss> taskLosses) {
            this(validationFraction, testFraction, seed, loss, standardize, labelNoise, taskLosses, java.util.Map.of());
        }

        /** Every task's loss {@code loss} (null: inferred), with label noise. */
        public Config(double validationFraction, double testFraction, long seed, Loss loss, Standardize standardize,
                      List<LabelNoise> labelNoise) {
            this(validationFraction, testFraction, seed, loss, standardize, labelNoise, java.util.Map.of());
        }

        /** The loss requested for the task named {@code task}: its own entry, else {@link #loss()}. */
        public Loss lossFor(String task) {
            return taskLosses.getOrDefault(task, loss);
        }

        /** Without label noise. */
        public Config(double validationFraction, double testFraction, long seed, Loss loss, Standardize standardize) {
            this(validationFraction, testFraction, seed, loss, standardize, List.of());
        }

        public static Config defaults(long seed) {
            return new Config(0.2, 0.2, seed, null, Standardize.GLOBAL);
        }

        public Config withLabelNoise(List<LabelNoise> noise) {
            return new Config(validationFraction, testFraction, seed, loss, standardize, noise, taskLosses, positives,
                    standardizeLabels);
        }

        /** The same preparation with another seed (another split and label noise draw). */
        public Config withSeed(long newSeed) {
            return new Config(validationFraction, testFraction, newSeed, loss, standardize, labelNoise, taskLosses,
                    positives, standardizeLabels);
        }

        /** With squared-loss labels standardised (see {@link #standardizeLabels()}). */
        public Config withStandardizedLabels(boolean on) {
            return new Config(validationFraction, testFraction, seed, loss, standardize, labelNoise, taskLosses,
                    positives, on);
        }
    }

    /** The seed of task i's label noise: fixed by the preparation seed, different per task and from the splits'. */
    static long noiseSeed(long seed, int task) {
        return (seed + 7919) * 0x9E3779B97F4A7C15L + 31L * task + 1;
    }

    /** Result: the prepared tasks and the standardisation (mean/scale per task, or one shared). */
    public record Result(List<PreparedTask> tasks, float[][] means, float[][] scales, List<String> warnings) {
    }

    private Preparation() {
    }

    /**
     * Prepares the suite, leaving its tasks' arrays as they are: the standardised inputs are new
     * arrays (with {@link Standardize#NONE} the prepared tasks share the tasks' own X), so while
     * both are alive the inputs take twice their size in memory.
     *
     * @throws IllegalStateException for a suite already given to {@link #prepareInPlace}
     */
    public static Result prepare(TaskSuite suite, Config cfg) {
        return prepare(suite, cfg, false);
    }

    /**
     * As {@link #prepare}, but standardises each task's X array in place instead of into a copy,
     * for a caller that owns the arrays and has no further use for the values as loaded: the
     * inputs then take their size in memory once rather than twice (1.4 GB instead of 2.8 GB for
     * six embedding tasks of d = 384). The results are bit for bit those of {@link #prepare}.
     * Afterwards the suite's {@link Task#x()} arrays hold the standardised values (the prepared
     * tasks share them), so the suite is spent: preparing it again (another seed) is refused.
     * Tasks of a suite without shared inputs that hold one array between them get copies after
     * the first, as {@link #prepare} makes them. The command line uses this for data it read from
     * files and prepares once.
     *
     * @throws IllegalStateException for a suite already given to this method
     */
    public static Result prepareInPlace(TaskSuite suite, Config cfg) {
        return prepare(suite, cfg, true);
    }

    private static Result prepare(TaskSuite suite, Config cfg, boolean inPlace) {
        java.util.Objects.requireNonNull(suite, "suite");
        java.util.Objects.requireNonNull(cfg, "cfg (Config.defaults(seed) for mtl train's)");
        List<Task> tasks = suite.tasks();
        for (Task t : tasks) {
            if (t.standardizedInPlace) {
                throw new IllegalStateException("task '" + t.name() + "': its inputs were standardised in place by an "
                        + "earlier Preparation.prepareInPlace, so they are not the data as loaded; load the tasks "
                        + "again, or use Preparation.prepare to prepare a suite more than once");
            }
        }
        int k = tasks.size();
        int d = suite.dim();
        EncodedLabels[] enc = new EncodedLabels[k];
        List<String> unseen = new ArrayList<>();
        int[][][] splits = new int[k][][];
        for (String named : cfg.positives().keySet()) {
            if (tasks.stream().noneMatch(t -> t.name().equals(named))) {
                throw new UserInputException("--positive: no task named '" + named + "' (tasks: "
                        + String.join(", ", tasks.stream().map(Task::name).toList()) + ")");
            }
        }
        for (String named : cfg.taskLosses().keySet()) {
            if (tasks.stream().noneMatch(t -> t.name().equals(named))) {
                throw new UserInputException("--loss: no task named '" + named + "' (tasks: "
                        + String.join(", ", tasks.stream().map(Task::name).toList()) + ")");
            }
        }
        for (int i = 0; i < k; i++) {
            Task t = tasks.get(i);
            // The split is stratified by the labels as they are: choosing the positive class relabels
            // and must not move rows between train, validation and test.
            EncodedLabels asGiven = EncodedLabels.encode(t, cfg.lossFor(t.name()));
            String positive = cfg.positives().get(t.name());
            enc[i] = positive == null ? asGiven : asGiven.withPositive(t.name(), positive);
            // Shared-input tasks use one split so that row j means the same input in every task.
            long seed = suite.sharedInputs() ? cfg.seed() : cfg.seed() * 1_000_003L + i;
            EncodedLabels strat = suite.sharedInputs() ? null : asGiven;
            splits[i] = split(t.rows(), strat, cfg.validationFraction(), cfg.testFraction(), seed);
            if (t.unlabelledRows() > 0) {
                // Rows without a label take no part in this task. A shared X is split as a whole
                // first, so a row is in the same part for every task that has its label.
                for (int p = 0; p < 3; p++) {
                    splits[i][p] = labelled(splits[i][p], enc[i]);
                }
            }
            if (cfg.standardizeLabels()) {
                enc[i] = enc[i].standardized(splits[i][0]);
            }
            if (splits[i][0].length == 0) {
                throw new UserInputException(t.source() + ": task '" + t.name() + "' has " + t.rows()
                        + " rows: too few to leave any for training");
            }
            if (enc[i].loss() != Loss.SQUARED) {
                boolean[] seen = new boolean[enc[i].outputs() == 1 ? 2 : enc[i].outputs()];
                int count = 0;
                for (int r : splits[i][0]) {
                    int c = (int) enc[i].target()[r];
                    if (!seen[c]) {
                        seen[c] = true;
                        count++;
                    }
                }
                if (count < 2) {
                    throw new UserInputException(t.source() + ": task '" + t.name()
                            + "': the training split holds a single class; give more rows of each class");
                }
                if (count < seen.length) {
                    unseen.add(unseenClassWarning(t, enc[i], seen, splits[i], suite.sharedInputs()));
                }
            }
        }
        float[][] means = new float[k][];
        float[][] scales = new float[k][];
        if (cfg.standardize() != Standardize.NONE && suite.sharedInputs()) {
            // One X, so one fit (under either mode), over the rows any task trains on: with missing
            // labels the tasks' training rows differ, and every head must see the X it was trained on.
            int[] union = java.util.Arrays.stream(splits).flatMapToInt(sp -> java.util.Arrays.stream(sp[0]))
                    .distinct().sorted().toArray();
            float[][] ms = new Moments(d).add(tasks.get(0).x(), union).finish();
            java.util.Arrays.fill(means, ms[0]);
            java.util.Arrays.fill(scales, ms[1]);
        } else if (cfg.standardize() == Standardize.GLOBAL) {
            Moments all = new Moments(d);
            for (int i = 0; i < k; i++) {
                all.add(tasks.get(i).x(), splits[i][0]);
            }
            float[][] ms = all.finish();
            for (int i = 0; i < k; i++) {
                means[i] = ms[0];
                scales[i] = ms[1];
            }
        } else if (cfg.standardize() == Standardize.PER_TASK) {
            for (int i = 0; i < k; i++) {
                float[][] ms = new Moments(d).add(tasks.get(i).x(), splits[i][0]).finish();
                means[i] = ms[0];
                scales[i] = ms[1];
            }
        }
        LabelNoise[] noise = new LabelNoise[k];
        for (LabelNoise n : cfg.labelNoise()) {
            int i = 0;
            while (i < k && !tasks.get(i).name().equals(n.task())) {
                i++;
            }
            if (i == k) {
                throw new UserInputException("--label-noise: no task named '" + n.task() + "' (tasks: "
                        + String.join(", ", tasks.stream().map(Task::name).toList()) + ")");
            }
            noise[i] = n;
        }
        // These read the inputs as loaded: before the standardisation, which may overwrite them.
        boolean[] constant = constantInputs(suite, tasks, splits);
        List<String> warnings = constantInputWarnings(suite, tasks, splits, constant);
        warnings.addAll(unseen);
        warnings.addAll(outlierRowWarnings(suite, tasks, splits, constant, cfg.standardize() != Standardize.NONE));
        warnings.addAll(scaleWarnings(cfg, suite, tasks, splits, means, scales, constant));
        String raw = rawScaleWarning(cfg, suite, tasks, splits);
        if (raw != null) {
            warnings.add(raw);
        }
        String rare = rareBinaryWarning(cfg, suite, tasks, splits, means, scales);
        if (rare != null) {
            warnings.add(rare);
        }
        // Each task's standardised X: a copy, or in place its own array. Tasks with their own inputs
        // that hold one array between them (a library caller's) get copies after the first, made
        // before the first overwrites it.
        float[][] xs = new float[k][];
        boolean[] own = new boolean[k];
        if (inPlace && !suite.sharedInputs()) {
            java.util.Set<float[]> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (int i = 0; i < k; i++) {
                own[i] = seen.add(tasks.get(i).x());
                if (!own[i] && means[i] != null) {
                    xs[i] = apply(tasks.get(i).x(), tasks.get(i).rows(), d, means[i], scales[i]);
                }
            }
        } else {
            java.util.Arrays.fill(own, inPlace);
        }
        if (inPlace) {
            // Marked before the first array is overwritten: a task's label noise can still be
            // refused below (a regression task), and a caller that catches that must not prepare
            // the partly standardised arrays again as if they were the data as loaded.
            for (int i = 0; i < k; i++) {
                tasks.get(i).standardizedInPlace = means[i] != null;
            }
        }
        List<PreparedTask> out = new ArrayList<>(k);
        float[] sharedX = null;
        for (int i = 0; i < k; i++) {
            Task t = tasks.get(i);
            float[] x;
            if (suite.sharedInputs() && sharedX != null) {
                x = sharedX;
            } else {
                x = xs[i] != null ? xs[i] : means[i] == null ? t.x()
                        : own[i] ? applyInPlace(t.x(), t.rows(), d, means[i], scales[i])
                        : apply(t.x(), t.rows(), d, means[i], scales[i]);
                sharedX = x;
            }
            PreparedTask p = new PreparedTask(t.name(), x, t.rows(), d, enc[i], splits[i][0], splits[i][1], splits[i][2]);
            out.add(noise[i] == null ? p : noise[i].apply(p, noiseSeed(cfg.seed(), i)));
        }
        warnings.addAll(lossScaleWarnings(out));
        return new Result(out, means, scales, warnings);
    }

    /** Regression labels whose standard deviation is below this are too small for the default steps. */
    static final double SMALL_LABELS = 1e-3;

    /** A regression task whose loss starts this many times above the other tasks' median dominates the sum. */
    static final double LOSS_SCALE_RATIO = 25;

    /**
     * The loss each task starts from once its bias has fitted (the loss of the best constant: half
     * the label variance summed over the outputs for the squared loss, as the training loss sums
     * them; the label entropy for logistic and softmax), on its training rows. The shared module
     * and early stopping follow the summed loss, so a regression task in large label units next
     * to the others (classes, or regression in small units) is most of what MTL fits, and the
     * other tasks' transfer says more about the units than about them. Compared with the median of
     * the other tasks, so that one nearly single-class task does not make every other task look
     * large.
     */
    static List<String> lossScaleWarnings(List<PreparedTask> tasks) {
        return lossScaleWarnings(tasks, -1);
    }

    /**
     * The label-scale warnings of {@link #prepare} for a run in which task {@code alone} trains
     * apart from the others (transfer mode's target, fine-tuned on its own; -1: none): the
     * others' summed loss is what trains the shared module, so a task is compared with the
     * others but {@code alone}, and {@code alone} is said to be on another scale than them
     * without the claim that it dominates their sum. prepare's own warnings are those of -1.
     *
     * @throws IndexOutOfBoundsException for {@code alone} outside -1..k-1
     */
    public static List<String> lossScaleWarnings(List<PreparedTask> tasks, int alone) {
        java.util.Objects.checkIndex(alone + 1, tasks.size() + 1);
        List<String> w = new ArrayList<>();
        double[] scale = new double[tasks.size()];
        for (int i = 0; i < tasks.size(); i++) {
            scale[i] = constantLoss(tasks.get(i));
        }
        for (int i = 0; i < tasks.size(); i++) {
            PreparedTask t = tasks.get(i);
            if (t.loss() != Loss.SQUARED) {
                continue;
            }
            double sd = Math.sqrt(2 * scale[i] / t.targetColumns());
            if (sd == 0 && t.train().length > 1) {
                // Reachable under --loss squared, which takes a label column of one value that the
                // inferred loss refuses as one class: every model is '!' with no reason given.
                w.add(String.format(java.util.Locale.ROOT, "task '%s': its labels are the same in all %d of its "
                        + "training rows, so there is nothing to learn: its models can only predict that value, and "
                        + "its metrics and transfers say nothing about the inputs", t.name(), t.train().length));
            }
            if (sd > 0 && sd < SMALL_LABELS) {
                // Steps of the default learning rate are orders of magnitude larger than the head
                // weights such labels need: every model of the task ends near its label mean.
                w.add(String.format(java.util.Locale.ROOT, "task '%s': its labels vary by only %.3g (standard "
                        + "deviation); the training steps (--lr) are far larger than the weights such labels need, so "
                        + "its models may not fit them; rescale the labels (e.g. to unit variance) or pass "
                        + "--standardize-labels", t.name(), sd));
            }
            int n = 0;
            double[] others = new double[tasks.size()];
            for (int j = 0; j < tasks.size(); j++) {
                if (j != i && j != alone) {
                    others[n++] = scale[j];
                }
            }
            if (n == 0) {
                continue;
            }
            others = java.util.Arrays.copyOf(others, n);
            java.util.Arrays.sort(others);
            double median = n % 2 == 1 ? others[n / 2] : 0.5 * (others[n / 2 - 1] + others[n / 2]);
            if (median > 0 && scale[i] > LOSS_SCALE_RATIO * median && i == alone) {
                // Transfer mode's target trained in no sum: the warning below said it dominated the
                // sources' loss and their transfer, neither of which it enters.
                w.add(String.format(java.util.Locale.ROOT, "task '%s' (the transfer target, trained alone): its squared loss starts at "
                        + "%.3g, %s times the other tasks' median (%.3g); it is not in their summed loss, but the "
                        + "default steps (--lr) suit labels of about unit scale: if its trainings run into the --epochs "
                        + "cap, --standardize-labels trains it on unit-variance labels (metrics stay in its units)",
                        t.name(), scale[i], times(scale[i] / median), median));
            } else if (median > 0 && scale[i] > LOSS_SCALE_RATIO * median) {
                int c = t.targetColumns();
                w.add(String.format(java.util.Locale.ROOT, "task '%s': its squared loss starts at %.3g (half its label "
                        + "variance%s), %s times the other tasks' median (%.3g); the summed loss that trains the shared "
                        + "module and decides early stopping is mostly this task, so the others' transfer reflects the "
                        + "label scales; bring the tasks' labels to comparable scales (e.g. unit variance, or pass "
                        + "--standardize-labels)", t.name(),
                        scale[i], c > 1 ? ", summed over its " + c + " outputs" : "", times(scale[i] / median), median));
            }
        }
        return w;
    }

    /** A ratio as "37", or "9.02e+11" once whole digits would run on (labels of 1e6 next to 1e-6 gave 25 digits). */
    private static String times(double ratio) {
        return String.format(java.util.Locale.ROOT, ratio < 1e6 ? "%.0f" : "%.3g", ratio);
    }

    /** Whether every training row holds the first training row's label, column by column. */
    private static boolean constantTrainingLabels(PreparedTask t) {
        int[] rows = t.train();
        int c = t.targetColumns();
        float[] y = t.target();
        for (int r : rows) {
            for (int o = 0; o < c; o++) {
                if (Float.compare(y[r * c + o], y[rows[0] * c + o]) != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double constantLoss(PreparedTask t) {
        int[] rows = t.train();
        if (rows.length == 0) {
            return 0;
        }
        int c = t.targetColumns();
        float[] y = t.target();
        if (t.loss() == Loss.SQUARED) {
            if (constantTrainingLabels(t)) {
                // Exactly 0: the one-pass variance of one value repeated is often a rounding residue
                // (3.7 in 361 rows: "vary by only 1.69e-07", and the other tasks 1e12 times its loss).
                return 0;
            }
            double var = 0;
            for (int o = 0; o < c; o++) {
                double sum = 0;
                double sq = 0;
                for (int r : rows) {
                    double v = y[r * c + o];
                    sum += v;
                    sq += v * v;
                }
                double mu = sum / rows.length;
                var += Math.max(0, sq / rows.length - mu * mu);
            }
            return 0.5 * var;
        }
        // Class frequencies: logistic targets are 0/1, softmax targets class indices.
        int classes = t.loss() == Loss.LOGISTIC ? 2 : t.labels().outputs();
        double[] count = new double[classes];
        for (int r : rows) {
            int k = (int) y[r * c];
            if (k >= 0 && k < classes) {
                count[k]++;
            }
        }
        double h = 0;
        for (double n : count) {
            if (n > 0) {
                double q = n / rows.length;
                h -= q * Math.log(q);
            }
        }
        return h;
    }

    /**
     * Under global standardisation the pooled fit is dominated by the task on the largest scale; a
     * task whose inputs are then a hundredth of the pooled scale or less barely moves the shared
     * module (inputs of 1e20 next to inputs of 1 turn the latter into near-constants). Said once
     * per such task, with the remedy.
     */
    private static List<String> scaleWarnings(Config cfg, TaskSuite suite, List<Task> tasks, int[][][] splits,
                                              float[][] means, float[][] scales, boolean[] constant) {
        List<String> w = new ArrayList<>();
        if (cfg.standardize() != Standardize.GLOBAL || suite.sharedInputs() || tasks.size() < 2) {
            return w;
        }
        int d = suite.dim();
        // Each task's spread after standardisation: the root mean over columns of the variance of
        // its standardised values (its offset from the pooled mean does not count).
        double[] rms = new double[tasks.size()];
        double largest = 0;
        for (int i = 0; i < tasks.size(); i++) {
            float[] x = tasks.get(i).x();
            int[] rows = splits[i][0];
            double[][] st = new double[2][d];
            for (int r : rows) {
                for (int j = 0; j < d; j++) {
                    double z = (x[r * d + j] - means[i][j]) / (double) scales[i][j];
                    st[0][j] += z;
                    st[1][j] += z * z;
                }
            }
            double var = 0;
            for (int j = 0; j < d && rows.length > 0; j++) {
                double mu = st[0][j] / rows.length;
                var += Math.max(0, st[1][j] / rows.length - mu * mu);
            }
            rms[i] = Math.sqrt(var / d);
            largest = Math.max(largest, rms[i]);
        }
        for (int i = 0; i < tasks.size(); i++) {
            // A task whose inputs do not vary has its own warning: per-task standardisation, the
            // remedy named here, would only turn its inputs into zeros.
            if (!constant[i] && rms[i] > 0 && rms[i] < 1e-2 * largest) {
                // Said apart: "barely reach" read as a weak signal where float32 has rounded it away
                // (mtl analyze then leaves the task out as one whose inputs do not vary).
                boolean lost = sameOnceStandardised(tasks.get(i).x(), splits[i][0], d, means[i], scales[i]);
                w.add(String.format(java.util.Locale.ROOT, "task '%s': after --standardize global its inputs are "
                        + "%.2g of the largest task's spread (one fit over all tasks, dominated by the largest), %s; "
                        + "--standardize per-task puts every task on one scale",
                        tasks.get(i).name(), rms[i] / largest, lost
                                ? "below what float32 resolves at their distance from the pooled mean: standardised, they "
                                        + "are the same in every training row, so its models can only predict a constant"
                                // Its STL baseline trains on the same standardised inputs: a unit-scale task
                                // beside a task with rows at 1e5 scored a test MSE of 25.3 alone, 0.091 per-task.
                                : "so they barely reach the shared module or its single-task baseline, which trains on "
                                        + "the same standardised inputs"));
            }
        }
        return w;
    }

    /**
     * "task 't': class '4' has no training rows ...": a class every row of which fell in validation
     * or test. Stratification keeps one of each class in training, so this happens where the split
     * is not stratified, tasks sharing X (two rows of one class out of 400 landed in test in 2 of 5
     * seeds); the model then never predicts that class, its test rows are errors whatever the inputs
     * say, and its recall of 0 takes 1 / classes off the balanced accuracy (0.77 where the classes
     * seen scored 0.97), with nothing said.
     */
    private static String unseenClassWarning(Task t, EncodedLabels enc, boolean[] inTraining, int[][] split,
                                             boolean shared) {
        List<String> names = new ArrayList<>();
        int rows = 0;
        int[] elsewhere = new int[2];
        for (int c = 0; c < inTraining.length; c++) {
            if (inTraining[c]) {
                continue;
            }
            names.add("'" + enc.classLabel(c) + "'");
            for (int p = 1; p < 3; p++) {
                for (int r : split[p]) {
                    if ((int) enc.target()[r] == c) {
                        elsewhere[p - 1]++;
                        rows++;
                    }
                }
            }
        }
        String which = names.size() == 1 ? "class " + names.get(0) + " has" : "classes " + String.join(", ", names) + " have";
        return String.format(java.util.Locale.ROOT, "task '%s': %s no training rows (%s %d row%s: %d in validation, %d in test%s), "
                + "so its models cannot predict %s and %s test rows count as errors (a recall of 0 in the balanced "
                + "accuracy); give %s more rows, or leave %s out", t.name(), which, names.size() == 1 ? "its" : "their",
                rows, rows == 1 ? "" : "s", elsewhere[0], elsewhere[1],
                shared ? "; tasks sharing X share one split, not stratified by any task's classes" : "",
                names.size() == 1 ? "it" : "them", names.size() == 1 ? "its" : "their",
                names.size() == 1 ? "that class" : "those classes", names.size() == 1 ? "its rows" : "their rows");
    }

    /** Rows this few (at most 1% of the training rows, at least 1) holding this share of the spread are outliers. */
    static final double OUTLIER_SHARE = 0.99;

    /**
     * "task 'r': 2 of its 480 training rows hold 99.9% of its inputs' spread ...": a few rows far
     * out (a unit error, a sentinel such as 1e5 in every column) set every column's scale, so once
     * standardised the other rows are nearly the same and the models learn from those few. Four rows
     * at 1e5 times the others in 800 of a regression task made it learn nothing (test MSE 30.7 against
     * 25.1 for a float64 least-squares fit of those rows, 0.09 for the task without them), and under
     * --standardize global the other tasks were then named as 0.008 of its spread with per-task
     * standardisation as the remedy, which leaves that task as it was. Each column counts alike
     * (its squared deviations over its variance, summed per row), so one heavy-tailed column of
     * many does not make a row an outlier: Student-t(3) inputs kept the top 1% of rows under 86% of
     * the spread at d = 1 and under 36% at d = 5 (200 draws each of 30 to 1000 rows).
     */
    private static List<String> outlierRowWarnings(TaskSuite suite, List<Task> tasks, int[][][] splits,
                                                   boolean[] constant, boolean standardised) {
        List<String> w = new ArrayList<>();
        int d = suite.dim();
        for (int i = 0; i < tasks.size(); i++) {
            if (constant[i] || (suite.sharedInputs() && i > 0)) {
                continue;
            }
            int[] rows = trainingRows(suite, splits, i);
            int n = rows.length;
            float[] x = tasks.get(i).x();
            if (zeroOrOne(x, rows, d)) {
                // A rare 1 is a category, not a unit or entry error: at d = 1 to 3 with bits set in
                // under 1% of the rows this said to drop those rows, beside the rare-binary warning
                // that calls such inputs fine as they are.
                continue;
            }
            double[] mean = new double[d];
            double[] var = new double[d];
            for (int r : rows) {
                for (int j = 0; j < d; j++) {
                    mean[j] += x[r * d + j];
                }
            }
            for (int j = 0; j < d; j++) {
                mean[j] /= n;
            }
            for (int r : rows) {
                for (int j = 0; j < d; j++) {
                    double z = x[r * d + j] - mean[j];
                    var[j] += z * z;
                }
            }
            double[] far = new double[n];
            double total = 0;
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < d; j++) {
                    if (var[j] > 0) {
                        double z = x[rows[t] * d + j] - mean[j];
                        far[t] += z * z / var[j];
                    }
                }
                total += far[t];
            }
            if (!(total > 0)) {
                continue;
            }
            double[] sorted = far.clone(); // ascending: the farthest last
            java.util.Arrays.sort(sorted);
            int most = Math.max(1, n / 100);
            double held = 0;
            int few = 0;
            while (few < most && held < OUTLIER_SHARE * total) {
                held += sorted[n - 1 - few++];
            }
            if (held < OUTLIER_SHARE * total) {
                continue;
            }
            double median = sorted[(n - 1) / 2];
            double farthest = sorted[n - 1];
            double cut = sorted[n - few];
            List<Integer> far5 = new ArrayList<>();
            for (int t = 0; t < n && far5.size() < Math.min(few, 5); t++) {
                if (far[t] >= cut) {
                    far5.add(rows[t]);
                }
            }
            List<String> named = far5.stream().sorted().map(String::valueOf).toList();
            w.add(String.format(java.util.Locale.ROOT, "%s: %d of %s %d training rows %s %.4g%% of %s inputs' spread "
                    + "(%s from the column means %s the median row's), so %s the other rows are "
                    + "nearly alike and the models learn mostly from %s; check %s (0-based row%s %s%s of the data "
                    + "file) for unit or entry errors and fix or drop %s",
                    suite.sharedInputs() ? "the shared inputs X" : "task '" + tasks.get(i).name() + "'", few,
                    suite.sharedInputs() ? "the" : "its", n, few == 1 ? "holds" : "hold", 100 * held / total,
                    suite.sharedInputs() ? "the" : "its", few == 1 ? "its distance" : "their distances",
                    median > 0 ? String.format(java.util.Locale.ROOT, "%s %.3g times", few == 1 ? "is" : "are up to",
                            Math.sqrt(farthest / median)) : few == 1 ? "is far beyond" : "are far beyond",
                    // Under --standardize none nothing is standardised; the few rows still set the scale.
                    standardised ? "once standardised" : "beside them", few == 1 ? "that row" : "those " + few,
                    few == 1 ? "it" : "them", few == 1 ? "" : "s", String.join(", ", named),
                    few > named.size() ? ", ..." : "", few == 1 ? "it" : "them"));
        }
        return w;
    }

    /** Whether every input of these rows is 0 or 1 (fingerprints, one-hot features). */
    private static boolean zeroOrOne(float[] x, int[] rows, int d) {
        for (int r : rows) {
            for (int j = 0; j < d; j++) {
                float v = x[r * d + j];
                if (v != 0f && v != 1f) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Task i's training rows; for a shared X the rows any task trains on (with missing labels they differ). */
    private static int[] trainingRows(TaskSuite suite, int[][][] splits, int i) {
        return !suite.sharedInputs() ? splits[i][0] : java.util.Arrays.stream(splits)
                .flatMapToInt(sp -> java.util.Arrays.stream(sp[0])).distinct().sorted().toArray();
    }

    /** Under --standardize none, columns whose values' root mean square exceeds this are named. */
    static final double RAW_LARGE = 100;

    /** Under --standardize none, varying columns whose standard deviation is below this are named. */
    static final double RAW_SMALL = 1e-3;

    /**
     * Under --standardize none the inputs reach the model as given, and the default steps (--lr
     * 0.005 from a unit-scale initialisation) and the capacity's ridge fits (a strength per row in
     * the inputs' units) suit inputs of about unit scale. Three tasks of d = 16 with every column
     * at 1e6 (mean 5e6): MTL test AUCs 0.44 and 0.41 and MSE 23 against 0.99 and 0.08 standardised;
     * at 1e-6 the capacity called the fits weak (held-out error 1.000 at every width, 0.262
     * standardised); at 100 a ReLU baseline's MSE was 3.85 against 0.075 for a float64 fit. The
     * '!' that such runs draw blamed the task's signal or the plateau. Null when no column is so.
     */
    private static String rawScaleWarning(Config cfg, TaskSuite suite, List<Task> tasks, int[][][] splits) {
        if (cfg.standardize() != Standardize.NONE) {
            return null;
        }
        Moments all = new Moments(suite.dim());
        for (int i = 0; i < tasks.size() && !(suite.sharedInputs() && i > 0); i++) {
            all.add(tasks.get(i).x(), trainingRows(suite, splits, i)); // a shared X: its rows once
        }
        int d = suite.dim();
        double[] sd = all.spread();
        double[] rms = all.rootMeanSquare();
        int large = 0;
        int small = 0;
        int largest = -1;
        int smallest = -1;
        for (int j = 0; j < d; j++) {
            if (rms[j] > RAW_LARGE) {
                large++;
                largest = largest < 0 || rms[j] > rms[largest] ? j : largest;
            } else if (sd[j] > 0 && sd[j] < RAW_SMALL) {
                small++;
                smallest = smallest < 0 || sd[j] < sd[smallest] ? j : smallest;
            }
        }
        if (large + small == 0) {
            return null;
        }
        List<String> what = new ArrayList<>();
        if (large > 0) {
            what.add(String.format(java.util.Locale.ROOT, "%s reach%s %.3g (root mean square over the training rows%s)",
                    large == 1 ? "column " + largest : large + " of the " + d + " columns", large == 1 ? "es" : "",
                    rms[largest], large == 1 ? "" : "; column " + largest + " the most"));
        }
        if (small > 0) {
            what.add(String.format(java.util.Locale.ROOT, "%s var%s by only %.3g (standard deviation%s)",
                    small == 1 ? "column " + smallest : small + " of the " + d + " columns", small == 1 ? "ies" : "y",
                    sd[smallest], small == 1 ? "" : "; column " + smallest + " the least"));
        }
        return "under --standardize none the inputs are used as given, and " + String.join(", and ", what)
                + ": the training steps (--lr) and the capacity's ridge fits suit inputs of about unit scale, so models "
                + "may learn little or nothing from them; standardise (the default --standardize global, or per-task) "
                + "or rescale those columns";
    }

    /** Whether rows of x, standardised in float32 as {@link #apply} does it, are all the same. */
    private static boolean sameOnceStandardised(float[] x, int[] rows, int d, float[] mean, float[] scale) {
        for (int j = 0; j < d; j++) {
            float first = rows.length == 0 ? 0 : (x[rows[0] * d + j] - mean[j]) / scale[j];
            for (int r : rows) {
                if ((x[r * d + j] - mean[j]) / scale[j] != first) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Per task, whether its inputs are the same in every one of its (two or more) training rows.
     * Such inputs carry nothing to learn from or to transfer; before, under --standardize global
     * they drew the scale warning ("2.0e-08 of the largest task's spread": rounding, not a
     * spread) with per-task standardisation as its remedy, and under none or per-task no word.
     */
    private static boolean[] constantInputs(TaskSuite suite, List<Task> tasks, int[][][] splits) {
        int d = suite.dim();
        boolean[] constant = new boolean[tasks.size()];
        for (int i = 0; i < tasks.size(); i++) {
            float[] x = tasks.get(i).x();
            constant[i] = sameRows(x, splits[i][0], d);
        }
        return constant;
    }

    /** Whether {@code rows} (two or more) of the m x d array {@code x} are all the same. */
    private static boolean sameRows(float[] x, int[] rows, int d) {
        boolean same = rows.length >= 2;
        for (int t = 1; t < rows.length && same; t++) {
            for (int j = 0; j < d; j++) {
                // != rather than compare: -0.0 and 0.0 are the same input
                if (x[rows[t] * d + j] != x[rows[0] * d + j]) {
                    same = false;
                    break;
                }
            }
        }
        return same;
    }

    /**
     * "task 'z': its inputs are the same in all 48 of its training rows: ...", one line per such
     * task (one for a shared X whose training rows are all alike).
     */
    private static List<String> constantInputWarnings(TaskSuite suite, List<Task> tasks, int[][][] splits,
                                                      boolean[] constant) {
        List<String> w = new ArrayList<>();
        String consequence = "they carry nothing to learn from or to transfer: its models can only predict a constant, and its "
                + "covariance similarity scores describe no spread of inputs";
        boolean any = false;
        for (boolean c : constant) {
            any |= c;
        }
        if (suite.sharedInputs() && any) {
            // With missing labels the tasks train on different rows of X: X is said once when it is
            // the same in all the rows any task trains on (their union, counted as such), and
            // otherwise a task whose own training rows are all alike is named as in separate files.
            // (X the same over the union makes some task's rows alike, so the union is formed only then.)
            int[] union = java.util.Arrays.stream(splits).flatMapToInt(sp -> java.util.Arrays.stream(sp[0]))
                    .distinct().sorted().toArray();
            if (sameRows(tasks.get(0).x(), union, suite.dim())) {
                w.add("the shared inputs X are the same in all " + union.length + " training rows: "
                        + consequence.replace("its models", "every task's models").replace("its covariance", "the covariance"));
                return w;
            }
        }
        for (int i = 0; i < tasks.size(); i++) {
            if (constant[i]) {
                w.add("task '" + tasks.get(i).name() + "': its inputs are the same in all " + splits[i][0].length
                        + " of its training rows: " + consequence);
            }
        }
        return w;
    }

    /** A standardised 0/1 input at least this far from 0 is a value in under 1% of the rows (1 / sqrt(0.01)). */
    static final double RARE_BINARY_Z = 10;

    /**
     * Inputs of 0s and 1s alone (molecular fingerprints, one-hot features) where some columns take
     * a value in under 1% of the training rows: standardising turns that value into 10 or more
     * (a 1 in 4 of 8000 rows: 45) beside the others' unit scale, and the models train badly on
     * them. On 12 Tox21-style tasks (d = 1024, 385 columns of that kind; r = 4) STL's test AUC
     * was 0.69-0.81 standardised and 0.76-0.88 with --standardize none. Null when not so.
     */
    private static String rareBinaryWarning(Config cfg, TaskSuite suite, List<Task> tasks, int[][][] splits,
                                            float[][] means, float[][] scales) {
        if (cfg.standardize() == Standardize.NONE) {
            return null;
        }
        int d = suite.dim();
        boolean[] rare = new boolean[d];
        double largest = 0;
        for (int i = 0; i < tasks.size(); i++) {
            if (suite.sharedInputs() && i > 0) {
                break; // one X, one fit
            }
            float[] x = tasks.get(i).x();
            boolean[][] has = new boolean[2][d];
            for (int r : splits[i][0]) {
                for (int j = 0; j < d; j++) {
                    float v = x[r * d + j];
                    if (v != 0f && v != 1f) {
                        return null;
                    }
                    has[(int) v][j] = true;
                }
            }
            for (int j = 0; j < d; j++) {
                for (int v = 0; v < 2; v++) {
                    double z = has[v][j] ? Math.abs((v - means[i][j]) / (double) scales[i][j]) : 0;
                    if (z >= RARE_BINARY_Z) {
                        rare[j] = true;
                        largest = Math.max(largest, z);
                    }
                }
            }
        }
        int n = 0;
        for (boolean b : rare) {
            n += b ? 1 : 0;
        }
        if (n == 0) {
            return null;
        }
        return String.format(java.util.Locale.ROOT, "the inputs are all 0 or 1 and %d of their %d columns take a value "
                + "in under 1%% of the training rows, which --standardize %s turns into values up to %.0f beside the "
                + "others' unit scale; such inputs (fingerprints, one-hot features) often train better as they are: "
                + "compare --standardize none", n, d, cfg.standardize().name().toLowerCase(java.util.Locale.ROOT)
                .replace('_', '-'), largest);
    }

    /**
     * Column means and spreads of rows of one or more inputs, from sums of x - shift and
     * (x - shift)^2, the shift being the first row seen: exact for a column with a large mean
     * (timestamps: 1.7e9 + a spread of 1e3), and exactly 0 for a constant column.
     */
    private static final class Moments {
        private final double[] shift;
        private final double[] sum;
        private final double[] sq;
        private long n;

        Moments(int d) {
            shift = new double[d];
            sum = new double[d];
            sq = new double[d];
        }

        Moments add(float[] x, int[] rows) {
            int d = shift.length;
            for (int r : rows) {
                if (n == 0) {
                    for (int j = 0; j < d; j++) {
                        shift[j] = x[r * d + j];
                    }
                }
                for (int j = 0; j < d; j++) {
                    double v = x[r * d + j] - shift[j];
                    sum[j] += v;
                    sq[j] += v * v;
                }
                n++;
            }
            return this;
        }

        /** Each column's population standard deviation, 0 for a constant one. */
        double[] spread() {
            double[] sd = new double[shift.length];
            for (int j = 0; j < sd.length && n > 0; j++) {
                double dm = sum[j] / n;
                sd[j] = Math.sqrt(Math.max(0, sq[j] / n - dm * dm));
            }
            return sd;
        }

        /** Each column's root mean square (about 0, not the mean). */
        double[] rootMeanSquare() {
            double[] sd = spread();
            double[] out = new double[sd.length];
            for (int j = 0; j < sd.length && n > 0; j++) {
                double mu = shift[j] + sum[j] / n;
                out[j] = Math.sqrt(sd[j] * sd[j] + mu * mu);
            }
            return out;
        }

        /** {mean, scale}; a constant column keeps scale 1 instead of dividing by zero. */
        float[][] finish() {
            int d = shift.length;
            float[] mean = new float[d];
            float[] scale = new float[d];
            for (int j = 0; j < d; j++) {
                double dm = n == 0 ? 0 : sum[j] / n;
                double var = n == 0 ? 0 : Math.max(0, sq[j] / n - dm * dm);
                double mu = shift[j] + dm;
                mean[j] = (float) mu;
                // Constant means no variation beyond float32's resolution (about 6e-8 of the mean),
                // never an absolute threshold: a feature in small units (std 1e-8) varies as much as
                // any, and so does a timestamp whose spread is 6e-7 of its value.
                double sd = Math.sqrt(var);
                scale[j] = sd > 1e-7 * Math.abs(mu) && (float) sd >= Float.MIN_NORMAL ? (float) sd : 1f;
            }
            return new float[][] {mean, scale};
        }
    }

    /**
     * (x - mean) / scale row by row into a new array.
     *
     * @throws IllegalArgumentException when x is not m x d, mean and scale do not hold d values each,
     *     a mean is not finite or a scale not a positive number
     */
    public static float[] apply(float[] x, int m, int d, float[] mean, float[] scale) {
        java.util.Objects.requireNonNull(mean, "mean");
        java.util.Objects.requireNonNull(scale, "scale");
        if (m < 0 || d < 0 || x.length != (long) m * d || mean.length != d || scale.length != d) {
            throw new IllegalArgumentException("standardisation: " + x.length + " inputs, " + mean.length + " means and "
                    + scale.length + " scales for " + m + " rows of d = " + d);
        }
        for (int j = 0; j < d; j++) {
            // A zero or NaN scale (a hand-made Predictor's extras; ModelIO.load refuses such files)
            // made every output NaN without a word.
            if (!Float.isFinite(mean[j]) || !(scale[j] > 0) || Float.isInfinite(scale[j])) {
                throw new IllegalArgumentException("standardisation of input " + j + ": mean " + mean[j] + ", scale "
                        + scale[j] + "; means must be finite and scales positive numbers");
            }
        }
        float[] out = new float[m * d];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                out[i * d + j] = (x[i * d + j] - mean[j]) / scale[j];
            }
        }
        return out;
    }

    /** (x - mean) / scale row by row, overwriting x (the same floats as {@link #apply}); returns x. */
    static float[] applyInPlace(float[] x, int m, int d, float[] mean, float[] scale) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (x[i * d + j] - mean[j]) / scale[j];
            }
        }
        return x;
    }

    /** The rows of {@code rows} whose label is present (no NaN target). */
    private static int[] labelled(int[] rows, EncodedLabels labels) {
        int c = labels.targetColumns();
        float[] t = labels.target();
        return java.util.Arrays.stream(rows).filter(r -> {
            for (int o = 0; o < c; o++) {
                if (Float.isNaN(t[r * c + o])) {
                    return false;
                }
            }
            return true;
        }).toArray();
    }

    /**
     * Seeded split into {train, validation, test}; stratified by class when labels given. Each
     * class's rows are shuffled and its test and validation counts are its share of them, rounded,
     * with at least one row left for training. Rounding per class can move a part far from its
     * share when there are many small classes (a thousand classes of two rows: round(0.4) = 0 test
     * rows each, so no test rows at all; of three rows: one each, a third instead of a fifth), so a
     * part whose total is then more than a tenth (and more than one row) off its share of all the
     * rows is brought to it, by moving rows of the classes whose rounding went furthest the other
     * way (ties in a seeded random order). Splits of larger classes (25 rows or more at the
     * default fraction 0.2), whose roundings can sum a few rows off but not a tenth of the share
     * (ten classes of 102 rows: 200 test rows for 204), are as per-class rounding makes them, as
     * they were before this rule, so that their results and the checksums that --resume compares
     * do not move.
     */
    static int[][] split(int m, EncodedLabels labels, double valFrac, double testFrac, long seed) {
        Random rnd = new Random(seed);
        List<List<Integer>> groups = new ArrayList<>();
        if (labels == null || labels.loss() == Loss.SQUARED) {
            List<Integer> all = new ArrayList<>(m);
            for (int i = 0; i < m; i++) {
                all.add(i);
            }
            groups.add(all);
        } else {
            int classes = labels.loss() == Loss.LOGISTIC ? 2 : labels.outputs();
            for (int c = 0; c < classes; c++) {
                groups.add(new ArrayList<>());
            }
            for (int i = 0; i < m; i++) {
                float c = labels.target()[i];
                if (!Float.isNaN(c)) {  // an unlabelled row is in no part of the split
                    groups.get((int) c).add(i);
                }
            }
        }
        int g = groups.size();
        int[] size = new int[g];
        int[] nTest = new int[g];
        int[] nVal = new int[g];
        int total = 0;
        for (int c = 0; c < g; c++) {
            java.util.Collections.shuffle(groups.get(c), rnd);
            int n = groups.get(c).size();
            size[c] = n;
            total += n;
            nTest[c] = (int) Math.round(n * testFrac);
            nVal[c] = (int) Math.round(n * valFrac);
            if (n - nTest[c] - nVal[c] < 1 && n > 0) {
                // Tiny groups: training gets the first row before the held-out splits do.
                nTest[c] = Math.max(0, Math.min(nTest[c], n - 1));
                nVal[c] = Math.max(0, Math.min(nVal[c], n - 1 - nTest[c]));
            }
        }
        if (g > 1) {
            int[] ties = toShare(nTest, nVal, size, testFrac, total, null, rnd);
            toShare(nVal, nTest, size, valFrac, total, ties, rnd);
        }
        List<Integer> train = new ArrayList<>();
        List<Integer> val = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (int c = 0; c < g; c++) {
            List<Integer> rows = groups.get(c);
            test.addAll(rows.subList(0, nTest[c]));
            val.addAll(rows.subList(nTest[c], nTest[c] + nVal[c]));
            train.addAll(rows.subList(nTest[c] + nVal[c], size[c]));
        }
        return new int[][] {toSortedArray(train), toSortedArray(val), toSortedArray(test)};
    }

    /**
     * Brings one held-out part's per-class counts {@code part} to round(total * frac) rows when
     * they sum to more than one row and more than a tenth of it away from it: rows are added to the classes furthest below
     * their exact share (keeping one row per class for training beside {@code other}, the other
     * held-out part's counts) or taken from those furthest above it. Ties are broken by
     * one seeded random order of the classes, drawn here on first need and returned for reuse.
     */
    private static int[] toShare(int[] part, int[] other, int[] size, double frac, int total, int[] ties, Random rnd) {
        int want = (int) Math.round(total * frac);
        int have = java.util.Arrays.stream(part).sum();
        if (Math.abs(want - have) <= Math.max(1, want / 10.0)) {
            return ties;
        }
        int g = part.length;
        if (ties == null) {
            List<Integer> order = new ArrayList<>(g);
            for (int c = 0; c < g; c++) {
                order.add(c);
            }
            java.util.Collections.shuffle(order, rnd);
            ties = new int[g];
            for (int i = 0; i < g; i++) {
                ties[order.get(i)] = i;
            }
        }
        int[] rank = ties;
        boolean add = want > have;
        // Rounding each class fixes its count to within one row of its share, so one pass over the
        // classes in order of need moves every row there is room for.
        Integer[] order = new Integer[g];
        for (int c = 0; c < g; c++) {
            order[c] = c;
        }
        java.util.Arrays.sort(order, (a, b) -> {
            double ga = size[a] * frac - part[a];
            double gb = size[b] * frac - part[b];
            int cmp = add ? Double.compare(gb, ga) : Double.compare(ga, gb);
            return cmp != 0 ? cmp : Integer.compare(rank[a], rank[b]);
        });
        for (int i = 0; i < g && have != want; i++) {
            int c = order[i];
            if (add) {
                if (size[c] - part[c] - other[c] > 1) {
                    part[c]++;
                    have++;
                }
            } else if (part[c] > 0) {
                part[c]--;
                have--;
            }
        }
        return ties;
    }

    private static int[] toSortedArray(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).sorted().toArray();
    }
}
