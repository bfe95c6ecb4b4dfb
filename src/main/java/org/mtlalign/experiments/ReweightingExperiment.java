package org.mtlalign.experiments;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.mtlalign.analysis.SharedSubspace;
import org.mtlalign.analysis.SvdReweighting;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.Digits;
import org.mtlalign.data.LabelNoise;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Synthetic;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Activation;
import org.mtlalign.model.MtlModel;
import org.mtlalign.train.TrainConfig;

/**
 * Algorithm 2 (SVD-based task reweighting) against unweighted MTL, on real data with one noisy
 * task and on the synthetic shared-X setting of Proposition 3.
 *
 * <p><b>(a) Digits pairs.</b> digits-ovr (10 one-vs-rest tasks on one X) with 20% of the
 * training and validation labels of the fixed task {@value #NOISY} randomised after the split
 * ({@link LabelNoise}, a fresh draw per seed); its test labels stay clean, so every AUC is
 * measured against the true labels. The task pairs are drawn once from the base seed, so every seed trains the same
 * pairs and each pair gets a mean and a spread over seeds: half of them (at most all 9) contain
 * the noisy task, the rest are drawn from the 36 clean pairs. A seed changes the label noise,
 * the 60/20/20 split and the initialisation. For every pair, one ReLU MTL model of width
 * {@link #PAIR_WIDTH} is trained unweighted and one with each variant of the SVD weights
 * ({@link SvdReweighting.Variant#NORMALIZED}, the library default, and
 * {@link SvdReweighting.Variant#PAPER}, the paper's formula), all from the same initialisation;
 * the weights are rescaled to mean 1 ({@link SvdReweighting#toTrainingWeights}) and weigh both
 * the training loss and the early-stopping loss.
 *
 * <p><b>Algorithm 2's rank for a pair is r = 1.</b> With r &gt;= k = 2 the top-r singular
 * vectors of [theta_a theta_b] span both thetas, so every normalised weight is exactly 1 and the
 * paper's weight is ||theta_i|| (reweighting reduces to "scale each task by its own signal"). With
 * r = 1 the weights measure how well each task aligns with the dominant direction of the pair.
 *
 * <p><b>(b) Synthetic shared X (Proposition 3).</b> k = {@value #SYN_K} linear tasks on one
 * Gaussian X (d = {@value #SYN_D}, {@value #SYN_M_TRAIN} training rows) whose teachers lie in an
 * r-dimensional subspace (clean label noise 0.5), for r = 1 and r = 2; task 0 gets extra Gaussian
 * label noise of total standard deviation sigma (swept, the same noise draw scaled). The linear
 * model of width r takes B from {@link SharedSubspace#optimalShared} (closed form) under four
 * weightings (uniform, both Algorithm 2 variants with Algorithm 2's rank = r, and an oracle that
 * knows which task is noisy and gives it weight 0), with least-squares heads on the training
 * rows; we report the clean tasks' test MSE. Nine clean tasks (rather than a handful) keep the
 * clean subspace well determined, which is what Algorithm 2 presumes. The oracle B minimises
 * the clean tasks' summed training error over all B (Proposition 3 with those weights), so its
 * clean training MSE is never above that of any other weighting: that is exact and the test
 * checks it; test MSE is measured, not asserted. No model is trained with {@code Trainer} here:
 * the closed form is the optimum the trained linear model would reach.
 *
 * <p>Verdict (on the real-data part, the paper's claim): HOLDS if the normalized variant's
 * average AUC gain over all pairs has mean - std &gt; 0 over seeds, PARTLY if that holds only for
 * the pairs with the noisy task, DOES_NOT_HOLD otherwise. The PAPER variant is reported beside it.
 */
public final class ReweightingExperiment implements Experiment {
    static final String NOISY = "3-vs-rest";
    static final double LABEL_NOISE = 0.2;
    static final int PAIR_WIDTH = 2;
    static final String DIGITS = "digits-ovr-pairs";
    static final String SYNTH = "synthetic-shared-x";
    static final String[] PAIR_VARIANTS = {"unweighted", "normalized", "paper"};
    static final String[] SYN_VARIANTS = {"uniform", "normalized", "paper", "oracle"};
    static final int SYN_K = 10;
    static final int SYN_D = 20;
    static final int SYN_M_TRAIN = 60;
    static final int[] SYN_RANKS = {1, 2};
    static final double SYN_CLEAN_NOISE = 0.5;
    static final double[] SYN_SIGMAS = {0.5, 1, 2, 4, 8, 16};

