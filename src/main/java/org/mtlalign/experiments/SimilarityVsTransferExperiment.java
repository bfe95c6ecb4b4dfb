package org.mtlalign.experiments;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.mtlalign.UserInputException;
import org.mtlalign.analysis.CovarianceSimilarity;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.Digits;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;
import org.mtlalign.model.MtlModel;
import org.mtlalign.train.TrainConfig;

/**
 * The covariance similarity score (the paper's eq. 5) as a predictor of transfer: for every
 * pair of tasks of a suite, the score of the two tasks' standardised training inputs against the
 * measured transfer of the pair, i.e. the mean over the two tasks of (MTL metric - STL metric),
 * signed so that positive means MTL is better, with the Spearman rank correlation per suite.
 *
 * <p><b>Suites.</b> {@code digits-pairs}: the five bundled binary digit tasks (0-vs-1, ...,
 * 8-vs-9, each on its own images), 10 pairs, AUC. {@code synthetic}: six linear regression tasks
 * (d = 20, or 40 in the full run) whose input covariances slide from aligned to disjoint: task i
 * has inputs G D_i with D_i = kappa on the window S_i = [i d/10, i d/10 + d/2) and 1 elsewhere,
 * so two tasks' windows overlap in d/2 - |i - j| d/10 coordinates (none for tasks 0 and 5) and
 * the similarity of a pair falls with |i - j| by construction (15 pairs, MSE). The teachers share a component u (norm 1, all coordinates) and each adds a
 * task-specific part v_i on the coordinates outside its own window, where its inputs vary little
 * (the same arrangement as the target of the task-covariance experiment). A shared module of
 * width r = 1 has to compromise between the two teachers, each weighted by its task's
 * covariance: when the windows coincide the tasks insist on the same coordinates, where they
 * agree, and pool their rows there; when the windows are disjoint each task has to adopt much of
 * the other's private part on its own emphasised coordinates. (With identical teachers, pooled
 * least squares gives the same error for every overlap, so without task-specific parts this suite
 * would not separate the pairs.)
 *
 * <p>Both suites are standardised with one fit over all tasks' training rows (per-task
 * standardisation would erase the covariance differences the score measures), and the score
 * uses energy 0.99 as in the paper.
 */
public final class SimilarityVsTransferExperiment implements Experiment {
    private static final double ENERGY = 0.99;

    private final int rank;

    /** The paper's small shared module: r = 1. */
    public SimilarityVsTransferExperiment() {
        this(1);
    }

    /** @param rank width r of the shared module for MTL and the STL baselines (>= 1). */
    public SimilarityVsTransferExperiment(int rank) {
        if (rank < 1) {
            throw new UserInputException("similarity-vs-transfer: the shared width r must be >= 1, got " + rank);
        }
        this.rank = rank;
    }

    /**
     * Sizes: the synthetic tasks' dimension, training and test rows (the test share must stay
     * below Preparation's 95% limit), noise std, private-part norm and window kappa; the digit
     * runs' epochs and patience; the synthetic runs' epochs.
     */
    record Sizes(int d, int syntheticTrain, int syntheticTest, double noise, double privateNorm, double kappa,
                 int digitsEpochs, int digitsPatience, int syntheticEpochs) {
        static Sizes of(boolean quick) {
            return quick
                    ? new Sizes(20, 80, 500, 2.0, 1.0, 3.0, 40, 10, 1000)
                    : new Sizes(40, 160, 1000, 2.0, 1.0, 3.0, 150, 25, 2000);
        }
    }

    @Override
    public String name() {
        return "similarity-vs-transfer";
    }

    @Override
    public String title() {
        return "Covariance similarity against measured transfer, over all task pairs";
    }

    @Override
    public String paperClaim() {
        return "The covariance similarity score of two tasks (eq. 5) indicates how well their data are aligned: "
                + "pairs with higher similarity transfer more positively in multi-task training.";
    }

    @Override
    public Report run(ExperimentContext ctx) {
        return run(ctx, Sizes.of(ctx.quick()));
    }

    /** One suite's result: its task count, pair names (i < j in task order), score and transfer per pair and seed, rank correlation. */
    private record SuiteResult(String suite, String metric, int tasks, String[] pairs, double[][] score,
                               double[][] transfer, double spearman) {
    }

