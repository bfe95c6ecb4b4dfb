package org.mtlalign.train;

import java.util.ArrayList;
import java.util.List;
import org.mtlalign.analysis.CovarianceSimilarity;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.Loss;
import org.mtlalign.model.MtlModel;

/**
 * Which tasks help each other: every target task trained with each other task as a pair (one MTL
 * model of width r on the two), against the target's single-task baseline of the same width, on
 * one split. The transfer to task i from task j is the pair's test metric for i minus i's STL
 * metric, signed so that positive means training with j helps i. Alongside, the covariance
 * similarity (eq. 5) of every pair's training inputs, the paper's predictor of that transfer.
 *
 * <p>Every training is the one {@link MtlExperiment} runs on the same tasks (model initialisation,
 * trainer, early stopping, test metric), so the STL baseline of a task is bitwise the STL column
 * of {@code mtl train} on the same prepared tasks. The trainings are independent and run on the
 * backend's workers; results do not depend on their number. Alignment and reweighting do not take
 * part ({@code cfg.alignMode()}, {@code cfg.reweight()} and {@code cfg.runStl()} are ignored).
 */
public final class PairwiseTransfer {
    private final Backend backend;
    private final ExperimentConfig cfg;
    private java.util.function.Consumer<String> epochLog;

    public PairwiseTransfer(Backend backend, ExperimentConfig cfg) {
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
        this.cfg = java.util.Objects.requireNonNull(cfg, "cfg");
    }

    /**
     * Where a long training says how it goes (Trainer.logEpochs: a line at most every 30 s, named
     * "STL a" or "a + b"), one call at a time; null (the default) for none.
     */
    public PairwiseTransfer logEpochs(java.util.function.Consumer<String> sink) {
        this.epochLog = sink;
        return this;
    }

    /**
     * How one training ended.
     *
     * @param test         the test metric of each task the model has (one for STL, two for a pair; NaN
     *                     without test rows or after a divergence)
     * @param stillImproving all epochs ran and the best one lies in their last tenth (as 'mtl train'
     *                     marks "cap, improving")
     * @param diverged     why the training diverged, or null
     * @param taskLoss     per task: the trained model's mean loss on the task's validation rows (its
     *                     training rows if it has none); NaN after a divergence
     * @param priorLoss    per task: the same loss of the best constant prediction (the training
     *                     labels' mean, class rates), which knows nothing of the inputs
     * @param ranksBeyondChance per task: the model orders the same rows beyond chance
     *                     ({@link PairwiseTransfer#ranksBeyondChance}); false after a divergence
     * @param restarts     how many times the training was started again from another
     *                     initialisation (see {@link MtlExperiment.Fresh}); restartReason and
     *                     restartKept as there
     */
    public record Run(double[] test, double validationLoss, int epochsRun, int bestEpoch, boolean stillImproving,
                      String diverged, double[] taskLoss, double[] priorLoss, boolean[] ranksBeyondChance,
                      int restarts, String restartReason, boolean restartKept) {
        /** A training that was not restarted. */
        public Run(double[] test, double validationLoss, int epochsRun, int bestEpoch, boolean stillImproving,
                   String diverged, double[] taskLoss, double[] priorLoss, boolean[] ranksBeyondChance) {
            this(test, validationLoss, epochsRun, bestEpoch, stillImproving, diverged, taskLoss, priorLoss,
                    ranksBeyondChance, 0, null, false);
        }

        /**
         * Task t ended no better than the constant prediction (less than 1% below its loss) and
         * orders its rows no better than chance: it learned nothing from the inputs (no signal at
         * this width, or a ReLU layer that died in training), so a transfer measured against or
         * with it says little about the partner.
         */
        public boolean noBetterThanPrior(int t) {
            checkTask("t", t, taskLoss.length);
            return diverged == null && PairwiseTransfer.noBetterThanPrior(taskLoss[t], priorLoss[t])
                    && !ranksBeyondChance[t];
        }

        /** Trained, not diverged, and no epoch beat the starting point: the metrics are the initialisation's. */
        public boolean neverImproved() {
            return diverged == null && epochsRun > 0 && bestEpoch == 0;
        }
    }

