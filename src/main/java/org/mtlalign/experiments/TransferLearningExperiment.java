package org.mtlalign.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.Digits;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Activation;
import org.mtlalign.train.ExperimentConfig;
import org.mtlalign.train.TrainConfig;
import org.mtlalign.train.TransferExperiment;

/**
 * The paper's transfer-learning use of the alignment module (Figure 5b): a single-task model
 * is trained on a source task; for each target task its shared module B is frozen and a new
 * head is fitted, once alone (fine-tune) and once together with an alignment matrix R from the
 * identity (fine-tune + align), next to the target's single-task baseline (STL). This is {@link
 * TransferExperiment} with the tasks [source, target] and target index 1.
 *
 * <p>Two suites: synthetic rotated copies (the base task as source; a fresh unrotated copy, two
 * rotated and one permuted copy as targets, see {@link AlignmentExperiment}) and digits-pairs
 * (sources and targets among its 5 tasks). Targets keep only a few rows, the regime in which a
 * transferred module matters.
 */
public final class TransferLearningExperiment implements Experiment {
    static final String ROTATED = "rotated-copies";
    static final String DIGITS = "digits-pairs";

    @Override
    public String name() {
        return "transfer";
    }

    @Override
    public String title() {
        return "Transfer learning with an alignment module: STL vs fine-tune vs fine-tune + alignment";
    }

    @Override
    public String paperClaim() {
        return "When a shared module trained on a source task is reused (frozen) for a target task, adding an "
                + "alignment module R in front of it and training R with the new head improves the target's "
                + "performance over fine-tuning the head alone (Figure 5b).";
    }

