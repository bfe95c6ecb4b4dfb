package org.mtlalign.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.mtlalign.UserInputException;
import org.mtlalign.analysis.CovarianceSimilarity;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.experiments.SpearmanChance;
import org.mtlalign.experiments.Stats;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;
import org.mtlalign.model.ModelIO;
import org.mtlalign.train.ExperimentConfig;
import org.mtlalign.train.PairwiseTransfer;
import org.mtlalign.train.TrainConfig;
import org.mtlalign.train.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `mtl pairs`: which tasks help each other, measured. Each target task is trained with every other
 * task as a pair (MTL of width r) and alone (its STL baseline), over several seeds; the transfer
 * to i from j is the pair's test metric for i minus i's STL metric. Beside it, the covariance
 * similarity of each pair, the paper's predictor of transfer, and how well it ranked the pairs.
 */
@Command(name = "pairs", mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class, sortOptions = false,
        description = {"Which tasks help each other: train every task with each other task as a pair (MTL, width r) "
                + "and alone (its single-task baseline, same width), over several seeds, and report the transfer to "
                + "each task from each partner (the pair's test metric minus the task's STL metric, positive when the "
                + "partner helps), with the covariance similarity of each pair.",
                "The data are split and standardised once per seed for all tasks, as 'mtl train --seed s' does, so a "
                        + "task's STL baseline is the STL column of 'mtl train --rank r --seed s'."})
