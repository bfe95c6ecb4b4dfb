package org.mtlalign.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.Loss;
import org.mtlalign.model.MtlModel;

/**
 * The paper's transfer-learning use of Algorithm 1: learn a shared module B on the source
 * tasks, then fit the target task on top of the frozen B, once with only a new head and once
 * with a new head plus an alignment matrix R (d x d, from the identity), next to a single-task
 * model trained on the target alone.
 *
 * <p><b>A like-for-like comparison.</b> The two fine-tuning variants start from the same
 * function: the new head (and its bias) starts at zero, and R = I, so at the start both predict
 * 0 for every row. A zero start is the natural one for a linear or logistic head on fixed
 * features (the head-only problem is convex there; a random start only adds a seed-dependent
 * offset, and the model's seeded random head would be the very values the source head started
 * from). The STL baseline starts from the usual seeded random B and head. The three target
 * trainings (STL, fine-tune, fine-tune + align) run under the same budget rule, the
 * configuration's: at most {@code epochs} epochs, stopped when the target's validation loss
 * has not improved for {@code patience} epochs, the best epoch's parameters kept. The source
 * model is trained under the same configuration unless {@link #sourceTraining} says otherwise. Whether a
 * target training stopped by that rule or ran into the epoch cap is reported per variant
 * ({@link Training#hitEpochCap()}), so a comparison in which a variant was still improving when
 * the budget ran out can be told apart from one between converged fits.
 *
 * <p>It keeps the models of its last run ({@link #sourceModel()} and the others), so calls of
 * {@link #run} on one experiment from several threads take turns.
 */
public final class TransferExperiment {
    /**
     * How one target-side training went: epochs run, the best epoch (whose parameters are
     * kept), the validation loss at the start (epoch 0) and at the best epoch, and whether it
     * ran into the epoch cap while its validation loss was still improving within the early-stopping wait ({@link TrainConfig#patienceAfter});
     * {@code restarts}, {@code restartReason}, {@code restartKept} as {@link MtlExperiment.Fresh}'s
     * (only the source model and the STL baseline can be restarted).
     */
    public record Training(int epochs, int bestEpoch, double startValidationLoss, double bestValidationLoss,
                           boolean hitEpochCap, int restarts, String restartReason, boolean restartKept) {
        /** A training that was not restarted (a fine-tuning run, which never is). */
        public Training(int epochs, int bestEpoch, double startValidationLoss, double bestValidationLoss,
                        boolean hitEpochCap) {
            this(epochs, bestEpoch, startValidationLoss, bestValidationLoss, hitEpochCap, 0, null, false);
        }
    }

    /**
     * The target's test metric under each method, how each target-side training ended, and how
     * the source model that supplied B ended ({@code sourceTraining}: its validation loss is the
     * sum over the source tasks, as MTL's; its epoch cap is {@link #sourceTraining(TrainConfig)}'s
     * when set).
     */
    public record Report(String target, List<String> sources, String metric, double stl, double fineTune,
                         double fineTuneAligned, int epochCap, int patience, Training stlTraining,
                         Training fineTuneTraining, Training alignedTraining, Training sourceTraining,
                         Secondary secondary, List<String> noBetterThanPrior) {
        /** The report without the no-better-than-prior check (none marked). */
        public Report(String target, List<String> sources, String metric, double stl, double fineTune,
                      double fineTuneAligned, int epochCap, int patience, Training stlTraining,
                      Training fineTuneTraining, Training alignedTraining, Training sourceTraining,
                      Secondary secondary) {
            this(target, sources, metric, stl, fineTune, fineTuneAligned, epochCap, patience, stlTraining,
                    fineTuneTraining, alignedTraining, sourceTraining, secondary, List.of());
        }

        /** True when any of the three target-side trainings ran into the epoch cap. */
        public boolean anyHitEpochCap() {
            return stlTraining.hitEpochCap() || fineTuneTraining.hitEpochCap() || alignedTraining.hitEpochCap();
        }
    }

    /**
     * What the target's headline metric can hide when its classes are skewed, per method: a binary
     * target's average precision ({@code share}: its test rows' positive rate, what a random
     * ranking scores) or a multi-class target's balanced accuracy ({@code share}: its largest
     * class's share of the test rows; always predicting it scores 1 / {@code classes}); null for
     * a regression target.
     */
    public record Secondary(String name, double share, int classes, double stl, double fineTune,
                            double fineTuneAligned) {
        /** Rare positives or a dominant class, by the rules of {@link TaskReport}: the headline metric can mislead. */
        public boolean skewed() {
            return name.equals("averagePrecision") ? TaskReport.rarePositives(share)
                    : TaskReport.skewedClasses(share, classes);
        }
    }

    private final Backend backend;
    private final ExperimentConfig cfg;
    private Consumer<String> log = s -> { };
    private TrainConfig sourceTraining;
    private MtlModel sourceModel;
    private MtlModel stlModel;
    private MtlModel fineTuneModel;
    private MtlModel alignedModel;

