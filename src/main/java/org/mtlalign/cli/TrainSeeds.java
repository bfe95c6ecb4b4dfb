package org.mtlalign.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.mtlalign.analysis.Capacity;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.experiments.Stats;
import org.mtlalign.model.Loss;
import org.mtlalign.model.ModelIO;
import org.mtlalign.train.ExperimentConfig;
import org.mtlalign.train.ExperimentResult;
import org.mtlalign.train.MtlExperiment;
import org.mtlalign.train.PairwiseTransfer;
import org.mtlalign.train.TaskReport;
import org.mtlalign.train.TrainingDivergedException;

/**
 * {@code mtl train --seeds N}: the comparison of STL, MTL, MTL + alignment and MTL + reweighting
 * repeated over seeds, each with its own split, standardisation, initialisation and sampling (as
 * {@code mtl train --seed s} for each s), reported per task as mean and sd with the differences that
 * answer "does it help": MTL - STL, MTL+align - MTL, MTL+reweight - MTL and MTL+align - STL, marked where every
 * seed agrees in sign. On the demo one seed's differences are a few thousandths either way, which
 * one table cannot tell from noise; the agreement over seeds can.
 */
final class TrainSeeds {
    private TrainSeeds() {
    }

    /** The methods' columns, in TaskReport's order. */
    static final String[] RUNS = {"STL", "MTL", "MTL+align", "MTL+reweight"};
    /** The differences: method index minus base index, signed so that + means the method is better. */
    // align - STL separates what alignment adds from capacity: R_i (d x d) makes R_i B any d x r
    // matrix, so MTL + alignment can fit each task on its own, and a gain over MTL alone may only
    // recover what STL already reaches.
    private static final int[][] DIFFS = {{1, 0}, {2, 1}, {3, 1}, {2, 0}};
    private static final String[] DIFF_NAMES = {"MTL - STL", "align - MTL", "reweight - MTL", "align - STL"};
    private static final String[] DIFF_WHAT = {"MTL against STL", "alignment (Algorithm 1) against MTL",
        "reweighting (Algorithm 2) against MTL", "alignment (Algorithm 1) against STL"};
    /** Why a metric or difference can be missing from some seeds. */
    private static final String WHY_PARTIAL = "a run diverged, or its metric was undefined, such as an AUC on test "
            + "rows of one class";
    private static final String[] DIFF_KEYS = {"mtl_minus_stl", "align_minus_mtl", "reweight_minus_mtl",
        "align_minus_stl"};

    /** One seed's result, or why its MTL run diverged (then result is null). */
    record SeedRun(long seed, ExperimentResult result, String diverged) {
    }

    /** Everything the command has prepared for the first seed, and what it needs for the others. */
    record Setup(PrintWriter out, PrintWriter err, PrintWriter stdout, Warnings warnings, Backend backend,
                 TrainOptions opts, DataOptions data, TaskSuite suite, Preparation.Config prep,
                 List<PreparedTask> firstTasks, int rank, String rankSource, Capacity.Suggestion capacity, int seeds,
                 Path json, JsonObject config, String[] argv, String suiteName, boolean sharedInputs,
                 Consumer<String> log) {
    }