public final class PairsCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = {"-r", "--rank"}, paramLabel = "R",
            description = "Width r of the shared module of every pair and baseline (default: the largest output "
                    + "count of one task, 1 for binary and single-column regression tasks: each task alone fits in r "
                    + "directions, a pair needs more, so the pair has to share; see Proposition 1).")
    Integer rank;

    // Split here, not by picocli (split = ","): a value that names a task whole is that task, so a
    // task whose name holds ',' ('a,b' from a --labels header) can be a target.
    @Option(names = "--target", paramLabel = "TASK",
            description = "Measure the transfer to these tasks only (repeat or comma-separate): each is trained "
                    + "with every other task, the other tasks' own baselines and pairs are skipped (default: every "
                    + "task).")
    List<String> targetNames;

    @Option(names = "--seeds", defaultValue = "3",
            description = "Seeds: --seed, --seed + 1, ...; each its own split and initialisation (default: "
                    + "${DEFAULT-VALUE}, at most " + SweepCommand.MAX_SEEDS + ").")
    int seeds;

    @Option(names = "--energy", defaultValue = "0.99",
            description = "Similarity score (eq. 5): keep the smallest rank of each task's X^T X holding this share "
                    + "of the sum of its singular values (its eigenvalues, the squares of X's singular values; default: "
                    + "${DEFAULT-VALUE}).")
    double energy;

    @Mixin
    FitOptions fit = new FitOptions();

    @Mixin
    BackendOption backendOption = new BackendOption();

    @Option(names = "--json", paramLabel = "FILE", converter = Main.FileTarget.class,
            description = "Write every result as JSON (atomically); - (or /dev/stdout) writes it to standard output and the tables to "
                    + "standard error.")
    Path json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Lines of the "helped" and "hurt" lists each, before the rest is counted. */
    static final int LIST_LINES = 15;

    /** The most trainings one command makes: beyond that, --target or fewer seeds. */
    static final int MAX_TRAININGS = 20000;

    /** One seed's numbers (the prepared tasks themselves are not kept: one seed's copy at a time). */
    private record SeedResult(long seed, PairwiseTransfer.Run[] stl, PairwiseTransfer.Run[][] pairs,
                              double[][] similarity, double[][] transfer, int[][] sign, boolean[][] chance) {
    }

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter e = spec.commandLine().getErr();
        PrintWriter o = Outputs.isStdout(json) ? e : stdout;
        Warnings warnings = new Warnings(e);
        String[] argv = spec.commandLine().getParseResult().originalArgs().toArray(new String[0]);
        if (json != null && !Outputs.isStdout(json)) {
            Outputs.checkTarget(json, "--json");
            Outputs.checkNotInput(json, "--json", data.inputs());
        }
        SweepCommand.checkSeeds(data.seed, seeds);
        if (rank != null && rank < 1) {
            throw new UserInputException("--rank: must be >= 1, got " + rank);
        }
        if (!(energy > 0 && energy <= 1)) {
            throw new UserInputException("--energy: must be in (0, 1], got " + energy);
        }
        TrainConfig base = fit.trainConfig(data.seed); // option values checked before the data is read
        fit.withoutEffect(spec.commandLine().getParseResult()).forEach(n -> e.println("note: " + n));
        Activation activation = Activation.parse(fit.activation);
        Preparation.Config prep0 = data.preparationBeforeLoad();
        if (prep0.testFraction() <= 0) {
            // Every cell is a test metric minus another: without test rows all of them would be '-'
            // after every training had run.
            throw new UserInputException("--test: mtl pairs measures each transfer on the tasks' test rows, so it "
                    + "needs test rows (--test above 0); mtl analyze scores the similarities without training");
        }
        // The backend's notice waits for the data: a file error is then the one line printed.
        List<String> notices = new ArrayList<>();
        Backend backend = backendOption.select(notices::add);
        TaskSuite suite = data.load(e);
        notices.forEach(e::println);
        data.warnAboutInputs(suite, warnings);
        if (data.noneGiven()) {
            e.println("no data given: measuring the built-in demo (--suite " + DataOptions.DEFAULT_SUITE
                    + ", UCI handwritten digits)");
        }
        int d = suite.dim();
        String suiteName = suite.name();
        // Further seeds prepare the loaded data again, so only a single seed may standardise it in place.
        Preparation.Result p0 = seeds > 1 ? Preparation.prepare(suite, prep0) : data.prepareOnce(suite, prep0);
        p0.warnings().forEach(warnings::add);
        List<PreparedTask> first = p0.tasks();
        p0 = null;
        int k = first.size();
        if (k < 2) {
            throw new UserInputException("mtl pairs needs at least two tasks, got " + k + " ('" + first.get(0).name()
                    + "'); give more with --task or --tasks");
        }
        List<String> names = first.stream().map(PreparedTask::name).toList();
        boolean[] targets = targets(names);
        Set<String> said = new LinkedHashSet<>(TrainCommand.splitWarnings(first));
        said.forEach(warnings::add);
        if (prep0.standardize() != Preparation.Standardize.PER_TASK) {
            TrainCommand.crossTaskOverlap(first).forEach(warnings::add);
        }
        // --sampling auto: chosen by all the tasks' sizes (as mtl train chooses it), and said.
        String samplingWhy = fit.chooseSampling(first);
        base = fit.trainConfig(data.seed);
        // The pair of the smallest and the largest task trains as mtl train's MTL would.
        String sizes = TrainCommand.sizeWarning(first, base);
        if (sizes != null) {
            warnings.add(sizes);
        }
        TrainCommand.noBiasOffsetWarnings(first, fit.noBias).forEach(warnings::add);
        String few = TrainCommand.fewerRowsThanInputs(first);  // for a warning after the trainings
        int maxOutputs = first.stream().mapToInt(t -> t.labels().outputs()).max().orElse(1);
        int r = rank != null ? rank : Math.min(d, maxOutputs);
        if (r > d) {
            throw new UserInputException("--rank: r = " + r + " is above d = " + d + " (the input dimension)");
        }
        int perSeed = PairwiseTransfer.trainings(targets);
        if ((long) perSeed * seeds > MAX_TRAININGS) {
            throw new UserInputException("mtl pairs would make " + (long) perSeed * seeds + " trainings (" + perSeed
                    + " per seed x " + seeds + " seeds), more than " + MAX_TRAININGS + ": choose tasks with --target "
                    + "or use fewer --seeds");
        }
        int nTargets = 0;
        for (boolean t : targets) {
            nTargets += t ? 1 : 0;
        }

        o.printf(Locale.ROOT, "mtl-align %s | %s | suite '%s': %d tasks, d = %d | seeds %s%n",
                org.mtlalign.Version.get(), backend.description(), suiteName, k, d,
                SweepCommand.seedList(data.seed, seeds));
        int nameWidth = Tables.nameWidth(names);
        for (int i = 0; i < k; i++) {
            PreparedTask t = first.get(i);
            o.printf(Locale.ROOT, "  task %-" + nameWidth + "s %s; rows train %d / val %d / test %d (seed %d)%s%n", t.name(),
                    t.labels().reason(), t.train().length, t.validation().length, t.test().length, data.seed,
                    targets[i] || nTargets == k ? "" : "; partner only");
        }
        o.printf(Locale.ROOT, "pairwise transfer at r = %d%s: %d trainings (%d STL baseline%s + %d pairs, x %d seed%s; "
                        + "%s%s, up to %d epoch%s, patience %d)%n", r,
                rank != null ? "" : maxOutputs > d
                        ? " (default: the largest output count of one task, " + maxOutputs + ", capped at d = " + d
                                + ", so that task does not fit alone in r)"
                        : " (default: the largest output count of one task, so each task alone fits in r)",
                perSeed * seeds, nTargets, nTargets == 1 ? "" : "s", perSeed - nTargets, seeds, seeds == 1 ? "" : "s",
                fit.activation, fit.noBias ? ", no biases" : "", base.epochs(), base.epochs() == 1 ? "" : "s",
                base.patience());
        // On stdout beside the plan, as mtl train prints it: a saved report records the rule used.
        o.println("sampling: " + samplingWhy);
        // Pairs whose two output counts fit in r side by side need not share (Proposition 1 for
        // linear models; a ReLU layer has the room too): their transfer says little about the tasks.
        List<String> roomy = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                if ((targets[i] || targets[j]) && r >= first.get(i).labels().outputs() + first.get(j).labels().outputs()) {
                    roomy.add(names.get(i) + " + " + names.get(j));
                }
            }
        }
        if (!roomy.isEmpty()) {
            warnings.add(roomy.size() + " of " + (perSeed - nTargets) + " pairs have at most r = " + r + " outputs "
                    + "together (" + String.join(", ", roomy.subList(0, Math.min(6, roomy.size())))
                    + (roomy.size() > 6 ? ", ..." : "") + "), so each task has its own room and need not share"
                    + (activation == Activation.IDENTITY ? ": linear tasks then fit separately (Proposition 1) and "
                    + "show no transfer" : "") + "; a smaller --rank makes them share");
        }
        o.flush();

        boolean parallel = backend.concurrency() > 1;
        int total = perSeed * seeds;
        int[] done = {0};
        List<SeedResult> results = new ArrayList<>();
        List<String> metricNames = first.stream().map(t -> t.loss().metricName()).toList();
        List<Boolean> higher = first.stream().map(t -> t.loss().higherIsBetter()).toList();
        long t0 = System.nanoTime();
        Thread note = Outputs.interruptedNote(e, done, total, json);
        try {
            for (int s = 0; s < seeds; s++) {
                long seed = data.seed + s;
                List<PreparedTask> tasks;
                if (s == 0) {
                    tasks = first;
                } else {
                    tasks = data.prepareForSeed(suite, prep0, seed).tasks();
                    TrainCommand.addNewSplitWarnings(tasks, seed, said, warnings);
                }
                first = null;
                TrainConfig tc = fit.trainConfig(seed);
                if (parallel) {
                    tc = tc.withProgress(false);
                }
                ExperimentConfig cfg = new ExperimentConfig(r, activation, !fit.noBias, tc,
                        ExperimentConfig.AlignMode.NONE, null, 0, energy, true);
                PairwiseTransfer.Result res = new PairwiseTransfer(backend, cfg).logEpochs(m -> {
                    synchronized (done) {
                        if (!Outputs.stopped(done)) {
                            e.printf(Locale.ROOT, "  .. seed %d, %s%n", seed, m);
                            e.flush();
                        }
                    }
                }).run(tasks, targets, what -> {
                    synchronized (done) {
                        done[0]++;
                        if (!Outputs.stopped(done)) {
                            e.printf(Locale.ROOT, "  [%d/%d] seed %d, %s%s%n", done[0], total, seed, what,
                                    remaining(System.nanoTime() - t0, done[0], total));
                            e.flush();
                        }
                    }
                });
                double[][] tr = new double[k][k];
                int[][] sg = new int[k][k];
                boolean[][] chance = new boolean[k][k];
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        boolean measured = i != j && targets[i];
                        tr[i][j] = measured ? res.transfer(i, j) : Double.NaN; // NaN after a divergence
                        sg[i][j] = measured ? PairwiseTransfer.transferSign(tr[i][j], res.stlMetric(i), res.pairMetric(i, j)) : 0;
                        // Only the baseline: a task that learns nothing in a pair lost the shared module to its
                        // partner, which is the pair's (negative) transfer, not a failed measurement.
                        chance[i][j] = measured && res.stl()[i].noBetterThanPrior(0);
                    }
                }
                results.add(new SeedResult(seed, res.stl(), res.pairs(), res.similarity(), tr, sg, chance));
            }
        } finally {
            Outputs.keepNoteForJson(note, json);
        }
        suite = null;
        double seconds = (System.nanoTime() - t0) / 1e9;

        // Aggregates over seeds: a run that diverged has no metric and is left out.
        double[] stlMean = new double[k];
        double[] stlSd = new double[k];
        int[] stlN = new int[k];
        double[][] tMean = new double[k][k];
        double[][] tSd = new double[k][k];
        int[][] tN = new int[k][k];
        double[][] simMean = new double[k][k];
        int[][] agree = new int[k][k]; // +1 / -1: the same sign in every seed that measured it (two or more); else 0
        boolean[][] anyChance = new boolean[k][k];
        for (int i = 0; i < k; i++) {
            int ii = i;
            double[] v = results.stream().mapToDouble(x -> x.stl()[ii] == null ? Double.NaN : x.stl()[ii].test()[0])
                    .toArray();
            stlMean[i] = Stats.mean(v); // over the seeds that did not diverge (NaN)
            stlSd[i] = Stats.std(v);
            stlN[i] = Stats.count(v);
            for (int j = 0; j < k; j++) {
                int jj = j;
                double[] t = results.stream().mapToDouble(x -> x.transfer()[ii][jj]).toArray();
                tMean[i][j] = Stats.mean(t);
                tSd[i][j] = Stats.std(t);
                tN[i][j] = Stats.count(t);
                simMean[i][j] = SweepCommand.mean(results.stream().mapToDouble(x -> x.similarity()[ii][jj]).toArray());
                boolean allPos = true;
                boolean allNeg = true;
                for (SeedResult x : results) {
                    anyChance[i][j] |= x.chance()[i][j];
                    if (!Double.isNaN(x.transfer()[i][j])) {
                        allPos &= x.sign()[i][j] > 0;
                        allNeg &= x.sign()[i][j] < 0;
                    }
                }
                agree[i][j] = i == j || !targets[i] || tN[i][j] < Math.min(2, seeds) ? 0 : allPos ? 1 : allNeg ? -1 : 0;
            }
        }
        List<String> diverged = new ArrayList<>();
        List<String> collapsed = new ArrayList<>(); // STL baselines no better than the prior
        int lateRuns = 0;
        List<String> neverImproved = new ArrayList<>(); // best epoch 0: the metrics are the initialisation's
        boolean neverImprovedStopped = false; // ... of which some ended by early stopping, some by the cap
        // Pairs in which neither task learned though a target learned alone: a failed training, not a
        // partner that took the shared module (which leaves the partner learning).
        List<String> neitherLearned = new ArrayList<>();
        boolean neverImprovedAtCap = false;
        List<String> restartFixed = new ArrayList<>();
        List<String> restartNotFixed = new ArrayList<>();
        for (SeedResult x : results) {
            for (int i = 0; i < k; i++) {
                if (x.stl()[i] != null) {
                    restarted(x.stl()[i], "STL " + names.get(i) + ", seed " + x.seed(), restartFixed, restartNotFixed);
                    lateRuns += x.stl()[i].stillImproving() ? 1 : 0;
                    if (x.stl()[i].neverImproved()) {
                        neverImproved.add("STL " + names.get(i) + ", seed " + x.seed());
                        neverImprovedStopped |= x.stl()[i].epochsRun() < base.epochs();
                        neverImprovedAtCap |= x.stl()[i].epochsRun() >= base.epochs();
                    }
                    if (x.stl()[i].diverged() != null) {
                        diverged.add("STL " + names.get(i) + ", seed " + x.seed());
                    } else if (x.stl()[i].noBetterThanPrior(0)) {
                        collapsed.add(chanceLine("STL " + names.get(i), x.seed(), x.stl()[i], 0));
                    }
                }
                for (int j = i + 1; j < k; j++) {
                    PairwiseTransfer.Run p = x.pairs()[i][j];
                    if (p != null) {
                        restarted(p, names.get(i) + " + " + names.get(j) + ", seed " + x.seed(), restartFixed,
                                restartNotFixed);
                        lateRuns += p.stillImproving() ? 1 : 0;
                        boolean learnedAlone = x.stl()[i] != null && !x.stl()[i].noBetterThanPrior(0)
                                || x.stl()[j] != null && !x.stl()[j].noBetterThanPrior(0);
                        if (!p.neverImproved() && p.noBetterThanPrior(0) && p.noBetterThanPrior(1) && learnedAlone) {
                            neitherLearned.add(names.get(i) + " + " + names.get(j) + ", seed " + x.seed());
                        }
                        if (p.neverImproved()) {
                            neverImproved.add(names.get(i) + " + " + names.get(j) + ", seed " + x.seed());
                            neverImprovedStopped |= p.epochsRun() < base.epochs();
                            neverImprovedAtCap |= p.epochsRun() >= base.epochs();
                        }
                        if (p.diverged() != null) {
                            diverged.add(names.get(i) + " + " + names.get(j) + ", seed " + x.seed());
                        }
                    }
                }
            }
        }

        String over = seeds > 1 ? "mean " + SweepCommand.PM + " sd over seeds " + SweepCommand.seedList(data.seed, seeds)
                : "seed " + data.seed;
        o.println();
        o.printf(Locale.ROOT, "single-task baselines at r = %d (test metric, %s)%n", r, over);
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            if (targets[i]) {
                rows.add(List.of(names.get(i), Loss.metricLabel(metricNames.get(i)),
                        SweepCommand.pm(stlMean[i], stlSd[i], stlN[i]) + (stlN[i] < seeds ? " (" + stlN[i] + " of "
                                + seeds + " seeds)" : "")));
            }
        }
        Tables.print(o, List.of("task", "metric", "STL"), rows);

        o.println();
        o.printf(Locale.ROOT, "transfer to each task (row) from training it with one other task (column): the pair's test "
                + "metric minus the task's STL metric, positive = the partner helps (%s%s)%n",
                seeds > 1 ? "mean over seeds " + SweepCommand.seedList(data.seed, seeds) : "seed " + data.seed,
                seeds > 1 ? "; * = the same sign in every seed, which a cell without a real effect also shows 1 time in "
                        + SweepCommand.oneIn(seeds) + "; (n) = measured in n seeds only" : "");
        List<String> header = new ArrayList<>();
        header.add("target \\ partner");
        for (int j = 0; j < k; j++) {
            header.add(String.valueOf(j));
        }
        rows = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            if (!targets[i]) {
                continue;
            }
            List<String> row = new ArrayList<>();
            row.add(i + " " + Tables.shortName(names.get(i), Tables.MATRIX_NAME) + " ("
                    + Loss.metricLabel(metricNames.get(i)) + ")");
            for (int j = 0; j < k; j++) {
                if (i == j) {
                    row.add(".");
                } else {
                    row.add(Tables.signed(tMean[i][j], stlMean[i]) + (tN[i][j] < seeds && tN[i][j] > 0 ? "(" + tN[i][j] + ")" : "")
                            + (anyChance[i][j] ? "!" : "") + (seeds > 1 && agree[i][j] != 0 ? "*" : ""));
                }
            }
            rows.add(row);
        }
        Tables.printWrapped(o, header, rows);
        if (!collapsed.isEmpty()) {
            o.println("! = in some seed the task's STL baseline learned nothing from the inputs (see the warning): the "
                    + "transfer is measured against a failed baseline");
        }
        if (nTargets < k) {
            StringBuilder b = new StringBuilder("partners: ");
            for (int j = 0; j < k; j++) {
                b.append(j == 0 ? "" : ", ").append(j).append(' ').append(names.get(j));
            }
            o.println(b);
        }

        // The consistent ones, best first.
        List<int[]> helps = new ArrayList<>();
        List<int[]> hurts = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if (seeds > 1 ? agree[i][j] > 0 : targets[i] && i != j && results.get(0).sign()[i][j] > 0) {
                    helps.add(new int[] {i, j});
                } else if (seeds > 1 ? agree[i][j] < 0 : targets[i] && i != j && results.get(0).sign()[i][j] < 0) {
                    hurts.add(new int[] {i, j});
                }
            }
        }
        helps.sort(Comparator.comparingDouble(p -> -tMean[p[0]][p[1]]));
        hurts.sort(Comparator.comparingDouble(p -> tMean[p[0]][p[1]]));
        String every = seeds > 1 ? " in every seed" : " (one seed: may be noise; --seeds 3 or more says)";
        o.println();
        o.println(helps.isEmpty() ? "no partner helped a task" + every : "helped" + every + ":");
        printList(o, helps, (i, j) -> pairLine(i, j, names, metricNames, tMean, tSd, tN, stlMean, simMean, seeds, anyChance));
        o.println(hurts.isEmpty() ? "no partner hurt a task" + every : "hurt" + every + ":");
        printList(o, hurts, (i, j) -> pairLine(i, j, names, metricNames, tMean, tSd, tN, stlMean, simMean, seeds, anyChance));
        if (seeds > 1 && !(helps.isEmpty() && hurts.isEmpty())) {
            // Each cell's chance is in the table's header; over many cells some agree by chance alone.
            // A cell that printed as 0 in some seed (both AUC 1) cannot be listed.
            int[][] cells = new int[k][k];
            int unsigned = 0;
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    boolean anyZero = false;
                    for (SeedResult x : results) {
                        anyZero |= !Double.isNaN(x.transfer()[i][j]) && x.sign()[i][j] == 0;
                    }
                    boolean counted = targets[i] && i != j;
                    cells[i][j] = counted && !anyZero ? tN[i][j] : 0;
                    unsigned += counted && anyZero && tN[i][j] >= 2 ? 1 : 0;
                }
            }
            String chance = TrainSeeds.byChance(cells, unsigned > 0 ? "cells with a sign in every seed" : "cells");
            if (!chance.isEmpty()) {
                o.println("(" + chance.replace("marked so", "listed here") + ")");
            }
        }

        o.println();
        Tables.matrix(o, "covariance similarity of the training inputs (eq. 5, energy " + energy
                + (seeds > 1 ? ", mean over seeds" : "") + "; compare pairs with each other, not with 1)", names, simMean);

        // Similarity as a predictor: over pairs, the pair's transfer (mean of its measured directions).
        double spearman = Double.NaN;
        int nPairs = 0;
        int unmeasuredPairs = 0;
        String spearmanWhy = null;
        String flatSimilarity = null;
        SpearmanChance spearmanChance = null;
        Set<String> targetMetrics = new LinkedHashSet<>();
        for (int i = 0; i < k; i++) {
            if (targets[i]) {
                targetMetrics.add(metricNames.get(i));
            }
        }
        if (targetMetrics.size() > 1) {
            // Which targets have which metric, and the --target that computes it for the largest
            // group: "(auc, accuracy)" alone left the user to find the tasks behind each.
            java.util.Map<String, List<String>> byMetric = new java.util.LinkedHashMap<>();
            for (int i = 0; i < k; i++) {
                if (targets[i]) {
                    byMetric.computeIfAbsent(metricNames.get(i), x -> new ArrayList<>()).add(names.get(i));
                }
            }
            List<String> groups = new ArrayList<>();
            List<String> largest = List.of();
            for (var metricTasks : byMetric.entrySet()) {
                List<String> g = metricTasks.getValue();
                groups.add(Loss.metricLabel(metricTasks.getKey()) + ": " + (g.size() <= 4 ? String.join(", ", g)
                        : String.join(", ", g.subList(0, 3)) + " and " + (g.size() - 3) + " more"));
                if (g.size() > largest.size()) {
                    largest = g;
                }
            }
            spearmanWhy = "the targets' metrics differ (" + String.join("; ", groups) + ")"
                    + (largest.size() >= 2 ? "; --target " + String.join(",", largest) + " ranks the pairs of the "
                            + "tasks of one metric" : "");
        } else {
            List<double[]> pts = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                for (int j = i + 1; j < k; j++) {
                    if (!targets[i] && !targets[j]) {
                        continue;
                    }
                    // The measured directions only: a target whose metric is undefined in every seed
                    // (one test class) or whose pair diverged in every seed leaves the other direction.
                    double sum = 0;
                    int n = 0;
                    if (targets[i] && Double.isFinite(tMean[i][j])) {
                        sum += tMean[i][j];
                        n++;
                    }
                    if (targets[j] && Double.isFinite(tMean[j][i])) {
                        sum += tMean[j][i];
                        n++;
                    }
                    if (n > 0 && Double.isFinite(simMean[i][j])) {
                        pts.add(new double[] {simMean[i][j], sum / n, i, j});
                    } else {
                        unmeasuredPairs++;
                    }
                }
            }
            nPairs = pts.size();
            if (nPairs < 3) {
                spearmanWhy = "fewer than 3 pairs" + (unmeasuredPairs > 0 ? " with a measured transfer ("
                        + unmeasuredPairs + " without: diverged trainings or an undefined metric)" : "");
            } else {
                spearman = Stats.spearman(pts.stream().mapToDouble(p -> p[0]).toArray(),
                        pts.stream().mapToDouble(p -> p[1]).toArray());
                if (Double.isNaN(spearman)) {
                    spearmanWhy = "the transfers or the similarities are all equal";
                }
                double lo = pts.stream().mapToDouble(p -> p[0]).min().orElse(0);
                double hi = pts.stream().mapToDouble(p -> p[0]).max().orElse(0);
                if (spearmanWhy == null && CovarianceSimilarity.indistinct(lo, hi)) {
                    flatSimilarity = CovarianceSimilarity.spread(lo, hi) + ", so this correlation ranks noise";
                }
                if (spearmanWhy == null) {
                    spearmanChance = SpearmanChance.of(simMean, pts.stream().map(p -> new int[] {(int) p[2], (int) p[3]})
                            .toArray(int[][]::new), pts.stream().mapToDouble(p -> p[1]).toArray(), data.seed);
                }
            }
        }
        o.println();
        if (spearmanWhy == null) {
            o.printf(Locale.ROOT, "similarity vs transfer: Spearman %+.2f over %d pairs (a pair's transfer is the mean of "
                    + "the transfers into its target tasks%s); positive means more similar inputs went with more "
                    + "transfer, as the paper predicts%n", spearman, nPairs,
                    unmeasuredPairs == 0 ? "" : "; " + unmeasuredPairs + " pair" + (unmeasuredPairs == 1 ? "" : "s")
                            + " without a measured transfer left out");
            if (flatSimilarity != null) {
                o.println("note: " + flatSimilarity);
            } else {
                o.println("note: " + (spearmanChance == null ? spearmanByChance(nPairs)
                        : spearmanChance.describe(nPairs, spearman)));
            }
        } else {
            o.println("similarity vs transfer: not computed: " + spearmanWhy);
        }
        for (String restartNote : TrainCommand.restartNotes(restartFixed, restartNotFixed, total)) {
            o.println("note: " + restartNote);
        }
        o.printf(Locale.ROOT, "done in %.1f s%n", seconds);
        if (lateRuns > 0) {
            warnings.add(lateRuns + " of " + total + " trainings ran all --epochs " + base.epochs() + " and were still "
                    + "improving: the transfers are measured at an epoch budget, not converged; raise --epochs");
        }
        if (!neverImproved.isEmpty()) {
            int shown = Math.min(6, neverImproved.size());
            warnings.add(neverImproved.size() + " of " + total + " trainings never improved the validation loss of "
                    + "their starting point (best epoch 0: " + String.join("; ", neverImproved.subList(0, shown))
                    + (shown < neverImproved.size() ? "; and " + (neverImproved.size() - shown) + " more" : "")
                    + "), so their metrics are those of the initialisation and the transfers involving them say "
                    + "little; " + TrainCommand.neverImprovedAdvice(neverImprovedAtCap, neverImprovedStopped,
                            base.patience()));
        }
        if (!neitherLearned.isEmpty()) {
            int shown = Math.min(6, neitherLearned.size());
            warnings.add(neitherLearned.size() + " of " + total + " trainings learned nothing for either task of their "
                    + "pair (each no better than predicting its training labels' mean or class rates), though a target "
                    + "of the pair learned alone at r = " + r + " in that seed (" + String.join("; ", neitherLearned.subList(0, shown))
                    + (shown < neitherLearned.size() ? "; and " + (neitherLearned.size() - shown) + " more" : "")
                    + "): neither task took the shared module, the training failed (" + failureCauses(activation, few)
                    + "), so the transfers they "
                    + "give measure that failure, not the partner; compare more --seeds"
                    + (activation == Activation.RELU ? ", a wider --rank or --activation identity" : " or another --lr"));
        }
        if (!collapsed.isEmpty()) {
            warnings.add(collapsed.size() + " STL baseline" + (collapsed.size() == 1 ? " was" : "s were") + " no better than "
                    + "predicting the training labels' mean or class rates, i.e. learned nothing from the inputs ("
                    + String.join("; ", collapsed) + "): either the task has no signal at r = " + r + ", or the training "
                    + "stopped before it learned (a task with few rows takes few steps per epoch, and --patience "
                    + base.patience() + " epochs may end it on the plateau it starts on: raise --patience)"
                    + (activation == Activation.RELU ? " or its ReLU units all died (a wider --rank makes that rarer)" : "")
                    + "; transfers marked ! are measured against such a baseline");
        }
        if (!diverged.isEmpty()) {
            warnings.add(diverged.size() + " of " + total + " trainings diverged (" + String.join("; ", diverged)
                    + "); those seeds are left out of the means: try a smaller --lr");
        }

        if (json != null) {
            JsonObject root = new JsonObject();
            root.add("provenance", Outputs.provenance(backend, argv));
            root.addProperty("suite", suiteName);
            JsonObject config = new JsonObject();
            config.add("train", SweepCommand.trainJson(base));
            config.addProperty("activation", activation.cliName());
            config.addProperty("bias", !fit.noBias);
            config.addProperty("energy", energy);
            config.add("data", ModelIO.gson().toJsonTree(prep0));
            config.addProperty("loss_option", data.loss);
            config.addProperty("sampling_option", fit.sampling);
            root.add("config", config);
            root.addProperty("rank", r);
            root.addProperty("rank_source", rank != null ? "--rank" : "largest output count");
            JsonArray seedArr = new JsonArray();
            results.forEach(x -> seedArr.add(x.seed()));
            root.add("seeds", seedArr);
            JsonArray nameArr = new JsonArray();
            names.forEach(nameArr::add);
            root.add("task_names", nameArr);
            JsonArray metricArr = new JsonArray();
            metricNames.forEach(metricArr::add);
            root.add("task_metrics", metricArr);
            JsonArray targetArr = new JsonArray();
            for (int i = 0; i < k; i++) {
                if (targets[i]) {
                    targetArr.add(names.get(i));
                }
            }
            root.add("targets", targetArr);
            JsonArray stlArr = new JsonArray();
            for (int i = 0; i < k; i++) {
                if (!targets[i]) {
                    continue;
                }
                JsonObject st = new JsonObject();
                st.addProperty("task", names.get(i));
                st.add("test_mean", SweepCommand.num(stlMean[i]));
                st.add("test_sd", stlN[i] > 1 ? SweepCommand.num(stlSd[i]) : JsonNull.INSTANCE);
                st.addProperty("seeds_measured", stlN[i]);
                JsonArray runs = new JsonArray();
                for (SeedResult x : results) {
                    runs.add(runJson(x.seed(), x.stl()[i]));
                }
                st.add("runs", runs);
                stlArr.add(st);
            }
            root.add("stl", stlArr);
            JsonArray pairArr = new JsonArray();
            for (int i = 0; i < k; i++) {
                for (int j = i + 1; j < k; j++) {
                    if (!targets[i] && !targets[j]) {
                        continue;
                    }
                    JsonObject p = new JsonObject();
                    JsonArray two = new JsonArray();
                    two.add(names.get(i));
                    two.add(names.get(j));
                    p.add("tasks", two);
                    p.add("similarity_mean", SweepCommand.num(simMean[i][j]));
                    JsonArray runs = new JsonArray();
                    for (SeedResult x : results) {
                        JsonObject run = runJson(x.seed(), x.pairs()[i][j]);
                        run.add("similarity", SweepCommand.num(x.similarity()[i][j]));
                        runs.add(run);
                    }
                    p.add("runs", runs);
                    JsonObject tr = new JsonObject();
                    for (int[] dir : new int[][] {{i, j}, {j, i}}) {
                        int a = dir[0];
                        int b = dir[1];
                        if (!targets[a]) {
                            continue;
                        }
                        JsonObject t = new JsonObject();
                        t.add("mean", SweepCommand.num(tMean[a][b]));
                        t.add("sd", tN[a][b] > 1 ? SweepCommand.num(tSd[a][b]) : JsonNull.INSTANCE);
                        t.addProperty("seeds_measured", tN[a][b]);
                        JsonArray per = new JsonArray();
                        for (SeedResult x : results) {
                            per.add(SweepCommand.num(x.transfer()[a][b]));
                        }
                        t.add("runs", per);
                        t.add("same_sign_every_seed", seeds < 2 || agree[a][b] == 0 ? JsonNull.INSTANCE
                                : new JsonPrimitive(agree[a][b] > 0 ? "positive" : "negative"));
                        tr.add(names.get(a), t);
                    }
                    p.add("transfer_to", tr);
                    pairArr.add(p);
                }
            }
            root.add("pairs", pairArr);
            root.add("transfer_mean", matrixJson(tMean));
            root.add("similarity_mean", matrixJson(simMean));
            JsonObject sp = new JsonObject();
            sp.add("spearman", SweepCommand.num(spearman));
            sp.addProperty("pairs", nPairs);
            sp.add("not_computed", spearmanWhy == null ? JsonNull.INSTANCE : new JsonPrimitive(spearmanWhy));
            sp.add("note", flatSimilarity == null ? JsonNull.INSTANCE : new JsonPrimitive(flatSimilarity));
            sp.add("chance", spearmanChance == null ? JsonNull.INSTANCE : chanceJson(spearmanChance));
            root.add("similarity_vs_transfer", sp);
            root.addProperty("seconds", seconds);
            root.add("warnings", warnings.json());
            Outputs.writeJson(json, ModelIO.toJson(root), stdout, o, "");
            Outputs.endInterruptedNote(note);
        }
        if (!diverged.isEmpty()) {
            throw new TrainingDivergedException(diverged.size() + " of " + total + " trainings diverged (see the "
                    + "warning above); the other results were reported" + (json != null ? " and written" : ""),
                    0, 0, Double.NaN);
        }
        return 0;
    }

    /**
     * Why a pair's training learned nothing for either task, as far as the run can tell; {@code few}
     * is {@link TrainCommand#fewerRowsThanInputs}'s. Measured: pairs of 120-row tasks at d = 300
     * were said to have failed on "a plateau", while pooled least squares agreed that the pair
     * overfits (test MSE 2.0 against 0.7 alone).
     */
    static String failureCauses(Activation activation, String few) {
        return "a plateau" + (activation == Activation.RELU ? ", or ReLU units that died" : "")
                + (few != null ? ", or overfitting: " + few + " no more training rows than inputs, so a pair's model "
                        + "fits noise of both tasks" : "");
    }

    private boolean[] targets(List<String> names) {
        boolean[] t = new boolean[names.size()];
        if (targetNames == null || targetNames.isEmpty()) {
            java.util.Arrays.fill(t, true);
            return t;
        }
        for (String value : targetNames) {
            String[] parts = names.contains(value.trim()) ? new String[] {value} : value.split(",", -1);
            for (String raw : parts) {
                String n = raw.trim();
                int i = names.indexOf(n);
                if (i < 0) {
                    boolean commaNames = parts.length > 1 && names.stream().anyMatch(x -> x.contains(","));
                    throw new UserInputException("--target: no task named '" + n + "' (tasks: " + String.join(", ", names)
                            + ")" + (commaNames ? "; a task whose name holds ',' is given alone, as in --target 'a,b' "
                            + "--target c" : ""));
                }
                t[i] = true;
            }
        }
        return t;
    }

    /**
     * How large a Spearman correlation over n pairs unrelated scores give: a bare "+0.50, as the
     * paper predicts" over 3 pairs is what noise gives 1 time in 3. The one-sided 5% level for
     * independent pairs (rho sqrt(n - 1) ~ N(0, 1)); over 3 pairs, where that
     * level exceeds 1, the exact chance of +1.00 (1 of the 3! orders). Only where a similarity is not
     * finite, so the tasks cannot be relabelled ({@link SpearmanChance}); it assumes independent pairs.
     */
    static String spearmanByChance(int n) {
        if (n <= 3) {
            return "over 3 pairs, scores unrelated to the transfers give +1.00 1 time in 6 (and -1.00 as often)";
        }
        return String.format(Locale.ROOT, "over %d pairs, scores unrelated to the transfers reach %+.2f or more about "
                + "1 time in 20 (and %+.2f or less as often; approximate, as pairs that share a task are not "
                + "independent)", n, Math.min(1, 1.645 / Math.sqrt(n - 1)), -Math.min(1, 1.645 / Math.sqrt(n - 1)));
    }

    /**
     * The JSON of a chance level ({@link SpearmanChance}): {@code orders}, {@code all_orders}, the
     * two levels and the share of the relabellings at or above the observed rho.
     */
    static JsonObject chanceJson(SpearmanChance chance) {
        JsonObject c = new JsonObject();
        c.addProperty("orders", chance.orders());
        c.addProperty("all_orders", chance.all());
        c.add("level_upper", SweepCommand.num(chance.upper()));
        c.add("level_lower", SweepCommand.num(chance.lower()));
        c.addProperty("share_at_or_above", chance.atOrAbove());
        return c;
    }

    private static String pairLine(int i, int j, List<String> names, List<String> metrics, double[][] tMean,
                                   double[][] tSd, int[][] tN, double[] stlMean, double[][] sim, int seeds,
                                   boolean[][] chance) {
        String v = Tables.signed(tMean[i][j], stlMean[i]);
        if (tN[i][j] > 1) {
            v += " " + SweepCommand.PM + " " + Tables.num(tSd[i][j]);
        }
        // The table's (n) and ! marks, spelled out: the lists are read without the table.
        String notes = (tN[i][j] < seeds ? "; measured in " + tN[i][j] + " of " + seeds + " seeds" : "")
                + (chance[i][j] ? "; ! against an STL baseline that learned nothing in some seed" : "");
        return String.format(Locale.ROOT, "%s <- %s: %s %s (similarity %.3f%s)", names.get(i), names.get(j), v,
                Loss.metricLabel(metrics.get(i)), sim[i][j], notes);
    }

    /**
     * The pairs in order (the largest transfer first), each line from {@code line}; a long list (65
     * lines on digits-ovr at r = 1) stops after {@link #LIST_LINES} and counts the rest, which the
     * table and the JSON have.
     */
    private static void printList(PrintWriter o, List<int[]> pairs, java.util.function.BiFunction<Integer, Integer, String> line) {
        for (int n = 0; n < pairs.size(); n++) {
            if (n == LIST_LINES && pairs.size() > LIST_LINES + 1) {
                o.println("  ... and " + (pairs.size() - n) + " more (the table above and --json have every pair)");
                return;
            }
            o.println("  " + line.apply(pairs.get(n)[0], pairs.get(n)[1]));
        }
    }

    /**
     * ", about 3 min left": the elapsed time per finished training times the trainings left, once a
     * tenth of them, or a minute's worth, have finished (at least 3) and the rest would take 20 s or
     * more; else "". A tenth alone came late on the runs that need it most: 60 tasks make 5490
     * trainings, and at --epochs 400 --patience 400 (d = 256) the first time left was due after
     * 549 of them, near 4 minutes into a 35-minute run, with none said before.
     */
    static String remaining(long elapsedNanos, int done, int total) {
        if (done < 3 || done >= total || (done < total / 10 && elapsedNanos < 60_000_000_000L)) {
            return "";
        }
        double left = elapsedNanos / 1e9 / done * (total - done);
        if (left < 20) {
            return "";
        }
        return left < 120 ? String.format(Locale.ROOT, ", about %.0f s left", left)
                : left < 7200 ? String.format(Locale.ROOT, ", about %.0f min left", left / 60)
                : String.format(Locale.ROOT, ", about %.1f h left", left / 3600);
    }

    private static void restarted(PairwiseTransfer.Run r, String name, List<String> fixed, List<String> notFixed) {
        if (r.restarts() > 0) {
            (r.restartKept() ? fixed : notFixed).add(name + ": " + r.restartReason());
        }
    }

    private static String chanceLine(String run, long seed, PairwiseTransfer.Run r, int t) {
        return String.format(Locale.ROOT, "%s, seed %d: validation loss %.4g, not 1%% below the constant's %.4g", run, seed, r.taskLoss()[t],
                r.priorLoss()[t]);
    }

    private static JsonObject runJson(long seed, PairwiseTransfer.Run r) {
        JsonObject run = new JsonObject();
        run.addProperty("seed", seed);
        JsonArray tests = new JsonArray();
        for (double v : r.test()) {
            tests.add(SweepCommand.num(v));
        }
        run.add("test", tests);
        run.add("validation_loss", SweepCommand.num(r.validationLoss()));
        run.addProperty("epochs_run", r.epochsRun());
        run.addProperty("best_epoch", r.bestEpoch());
        run.addProperty("still_improving_at_cap", r.stillImproving());
        if (r.diverged() != null) {
            run.addProperty("diverged", r.diverged());
        }
        restartJson(run, r.restarts(), r.restartReason(), r.restartKept());
        JsonArray taskLoss = new JsonArray();
        JsonArray priorLoss = new JsonArray();
        JsonArray chance = new JsonArray();
        JsonArray ranks = new JsonArray();
        for (int t = 0; t < r.test().length; t++) {
            taskLoss.add(SweepCommand.num(r.taskLoss()[t]));
            priorLoss.add(SweepCommand.num(r.priorLoss()[t]));
            chance.add(r.noBetterThanPrior(t));
            ranks.add(r.ranksBeyondChance()[t]);
        }
        run.add("task_loss", taskLoss);
        run.add("prior_loss", priorLoss);
        run.add("ranks_beyond_chance", ranks);
        run.add("no_better_than_prior", chance);
        return run;
    }

    /** restarts, restart_reason and restart_kept of a run (see MtlExperiment.Fresh), as mtl sweep writes them too. */
    static void restartJson(JsonObject run, int restarts, String reason, boolean kept) {
        run.addProperty("restarts", restarts);
        run.add("restart_reason", reason == null ? com.google.gson.JsonNull.INSTANCE : new com.google.gson.JsonPrimitive(reason));
        run.addProperty("restart_kept", kept);
    }

    private static JsonArray matrixJson(double[][] m) {
        JsonArray a = new JsonArray();
        for (double[] row : m) {
            JsonArray r = new JsonArray();
            for (double v : row) {
                r.add(SweepCommand.num(v));
            }
            a.add(r);
        }
        return a;
    }
}