    public TransferExperiment(Backend backend, ExperimentConfig cfg) {
        // Null here failed only at run(), as MtlExperiment's did.
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
        this.cfg = java.util.Objects.requireNonNull(cfg, "cfg");
    }

    /** Progress lines go here; null: nowhere. */
    public TransferExperiment log(Consumer<String> sink) {
        // Null failed as a NullPointerException at the first line, as MtlExperiment.log did.
        this.log = sink != null ? sink : s -> { };
        return this;
    }

    /**
     * Trains the source model under {@code tc} instead of the configuration's budget (the target
     * side keeps the configuration's). The source model only supplies the frozen B that both
     * fine-tuning variants share, so its budget does not favour either of them.
     */
    public TransferExperiment sourceTraining(TrainConfig tc) {
        this.sourceTraining = tc;
        return this;
    }

    /** The model trained on the source tasks (its B is the one the target reuses). */
    public MtlModel sourceModel() {
        return sourceModel;
    }

    public MtlModel stlModel() {
        return stlModel;
    }

    public MtlModel fineTuneModel() {
        return fineTuneModel;
    }

    public MtlModel alignedModel() {
        return alignedModel;
    }

    /** The names of the three target-side runs in {@link Report#noBetterThanPrior()}. */
    public static final String[] RUNS = {"STL", "fine-tune", "fine-tune+align"};

    /**
     * Trains the shared module on every task but {@code target}, then the target's STL baseline and
     * its two fine-tunings on that module (see above).
     *
     * @param target the index of the target task in {@code tasks}
     * @throws org.mtlalign.UserInputException for fewer than two tasks or a target without test rows
     * @throws IllegalArgumentException for a target index outside the list, tasks of different input
     *     dimensions or names used twice
     */
    public Report run(List<PreparedTask> tasks, int target) {
        // A log sink of this run calling run again is refused, as MtlExperiment.run's hooks are.
        java.util.Set<Object> outer = RunScope.enter(this);
        try {
            // Synchronized as MtlExperiment.run: the source model is a field that the fine-tunings read.
            synchronized (this) {
                return runLocked(tasks, target);
            }
        } finally {
            RunScope.exit(outer);
        }
    }