    /**
     * One split's results over k tasks.
     *
     * @param targets    which tasks are targets (their STL trained, their transfer measured)
     * @param stl        the STL run of each target; null for the others
     * @param pairs      the pair runs, {@code pairs[i][j] == pairs[j][i]} for i != j, null for pairs
     *                   without a target and on the diagonal; {@code test()[0]} is the lower index's
     * @param similarity covariance similarity of every two tasks' training inputs (k x k)
     */
    public record Result(List<PreparedTask> tasks, boolean[] targets, Run[] stl, Run[][] pairs, double[][] similarity) {
        /** Task i's test metric from the pair {i, j}; NaN if that pair was not trained. */
        public double pairMetric(int i, int j) {
            checkTask("i", i, pairs.length);
            checkTask("j", j, pairs.length);
            Run r = pairs[i][j];
            return r == null ? Double.NaN : r.test()[i < j ? 0 : 1];
        }

        /** Task i's STL test metric; NaN for a task that is not a target. */
        public double stlMetric(int i) {
            checkTask("i", i, stl.length);
            return stl[i] == null ? Double.NaN : stl[i].test()[0];
        }

        /** Transfer to target i from j: the pair's metric minus the STL metric, positive when j helps. */
        public double transfer(int i, int j) {
            checkTask("i", i, tasks.size());
            checkTask("j", j, tasks.size());
            return signedTransfer(tasks.get(i).loss().higherIsBetter(), stlMetric(i), pairMetric(i, j));
        }
    }

    /** An accessor's task index outside the k tasks is named, not an array index deep inside. */
    private static void checkTask(String name, int index, int k) {
        if (index < 0 || index >= k) {
            throw new IndexOutOfBoundsException("task index " + name + " = " + index + " is outside 0.." + (k - 1)
                    + " (" + k + " task" + (k == 1 ? "" : "s") + ")");
        }
    }

    /** mtl - stl where a higher metric is better, stl - mtl where lower is (MSE): positive means MTL is better. */
    public static double signedTransfer(boolean higherIsBetter, double stl, double mtl) {
        return higherIsBetter ? mtl - stl : stl - mtl;
    }

    /**
     * +1, -1 or 0 (no transfer: a difference that rounds away where the metrics are printed, with
     * four decimals, or at their fourth significant digit in e-notation: an MSE of 3e-14 or 1e9);
     * 0 also for NaN.
     */
    public static int transferSign(double transfer, double stl, double mtl) {
        if (Double.isNaN(transfer)) {
            return 0;
        }
        double scale = Math.max(Math.abs(stl), Math.abs(mtl));
        double eps = scale != 0 && (scale < 1e-3 || scale >= 1e5) ? 5e-4 * scale : 5e-5;
        return transfer >= eps ? 1 : transfer <= -eps ? -1 : 0;
    }