    static final List<String> HEADER = List.of("setting", "seed", "pair", "task_a", "task_b", "contains_noisy",
            "variant", "auc_a", "auc_b", "mean_auc", "weight_a", "weight_b", "noisy_sd", "clean_test_mse",
            "clean_train_mse", "weight_noisy", "mean_weight_clean");

    @Override
    public String name() {
        return "reweighting";
    }

    @Override
    public String title() {
        return "SVD-based task reweighting (Algorithm 2) with a noisy task";
    }

    @Override
    public String paperClaim() {
        return "Reweighting the tasks by how well their label-input correlations theta_i = X^T y_i align with the "
                + "top-r singular subspace of [theta_1 .. theta_k] (Algorithm 2, motivated by Proposition 3) "
                + "down-weights noisy tasks and improves multi-task training; on pairs of chest X-ray tasks it "
                + "improves the AUC by 2.4 points on average.";
    }

    @Override
    public Report run(ExperimentContext ctx) {
        Report rep = new Report(HEADER);
        Digest pairs = runPairs(ctx, rep);
        List<SynDigest> syn = new ArrayList<>();
        for (int rank : SYN_RANKS) {
            syn.add(runSynthetic(ctx, rep, rank));
        }

        List<List<String>> table = new ArrayList<>();
        pairs.tableRows(table);
        for (SynDigest g : syn) {
            g.tableRows(table);
        }
        rep.table(List.of("setting", "item", "unweighted / uniform", "Alg. 2 normalized", "Alg. 2 paper", "oracle",
                "weights: normalized; paper"), table);
        pairs.panels(rep);
        List<Report.Series> weights = new ArrayList<>();
        for (SynDigest g : syn) {
            rep.panel(g.msePanel());
            g.weightSeries(weights);
        }
        rep.panel(new Report.Panel("shared X: Algorithm 2 normalized weights", "label-noise sd of the noisy task",
                "weight alpha (cosine to the top-r subspace)", true, weights));

        double[] dn = pairs.diffAll[1];
        double[] dnNoisy = pairs.diffNoisy[1];
        boolean holds = Stats.mean(dn) - Stats.std(dn) > 0;
        boolean partly = !holds && Stats.mean(dnNoisy) - Stats.std(dnNoisy) > 0;
        rep.verdict(holds ? Report.Verdict.HOLDS : partly ? Report.Verdict.PARTLY : Report.Verdict.DOES_NOT_HOLD);
        StringBuilder m = new StringBuilder(pairs.measured());
        int violations = 0;
        for (SynDigest g : syn) {
            m.append(' ').append(g.measured());
            violations += g.violations();
        }
        m.append(String.format(Locale.ROOT, " Exact check: the oracle B's clean-task training MSE is never above any "
                + "other weighting's (%d violations beyond 1e-4 relative).", violations));
        m.append(" Verdict rule: HOLDS if the normalized (default) variant's average AUC gain over all pairs has "
                + "mean - std > 0 over seeds, PARTLY if that holds only for the pairs with the noisy task; the "
                + "paper-formula variant is reported, not judged.");
        rep.measured(m.toString());
        rep.settings(String.format(Locale.ROOT, "%s; %d seeds. (a) digits-ovr, %.0f%% of '%s' training and "
                        + "validation labels randomised after the split (fresh draw per seed; test labels clean), %d pairs drawn once from the base seed (%d "
                        + "with the noisy task), 60/20/20 split, global standardisation, ReLU shared layer of width %d "
                        + "with bias, Adam lr 0.005, batch 32, round-robin, at most %d epochs, patience %d, early "
                        + "stopping on the (weighted) validation loss, same initialisation for all three runs of a "
                        + "pair; Algorithm 2 on the training rows with r = 1 (with r = k = 2 every normalized weight is "
                        + "1), centred labels, weights rescaled to mean 1. (b) k = %d linear tasks sharing X (d = %d, "
                        + "%d training and %d test rows), teachers of rank r in %s, clean label noise %.1f, task 0 with "
                        + "total label-noise sd sigma in %s; closed-form B of width r (Proposition 3), least-squares "
                        + "heads; Algorithm 2 with rank r.", ctx.quick() ? "--quick" : "full", ctx.seeds(),
                100 * LABEL_NOISE, NOISY, pairs.pairs.length, pairs.noisyPairs, PAIR_WIDTH, pairs.epochs,
                pairs.patience, SYN_K, SYN_D, SYN_M_TRAIN, syn.get(0).mTest, Arrays.toString(SYN_RANKS),
                SYN_CLEAN_NOISE, Arrays.toString(SYN_SIGMAS)));
        return rep;
    }