    private Report runLocked(List<PreparedTask> tasks, int target) {
        java.util.Objects.requireNonNull(tasks, "tasks");
        if (tasks.size() < 2) {
            throw new org.mtlalign.UserInputException("--transfer-target: needs at least one source task besides the target");
        }
        MtlExperiment.requireTasks(tasks);
        if (target < 0 || target >= tasks.size()) {
            // List.remove threw an IndexOutOfBoundsException from inside.
            throw new IllegalArgumentException("target " + target + " is not the index of one of the " + tasks.size()
                    + " tasks (0.." + (tasks.size() - 1) + ")");
        }
        MtlExperiment helper = new MtlExperiment(backend, cfg).log(log);
        List<PreparedTask> sources = new ArrayList<>(tasks);
        PreparedTask t = sources.remove(target);
        List<String> names = sources.stream().map(PreparedTask::name).toList();
        if (t.test().length == 0) {
            throw new org.mtlalign.UserInputException("--transfer-target: task '" + t.name()
                    + "' has no test rows to score the transfer on; raise --test or give more rows");
        }
        log.accept("transfer: training the shared module on " + names.size() + " source task(s)");
        // The source model and the target's STL baseline start from a fresh seeded initialisation,
        // so a start whose ReLU units die is trained again as mtl train's are. The fine-tuning runs
        // are not: they start from the source's trained B (frozen) and a zero head, a start no seed
        // draws, and a B with dead units is the source's failure, which its own restart addresses.
        Fresh src = trainFresh(helper, new Evaluator(backend), helper.newModel(sources), sources,
                sourceTraining != null ? sourceTraining : cfg.train(), "source MTL");
        sourceModel = src.model();
        Training source = src.training();

        List<PreparedTask> one = List.of(t);
        int[] testIdx = t.test();
        stlModel = helper.newModel(one);
        fineTuneModel = fromSource(helper, sourceModel, one, false);
        alignedModel = fromSource(helper, sourceModel, one, true);
        MtlModel[] models = {stlModel, fineTuneModel, alignedModel};
        String[] what = {"single-task baseline on '" + t.name() + "'",
            "fine-tuning a new head (from zero) on the frozen shared module",
            "fine-tuning a new head (from zero) plus alignment R (from I) on the frozen shared module"};
        Training[] runs = new Training[3];
        double[] metric = new double[3];
        double[] second = new double[3];
        boolean[] nothing = new boolean[3];
        int[] scoring = PairwiseTransfer.scoringRows(t);
        double prior = PairwiseTransfer.priorLoss(backend, t, scoring);
        // Three independent trainings, each seeded from the configuration: in parallel where the
        // backend allows it, with the same results as one after the other.
        TrainConfig tc = backend.concurrency() > 1 ? cfg.train().withProgress(false) : cfg.train();
        backend.forEachIndependent(3, RunScope.carry(i -> {
            log.accept("transfer: " + what[i]);
            Evaluator ev = new Evaluator(backend);
            if (i == 0) {
                Fresh f = trainFresh(helper, ev, models[0], one, tc, "STL " + t.name());
                models[0] = f.model();
                runs[0] = f.training();
            } else {
                try {
                    runs[i] = train(ev, models[i], one, tc);
                } catch (TrainingDivergedException e) {
                    throw e.in(RUNS[i] + " on '" + t.name() + "'");
                }
            }
            Metrics mt = ev.metrics(models[i], 0, t, testIdx);
            metric[i] = mt.primary();
            second[i] = MtlExperiment.secondary(t, mt);
            // As mtl train's '!': a target model no better than the constant prediction on its
            // validation rows learned nothing, and a gain over it measures nothing.
            nothing[i] = PairwiseTransfer.noBetterThanPrior(ev.meanLoss(models[i], 0, t, scoring), prior)
                    && !PairwiseTransfer.ranksBeyondChance(ev, models[i], 0, t, scoring);
        }));
        stlModel = models[0];
        List<String> none = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (nothing[i]) {
                none.add(RUNS[i]);
            }
        }
        return new Report(t.name(), names, t.loss().metricName(), metric[0], metric[1], metric[2],
                cfg.train().epochs(), cfg.train().patience(), runs[0], runs[1], runs[2], source,
                secondary(t, second), List.copyOf(none));
    }

    /** The target's {@link Secondary} metric from each method's value (null for regression). */
    private static Secondary secondary(PreparedTask t, double[] v) {
        if (t.loss() == Loss.SQUARED) {
            return null;
        }
        boolean binary = t.loss() == Loss.LOGISTIC;
        int[] count = MtlExperiment.testClassCounts(t);
        int n = Arrays.stream(count).sum();
        double share = binary ? (n == 0 ? Double.NaN : count[1] / (double) n) : MtlExperiment.largestShare(count);
        return new Secondary(binary ? "averagePrecision" : "balancedAccuracy", share, MtlExperiment.present(count),
                v[0], v[1], v[2]);
    }

    private Training train(Evaluator ev, MtlModel m, List<PreparedTask> tasks, TrainConfig tc) {
        // The start judged as early stopping judges the trained model (by training rows under proportional).
        double start = ev.weightedLoss(m, tasks, Trainer.validationWeights(null, tasks, tc.sampling()), true);
        TrainResult r = new Trainer(backend, tc).train(m, tasks, null);
        return new Training(r.epochsRun(), r.bestEpoch(), start, r.bestValidationLoss(), hitEpochCap(r, tc));
    }

    private record Fresh(MtlModel model, Training training) {
    }

    /**
     * {@link #train} through {@link MtlExperiment#trainFresh}: a start that fails (dead ReLU
     * units) is trained again from a derived seed, and a healthy first start is trained exactly as
     * {@link #train} trains it. The start loss is the kept model's own.
     */
    private Fresh trainFresh(MtlExperiment helper, Evaluator ev, MtlModel first, List<PreparedTask> tasks,
                             TrainConfig tc, String run) {
        java.util.Map<MtlModel, Double> start = new java.util.IdentityHashMap<>();
        MtlExperiment.Fresh f;
        try {
            f = helper.trainFresh(first, tasks, null, run, m -> {
                start.put(m, ev.weightedLoss(m, tasks, Trainer.validationWeights(null, tasks, tc.sampling()), true));
                return new Trainer(backend, tc);
            });
        } catch (TrainingDivergedException e) {
            // Which of the four trainings: the message alone named a task, often a source's.
            throw e.in(run);
        }
        TrainResult r = f.result();
        return new Fresh(f.model(), new Training(r.epochsRun(), r.bestEpoch(), start.get(f.model()),
                r.bestValidationLoss(), hitEpochCap(r, tc), f.restarts(), f.restartReason(), f.restartKept()));
    }

    /**
     * True when the run used every epoch of the cap without its validation loss having gone
     * {@link TrainConfig#patienceAfter} epochs without improving (the early-stopping rule did not end it).
     */
    static boolean hitEpochCap(TrainResult r, TrainConfig tc) {
        return r.epochsRun() >= tc.epochs() && tc.epochs() - r.bestEpoch() <= tc.patienceAfter(r.bestEpoch());
    }

    /**
     * A one-task model on the source's frozen B (and shared bias), with a zero head, a head bias
     * of zero (classification) or the training labels' mean (regression), and optionally R = I.
     */
    static MtlModel fromSource(MtlExperiment helper, MtlModel src, List<PreparedTask> one, boolean align) {
        MtlModel m = helper.newModel(one);
        m.shared().copyValueFrom(src.shared());
        m.shared().setTrainable(false);
        if (m.sharedBias() != null) {
            m.sharedBias().copyValueFrom(src.sharedBias());
            m.sharedBias().setTrainable(false);
        }
        Arrays.fill(m.headWeight(0).value(), 0f);
        if (m.headBias(0) != null) {
            Arrays.fill(m.headBias(0).value(), 0f);
            // As in the single-task baseline: a regression head's bias at its labels' mean.
            MtlExperiment.startBiasesAtLabelMeans(m, one);
        }
        if (align) {
            m.enableAlignment();
        }
        return m;
    }
}
