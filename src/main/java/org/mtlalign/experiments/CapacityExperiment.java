package org.mtlalign.experiments;

import java.util.ArrayList;
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
 */
public final class CapacityExperiment implements Experiment {
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
        int k = 6;
        int m = q ? 60 : 200;
        int d = q ? 20 : 50;
        int[] widths = {1, 2, 3, 4, 6, 9};
        int epochs = q ? 150 : 400;
        Report rep = new Report(List.of("setting", "seed", "r", "method", "metric", "value"));
        List<Report.Panel> panels = new ArrayList<>();
        List<List<String>> table = new ArrayList<>();
        double linGapAtK = 0;
        double linBestR = 0;
        double reluBestR = 0;
        String[] settings = {"linear", "relu", "digits-pairs"};
        for (String setting : settings) {
            boolean digits = setting.equals("digits-pairs");
            Activation g = setting.equals("linear") ? Activation.IDENTITY : Activation.RELU;
            int[] rs = digits ? new int[] {1, 2, 3, 5, 8} : widths;
            double[][] mtl = new double[rs.length][ctx.seeds()];
            double[] stl = new double[ctx.seeds()];
            for (int s = 0; s < ctx.seeds(); s++) {
                long seed = ctx.seed(s);
                ctx.log().accept("capacity: " + setting + ", seed " + seed);
                TaskSuite suite = digits ? Digits.pairs()
                        : g == Activation.IDENTITY ? Synthetic.linear(k, m, d, 2, 0.5, false, seed)
                        : Synthetic.relu(k, 3 * m, d, 3, 0.1, seed);
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
                int stlWidth = g == Activation.IDENTITY ? 1 : 3;
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
            }
        }
        for (Report.Panel p : panels) {
            rep.panel(p);
        }
        rep.table(List.of("setting", "r", "MTL mean test metric (± std over seeds)", "STL"), table);
        boolean holds = linGapAtK < 0.1 && linBestR < k && reluBestR < 3 * k;
        rep.measured(String.format(Locale.ROOT, "Linear tasks (teachers in a 2-dim subspace): at r = k = %d the MTL test "
                        + "MSE is within %.1f%% of STL, and the best width is r = %.0f (< k). ReLU tasks: best r = %.0f "
                        + "(sum of single-task capacities %d). Digits-pairs: see the table.", k, 100 * linGapAtK, linBestR,
                reluBestR, 3 * k))
                .verdict(holds ? Report.Verdict.HOLDS : Report.Verdict.PARTLY)
                .settings(String.format(Locale.ROOT, "%s; k = %d synthetic tasks of m = %d rows, d = %d; %d seeds; "
                        + "linear: full-batch Adam (lr 0.01) to convergence, no early stopping (Proposition 1 is about "
                        + "optima); ReLU and digits: Adam lr 0.005, batch 32, early stopping on validation; STL width 1 "
                        + "(linear) or 3 (ReLU, digits).",
                        q ? "--quick" : "full", k, m, d, ctx.seeds()));
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