    /**
     * Trains the STL baseline of every target and the pair of every target with every other task,
     * and scores the similarity of all pairs.
     *
     * @param targets which tasks are targets; null means all
     * @param onRun   called after each training (from a worker thread, one call at a time) with a
     *                short description of it, e.g. for progress; may be null
     */
    public Result run(List<PreparedTask> tasks, boolean[] targets, java.util.function.Consumer<String> onRun) {
        java.util.Objects.requireNonNull(tasks, "tasks");
        int k = tasks.size();
        if (k < 2) {
            throw new org.mtlalign.UserInputException("pairwise transfer needs at least two tasks, got " + k);
        }
        MtlExperiment.requireTasks(tasks);
        boolean[] tg = targets != null ? targets.clone() : new boolean[k];
        if (targets == null) {
            java.util.Arrays.fill(tg, true);
        } else if (targets.length != k) {
            throw new IllegalArgumentException("targets: " + targets.length + " flags for " + k + " tasks");
        }
        List<int[]> jobs = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            if (tg[i]) {
                jobs.add(new int[] {i});
            }
        }
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                if (tg[i] || tg[j]) {
                    jobs.add(new int[] {i, j});
                }
            }
        }
        int d = tasks.get(0).dim();
        Run[] stl = new Run[k];
        Run[][] pairs = new Run[k][k];
        CovarianceSimilarity cs = new CovarianceSimilarity(backend, cfg.energy());
        CovarianceSimilarity.Factor[] factors = new CovarianceSimilarity.Factor[k];
        Object lock = new Object();
        // A restart's line goes where the long trainings' lines go.
        MtlExperiment exp = new MtlExperiment(backend, cfg).log(m -> {
            if (epochLog != null) {
                synchronized (lock) {
                    epochLog.accept(m);
                }
            }
        });
        // Tasks of one X with the same training rows (a shared X without missing labels) have one
        // factor: it is computed for the first of them and given to the others.
        int[] owner = new int[k];
        List<Integer> distinct = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            owner[i] = i;
            for (int j = 0; j < i && owner[i] == i; j++) {
                if (tasks.get(j).x() == tasks.get(i).x() && java.util.Arrays.equals(tasks.get(j).train(), tasks.get(i).train())) {
                    owner[i] = owner[j];
                }
            }
            if (owner[i] == i) {
                distinct.add(i);
            }
        }
        int nf = distinct.size();
        // Factors first (one job each), then the trainings; one pool so that neither waits on the other.
        backend.forEachIndependent(nf + jobs.size(), n -> {
            if (n < nf) {
                PreparedTask t = tasks.get(distinct.get(n));
                factors[distinct.get(n)] = cs.factor(t.gatherX(t.train()), t.train().length, d);
                return;
            }
            int[] job = jobs.get(n - nf);
            List<PreparedTask> sub = job.length == 1 ? List.of(tasks.get(job[0]))
                    : List.of(tasks.get(job[0]), tasks.get(job[1]));
            String what = job.length == 1 ? "STL " + tasks.get(job[0]).name()
                    : tasks.get(job[0]).name() + " + " + tasks.get(job[1]).name();
            Run r = train(exp, sub, what, lock);
            if (job.length == 1) {
                stl[job[0]] = r;
            } else {
                pairs[job[0]][job[1]] = r;
                pairs[job[1]][job[0]] = r;
            }
            if (onRun != null) {
                synchronized (lock) {
                    onRun.accept(what + ": " + describe(r, sub));
                }
            }
        });
        for (int i = 0; i < k; i++) {
            factors[i] = factors[owner[i]];
        }
        double[][] sim = cs.matrix(factors);
        return new Result(List.copyOf(tasks), tg, stl, pairs, sim);
    }

    /** Total trainings {@link #run} makes for these targets (STL of each target, each pair with a target). */
    public static int trainings(boolean[] targets) {
        int k = targets.length;
        int n = 0;
        for (int i = 0; i < k; i++) {
            n += targets[i] ? 1 : 0;
            for (int j = i + 1; j < k; j++) {
                n += targets[i] || targets[j] ? 1 : 0;
            }
        }
        return n;
    }

    private Run train(MtlExperiment exp, List<PreparedTask> sub, String what, Object lock) {
        int n = sub.size();
        double[] taskLoss = new double[n];
        double[] priorLoss = new double[n];
        boolean[] ranks = new boolean[n];
        java.util.function.Consumer<String> sink = epochLog == null ? null : m -> {
            synchronized (lock) {
                epochLog.accept(m);
            }
        };
        try {
            // As mtl train trains its STL baselines and MTL model: a start that failed is trained again.
            MtlExperiment.Fresh f = exp.trainFresh(exp.newModel(sub), sub, null, what,
                    m -> new Trainer(backend, cfg.train()).logEpochs(what, sink));
            MtlModel model = f.model();
            TrainResult tr = f.result();
            Evaluator ev = new Evaluator(backend);
            double[] test = MtlExperiment.testMetric(ev, model, sub);
            for (int t = 0; t < n; t++) {
                PreparedTask p = sub.get(t);
                int[] rows = scoringRows(p);
                taskLoss[t] = ev.meanLoss(model, t, p, rows);
                priorLoss[t] = priorLoss(backend, p, rows);
                ranks[t] = ranksBeyondChance(ev, model, t, p, rows);
            }
            return new Run(test, tr.bestValidationLoss(), tr.epochsRun(), tr.bestEpoch(),
                    tr.stillImproving(cfg.train().epochs()), null, taskLoss, priorLoss, ranks, f.restarts(),
                    f.restartReason(), f.restartKept());
        } catch (TrainingDivergedException ex) {
            double[] test = new double[n];
            java.util.Arrays.fill(test, Double.NaN);
            java.util.Arrays.fill(taskLoss, Double.NaN);
            java.util.Arrays.fill(priorLoss, Double.NaN);
            return new Run(test, Double.NaN, ex.epoch(), ex.bestEpoch(), false, ex.getMessage(), taskLoss, priorLoss, ranks);
        }
    }

    /**
     * A model's mean task loss is no better than the constant prediction's when it is not at least
     * 1% below it: the model learned nothing usable from the inputs (the margin keeps a run that
     * only fitted the label mean through its bias from counting as learned).
     */
    public static boolean noBetterThanPrior(double taskLoss, double priorLoss) {
        return !(taskLoss < 0.99 * priorLoss);
    }

    /**
     * Whether model head {@code head} orders task t's {@code rows} beyond chance: a binary task's
     * ROC AUC above 1/2 by more than 3 of its standard errors under no signal (sqrt((n+1) / (12 n1
     * n0)), Mann-Whitney), a multi-class task's accuracy above its rows' majority-class rate by
     * more than 3 binomial standard errors; never for regression, whose loss is its metric. A
     * classifier can do so while its loss is worse than the constant prediction's: with d above
     * the training rows, 768- or 4096-d embeddings, its logits grow until a few confident misses
     * outweigh a good ranking (measured: validation AUC 0.878, loss 0.697 against the prior's
     * 0.693), which is overconfidence, not "learned nothing".
     */
    public static boolean ranksBeyondChance(Evaluator ev, MtlModel model, int head, PreparedTask t, int[] rows) {
        if (t.loss() == Loss.SQUARED || rows.length == 0) {
            return false;
        }
        Metrics m = ev.metrics(model, head, t, rows);
        float[] y = t.gatherTarget(rows);
        return ranksBeyondChance(t.loss(), m, y, rows.length, t.labels().outputs());
    }

    /** {@link #ranksBeyondChance(Evaluator, MtlModel, int, PreparedTask, int[])} from the metrics of n rows with targets y. */
    static boolean ranksBeyondChance(Loss loss, Metrics m, float[] y, int n, int classes) {
        if (loss == Loss.LOGISTIC) {
            double pos = 0;
            for (int i = 0; i < n; i++) {
                pos += y[i] > 0.5f ? 1 : 0;
            }
            double neg = n - pos;
            if (pos == 0 || neg == 0 || Double.isNaN(m.auc())) {
                return false;
            }
            return m.auc() > 0.5 + 3 * Math.sqrt((n + 1) / (12 * pos * neg));
        }
        if (loss == Loss.SOFTMAX) {
            int[] count = new int[classes];
            for (int i = 0; i < n; i++) {
                count[(int) y[i]]++;
            }
            double major = java.util.Arrays.stream(count).max().orElse(0) / (double) n;
            return major < 1 && m.accuracy() > major + 3 * Math.sqrt(major * (1 - major) / n);
        }
        return false;
    }

    /** The rows a trained model's loss is compared with the prior's on: validation, else training. */
    static int[] scoringRows(PreparedTask t) {
        return t.validation().length > 0 ? t.validation() : t.train();
    }

    /**
     * The task's mean loss on {@code rows} of the best prediction that ignores the inputs, fitted on
     * its training rows: their label mean (squared loss), the logit of their positive rate
     * (logistic), the log of their class rates (softmax; add-one-half smoothed, so a class absent
     * from training costs a finite loss).
     */
    static double priorLoss(Backend backend, PreparedTask p, int[] rows) {
        int c = p.labels().outputs();
        int tc = p.targetColumns();
        float[] y = p.target();
        int[] train = p.train();
        float[] one = new float[c];
        switch (p.loss()) {
            case SQUARED -> {
                for (int o = 0; o < c; o++) {
                    double sum = 0;
                    for (int r : train) {
                        sum += y[r * tc + o];
                    }
                    one[o] = (float) (sum / train.length);
                }
            }
            case LOGISTIC -> {
                double pos = 0;
                for (int r : train) {
                    pos += y[r];
                }
                double rate = Math.min(1 - 1e-6, Math.max(1e-6, pos / train.length));
                one[0] = (float) Math.log(rate / (1 - rate));
            }
            case SOFTMAX -> {
                double[] count = new double[c];
                for (int r : train) {
                    count[(int) y[r]]++;
                }
                for (int o = 0; o < c; o++) {
                    one[o] = (float) Math.log((count[o] + 0.5) / (train.length + 0.5 * c));
                }
            }
            default -> throw new IllegalStateException("loss " + p.loss());
        }
        float[] out = new float[rows.length * c];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(one, 0, out, i * c, c);
        }
        return backend.lossAndGradient(p.loss(), out, rows.length, c, p.gatherTarget(rows), 1f, new float[out.length]);
    }

    static String describe(Run r, List<PreparedTask> sub) {
        if (r.diverged() != null) {
            return "diverged (" + r.diverged() + ")";
        }
        StringBuilder b = new StringBuilder();
        for (int t = 0; t < sub.size(); t++) {
            b.append(t == 0 ? "" : ", ").append(Loss.metricLabel(sub.get(t).loss().metricName()))
                    .append(' ').append(Double.isNaN(r.test()[t]) ? "-" // undefined: one class in its test rows
                            : String.format(java.util.Locale.ROOT, "%.4g", r.test()[t]));
        }
        return b + String.format(java.util.Locale.ROOT, " after %d epoch%s (best %d)", r.epochsRun(),
                r.epochsRun() == 1 ? "" : "s", r.bestEpoch());
    }
}