    @Override
    public Report run(ExperimentContext ctx) {
        boolean q = ctx.quick();
        Backend be = ctx.backend();
        int d = q ? 40 : 64;
        int mSource = q ? 600 : 1200;
        int mTarget = q ? 200 : 300;
        int digitsTarget = q ? 150 : 200;
        int synthEpochs = q ? 80 : 200;
        int digitsEpochs = q ? 40 : 150;
        int digitsRank = 2;
        Report rep = new Report(List.of("suite", "seed", "source", "target", "metric", "stl", "fine_tune",
                "fine_tune_align"));
        List<List<String>> table = new ArrayList<>();
        StringBuilder measured = new StringBuilder();
        int combos = 0;
        int improvedCombos = 0;
        int suitesImproved = 0;
        String[] suites = {ROTATED, DIGITS};
        for (String suiteName : suites) {
            boolean digits = suiteName.equals(DIGITS);
            List<String> targets = null;
            List<String> sources = null;
            String metric = null;
            boolean higher = true;
            // [target][seed], averaged over sources; and [source][target][seed]
            double[][] stl = null;
            double[][] ft = null;
            double[][] fta = null;
            double[][][] ftBy = null;
            double[][][] ftaBy = null;
            for (int s = 0; s < ctx.seeds(); s++) {
                long seed = ctx.seed(s);
                ctx.log().accept("transfer: " + suiteName + ", seed " + seed);
                TrainConfig tc = digits
                        ? TrainConfig.defaults(seed).withEpochs(digitsEpochs).withBatchSize(32).withPatience(q ? 15 : 25)
                        : TrainConfig.defaults(seed).withEpochs(synthEpochs).withBatchSize(32).withLearningRate(0.01f)
                                .withPatience(q ? 15 : 30);
                ExperimentConfig cfg = digits
                        ? new ExperimentConfig(digitsRank, Activation.RELU, true, tc, ExperimentConfig.AlignMode.NONE,
                                null, 0, 0.99, false)
                        : new ExperimentConfig(1, Activation.IDENTITY, false, tc, ExperimentConfig.AlignMode.NONE,
                                null, 0, 0.99, false);
                List<Task> all = digits ? Digits.pairs().tasks()
                        : AlignmentExperiment.rotatedCopies(mSource, mTarget, d, 2, 1, true, AlignmentExperiment.KAPPA,
                                1.0, AlignmentExperiment.NOISE, true, seed).tasks();
                // Digits: every task is a source for the other four; synthetic: the base task only.
                List<Integer> srcIdx = new ArrayList<>();
                for (int i = 0; i < (digits ? all.size() : 1); i++) {
                    srcIdx.add(i);
                }
                if (stl == null) {
                    sources = srcIdx.stream().map(i -> all.get(i).name()).toList();
                    targets = new ArrayList<>();
                    for (int i = 0; i < all.size(); i++) {
                        if (digits || i != 0) {
                            targets.add(all.get(i).name());
                        }
                    }
                    stl = new double[targets.size()][ctx.seeds()];
                    ft = new double[targets.size()][ctx.seeds()];
                    fta = new double[targets.size()][ctx.seeds()];
                    ftBy = new double[sources.size()][targets.size()][ctx.seeds()];
                    ftaBy = new double[sources.size()][targets.size()][ctx.seeds()];
                    for (double[][] a : ftBy) {
                        for (double[] b : a) {
                            java.util.Arrays.fill(b, Double.NaN);
                        }
                    }
                    for (double[][] a : ftaBy) {
                        for (double[] b : a) {
                            java.util.Arrays.fill(b, Double.NaN);
                        }
                    }
                }
                for (int ti = 0; ti < targets.size(); ti++) {
                    String tName = targets.get(ti);
                    Task target = all.stream().filter(t -> t.name().equals(tName)).findFirst().orElseThrow();
                    if (digits) {
                        target = subsample(target, digitsTarget, seed * 31 + ti);
                    }
                    double stlSum = 0;
                    double ftSum = 0;
                    double ftaSum = 0;
                    int n = 0;
                    for (int si = 0; si < srcIdx.size(); si++) {
                        Task source = all.get(srcIdx.get(si));
                        if (source.name().equals(tName)) {
                            continue;
                        }
                        TaskSuite pair = new TaskSuite(suiteName, List.of(source, target), false);
                        List<PreparedTask> tasks = Runs.prepare(pair, seed,
                                digits ? Preparation.Standardize.GLOBAL : Preparation.Standardize.NONE);
                        TransferExperiment.Report r = new TransferExperiment(be, cfg).run(tasks, 1);
                        metric = r.metric();
                        higher = tasks.get(1).loss().higherIsBetter();
                        rep.row(suiteName, seed, source.name(), tName, r.metric(), r.stl(), r.fineTune(),
                                r.fineTuneAligned());
                        ftBy[si][ti][s] = r.fineTune();
                        ftaBy[si][ti][s] = r.fineTuneAligned();
                        stlSum += r.stl();
                        ftSum += r.fineTune();
                        ftaSum += r.fineTuneAligned();
                        n++;
                    }
                    stl[ti][s] = stlSum / n;
                    ft[ti][s] = ftSum / n;
                    fta[ti][s] = ftaSum / n;
                }
            }
            int nt = targets.size();
            double[] xs = new double[nt];
            double[][] mean = new double[3][nt];
            double[][] std = new double[3][nt];
            double[][][] byMethod = {stl, ft, fta};
            for (int ti = 0; ti < nt; ti++) {
                xs[ti] = ti;
                for (int v = 0; v < 3; v++) {
                    mean[v][ti] = Stats.mean(byMethod[v][ti]);
                    std[v][ti] = Stats.std(byMethod[v][ti]);
                }
            }
            int suiteCombos = 0;
            int suiteImproved = 0;
            int beatsStl = 0;
            double gain = 0;
            for (int si = 0; si < sources.size(); si++) {
                for (int ti = 0; ti < nt; ti++) {
                    if (sources.get(si).equals(targets.get(ti))) {
                        continue;
                    }
                    double f = Stats.mean(ftBy[si][ti]);
                    double fa = Stats.mean(ftaBy[si][ti]);
                    double g = higher ? fa - f : f - fa;
                    suiteCombos++;
                    suiteImproved += g >= 0 ? 1 : 0;
                    gain += g;
                    double vsStl = higher ? fa - mean[0][ti] : mean[0][ti] - fa;
                    beatsStl += vsStl > 0 ? 1 : 0;
                    table.add(List.of(suiteName, sources.get(si), targets.get(ti), metric, Stats.pm(stl[ti]),
                            Stats.pm(ftBy[si][ti]), Stats.pm(ftaBy[si][ti])));
                }
            }
            gain /= suiteCombos;
            combos += suiteCombos;
            improvedCombos += suiteImproved;
            suitesImproved += gain > 0 ? 1 : 0;
            rep.panel(new Report.Panel(suiteName + ": target test " + metric
                    + (sources.size() > 1 ? " (mean over sources)" : " (source " + sources.get(0) + ")"),
                    "target index", "test " + metric, false,
                    List.of(new Report.Series("STL", xs, mean[0], std[0]),
                            new Report.Series("fine-tune", xs, mean[1], std[1]),
                            new Report.Series("fine-tune + align", xs, mean[2], std[2]))));
            measured.append(String.format(Locale.ROOT, "%s (targets %s): fine-tune + alignment >= fine-tune for %d "
                            + "of %d source/target combinations, mean %s %.4f (STL) / %.4f (fine-tune) / %.4f "
                            + "(fine-tune + align), mean gain of the alignment %+.4f; fine-tune + align beat the "
                            + "target's STL in %d of %d. ",
                    suiteName, String.join(", ", targets), suiteImproved, suiteCombos, metric, Stats.mean(mean[0]),
                    Stats.mean(mean[1]), Stats.mean(mean[2]), higher ? gain : -gain, beatsStl, suiteCombos));
        }
        Report.Verdict v;
        if (suitesImproved == suites.length && 3 * improvedCombos >= 2 * combos) {
            v = Report.Verdict.HOLDS;
        } else if (suitesImproved == 0) {
            v = Report.Verdict.DOES_NOT_HOLD;
        } else {
            v = Report.Verdict.PARTLY;
        }
        rep.table(List.of("suite", "source", "target", "metric", "STL", "fine-tune", "fine-tune + align"), table);
        rep.measured(measured.toString()).verdict(v).settings(String.format(Locale.ROOT,
                "%s; %d seeds. Each point: a single-task model trained on the source, then the target fitted on its "
                        + "frozen shared module with a new head (fine-tune) or a new head plus R = I trained "
                        + "(fine-tune + align), and an STL model of the same width on the target; test metric of the "
                        + "target. %s: classification copies (see the alignment experiment), source 'base' with %d "
                        + "rows, targets with %d rows, d = %d, linear model without bias, r = 1, Adam lr 0.01, at most "
                        + "%d epochs. %s: %s, targets subsampled to %d rows, ReLU with biases, r = %d, global "
                        + "standardisation, Adam lr 0.005, at most %d epochs. All: batch 32, 60/20/20 split, early "
                        + "stopping on validation.",
                q ? "--quick" : "full", ctx.seeds(), ROTATED, mSource, mTarget, d, synthEpochs, DIGITS,
                "each of the 5 tasks as source for the other 4",
                digitsTarget, digitsRank, digitsEpochs));
        return rep;
    }

    /** A seeded random subset of {@code rows} rows of t (all of t if it has fewer). */
    private static Task subsample(Task t, int rows, long seed) {
        if (t.rows() <= rows) {
            return t;
        }
        int[] idx = new int[t.rows()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Random rnd = new Random(seed);
        for (int i = idx.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
        }
        int d = t.dim();
        int c = t.labelColumns();
        float[] x = new float[rows * d];
        float[] y = new float[rows * c];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(t.x(), idx[i] * d, x, i * d, d);
            System.arraycopy(t.y(), idx[i] * c, y, i * c, c);
        }
        return new Task(t.name(), x, rows, d, y, c, t.integralLabels(), t.source() + "+subsample(" + rows + ")");
    }
}