    // ---------------------------------------------------------------- (a) digits pairs

    /** Pairs of task indices; the first {@code noisyPairs} contain {@code noisy}. */
    static int[][] drawPairs(int n, int noisy, int tasks, long seed) {
        Random rnd = new Random(seed * 0x9E3779B97F4A7C15L + 0x2545F491L);
        List<Integer> partners = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            if (t != noisy) {
                partners.add(t);
            }
        }
        java.util.Collections.shuffle(partners, rnd);
        int withNoisy = Math.min(partners.size(), (n + 1) / 2);
        List<int[]> clean = new ArrayList<>();
        for (int a = 0; a < tasks; a++) {
            for (int b = a + 1; b < tasks; b++) {
                if (a != noisy && b != noisy) {
                    clean.add(new int[] {a, b});
                }
            }
        }
        java.util.Collections.shuffle(clean, rnd);
        int[][] out = new int[Math.min(n, withNoisy + clean.size())][];
        for (int i = 0; i < out.length; i++) {
            if (i < withNoisy) {
                int p = partners.get(i);
                out[i] = new int[] {Math.min(noisy, p), Math.max(noisy, p)};
            } else {
                out[i] = clean.get(i - withNoisy);
            }
        }
        return out;
    }

    private Digest runPairs(ExperimentContext ctx, Report rep) {
        boolean q = ctx.quick();
        Backend be = ctx.backend();
        int seeds = ctx.seeds();
        TaskSuite base = Digits.oneVsRest();
        int noisy = indexOf(base, NOISY);
        Digest g = new Digest();
        g.pairs = drawPairs(q ? 6 : 20, noisy, base.size(), ctx.baseSeed());
        g.noisyPairs = 0;
        g.contains = new boolean[g.pairs.length];
        for (int p = 0; p < g.pairs.length; p++) {
            g.contains[p] = g.pairs[p][0] == noisy || g.pairs[p][1] == noisy;
            g.noisyPairs += g.contains[p] ? 1 : 0;
        }
        g.epochs = q ? 40 : 150;
        g.patience = q ? 8 : 20;
        int np = g.pairs.length;
        g.auc = new double[3][np][seeds];
        g.aucA = new double[3][np][seeds];
        g.aucB = new double[3][np][seeds];
        g.weightA = new double[3][np][seeds];
        g.weightB = new double[3][np][seeds];
        g.names = new String[np][];
        SvdReweighting svd = new SvdReweighting(be);
        for (int s = 0; s < seeds; s++) {
            long seed = ctx.seed(s);
            ctx.log().accept("reweighting: digits-ovr pairs, seed " + seed);
            List<PreparedTask> tasks = Preparation.prepare(base, new Preparation.Config(0.2, 0.2, seed, null,
                    Preparation.Standardize.GLOBAL, List.of(new LabelNoise(NOISY, LABEL_NOISE)))).tasks();
            TrainConfig tc = TrainConfig.defaults(seed).withEpochs(g.epochs).withPatience(g.patience);
            PreparedTask first = tasks.get(0);
            int[] tr = first.train();
            float[] xTr = first.gatherX(tr);
            int d = first.dim();
            for (int p = 0; p < np; p++) {
                PreparedTask ta = tasks.get(g.pairs[p][0]);
                PreparedTask tb = tasks.get(g.pairs[p][1]);
                g.names[p] = new String[] {ta.name(), tb.name()};
                List<PreparedTask> two = List.of(ta, tb);
                float[][] xs = {xTr, xTr};
                int[] rows = {tr.length, tr.length};
                float[][] ys = {ta.labelMatrix(ta.train()), tb.labelMatrix(tb.train())};
                int[] cols = {1, 1};
                double[][] alpha = {
                    {1, 1},
                    svd.weights(xs, rows, d, ys, cols, 1, SvdReweighting.Variant.NORMALIZED, true),
                    svd.weights(xs, rows, d, ys, cols, 1, SvdReweighting.Variant.PAPER, true)};
                for (int v = 0; v < 3; v++) {
                    float[] w = v == 0 ? null : SvdReweighting.toTrainingWeights(alpha[v]);
                    MtlModel m = Runs.train(be, two, PAIR_WIDTH, Activation.RELU, true, tc, w);
                    double aa = Runs.test(be, m, 0, ta);
                    double ab = Runs.test(be, m, 1, tb);
                    g.auc[v][p][s] = (aa + ab) / 2;
                    g.aucA[v][p][s] = aa;
                    g.aucB[v][p][s] = ab;
                    g.weightA[v][p][s] = alpha[v][0];
                    g.weightB[v][p][s] = alpha[v][1];
                    rep.row(DIGITS, seed, p + 1, ta.name(), tb.name(), g.contains[p], PAIR_VARIANTS[v], aa, ab,
                            (aa + ab) / 2, alpha[v][0], alpha[v][1], "", "", "", "", "");
                }
            }
        }
        g.summarise();
        return g;
    }

    /**
     * A digits pair's table label, "[noisy]" after the noisy task wherever it stands: {@link #drawPairs}
     * orders each pair by task index, so the noisy task comes second when its partner's index is
     * lower (with --seed 2 the table had marked 2-vs-rest, the clean partner of 3-vs-rest).
     */
    static String pairLabel(int number, String a, String b) {
        return String.format(Locale.ROOT, "pair %d: %s%s + %s%s (mean AUC)", number, a, a.equals(NOISY) ? " [noisy]" : "",
                b, b.equals(NOISY) ? " [noisy]" : "");
    }

    private static int indexOf(TaskSuite suite, String name) {
        for (int i = 0; i < suite.size(); i++) {
            if (suite.tasks().get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("no task " + name);
    }

    /** Per-pair results of part (a) and their summaries. */
    private static final class Digest {
        int[][] pairs;
        boolean[] contains;
        String[][] names;
        int noisyPairs;
        int epochs;
        int patience;
        double[][][] auc;
        double[][][] aucA;
        double[][][] aucB;
        double[][][] weightA;
        double[][][] weightB;
        /** Per variant, per seed: mean over pairs of (variant - unweighted) mean AUC. */
        double[][] diffAll;
        double[][] diffNoisy;
        double[][] diffClean;
        double[][] levelAll;
        /** Per variant, per seed, over the pairs with the noisy task: AUC gain of the clean partner. */
        double[][] partnerGain;
        double[][] noisyTaskGain;

        void summarise() {
            int seeds = auc[0][0].length;
            diffAll = new double[3][seeds];
            diffNoisy = new double[3][seeds];
            diffClean = new double[3][seeds];
            levelAll = new double[3][seeds];
            partnerGain = new double[3][seeds];
            noisyTaskGain = new double[3][seeds];
            for (int v = 0; v < 3; v++) {
                for (int s = 0; s < seeds; s++) {
                    double all = 0;
                    double nz = 0;
                    double cl = 0;
                    double lv = 0;
                    double pg = 0;
                    double ng = 0;
                    int nn = 0;
                    for (int p = 0; p < pairs.length; p++) {
                        double diff = auc[v][p][s] - auc[0][p][s];
                        all += diff;
                        lv += auc[v][p][s];
                        if (contains[p]) {
                            nz += diff;
                            nn++;
                            double ga = aucA[v][p][s] - aucA[0][p][s];
                            double gb = aucB[v][p][s] - aucB[0][p][s];
                            boolean first = names[p][0].equals(NOISY);
                            pg += first ? gb : ga;
                            ng += first ? ga : gb;
                        } else {
                            cl += diff;
                        }
                    }
                    diffAll[v][s] = all / pairs.length;
                    levelAll[v][s] = lv / pairs.length;
                    diffNoisy[v][s] = nn == 0 ? Double.NaN : nz / nn;
                    partnerGain[v][s] = nn == 0 ? Double.NaN : pg / nn;
                    noisyTaskGain[v][s] = nn == 0 ? Double.NaN : ng / nn;
                    diffClean[v][s] = nn == pairs.length ? Double.NaN : cl / (pairs.length - nn);
                }
            }
        }

        void tableRows(List<List<String>> t) {
            for (int p = 0; p < pairs.length; p++) {
                t.add(List.of(DIGITS, pairLabel(p + 1, names[p][0], names[p][1]),
                        pm(auc[0][p]), pm(auc[1][p]), pm(auc[2][p]), "",
                        String.format(Locale.ROOT, "%.3f/%.3f; %.3f/%.3f", Stats.mean(weightA[1][p]),
                                Stats.mean(weightB[1][p]), Stats.mean(weightA[2][p]), Stats.mean(weightB[2][p]))));
            }
            t.add(List.of(DIGITS, "all pairs: mean AUC", pm(levelAll[0]), pm(levelAll[1]), pm(levelAll[2]), "", ""));
            t.add(List.of(DIGITS, "all pairs: AUC gain over unweighted", "0", pm(diffAll[1]), pm(diffAll[2]), "", ""));
            t.add(List.of(DIGITS, "pairs with the noisy task: AUC gain", "0", pm(diffNoisy[1]), pm(diffNoisy[2]), "",
                    noisyWeights()));
            t.add(List.of(DIGITS, "  of which: the clean partner's AUC gain", "0", pm(partnerGain[1]),
                    pm(partnerGain[2]), "", ""));
            t.add(List.of(DIGITS, "  of which: the noisy task's own AUC gain (clean test labels)", "0",
                    pm(noisyTaskGain[1]), pm(noisyTaskGain[2]), "", ""));
            t.add(List.of(DIGITS, "clean pairs: AUC gain", "0", pm(diffClean[1]), pm(diffClean[2]), "", ""));
        }

        /** "noisy task's weight / partner's weight" averaged over the noisy pairs and seeds. */
        String noisyWeights() {
            double[][] mine = new double[3][];
            double[][] other = new double[3][];
            for (int v = 1; v < 3; v++) {
                List<Double> a = new ArrayList<>();
                List<Double> b = new ArrayList<>();
                for (int p = 0; p < pairs.length; p++) {
                    if (!contains[p]) {
                        continue;
                    }
                    boolean first = names[p][0].equals(NOISY);
                    for (int s = 0; s < weightA[v][p].length; s++) {
                        a.add(first ? weightA[v][p][s] : weightB[v][p][s]);
                        b.add(first ? weightB[v][p][s] : weightA[v][p][s]);
                    }
                }
                mine[v] = a.stream().mapToDouble(Double::doubleValue).toArray();
                other[v] = b.stream().mapToDouble(Double::doubleValue).toArray();
            }
            return String.format(Locale.ROOT, "noisy %.3f vs partner %.3f; noisy %.3f vs partner %.3f",
                    Stats.mean(mine[1]), Stats.mean(other[1]), Stats.mean(mine[2]), Stats.mean(other[2]));
        }

        /** Fraction of (noisy pair, seed) runs in which the noisy task gets the lower normalized weight. */
        double noisyLowerFraction() {
            int lower = 0;
            int n = 0;
            for (int p = 0; p < pairs.length; p++) {
                if (!contains[p]) {
                    continue;
                }
                boolean first = names[p][0].equals(NOISY);
                for (int s = 0; s < weightA[1][p].length; s++) {
                    double mine = first ? weightA[1][p][s] : weightB[1][p][s];
                    double other = first ? weightB[1][p][s] : weightA[1][p][s];
                    lower += mine < other ? 1 : 0;
                    n++;
                }
            }
            return n == 0 ? Double.NaN : (double) lower / n;
        }

        void panels(Report rep) {
            int np = pairs.length;
            double[] x = new double[np];
            for (int p = 0; p < np; p++) {
                x[p] = p + 1;
            }
            String xl = noisyPairs == 0 ? "pair" : String.format(Locale.ROOT, "pair (1-%d contain the noisy %s)",
                    noisyPairs, NOISY);
            List<Report.Series> level = new ArrayList<>();
            List<Report.Series> gain = new ArrayList<>();
            for (int v = 0; v < 3; v++) {
                double[] mean = new double[np];
                double[] std = new double[np];
                double[] gm = new double[np];
                double[] gs = new double[np];
                for (int p = 0; p < np; p++) {
                    mean[p] = Stats.mean(auc[v][p]);
                    std[p] = Stats.std(auc[v][p]);
                    double[] diff = new double[auc[v][p].length];
                    for (int s = 0; s < diff.length; s++) {
                        diff[s] = auc[v][p][s] - auc[0][p][s];
                    }
                    gm[p] = Stats.mean(diff);
                    gs[p] = Stats.std(diff);
                }
                String label = v == 0 ? "unweighted" : "Alg. 2 " + PAIR_VARIANTS[v];
                level.add(new Report.Series(label, x, mean, std));
                gain.add(new Report.Series(v == 0 ? "no change" : label, x, gm, gs));
            }
            rep.panel(new Report.Panel("digits-ovr pairs: mean test AUC of the two tasks", xl, "mean test AUC", false,
                    level));
            rep.panel(new Report.Panel("digits-ovr pairs: AUC gain of reweighting", xl,
                    "reweighted - unweighted mean AUC", false, gain));
        }

        String measured() {
            return String.format(Locale.ROOT, "Digits-ovr pairs with 20%% of '%s' training and validation labels "
                            + "randomised, test labels clean (%d pairs, %d with the noisy task): mean test AUC unweighted %s, Algorithm 2 normalized %s, paper formula "
                            + "%s; average AUC gain (mean ± std over seeds) normalized %s, paper %s (the paper reports "
                            + "+0.024 on chest X-ray pairs). Pairs with the noisy task: gain normalized %s, paper %s "
                            + "(clean partner's own AUC: normalized %s, paper %s); clean pairs: normalized %s, paper %s. "
                            + "Algorithm 2 weights (r = 1), noisy task vs its partner: %s (normalized; paper); the noisy "
                            + "task gets the lower normalized weight in %.0f%% of the noisy-pair runs. With r = 1 the "
                            + "weights favour whichever task dominates the pair's top singular direction, so clean pairs "
                            + "get skewed weights too.",
                    NOISY, pairs.length, noisyPairs, pm(levelAll[0]), pm(levelAll[1]), pm(levelAll[2]), pm(diffAll[1]),
                    pm(diffAll[2]), pm(diffNoisy[1]), pm(diffNoisy[2]), pm(partnerGain[1]), pm(partnerGain[2]),
                    pm(diffClean[1]), pm(diffClean[2]), noisyWeights(), 100 * noisyLowerFraction());
        }
    }

    // ---------------------------------------------------------------- (b) synthetic shared X

    private SynDigest runSynthetic(ExperimentContext ctx, Report rep, int rank) {
        boolean q = ctx.quick();
        Backend be = ctx.backend();
        SynDigest g = new SynDigest();
        g.rank = rank;
        g.setting = SYNTH + "-r" + rank;
        g.mTest = q ? 1000 : 4000;
        int seeds = ctx.seeds();
        int ns = SYN_SIGMAS.length;
        g.cleanTest = new double[4][ns][seeds];
        g.cleanTrain = new double[4][ns][seeds];
        g.weightNoisy = new double[3][ns][seeds];
        g.weightClean = new double[3][ns][seeds];
        SharedSubspace sub = new SharedSubspace(be);
        SvdReweighting svd = new SvdReweighting(be);
        int k = SYN_K;
        int d = SYN_D;
        int mTr = SYN_M_TRAIN;
        int m = mTr + g.mTest;
        for (int s = 0; s < seeds; s++) {
            long seed = ctx.seed(s);
            ctx.log().accept("reweighting: synthetic shared X (teacher rank " + rank + "), seed " + seed);
            TaskSuite suite = Synthetic.linear(k, m, d, rank, SYN_CLEAN_NOISE, true, seed);
            float[] x = suite.tasks().get(0).x();
            float[] xTr = Arrays.copyOfRange(x, 0, mTr * d);
            float[] xTe = Arrays.copyOfRange(x, mTr * d, m * d);
            // One extra-noise draw per seed, scaled for every sigma (common random numbers).
            Random rnd = new Random(seed * 31 + 7);
            double[] extra = new double[m];
            for (int i = 0; i < m; i++) {
                extra[i] = rnd.nextGaussian();
            }
            for (int si = 0; si < ns; si++) {
                double sigma = SYN_SIGMAS[si];
                double scale = Math.sqrt(Math.max(0, sigma * sigma - SYN_CLEAN_NOISE * SYN_CLEAN_NOISE));
                float[][] y = new float[k][];
                for (int t = 0; t < k; t++) {
                    y[t] = suite.tasks().get(t).y().clone();
                    if (t == 0) {
                        for (int i = 0; i < m; i++) {
                            y[t][i] += (float) (scale * extra[i]);
                        }
                    }
                }
                float[] yTr = new float[mTr * k];
                float[][] xs = new float[k][];
                float[][] ys = new float[k][];
                int[] rows = new int[k];
                int[] cols = new int[k];
                for (int t = 0; t < k; t++) {
                    for (int i = 0; i < mTr; i++) {
                        yTr[i * k + t] = y[t][i];
                    }
                    xs[t] = xTr;
                    ys[t] = Arrays.copyOfRange(y[t], 0, mTr);
                    rows[t] = mTr;
                    cols[t] = 1;
                }
                double[] oracle = new double[k];
                Arrays.fill(oracle, 1);
                oracle[0] = 0;
                double[][] alpha = {
                    null,
                    svd.weights(xs, rows, d, ys, cols, rank, SvdReweighting.Variant.NORMALIZED, true),
                    svd.weights(xs, rows, d, ys, cols, rank, SvdReweighting.Variant.PAPER, true),
                    oracle};
                for (int v = 0; v < 4; v++) {
                    float[] b = sub.optimalShared(xTr, mTr, d, yTr, k, alpha[v], rank);
                    double[] mse = cleanErrors(xTr, mTr, xTe, g.mTest, d, y, b, rank);
                    g.cleanTrain[v][si][s] = mse[0];
                    g.cleanTest[v][si][s] = mse[1];
                    double wn = alpha[v] == null ? 1 : alpha[v][0];
                    double wc = 1;
                    if (alpha[v] != null) {
                        wc = 0;
                        for (int t = 1; t < k; t++) {
                            wc += alpha[v][t] / (k - 1);
                        }
                    }
                    if (v == 1 || v == 2) {
                        g.weightNoisy[v][si][s] = wn;
                        g.weightClean[v][si][s] = wc;
                    }
                    rep.row(g.setting, seed, "", "", "", "", SYN_VARIANTS[v], "", "", "", "", "", sigma, mse[1], mse[0],
                            wn, wc);
                }
            }
        }
        return g;
    }

    /**
     * Least-squares heads on the training rows (the first mTr entries of each y[t]) for the clean
     * tasks 1..k-1 given B; returns their mean {training MSE, test MSE}.
     */
    static double[] cleanErrors(float[] xTr, int mTr, float[] xTe, int mTe, int d, float[][] y, float[] b, int r) {
        double[][] zTr = project(xTr, mTr, d, b, r);
        double[][] zTe = project(xTe, mTe, d, b, r);
        double[][] gram = new double[r][r];
        for (double[] z : zTr) {
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < r; j++) {
                    gram[i][j] += z[i] * z[j];
                }
            }
        }
        int k = y.length;
        double train = 0;
        double test = 0;
        for (int t = 1; t < k; t++) {
            double[] rhs = new double[r];
            for (int i = 0; i < mTr; i++) {
                for (int j = 0; j < r; j++) {
                    rhs[j] += zTr[i][j] * y[t][i];
                }
            }
            double[] a = solve(gram, rhs);
            train += mse(zTr, a, y[t], 0) / (k - 1);
            test += mse(zTe, a, y[t], mTr) / (k - 1);
        }
        return new double[] {train, test};
    }

    private static double[][] project(float[] x, int m, int d, float[] b, int r) {
        double[][] z = new double[m][r];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < r; j++) {
                double s = 0;
                for (int a = 0; a < d; a++) {
                    s += (double) x[i * d + a] * b[a * r + j];
                }
                z[i][j] = s;
            }
        }
        return z;
    }

    private static double mse(double[][] z, double[] a, float[] y, int offset) {
        double s = 0;
        for (int i = 0; i < z.length; i++) {
            double p = 0;
            for (int j = 0; j < a.length; j++) {
                p += z[i][j] * a[j];
            }
            double e = p - y[offset + i];
            s += e * e;
        }
        return s / z.length;
    }

    /** Solves a small symmetric positive definite system (Gaussian elimination, partial pivoting). */
    private static double[] solve(double[][] a0, double[] b0) {
        int n = b0.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = a0[i].clone();
        }
        double[] b = b0.clone();
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int i = c + 1; i < n; i++) {
                if (Math.abs(a[i][c]) > Math.abs(a[piv][c])) {
                    piv = i;
                }
            }
            double[] tr = a[c];
            a[c] = a[piv];
            a[piv] = tr;
            double tb = b[c];
            b[c] = b[piv];
            b[piv] = tb;
            for (int i = c + 1; i < n; i++) {
                double f = a[c][c] == 0 ? 0 : a[i][c] / a[c][c];
                for (int j = c; j < n; j++) {
                    a[i][j] -= f * a[c][j];
                }
                b[i] -= f * b[c];
            }
        }
        double[] out = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = b[i];
            for (int j = i + 1; j < n; j++) {
                s -= a[i][j] * out[j];
            }
            out[i] = a[i][i] == 0 ? 0 : s / a[i][i];
        }
        return out;
    }

    /** Results of part (b) for one teacher rank. */
    private static final class SynDigest {
        int rank;
        String setting;
        int mTest;
        double[][][] cleanTest;
        double[][][] cleanTrain;
        double[][][] weightNoisy;
        double[][][] weightClean;

        void tableRows(List<List<String>> t) {
            for (int si = 0; si < SYN_SIGMAS.length; si++) {
                t.add(List.of(setting, String.format(Locale.ROOT, "sigma(noisy task) = %s: clean-task test MSE",
                                fmt(SYN_SIGMAS[si])),
                        pm(cleanTest[0][si]), pm(cleanTest[1][si]), pm(cleanTest[2][si]), pm(cleanTest[3][si]),
                        String.format(Locale.ROOT, "noisy %.3f vs clean %.3f; noisy %.3f vs clean %.3f",
                                Stats.mean(weightNoisy[1][si]), Stats.mean(weightClean[1][si]),
                                Stats.mean(weightNoisy[2][si]), Stats.mean(weightClean[2][si]))));
            }
        }

        Report.Panel msePanel() {
            List<Report.Series> mse = new ArrayList<>();
            for (int v = 0; v < 4; v++) {
                double[] mean = new double[SYN_SIGMAS.length];
                double[] std = new double[SYN_SIGMAS.length];
                for (int si = 0; si < SYN_SIGMAS.length; si++) {
                    mean[si] = Stats.mean(cleanTest[v][si]);
                    std[si] = Stats.std(cleanTest[v][si]);
                }
                String label = v == 0 ? "uniform weights" : v == 3 ? "oracle (noisy task weight 0)"
                        : "Alg. 2 " + SYN_VARIANTS[v];
                mse.add(new Report.Series(label, SYN_SIGMAS.clone(), mean, std));
            }
            return new Report.Panel(String.format(Locale.ROOT, "shared X, closed-form B (Prop. 3), r = %d: clean tasks",
                    rank), "label-noise sd of the noisy task", "mean test MSE of the clean tasks", true, mse);
        }

        /** Noisy task's weight over the clean tasks' mean weight, per seed. */
        double[] ratio(int v, int si) {
            double[] out = new double[weightNoisy[v][si].length];
            for (int s = 0; s < out.length; s++) {
                out[s] = weightNoisy[v][si][s] / weightClean[v][si][s];
            }
            return out;
        }

        /** The normalized weights (in [0, 1]) of the noisy task and the clean tasks' mean. */
        void weightSeries(List<Report.Series> out) {
            double[][][] src = {weightNoisy[1], weightClean[1]};
            String[] names = {"noisy task", "clean tasks (mean)"};
            for (int w = 0; w < 2; w++) {
                double[] mean = new double[SYN_SIGMAS.length];
                double[] std = new double[SYN_SIGMAS.length];
                for (int si = 0; si < SYN_SIGMAS.length; si++) {
                    mean[si] = Stats.mean(src[w][si]);
                    std[si] = Stats.std(src[w][si]);
                }
                out.add(new Report.Series(names[w] + ", r = " + rank, SYN_SIGMAS.clone(), mean, std));
            }
        }

        /** Violations of the exact statement: oracle clean training MSE above another weighting's. */
        int violations() {
            int n = 0;
            for (int si = 0; si < SYN_SIGMAS.length; si++) {
                for (int s = 0; s < cleanTrain[0][si].length; s++) {
                    for (int v = 0; v < 3; v++) {
                        n += cleanTrain[3][si][s] > cleanTrain[v][si][s] * (1 + 1e-4) ? 1 : 0;
                    }
                }
            }
            return n;
        }

        String measured() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "Synthetic shared X, teacher rank and width "
                    + "r = %d: clean-task test MSE (uniform / Alg. 2 normalized / Alg. 2 paper / oracle)", rank));
            for (int si : new int[] {2, 3, SYN_SIGMAS.length - 1}) {
                b.append(String.format(Locale.ROOT, "%s at noisy-task sd %s: %.3f / %.3f / %.3f / %.3f",
                        si == 2 ? "" : ";", fmt(SYN_SIGMAS[si]), Stats.mean(cleanTest[0][si]),
                        Stats.mean(cleanTest[1][si]), Stats.mean(cleanTest[2][si]), Stats.mean(cleanTest[3][si])));
            }
            int lo = 0;
            for (int si = 0; si < SYN_SIGMAS.length; si++) {
                if (Stats.mean(ratio(1, si)) < Stats.mean(ratio(1, lo))) {
                    lo = si;
                }
            }
            int hi = SYN_SIGMAS.length - 1;
            b.append(String.format(Locale.ROOT, "; the noisy task's normalized weight over the clean tasks' mean weight "
                            + "is %.2f at sd %s, lowest %.2f at sd %s, and %.2f at sd %s (noisy task's weight %.3f%s).",
                    Stats.mean(ratio(1, 0)), fmt(SYN_SIGMAS[0]), Stats.mean(ratio(1, lo)), fmt(SYN_SIGMAS[lo]),
                    Stats.mean(ratio(1, hi)), fmt(SYN_SIGMAS[hi]), Stats.mean(weightNoisy[1][hi]),
                    Stats.mean(ratio(1, hi)) > 1 ? ": its theta now dominates the top-" + rank
                            + " singular subspace, so Algorithm 2 up-weights it" : ""));
            return b.toString();
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String pm(double[] a) {
        return Stats.pm(a);
    }
}