    Report run(ExperimentContext ctx, Sizes z) {
        Report rep = new Report(List.of("suite", "seed", "pair", "similarity", "metric", "stl_mean", "mtl_mean",
                "transfer"));
        List<SuiteResult> results = new ArrayList<>();
        for (String suite : new String[] {"digits-pairs", "synthetic"}) {
            results.add(runSuite(ctx, z, suite, rep));
        }
        List<List<String>> table = new ArrayList<>();
        StringBuilder measured = new StringBuilder();
        int positive = 0;
        for (SuiteResult r : results) {
            int p = r.pairs().length;
            double[] meanScore = new double[p];
            double[] meanTransfer = new double[p];
            double[] stdTransfer = new double[p];
            for (int i = 0; i < p; i++) {
                meanScore[i] = Stats.mean(r.score()[i]);
                meanTransfer[i] = Stats.mean(r.transfer()[i]);
                stdTransfer[i] = Stats.std(r.transfer()[i]);
            }
            Integer[] order = new Integer[p];
            for (int i = 0; i < p; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(meanScore[a], meanScore[b]));
            double[] xs = new double[p];
            double[] ys = new double[p];
            double[] es = new double[p];
            for (int i = 0; i < p; i++) {
                int o = order[i];
                xs[i] = meanScore[o];
                ys[i] = meanTransfer[o];
                es[i] = stdTransfer[o];
                table.add(List.of(r.suite(), r.pairs()[o], Stats.pm(r.score()[o]), r.metric(), Stats.pm(r.transfer()[o])));
            }
            rep.panel(new Report.Panel(String.format(Locale.ROOT, "%s: Spearman %.2f (%d pairs)", r.suite(),
                    r.spearman(), p), "covariance similarity score (pairs sorted by score)",
                    (r.metric().equals("auc") ? "MTL AUC - STL AUC" : "STL MSE - MTL MSE")
                            + " (positive = MTL better)", false,
                    List.of(new Report.Series("pairs (mean ± std over seeds)", xs, ys, es))));
            // The rho of the panel title, over the pairs in task order rather than sorted by score:
            // the relabellings score that order, and the same arrays give the same rho bit for bit.
            SpearmanChance chance = chance(r.tasks(), meanScore, meanTransfer, ctx.seed(0));
            positive += beyondChance(chance, r.spearman()) ? 1 : 0;
            measured.append(String.format(Locale.ROOT, "%s%s: Spearman rank correlation %.3f between the similarity "
                            + "score (range %.3f to %.3f) and the transfer (range %+.4f to %+.4f %s) over %d pairs "
                            + "(%s; %s).",
                    measured.length() == 0 ? "" : " ", r.suite(), r.spearman(), xs[0], xs[p - 1],
                    Arrays.stream(ys).min().orElse(Double.NaN), Arrays.stream(ys).max().orElse(Double.NaN), r.metric(),
                    p, beyondChance(chance, r.spearman()) ? "positive beyond chance"
                            : chance != null && chance.below(r.spearman()) ? "negative beyond chance" : "within chance",
                    level(chance, r.spearman())));
        }
        Report.Verdict v = positive == results.size() ? Report.Verdict.HOLDS
                : positive > 0 ? Report.Verdict.PARTLY : Report.Verdict.DOES_NOT_HOLD;
        measured.append(String.format(Locale.ROOT, " The correlation is positive beyond chance on %d of %d suites (%d "
                + "seeds; the correlation is taken over the pairs' mean score and mean transfer). Verdict rule: a suite "
                + "supports the claim when its Spearman correlation is at or above the level that at most 1 in 20 of "
                + "the correlations with the tasks relabelled reach (a Mantel permutation test: the pairs' mean scores "
                + "reassigned among the suite's k tasks, all k! orders up to 8 tasks, else 9999 random ones drawn from "
                + "the first seed, so that pairs sharing a task move together, as their task's effects make them do; "
                + "the level for independent pairs, 1.645 / sqrt(n - 1), is passed more often than 1 in 20 by unrelated "
                + "scores where a task lifts or lowers all its pairs); every suite: holds, none: does not hold, else "
                + "partly.", positive, results.size(), ctx.seeds()));
        rep.table(List.of("suite", "pair", "similarity (mean ± std)", "metric", "transfer: MTL - STL gain (mean ± std)"),
                table);
        rep.measured(measured.toString()).verdict(v).settings(String.format(Locale.ROOT,
                "%s; shared width r = %d for MTL (on the pair) and STL (per task); similarity: eq. 5 with energy %.2f on "
                        + "the training rows after one standardisation fitted over all tasks of the suite. digits-pairs: "
                        + "60/20/20 split per seed, linear model with biases (logistic loss), Adam lr 0.005, batch 32, round-robin sampling, at "
                        + "most %d epochs with early stopping (patience %d); AUC. synthetic: 6 tasks, d = %d, window "
                        + "kappa = %.1f, %d training and %d test rows per task, ||u|| = 1, ||v_i|| = %.1f, noise std %.1f, "
                        + "linear model without bias, full-batch gradient descent with momentum 0.9 (lr 0.01) on the sum "
                        + "of the tasks' mean losses for %d epochs, no early stopping; MSE. Transfer of a pair: mean over "
                        + "its two tasks of the metric gain of MTL over STL (AUC: MTL - STL; MSE: STL - MTL). %d seeds "
                        + "(seed s draws the split or the synthetic data and every initialisation).",
                ctx.quick() ? "--quick" : "full", rank, ENERGY, z.digitsEpochs(), z.digitsPatience(), z.d(), z.kappa(),
                z.syntheticTrain(), z.syntheticTest(), z.privateNorm(), z.noise(), z.syntheticEpochs(), ctx.seeds()));
        return rep;
    }

