package org.mtlalign.experiments;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.mtlalign.data.Digits;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Synthetic;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Activation;
import org.mtlalign.model.MtlModel;
import org.mtlalign.train.TrainConfig;

/**
 * Proposition 1 and the capacity trade-off: MTL test error as the shared width r grows, for
 * linear and ReLU teacher tasks and for digits-pairs, next to the single-task baselines.
 *
 * <p>The width grids reach at least the sum of the single-task capacities (k = 6 for the linear
 * single-output tasks, 6 x 3 = 18 for the ReLU tasks with teachers of width 3) and go beyond it,
 * so "the best r lies below that sum" is a measurement that can fail, not a property of the grid.
 *
 * <p>Verdict: three parts, (1) Proposition 1: at r = k the linear MTL test MSE is within 10% of
 * STL; (2) the linear best r is below k; (3) the ReLU best r is below 18 and beats r = 18 beyond
 * the seed spread (the per-seed difference MSE(r = 18) - MSE(best r) has mean - std &gt; 0).
 * HOLDS if all three hold, DOES_NOT_HOLD if none, PARTLY otherwise. Digits-pairs is reported, not
 * judged.
 */
public final class CapacityExperiment implements Experiment {
    static final int K = 6;
    /** Single-task capacity of a ReLU task: its teacher's width. */
    static final int RELU_TEACHER = 3;
    static final int[] LINEAR_WIDTHS = {1, 2, 3, 4, 6, 9};
    static final int[] RELU_WIDTHS = {1, 2, 3, 4, 6, 9, 12, 18, 24};
    static final int[] DIGITS_WIDTHS = {1, 2, 3, 5, 8};

    @Override
    public String name() {
        return "capacity";
    }

    @Override
    public String title() {
        return "Shared-module capacity: MTL error against the width r";
    }

    @Override
    public String paperClaim() {
        return "With r >= k (the sum of the single-task capacities of k linear single-output tasks) every task "
                + "reaches its single-task optimum, so there is no transfer (Proposition 1); transfer needs a smaller "
                + "shared module, and the best r lies below the sum of the single-task capacities.";
    }