    static int run(Setup s) {
        PrintWriter o = s.out();
        PrintWriter e = s.err();
        List<String> names = s.firstTasks().stream().map(PreparedTask::name).toList();
        List<Boolean> higher = s.firstTasks().stream().map(t -> t.loss().higherIsBetter()).toList();
        List<String> metrics = s.firstTasks().stream().map(t -> t.loss().metricName()).toList();
        int k = names.size();
        List<SeedRun> runs = new ArrayList<>();
        // The data warnings of a later seed are said once: those the first seed's data gave (the
        // same warning with its own numbers, such as a loss scale or a count of rows) are not
        // repeated for every seed.
        Set<String> said = new HashSet<>();
        s.warnings().texts().forEach(w -> said.add(form(w, names)));
        long t0 = System.nanoTime();
        // Stopped from outside (Ctrl-C, SIGTERM), the run says after how many seeds, and that
        // nothing was written; before, it ended on a progress line.
        int[] done = {0};
        Thread note = Outputs.interruptedNote(e, done, s.seeds(), s.json(), "seeds");
        try {
            for (int i = 0; i < s.seeds(); i++) {
                long seed = s.data().seed + i;
                List<PreparedTask> tasks;
                if (i == 0) {
                    tasks = s.firstTasks();
                } else {
                    Preparation.Result p = s.data().prepareForSeed(s.suite(), s.prep(), seed);
                    tasks = p.tasks();
                    List<String> ws = new ArrayList<>(p.warnings());
                    ws.addAll(TrainCommand.splitWarnings(tasks, s.prep()));
                    for (String w : ws) {
                        if (said.add(form(w, names))) {
                            s.warnings().add("seed " + seed + ": " + w);
                        }
                    }
                    List<String> now = tasks.stream().map(PreparedTask::name).toList();
                    if (!now.equals(names)) {
                        // A built-in suite drawn again has the same tasks; anything else is a bug to name.
                        throw new IllegalStateException("seed " + seed + " prepared tasks " + now + ", not " + names);
                    }
                }
                ExperimentConfig cfg = s.opts().experimentConfig(s.rank(), seed);
                long one = System.nanoTime();
                // Each seed's capacity is of its own training rows (another split, or another draw of
                // a built-in suite), as 'mtl train --seed s' reports it; only the first seed's may be
                // the width suggestion already computed.
                MtlExperiment exp = new MtlExperiment(s.backend(), cfg)
                        .alignLearningRateFactor(s.opts().alignLrFactor(tasks.get(0).dim()))
                        .capacity(i == 0 ? s.capacity() : null).log(m -> s.log().accept("seed " + seed + ": " + m));
                try {
                    ExperimentResult res = exp.run(tasks, null);
                    runs.add(new SeedRun(seed, res, null));
                } catch (TrainingDivergedException ex) {
                    runs.add(new SeedRun(seed, null, ex.getMessage()));
                    s.warnings().add("seed " + seed + ": " + ex.getMessage() + "; this seed is left out of the means");
                }
                synchronized (done) {
                    done[0]++;
                    if (Outputs.stopped(done)) {
                        continue;
                    }
                }
                synchronized (e) {
                    e.printf(Locale.ROOT, "  [%d/%d] seed %d: %.1f s%n", i + 1, s.seeds(), seed, (System.nanoTime() - one) / 1e9);
                    e.flush();
                }
            }
        } finally {
            Outputs.keepNoteForJson(note, s.json());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        // metric[run][task][seed]: NaN where the run did not run, diverged or has no test rows.
        int n = runs.size();
        double[][][] metric = new double[RUNS.length][k][n];
        List<String> chance = new ArrayList<>();
        List<String> miscalibrated = new ArrayList<>();
        boolean[][] anyChance = new boolean[RUNS.length][k];
        int trainings = 0;
        List<String> late = new ArrayList<>();
        List<String> divergedRuns = new ArrayList<>();
        // Seeds whose alignment phase never improved on the MTL model: MTL+align is MTL there.
        List<String> alignKeptStart = new ArrayList<>();
        List<String> restartFixed = new ArrayList<>();
        List<String> restartNotFixed = new ArrayList<>();
        for (int x = 0; x < n; x++) {
            SeedRun sr = runs.get(x);
            for (int t = 0; t < k; t++) {
                TaskReport rep = sr.result() == null ? null : sr.result().tasks().get(t);
                double[] v = rep == null ? new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN}
                        : new double[] {rep.stl(), rep.mtl(), rep.mtlAlign(), rep.mtlReweight()};
                for (int run = 0; run < RUNS.length; run++) {
                    metric[run][t][x] = v[run];
                    if (rep != null && rep.noBetterThanPrior().contains(RUNS[run])) {
                        anyChance[run][t] = true;
                        chance.add("seed " + sr.seed() + " " + RUNS[run] + " " + names.get(t));
                    }
                    if (rep != null && rep.miscalibrated().contains(RUNS[run])) {
                        miscalibrated.add("seed " + sr.seed() + " " + RUNS[run] + " " + names.get(t));
                    }
                }
            }
            if (sr.result() != null) {
                for (ExperimentResult.Training tr : sr.result().trainings()) {
                    trainings++;
                    if (tr.diverged() != null) {
                        divergedRuns.add("seed " + sr.seed() + " " + tr.run());
                    } else if (tr.stillImproving()) {
                        late.add("seed " + sr.seed() + " " + tr.run());
                    }
                    if (tr.restarts() > 0) {
                        (tr.restartKept() ? restartFixed : restartNotFixed).add("seed " + sr.seed() + " " + tr.run() + ": "
                                + tr.restartReason());
                    }
                    if (tr.diverged() == null && tr.run().equals("MTL+align") && tr.bestEpoch() == 0) {
                        alignKeptStart.add(Long.toString(sr.seed()));
                    }
                }
            }
        }
        // diff[d][task][seed] and the agreement of its signs over the seeds that measured it.
        double[][][] diff = new double[DIFFS.length][k][n];
        int[][] agree = new int[DIFFS.length][k];
        int[][] measured = new int[DIFFS.length][k];
        int[][] signed = new int[DIFFS.length][k]; // measured, where every seed gave it a sign (else 0: never marked)
        int unsigned = 0;
        for (int d = 0; d < DIFFS.length; d++) {
            for (int t = 0; t < k; t++) {
                boolean allPos = true;
                boolean allNeg = true;
                boolean anyZero = false;
                for (int x = 0; x < n; x++) {
                    double a = metric[DIFFS[d][1]][t][x];
                    double b = metric[DIFFS[d][0]][t][x];
                    double v = PairwiseTransfer.signedTransfer(higher.get(t), a, b);
                    diff[d][t][x] = v;
                    if (!Double.isNaN(v)) {
                        measured[d][t]++;
                        int sign = PairwiseTransfer.transferSign(v, a, b);
                        allPos &= sign > 0;
                        allNeg &= sign < 0;
                        anyZero |= sign == 0;
                    }
                }
                agree[d][t] = measured[d][t] < 2 ? 0 : allPos ? 1 : allNeg ? -1 : 0;
                signed[d][t] = anyZero ? 0 : measured[d][t];
                unsigned += anyZero && measured[d][t] >= 2 ? 1 : 0;
            }
        }

        o.println();
        o.printf(Locale.ROOT, "test metric per task, mean %s sd over seeds %s%n", SweepCommand.PM,
                SweepCommand.seedList(s.data().seed, s.seeds()));
        List<List<String>> rows = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            List<String> row = new ArrayList<>(List.of(names.get(t), Loss.metricLabel(metrics.get(t))));
            for (int run = 0; run < RUNS.length; run++) {
                row.add(meanSd(metric[run][t], s.seeds()) + (anyChance[run][t] ? "!" : ""));
            }
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("task", "metric"));
        header.addAll(List.of(RUNS));
        Tables.print(o, header, rows);
        printSecondary(o, runs, names, s.seeds());
        boolean partial = false;  // a cell measured in only some of the seeds
        for (int t = 0; t < k; t++) {
            for (int run = 0; run < RUNS.length; run++) {
                int c = Stats.count(metric[run][t]);
                partial |= c > 0 && c < s.seeds();
            }
        }
        int mostMeasured = 0;
        for (int[] md : measured) {
            for (int c : md) {
                mostMeasured = Math.max(mostMeasured, c);
                partial |= c > 0 && c < s.seeds();
            }
        }
        o.println();
        if (mostMeasured == 0) {
            o.println("differences: none measured (each needs MTL's test metric and STL's, MTL+align's or "
                    + "MTL+reweight's in the same seed: test rows, and not all of --no-stl, --align none and "
                    + "--reweight none)");
            if (partial) {
                o.printf(Locale.ROOT, "(n) = measured in only n of the %d seeds (%s)%n", s.seeds(), WHY_PARTIAL);
            }
        } else {
            o.println("differences, signed so + means the first is better (* = the same sign in every seed that "
                    + "measured it, two at least)");
            rows = new ArrayList<>();
            for (int t = 0; t < k; t++) {
                List<String> row = new ArrayList<>(List.of(names.get(t)));
                double scale = Math.abs(Stats.mean(metric[0][t])) > 0 ? Stats.mean(metric[0][t])
                        : Stats.mean(metric[1][t]);
                for (int d = 0; d < DIFFS.length; d++) {
                    double[] v = diff[d][t];
                    String cell = Tables.signed(Stats.mean(v), scale);
                    if (measured[d][t] > 1) {
                        cell += " " + SweepCommand.PM + " " + sd(Stats.std(v), cell);
                    }
                    if (measured[d][t] > 0 && measured[d][t] < s.seeds()) {
                        cell += " (" + measured[d][t] + ")";
                    }
                    row.add(cell + (agree[d][t] != 0 ? " *" : ""));
                }
                rows.add(row);
            }
            List<String> dh = new ArrayList<>(List.of("task"));
            dh.addAll(List.of(DIFF_NAMES));
            Tables.print(o, dh, rows);
            // A difference that prints as 0 in some seed (alignment that kept the MTL model) cannot be marked.
            String byChance = byChance(signed, unsigned > 0 ? "differences with a sign in every seed" : "differences");
            o.printf(Locale.ROOT, "a difference with no real effect has the same sign in all %d seeds by chance 1 time "
                    + "in %s%s%s%n", s.seeds(), SweepCommand.oneIn(s.seeds()), partial
                    ? "; (n) = measured in only n of them (" + WHY_PARTIAL + "), 1 time in 2^(n-1)" : "",
                    byChance.isEmpty() ? "" : "; " + byChance);
        }
        o.println();
        for (int d = 0; d < DIFFS.length; d++) {
            List<String> helped = new ArrayList<>();
            List<String> hurt = new ArrayList<>();
            for (int t = 0; t < k; t++) {
                // A verdict on a mean the table marks '!' carries the mark: "better in every seed" for a
                // coin-flip task (MTL 0.517 against STL 0.495 AUC, every model of it '!') read as a finding.
                boolean noBetter = anyChance[DIFFS[d][0]][t] || anyChance[DIFFS[d][1]][t];
                (agree[d][t] > 0 ? helped : agree[d][t] < 0 ? hurt : new ArrayList<String>())
                        .add(names.get(t) + (noBetter ? "!" : ""));
            }
            boolean any = false;
            for (int t = 0; t < k; t++) {
                any |= measured[d][t] > 0;
            }
            if (!any) {
                continue;
            }
            String what = DIFF_WHAT[d];
            o.printf(Locale.ROOT, "%s: better in every seed for %s; worse in every seed for %s%n", what,
                    helped.isEmpty() ? "no task" : String.join(", ", helped),
                    hurt.isEmpty() ? "no task" : String.join(", ", hurt));
        }
        if (!chance.isEmpty()) {
            int shown = Math.min(6, chance.size());
            String w = "! marks a mean, and a task named with it in the 'every seed' lines, that includes a model no better than predicting the training labels' mean or "
                    + "class rates on its " + TrainCommand.scoringRows(s.firstTasks()) + " ("
                    + String.join("; ", chance.subList(0, shown))
                    + (shown < chance.size() ? "; and " + (chance.size() - shown) + " more" : "")
                    + "): it learned nothing from the inputs in that seed, so differences involving it say little";
            o.println("warning: " + w);
            s.warnings().keep(w);
        }
        if (!miscalibrated.isEmpty()) {
            // As one seed's run says it (TrainCommand): unmarked, since their metrics stand.
            int shown = Math.min(6, miscalibrated.size());
            List<String> named = new ArrayList<>(miscalibrated.subList(0, shown));
            if (shown < miscalibrated.size()) {
                named.add("and " + (miscalibrated.size() - shown) + " more");
            }
            String w = TrainCommand.miscalibratedWarning(named);
            o.println("warning: " + w);
            s.warnings().keep(w);
        }
        if (!late.isEmpty()) {
            int shown = Math.min(6, late.size());
            o.println("note: " + late.size() + " of " + trainings + " trainings reached their best epoch near the end of "
                    + "--epochs (" + String.join("; ", late.subList(0, shown)) + (shown < late.size() ? "; and "
                    + (late.size() - shown) + " more" : "") + "); raise --epochs for a converged comparison");
        }
        String few = s.opts().align.equalsIgnoreCase("none") ? null : TrainCommand.fewerRowsThanInputs(s.firstTasks());
        if (few != null) {
            // As a single-seed run warns (the split sizes are those of every seed).
            int d = s.firstTasks().get(0).dim();
            String w = "MTL+align trains " + d + " x " + d + " = " + (long) d * d + " entries of R_i per task, and "
                    + few + " no more training rows than inputs, where X_i R_i B can fit any training labels: only "
                    + "early stopping on the validation rows holds R_i back";
            o.println("warning: " + w);
            s.warnings().keep(w);
        }
        for (String restartNote : TrainCommand.restartNotes(restartFixed, restartNotFixed, trainings)) {
            o.println("note: " + restartNote);
        }
        if (!alignKeptStart.isEmpty()) {
            // Otherwise a column of +0.0000 reads as "alignment makes no difference", measured.
            o.println("note: the alignment phase never improved the validation loss in seed" + (alignKeptStart.size() == 1
                    ? " " : "s ") + String.join(", ", alignKeptStart) + " (best epoch 0), so MTL+align kept the MTL "
                    + "model there (every R_i = I) and its align - MTL is 0 by construction, not a measured effect; "
                    + "--align-lr-factor sets the phase's learning rate");
        }
        if (!divergedRuns.isEmpty()) {
            String w = String.join("; ", divergedRuns) + " diverged: left out of the means; "
                    + TrainCommand.divergenceAdvice(divergedRuns);
            o.println("warning: " + w);
            s.warnings().keep(w);
        }
        String otherWidths = otherSuggestions(runs, s.rank(), s.rankSource(), s.firstTasks().get(0).dim());
        if (otherWidths != null) {
            o.println("note: " + otherWidths);
        }
        o.printf(Locale.ROOT, "r = %d (%s) in every seed; done in %.1f s (peak heap %.0f MiB)%n", s.rank(),
                s.rankSource().equals("suggested") ? "suggested for seed " + s.data().seed : s.rankSource(), seconds,
                Outputs.peakHeapBytes() / 1048576.0);