    private SuiteResult runSuite(ExperimentContext ctx, Sizes z, String suiteName, Report rep) {
        boolean digits = suiteName.equals("digits-pairs");
        Backend be = ctx.backend();
        CovarianceSimilarity cs = new CovarianceSimilarity(be, ENERGY);
        int seeds = ctx.seeds();
        String[] pairs = null;
        double[][] score = null;
        double[][] transfer = null;
        String metric = digits ? "auc" : "mse";
        // The paper's linear model with one shared direction; the digit tasks add biases (logistic regression heads).
        Activation g = Activation.IDENTITY;
        for (int s = 0; s < seeds; s++) {
            long seed = ctx.seed(s);
            ctx.log().accept("similarity-vs-transfer: " + suiteName + ", seed " + seed);
            List<PreparedTask> tasks;
            TrainConfig tc;
            if (digits) {
                tasks = Runs.prepare(Digits.pairs(), seed, Preparation.Standardize.GLOBAL);
                tc = TrainConfig.defaults(seed).withEpochs(z.digitsEpochs()).withPatience(z.digitsPatience());
            } else {
                TaskSuite suite = synthetic(z, seed);
                double testFraction = (double) z.syntheticTest() / (z.syntheticTrain() + z.syntheticTest());
                tasks = Preparation.prepare(suite, new Preparation.Config(0.0, testFraction, seed, Loss.SQUARED,
                        Preparation.Standardize.GLOBAL)).tasks();
                tc = new TrainConfig(z.syntheticEpochs(), Integer.MAX_VALUE, TrainConfig.Optimizer.SGD, 0.01f, 0.9f, 0f,
                        TrainConfig.Sampling.ALL, z.syntheticEpochs(), seed, false);
            }
            int k = tasks.size();
            int d = tasks.get(0).dim();
            float[][] xs = new float[k][];
            int[] rows = new int[k];
            for (int i = 0; i < k; i++) {
                xs[i] = tasks.get(i).gatherX(tasks.get(i).train());
                rows[i] = tasks.get(i).train().length;
            }
            double[][] sim = cs.matrix(xs, rows, d);
            double[] stl = Runs.stl(be, tasks, rank, g, digits, tc);
            int p = k * (k - 1) / 2;
            if (pairs == null) {
                pairs = new String[p];
                score = new double[p][seeds];
                transfer = new double[p][seeds];
            }
            int idx = 0;
            for (int i = 0; i < k; i++) {
                for (int j = i + 1; j < k; j++) {
                    List<PreparedTask> two = List.of(tasks.get(i), tasks.get(j));
                    MtlModel m = Runs.train(be, two, rank, g, digits, tc, null);
                    double mi = Runs.test(be, m, 0, tasks.get(i));
                    double mj = Runs.test(be, m, 1, tasks.get(j));
                    double stlMean = (stl[i] + stl[j]) / 2;
                    double mtlMean = (mi + mj) / 2;
                    double gain = digits ? mtlMean - stlMean : stlMean - mtlMean;
                    pairs[idx] = tasks.get(i).name() + " & " + tasks.get(j).name();
                    score[idx][s] = sim[i][j];
                    transfer[idx][s] = gain;
                    rep.row(suiteName, seed, pairs[idx], sim[i][j], metric, stlMean, mtlMean, gain);
                    idx++;
                }
            }
        }
        double[] ms = new double[pairs.length];
        double[] mt = new double[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            ms[i] = Stats.mean(score[i]);
            mt[i] = Stats.mean(transfer[i]);
        }
        int k = (int) Math.round((1 + Math.sqrt(1 + 8.0 * pairs.length)) / 2);
        return new SuiteResult(suiteName, metric, k, pairs, score, transfer, Stats.spearman(ms, mt));
    }