    @Override
    public Report run(ExperimentContext ctx) {
        boolean q = ctx.quick();
        int k = K;
        int m = q ? 60 : 200;
        int d = q ? 20 : 50;
        // The ReLU grid runs to 24 > 18 and the width is at most d, so the quick ReLU tasks get d = 30.
        int dRelu = Math.max(d, 30);
        int epochs = q ? 150 : 400;
        Report rep = new Report(List.of("setting", "seed", "r", "method", "metric", "value"));
        List<Report.Panel> panels = new ArrayList<>();
        List<List<String>> table = new ArrayList<>();
        double linGapAtK = 0;
        int linBestR = 0;
        int reluBestR = 0;
        int reluSum = RELU_TEACHER * k;
        double[] reluAtBest = null;
        double[] reluAtSum = null;
        double[] reluAtMax = null;
        double[] reluStl = null;
        String[] settings = {"linear", "relu", "digits-pairs"};
        for (String setting : settings) {
            boolean digits = setting.equals("digits-pairs");
            Activation g = setting.equals("linear") ? Activation.IDENTITY : Activation.RELU;
            int[] rs = digits ? DIGITS_WIDTHS : g == Activation.IDENTITY ? LINEAR_WIDTHS : RELU_WIDTHS;
            double[][] mtl = new double[rs.length][ctx.seeds()];
            double[] stl = new double[ctx.seeds()];
            for (int s = 0; s < ctx.seeds(); s++) {
                long seed = ctx.seed(s);
                ctx.log().accept("capacity: " + setting + ", seed " + seed);
                TaskSuite suite = digits ? Digits.pairs()
                        : g == Activation.IDENTITY ? Synthetic.linear(k, m, d, 2, 0.5, false, seed)
                        : Synthetic.relu(k, 3 * m, dRelu, RELU_TEACHER, 0.1, seed);
                boolean linear = g == Activation.IDENTITY;
                // Proposition 1 is about optima, so the linear runs train to convergence: full-batch
                // gradient steps, no validation rows, hence no early stopping before the optimum.
                List<PreparedTask> tasks = linear
                        ? Preparation.prepare(suite, new Preparation.Config(0.0, 0.3, seed, null,
                                Preparation.Standardize.NONE)).tasks()
                        : Runs.prepare(suite, seed, digits ? Preparation.Standardize.GLOBAL : Preparation.Standardize.NONE);
                TrainConfig tc = linear
                        ? TrainConfig.defaults(seed).withEpochs(q ? 1500 : 4000).withBatchSize(m)
                                .withSampling(TrainConfig.Sampling.ALL).withLearningRate(0.01f).withPatience(100000)
                        : TrainConfig.defaults(seed).withEpochs(digits ? (q ? 40 : 150) : epochs)
                                .withBatchSize(32).withPatience(q ? 25 : 40);
                boolean bias = g == Activation.RELU;
                // Single-task capacity: one unit for a linear single-output task, the teacher's
                // width (3) for the ReLU tasks and the digits.
                int stlWidth = g == Activation.IDENTITY ? 1 : RELU_TEACHER;
                stl[s] = Runs.mean(Runs.stl(ctx.backend(), tasks, stlWidth, g, bias, tc));
                rep.row(setting, seed, stlWidth, "stl", metric(digits), stl[s]);
                for (int i = 0; i < rs.length; i++) {
                    MtlModel model = Runs.train(ctx.backend(), tasks, rs[i], g, bias, tc, null);
                    mtl[i][s] = Runs.meanTest(ctx.backend(), model, tasks);
                    rep.row(setting, seed, rs[i], "mtl", metric(digits), mtl[i][s]);
                }
            }
            double[] xs = new double[rs.length];
            double[] mean = new double[rs.length];
            double[] std = new double[rs.length];
            int best = 0;
            for (int i = 0; i < rs.length; i++) {
                xs[i] = rs[i];
                mean[i] = Stats.mean(mtl[i]);
                std[i] = Stats.std(mtl[i]);
                boolean better = digits ? mean[i] > mean[best] : mean[i] < mean[best];
                if (better) {
                    best = i;
                }
                table.add(List.of(setting, String.valueOf(rs[i]), Stats.pm(mtl[i]), Stats.pm(stl)));
            }
            double[] stlLine = new double[rs.length];
            double[] stlStd = new double[rs.length];
            java.util.Arrays.fill(stlLine, Stats.mean(stl));
            java.util.Arrays.fill(stlStd, Stats.std(stl));
            panels.add(new Report.Panel(setting + (digits ? " (5 tasks)" : " (k = " + k + " tasks)"), "shared width r",
                    "mean test " + metric(digits), false,
                    List.of(new Report.Series("MTL", xs, mean, std), new Report.Series("STL", xs, stlLine, stlStd))));
            if (setting.equals("linear")) {
                int atK = indexOf(rs, k);
                linGapAtK = Math.abs(mean[atK] - Stats.mean(stl)) / Stats.mean(stl);
                linBestR = rs[best];
            } else if (setting.equals("relu")) {
                reluBestR = rs[best];
                reluAtBest = mtl[best];
                reluAtSum = mtl[indexOf(rs, reluSum)];
                reluAtMax = mtl[rs.length - 1];
                reluStl = stl;
            }
        }
        for (Report.Panel p : panels) {
            rep.panel(p);
        }
        rep.table(List.of("setting", "r", "MTL mean test metric (± std over seeds)", "STL"), table);
        // Per seed: how much worse r = 18 (the sum of the single-task capacities) is than the best r.
        double[] gain = new double[reluAtSum.length];
        for (int s = 0; s < gain.length; s++) {
            gain[s] = reluAtSum[s] - reluAtBest[s];
        }
        boolean prop1 = linGapAtK < 0.1;
        boolean linBelow = linBestR < k;
        boolean reluBelow = reluBestR < reluSum;
        boolean reluClear = reluBelow && Stats.mean(gain) - Stats.std(gain) > 0;
        int parts = (prop1 ? 1 : 0) + (linBelow ? 1 : 0) + (reluClear ? 1 : 0);
        // Proposition 1 is about linear optima: whether the ReLU models at the sum of the capacities
        // match the single-task fits is measured, and when they fall short, the lead of the best
        // width over r = 18 is partly that shortfall rather than transfer.
        boolean sumBelowStl = Stats.mean(reluAtSum) > Stats.mean(reluStl);
        String reluAtSumVsStl = String.format(Locale.ROOT, " At r = %d the ReLU MTL test MSE is %s against STL's %s%s.",
                reluSum, Stats.pm(reluAtSum), Stats.pm(reluStl), sumBelowStl
                        ? ": unlike the linear models at r = k, the ReLU models at the sum of the capacities did not "
                        + "reach the single-task fits, and that shortfall is part of the best width's lead over r = "
                        + reluSum : "");
        String reluWhy = !reluBelow ? "not below the sum"
                : reluClear ? "below the sum, and better than r = " + reluSum + " beyond the seed spread"
                : "below the sum, but not better than r = " + reluSum + " beyond the seed spread";
        rep.measured(String.format(Locale.ROOT, "Linear tasks (teachers in a 2-dim subspace): at r = k = %d the MTL test "
                        + "MSE is within %.1f%% of STL (Proposition 1 %s), and the best width of the grid %s is r = %d "
                        + "(%s k = %d). ReLU tasks (shared teacher of width %d; sum of single-task capacities %d): the "
                        + "best width of the grid %s is r = %d, %s: mean test MSE %s at r = %d, %s at r = %d, %s at "
                        + "r = %d; MSE(r = %d) - MSE(r = %d) per seed %s.%s Digits-pairs: see the table (not judged). "
                        + "Verdict rule: Proposition 1 within 10%%, linear best r < k, ReLU best r < %d with "
                        + "MSE(r = %d) - MSE(best r) mean - std > 0 over seeds; all three: holds, none: does not hold.",
                k, 100 * linGapAtK, prop1 ? "holds" : "fails", Arrays.toString(LINEAR_WIDTHS), linBestR,
                linBestR < k ? "<" : linBestR == k ? "=" : ">", k, RELU_TEACHER, reluSum, Arrays.toString(RELU_WIDTHS),
                reluBestR, reluWhy, Stats.pm(reluAtBest), reluBestR, Stats.pm(reluAtSum), reluSum, Stats.pm(reluAtMax),
                RELU_WIDTHS[RELU_WIDTHS.length - 1], reluSum, reluBestR, Stats.pm(gain), reluAtSumVsStl, reluSum,
                reluSum))
                .verdict(parts == 3 ? Report.Verdict.HOLDS : parts == 0 ? Report.Verdict.DOES_NOT_HOLD
                        : Report.Verdict.PARTLY)
                .settings(String.format(Locale.ROOT, "%s; k = %d synthetic tasks, linear: m = %d rows, d = %d, "
                        + "ReLU: m = %d rows, d = %d; %d seeds; "
                        + "widths r: linear %s, ReLU %s, digits %s; "
                        + "linear: full-batch Adam (lr 0.01) to convergence, no early stopping (Proposition 1 is about "
                        + "optima); ReLU and digits: Adam lr 0.005, batch 32, early stopping on validation; STL width 1 "
                        + "(linear) or %d (ReLU, digits).",
                        q ? "--quick" : "full", k, m, d, 3 * m, dRelu, ctx.seeds(), Arrays.toString(LINEAR_WIDTHS),
                        Arrays.toString(RELU_WIDTHS), Arrays.toString(DIGITS_WIDTHS), RELU_TEACHER));
        return rep;
    }

    private static String metric(boolean digits) {
        return digits ? "auc" : "mse";
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        throw new IllegalStateException();
    }
}