        if (s.json() != null) {
            JsonObject root = new JsonObject();
            root.add("provenance", Outputs.provenance(s.backend(), s.argv()));
            JsonArray seedList = new JsonArray();
            runs.forEach(r -> seedList.add(r.seed()));
            root.add("seeds", seedList);
            root.add("config", s.config());
            root.addProperty("rank_source", s.rankSource());
            root.addProperty("suite", s.suiteName());
            root.addProperty("shared_inputs", s.sharedInputs());
            root.addProperty("status", "complete");
            JsonArray taskNames = new JsonArray();
            names.forEach(taskNames::add);
            root.add("task_names", taskNames);
            JsonArray summary = new JsonArray();
            for (int t = 0; t < k; t++) {
                JsonObject ts = new JsonObject();
                ts.addProperty("name", names.get(t));
                ts.addProperty("metric", metrics.get(t));
                for (int run = 0; run < RUNS.length; run++) {
                    JsonObject m = stats(metric[run][t]);
                    m.addProperty("no_better_than_prior_in_some_seed", anyChance[run][t]);
                    ts.add(jsonKey(RUNS[run]), m);
                }
                for (int d = 0; d < DIFFS.length; d++) {
                    JsonObject m = stats(diff[d][t]);
                    m.addProperty("same_sign_every_seed", agree[d][t]);
                    ts.add(DIFF_KEYS[d], m);
                }
                summary.add(ts);
            }
            root.add("summary", summary);
            JsonArray perSeed = new JsonArray();
            for (SeedRun r : runs) {
                JsonObject one = new JsonObject();
                one.addProperty("seed", r.seed());
                one.addProperty("status", r.result() == null ? "diverged" : "complete");
                if (r.result() == null) {
                    one.addProperty("error", r.diverged());
                } else {
                    JsonElement tree = ModelIO.gson().toJsonTree(r.result());
                    for (Map.Entry<String, JsonElement> en : tree.getAsJsonObject().entrySet()) {
                        one.add(en.getKey(), en.getValue());
                    }
                }
                perSeed.add(one);
            }
            root.add("runs", perSeed);
            root.add("warnings", s.warnings().json());
            Outputs.writeJson(s.json(), ModelIO.toJson(root), s.stdout(), o, "");
            Outputs.endInterruptedNote(note);
        }
        List<String> failed = new ArrayList<>(divergedRuns);
        runs.stream().filter(r -> r.result() == null).forEach(r -> failed.add("seed " + r.seed() + " MTL"));
        if (!failed.isEmpty()) {
            throw new TrainingDivergedException(String.join(", ", failed) + " diverged (see the warnings above); the other "
                    + "results were reported" + (s.json() != null ? " and written" : "") + "; "
                    + TrainCommand.divergenceAdvice(failed), 0, 0, Double.NaN);
        }
        return 0;
    }

    /**
     * Where r was suggested (for the first seed) and a later seed's own capacity suggestion is
     * another width: every seed trains at the first seed's r, so that seed's numbers are those of
     * 'mtl train --rank r --seed s', not of 'mtl train --seed s' (which would train at its own
     * suggestion). Null when there is nothing to say.
     */
    static String otherSuggestions(List<SeedRun> runs, int rank, String rankSource, int d) {
        if (!rankSource.equals("suggested") || runs.isEmpty()) {
            return null;
        }
        List<String> other = new ArrayList<>();
        for (SeedRun r : runs.subList(1, runs.size())) {
            if (r.result() != null && r.result().capacity() != null) {
                int own = Math.min(d, r.result().capacity().suggestedRank());
                if (own != rank) {
                    other.add("seed " + r.seed() + ": r = " + own);
                }
            }
        }
        if (other.isEmpty()) {
            return null;
        }
        long first = runs.get(0).seed();
        return "the capacity suggestion on some seeds' own training rows is another width (" + String.join(", ", other)
                + "); every seed here trains at seed " + first + "'s r = " + rank + ", so that the seeds compare "
                + "models of one width, and such a seed's numbers are those of 'mtl train --rank " + rank
                + " --seed S', not of 'mtl train --seed S' (which trains at its own suggestion); --rank R chooses "
                + "the width for every seed";
    }

    /**
     * A warning with its numbers masked and its task names kept ("task 'linear-0': its loss
     * starts at 1.01e+04" and the next seed's "... 1.13e+04" are one warning; those of 'linear-0'
     * and 'linear-1' are two).
     */
    static String form(String warning, List<String> names) {
        String w = warning;
        for (int t = 0; t < names.size(); t++) {
            w = w.replace("'" + names.get(t) + "'", "'@task" + t + "'");
        }
        return w.replaceAll("(?<![\\w.-])[-+]?\\d+(\\.\\d+)?([eE][-+]?\\d+)?(?![\\w-])", "#");
    }

    /**
     * The single-seed run's average precision (binary tasks with under 10% positives in their test
     * rows) and balanced accuracy (multi-class tasks whose largest class is over half of them), as
     * mean ± sd over the seeds: which tasks get one is decided by the first seed that ran.
     */
    private static void printSecondary(PrintWriter o, List<SeedRun> runs, List<String> names, int seeds) {
        ExperimentResult first = null;
        for (SeedRun r : runs) {
            if (r.result() != null) {
                first = r.result();
                break;
            }
        }
        if (first == null) {
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (int t = 0; t < names.size(); t++) {
            TaskReport rep = first.tasks().get(t);
            TaskReport.AveragePrecision ap = rep.averagePrecision();
            TaskReport.BalancedAccuracy ba = rep.balancedAccuracy();
            boolean rare = ap != null && ap.rare();
            boolean skewed = ba != null && ba.skewed();
            if (!rare && !skewed) {
                continue;
            }
            double[][] v = new double[RUNS.length][runs.size()];
            for (int x = 0; x < runs.size(); x++) {
                ExperimentResult res = runs.get(x).result();
                for (int run = 0; run < RUNS.length; run++) {
                    v[run][x] = Double.NaN;
                }
                if (res == null) {
                    continue;
                }
                TaskReport r = res.tasks().get(t);
                double[] w = rare && r.averagePrecision() != null ? new double[] {r.averagePrecision().stl(),
                        r.averagePrecision().mtl(), r.averagePrecision().mtlAlign(), r.averagePrecision().mtlReweight()}
                        : skewed && r.balancedAccuracy() != null ? new double[] {r.balancedAccuracy().stl(),
                        r.balancedAccuracy().mtl(), r.balancedAccuracy().mtlAlign(), r.balancedAccuracy().mtlReweight()}
                        : null;
                if (w != null) {
                    for (int run = 0; run < RUNS.length; run++) {
                        v[run][x] = w[run];
                    }
                }
            }
            List<String> row = new ArrayList<>(List.of(names.get(t), rare ? "average precision" : "balanced accuracy"));
            for (int run = 0; run < RUNS.length; run++) {
                row.add(meanSd(v[run], seeds));
            }
            rows.add(row);
        }
        if (rows.isEmpty()) {
            return;
        }
        o.println();
        o.println("for binary tasks with under " + Math.round(100 * TrainCommand.RARE_POSITIVES) + "% positives in their "
                + "test rows, the average precision (a random ranking scores the positive rate), and for multi-class "
                + "tasks whose largest class is over half of them, the balanced accuracy (always predicting it scores "
                + "1 / classes), mean " + SweepCommand.PM + " sd over the seeds");
        List<String> header = new ArrayList<>(List.of("task", "metric"));
        header.addAll(List.of(RUNS));
        Tables.print(o, header, rows);
    }

    /** "mean ± sd", with "(n)" when only n of the seeds measured it; "-" when none did. */
    private static String meanSd(double[] v, int seeds) {
        int n = Stats.count(v);
        if (n == 0) {
            return "-";
        }
        String mean = Tables.num(Stats.mean(v));
        return mean + (n > 1 ? " " + SweepCommand.PM + " " + sd(Stats.std(v), mean) : "")
                + (n < seeds ? " (" + n + ")" : "");
    }

    /** An sd in the form of the value it follows: four decimals beside a fixed-point mean (not 7.722e-04). */
    private static String sd(double sd, String printedMean) {
        return printedMean.contains("e") ? Tables.num(sd) : String.format(Locale.ROOT, "%.4f", sd);
    }

    private static JsonObject stats(double[] v) {
        JsonObject m = new JsonObject();
        int n = Stats.count(v);
        m.add("mean", SweepCommand.num(n == 0 ? Double.NaN : Stats.mean(v)));
        m.add("sd", SweepCommand.num(n == 0 ? Double.NaN : Stats.std(v)));
        m.addProperty("n", n);
        JsonArray all = new JsonArray();
        for (double x : v) {
            all.add(SweepCommand.num(x));
        }
        m.add("per_seed", all);
        return m;
    }

    private static String jsonKey(String run) {
        return run.toLowerCase(Locale.ROOT).replace("mtl+", "mtl_");
    }

    /**
     * "of these 20 differences about 5 would be marked so with no real effect anywhere": the
     * footnote's chance is per difference, and a table of many shows some marks by chance alone
     * (docs/results/false-positives.md measured it on suites of unrelated tasks). Each difference
     * measured in n >= 2 seeds counts 1 / 2^(n - 1) (the callers pass 0 for one that printed as 0
     * in some seed, which cannot be marked); empty when fewer than two count.
     */
    static String byChance(int[][] measured, String what) {
        int cells = 0;
        double expected = 0;
        for (int[] row : measured) {
            for (int n : row) {
                if (n >= 2) {
                    cells++;
                    expected += Math.pow(0.5, n - 1);
                }
            }
        }
        if (cells < 2) {
            return "";
        }
        return String.format(Locale.ROOT, "of these %d %s about %s would be marked so with no real effect anywhere",
                cells, what, String.format(Locale.ROOT, expected >= 10 || Math.abs(expected - Math.rint(expected)) < 0.05
                        ? "%.0f" : "%.1f", expected));
    }
}