    /**
     * The synthetic suite described in the class comment: six linear tasks, task i with inputs
     * G D_i (kappa on the window [i d/10, i d/10 + d/2)) and teacher u + v_i, v_i outside the window.
     */
    static TaskSuite synthetic(Sizes z, long seed) {
        Random rnd = new Random(seed * 7919 + 17);
        int d = z.d();
        int half = d / 2;
        int k = 6;
        double[] u = randomDirection(d, null, 1.0, rnd);
        int rows = z.syntheticTrain() + z.syntheticTest();
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            int from = i * (d - half) / (k - 1);
            boolean[] inWindow = new boolean[d];
            for (int a = from; a < from + half; a++) {
                inWindow[a] = true;
            }
            boolean[] outside = new boolean[d];
            for (int a = 0; a < d; a++) {
                outside[a] = !inWindow[a];
            }
            double[] v = randomDirection(d, outside, z.privateNorm(), rnd);
            float[] x = new float[rows * d];
            float[] y = new float[rows];
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int a = 0; a < d; a++) {
                    double xa = rnd.nextGaussian() * (inWindow[a] ? z.kappa() : 1.0);
                    x[r * d + a] = (float) xa;
                    s += xa * (u[a] + v[a]);
                }
                y[r] = (float) (s + z.noise() * rnd.nextGaussian());
            }
            tasks.add(new Task("w" + i, x, rows, d, y, 1, false, "synthetic:sliding-covariance"));
        }
        return new TaskSuite("synthetic-sliding-covariance", tasks, false);
    }

    /** A random vector of the given norm on the coordinates where mask is true (all when null). */
    private static double[] randomDirection(int d, boolean[] mask, double norm, Random rnd) {
        double[] v = new double[d];
        double s = 0;
        for (int a = 0; a < d; a++) {
            if (mask == null || mask[a]) {
                v[a] = rnd.nextGaussian();
                s += v[a] * v[a];
            }
        }
        double scale = norm / Math.sqrt(s);
        for (int a = 0; a < d; a++) {
            v[a] *= scale;
        }
        return v;
    }

    /**
     * The chance level of rho between the pairs' mean scores and mean transfers of k tasks, both in
     * the pairs' order (i < j, i ascending then j); the seed draws relabellings beyond 8 tasks.
     * Null where a score is not finite.
     */
    static SpearmanChance chance(int k, double[] meanScore, double[] meanTransfer, long seed) {
        if (meanScore.length != k * (k - 1) / 2 || meanTransfer.length != meanScore.length) {
            throw new IllegalArgumentException(meanScore.length + " scores and " + meanTransfer.length
                    + " transfers for " + k + " tasks");
        }
        double[][] sim = new double[k][k];
        int[][] idx = new int[meanScore.length][];
        int q = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                sim[i][j] = sim[j][i] = meanScore[q];
                idx[q++] = new int[] {i, j};
            }
        }
        return SpearmanChance.of(sim, idx, meanTransfer, seed);
    }

    /**
     * Whether a suite supports the claim: its Spearman correlation rho at or above what at most 1 in
     * 20 of its relabellings reach. A bare rho > 0 counted at first (noise passes that half the
     * time), then rho > 1.645 / sqrt(n - 1), the level for independent pairs, which unrelated
     * scores passed 10-22% of the time where a task lifts or lowers all its pairs' similarity and,
     * independently, all its pairs' transfer.
     */
    static boolean beyondChance(SpearmanChance chance, double rho) {
        return chance != null && chance.above(rho);
    }

    /** The level and where rho falls among the relabellings, for the measured text. */
    private static String level(SpearmanChance c, double rho) {
        if (c == null) {
            return "no level: a score is not finite";
        }
        String orders = c.all() ? "all " + c.orders() + " relabellings of its " + c.tasks() + " tasks"
                : c.orders() + " relabellings of its " + c.tasks() + " tasks";
        String share = String.format(Locale.ROOT, c.atOrAbove() >= 0.1 ? "%.0f%%" : "%.2g%%", 100 * c.atOrAbove());
        if (Double.isNaN(c.upper())) {
            return String.format(Locale.ROOT, "no 1-in-20 level among %s; %s of them reach %+.3f or more", orders,
                    share, rho);
        }
        return String.format(Locale.ROOT, "at most 1 in 20 of %s reach %+.3f or more and at most as many %+.3f or "
                + "less; %s of them reach %+.3f or more", orders, c.upper(), c.lower(), share, rho);
    }
}
