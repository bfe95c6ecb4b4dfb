package org.mtlalign.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.Backend;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Loss;
import org.mtlalign.model.ModelIO;
import org.mtlalign.model.MtlModel;
import org.mtlalign.train.Evaluator;
import org.mtlalign.train.ExperimentConfig;
import org.mtlalign.train.MtlExperiment;
import org.mtlalign.train.TrainConfig;
import org.mtlalign.train.TrainResult;
import org.mtlalign.train.Trainer;
import org.mtlalign.train.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `mtl sweep`: the MTL model trained at several widths r over several seeds, so the width of the
 * shared module is chosen by measurement (validation loss) rather than by the linear heuristic
 * of the capacity suggestion alone.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class, sortOptions = false,
        description = {"Train the MTL model at several widths r of the shared module, each over several seeds, and "
                + "report the validation loss and every task's test metric by r: how wide the shared module should be.",
                "Each (r, seed) trains as 'mtl train --rank r --seed s --no-stl --align none --reweight none' does "
                        + "(same split, initialisation and test metrics). r is chosen by the validation loss; the test "
                        + "metrics are shown, not used."})
public final class SweepCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--ranks", split = ",", paramLabel = "R",
            description = "Widths to train: numbers and ranges A..B, e.g. 1,2,4..6 (default: 1, 2, 3, 4, 6, 8, 12, "
                    + "16, 24, ... up to the tasks' total output count, from where linear models no longer share "
                    + "(Proposition 1), twice that with ReLU, at most d; at most " + MAX_RANKS + " widths).")
    List<String> ranks;

    @Option(names = "--seeds", defaultValue = "3",
            description = "Seeds per width: --seed, --seed + 1, ...; each its own split and initialisation "
                    + "(default: ${DEFAULT-VALUE}, at most " + MAX_SEEDS + ").")
    int seeds;

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

    /** "±", or "+-" where standard output cannot encode it (LANG=C). */
    static final String PM = stdoutCanEncode('\u00b1') ? "\u00b1" : "+-";

    private static boolean stdoutCanEncode(char c) {
        // Java 18+ names standard output's charset apart from the default one (UTF-8 since JEP 400).
        String name = System.getProperty("stdout.encoding");
        try {
            java.nio.charset.Charset cs = name != null ? java.nio.charset.Charset.forName(name)
                    : java.nio.charset.Charset.defaultCharset();
            return cs.newEncoder().canEncode(c);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The most widths and seeds one sweep takes: beyond that it is a typo, not a plan. */
    static final int MAX_RANKS = 256;
    static final int MAX_SEEDS = 100;

    /** What one (r, seed) training gave: NaN metrics and the reason when it diverged. */
    record Cell(int rank, long seed, double validationLoss, int epochsRun, int bestEpoch, boolean stillImproving,
                double[] test, String diverged, int restarts, String restartReason, boolean restartKept) {
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
        checkSeeds(data.seed, seeds);
        List<Integer> requested = ranks == null ? null : parseRanks(ranks);
        TrainConfig base = fit.trainConfig(data.seed); // option values checked before the data is read
        fit.withoutEffect(spec.commandLine().getParseResult()).forEach(n -> e.println("note: " + n));
        org.mtlalign.model.Activation activation = org.mtlalign.model.Activation.parse(fit.activation);
        Preparation.Config prep0 = data.preparationBeforeLoad();
        if (prep0.validationFraction() <= 0) {
            throw new UserInputException("--val: the sweep chooses r by the validation loss, so it needs validation "
                    + "rows (--val above 0)");
        }
        // The backend's notice waits for the data: a file error is then the one line printed.
        List<String> notices = new ArrayList<>();
        Backend backend = backendOption.select(notices::add);
        TaskSuite suite = data.load(e);
        notices.forEach(e::println);
        data.warnAboutInputs(suite, warnings);
        if (data.noneGiven()) {
            e.println("no data given: sweeping the built-in demo (--suite " + DataOptions.DEFAULT_SUITE
                    + ", UCI handwritten digits)");
        }
        int d = suite.dim();
        // Seed by seed, each its own split as 'mtl train --seed s' makes it; only one seed's prepared
        // copy of the data is held at a time (three would triple the memory on large inputs).
        // Further seeds prepare the loaded data again, so only a single seed may standardise it in place.
        Preparation.Result p0 = seeds > 1 ? Preparation.prepare(suite, prep0) : data.prepareOnce(suite, prep0);
        p0.warnings().forEach(warnings::add);
        List<PreparedTask> first = p0.tasks();
        p0 = null;
        requireValidationRows(first, prep0, data.seed);
        java.util.Set<String> said = new java.util.LinkedHashSet<>(TrainCommand.splitWarnings(first));
        said.forEach(warnings::add);
        if (prep0.standardize() != Preparation.Standardize.PER_TASK) {
            // As 'mtl train': another task's training inputs among a task's test rows.
            TrainCommand.crossTaskOverlap(first).forEach(warnings::add);
        }
        // --sampling auto: chosen by all the tasks' sizes (as mtl train chooses it), and said.
        String samplingWhy = fit.chooseSampling(first);
        base = fit.trainConfig(data.seed);
        String sizes = TrainCommand.sizeWarning(first, base);
        if (sizes != null) {
            warnings.add(sizes);
        }
        TrainCommand.noBiasOffsetWarnings(first, fit.noBias).forEach(warnings::add);
        String suiteName = suite.name();
        int k = first.size();
        int outputs = first.stream().mapToInt(t -> t.labels().outputs()).sum();
        List<String> taskNames = first.stream().map(PreparedTask::name).toList();
        List<org.mtlalign.model.Loss> losses = first.stream().map(PreparedTask::loss).toList();
        // Proposition 1's bound for linear models; ReLU models often train better a little wider.
        int ladderTop = Math.min(d, activation == org.mtlalign.model.Activation.IDENTITY ? outputs : 2 * outputs);
        List<Integer> rs = requested != null ? requested : defaultRanks(ladderTop);
        for (int r : rs) {
            if (r > d) {
                throw new UserInputException("--ranks: r = " + r + " is above d = " + d + " (the input dimension)");
            }
        }
        o.printf(Locale.ROOT, "mtl-align %s | %s | suite '%s': %d task%s, d = %d | seeds %s%n",
                org.mtlalign.Version.get(), backend.description(), suiteName, k, k == 1 ? "" : "s", d,
                seedList(data.seed, seeds));
        int nameWidth = Tables.nameWidth(first.stream().map(PreparedTask::name).toList());
        for (PreparedTask t : first) {
            o.printf(Locale.ROOT, "  task %-" + nameWidth + "s %s; rows train %d / val %d / test %d (seed %d)%n", t.name(),
                    t.labels().reason(), t.train().length, t.validation().length, t.test().length, data.seed);
        }
        o.printf(Locale.ROOT, "sweeping r = %s%s: %d training%s of MTL (%s%s, up to %d epoch%s, patience %d)%n",
                rs, requested == null ? " (default: up to " + (activation == org.mtlalign.model.Activation.IDENTITY
                        ? "" : "twice ") + "the total output count " + outputs + ", at most d)" : "",
                rs.size() * seeds, rs.size() * seeds == 1 ? "" : "s", fit.activation, fit.noBias ? ", no biases" : "",
                base.epochs(), base.epochs() == 1 ? "" : "s", base.patience());
        // On stdout beside the plan, as mtl train prints it: a saved report records the rule used.
        o.println("sampling: " + samplingWhy);
        o.flush();

        Cell[] cells = new Cell[rs.size() * seeds]; // width i, seed s at i * seeds + s
        boolean parallel = backend.concurrency() > 1;
        int[] done = {0};
        long t0 = System.nanoTime();
        Thread note = Outputs.interruptedNote(e, done, cells.length, json);
        try {
            for (int s = 0; s < seeds; s++) {
                long seed = data.seed + s;
                List<PreparedTask> tasks;
                if (s == 0) {
                    tasks = first;
                } else {
                    // A synthetic suite is drawn from the seed too, as 'mtl train --seed s' draws it.
                    tasks = data.prepareForSeed(suite, prep0, seed).tasks();
                    requireValidationRows(tasks, prep0, seed);
                    // Another split: duplicates and tiny test sets are checked again.
                    TrainCommand.addNewSplitWarnings(tasks, seed, said, warnings);
                }
                first = null;
                int si = s;
                backend.forEachIndependent(rs.size(), i -> {
                    int r = rs.get(i);
                    TrainConfig tc = fit.trainConfig(seed);
                    if (parallel) {
                        tc = tc.withProgress(false);
                    }
                    ExperimentConfig cfg = new ExperimentConfig(r, activation, !fit.noBias, tc,
                            ExperimentConfig.AlignMode.NONE, null, 0, 0.99, false);
                    Cell c = train(backend, cfg, tasks, seed, m -> {
                        synchronized (done) {
                            if (Outputs.stopped(done)) {
                                return;
                            }
                            e.printf(Locale.ROOT, "  .. r = %d, seed %d: %s%n", r, seed, m);
                            e.flush();
                        }
                    });
                    cells[i * seeds + si] = c;
                    synchronized (done) {
                        done[0]++;
                        if (Outputs.stopped(done)) {
                            return;
                        }
                        e.printf(Locale.ROOT, "  [%d/%d] r = %d, seed %d: %s%s%n", done[0], cells.length, r, seed,
                                c.diverged() != null ? "diverged (" + c.diverged() + ")"
                                        : String.format(Locale.ROOT, "val loss %.4g after %d epoch%s (best %d)",
                                                c.validationLoss(), c.epochsRun(), c.epochsRun() == 1 ? "" : "s",
                                                c.bestEpoch()),
                                PairsCommand.remaining(System.nanoTime() - t0, done[0], cells.length));
                        e.flush();
                    }
                });
            }
        } finally {
            Outputs.keepNoteForJson(note, json);
        }
        suite = null;
        double seconds = (System.nanoTime() - t0) / 1e9;

        // Per width: the mean validation loss over seeds, and each task's mean test metric.
        int n = rs.size();
        double[] valMean = new double[n];
        double[] valSd = new double[n];
        double[][] testMean = new double[n][k];
        double[][] testSd = new double[n][k];
        List<String> diverged = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] v = new double[seeds];
            for (int s = 0; s < seeds; s++) {
                Cell c = cells[i * seeds + s];
                v[s] = c.validationLoss();
                if (c.diverged() != null) {
                    diverged.add("r = " + c.rank() + ", seed " + c.seed());
                }
            }
            valMean[i] = mean(v);
            valSd[i] = sd(v);
            for (int t = 0; t < k; t++) {
                double[] m = new double[seeds];
                for (int s = 0; s < seeds; s++) {
                    m[s] = cells[i * seeds + s].test()[t];
                }
                testMean[i][t] = mean(m);
                testSd[i][t] = sd(m);
            }
        }
        int best = -1;
        for (int i = 0; i < n; i++) {
            if (Double.isFinite(valMean[i]) && (best < 0 || valMean[i] < valMean[best])) {
                best = i;
            }
        }
        // The smallest width within one standard deviation (over seeds) of the best: as good, within
        // the seeds' spread, and shares more.
        int smallest = best;
        if (best >= 0 && seeds > 1) {
            for (int i = 0; i < n; i++) {
                if (Double.isFinite(valMean[i]) && valMean[i] <= valMean[best] + valSd[best] && rs.get(i) < rs.get(smallest)) {
                    smallest = i;
                }
            }
        }

        List<String> header = new ArrayList<>(List.of("r", "val loss" + (seeds > 1 ? " (mean " + PM + " sd)" : "")));
        for (int t = 0; t < k; t++) {
            header.add(Tables.shortName(taskNames.get(t), Tables.MATRIX_NAME) + " "
                    + Loss.metricLabel(losses.get(t).metricName()));
        }
        header.add("epochs");
        List<List<String>> rows = new ArrayList<>();
        int lateRuns = 0;
        for (int i = 0; i < n; i++) {
            List<String> row = new ArrayList<>();
            row.add(rs.get(i) + (i == best ? " *" : ""));
            row.add(pm(valMean[i], valSd[i], seeds));
            for (int t = 0; t < k; t++) {
                row.add(pm(testMean[i][t], testSd[i][t], seeds));
            }
            double[] ep = new double[seeds];
            int late = 0;
            for (int s = 0; s < seeds; s++) {
                ep[s] = cells[i * seeds + s].epochsRun();
                late += cells[i * seeds + s].stillImproving() ? 1 : 0;
            }
            lateRuns += late;
            row.add(String.format(Locale.ROOT, "%.0f", mean(ep)) + (late > 0 ? " (" + late + " cap)" : ""));
            rows.add(row);
        }
        o.println();
        o.printf(Locale.ROOT, "MTL by width r (%s; test metrics for information, chosen by validation loss)%n",
                seeds > 1 ? "mean " + PM + " sd over seeds " + seedList(data.seed, seeds) : "seed " + data.seed);
        Tables.printWrapped(o, header, rows, 2);
        o.println();
        if (best < 0) {
            o.println("no width trained without diverging; try a smaller --lr");
        } else {
            o.printf(Locale.ROOT, "best r by validation loss: %d (%s)%n", rs.get(best), pm(valMean[best], valSd[best], seeds));
            if (seeds > 1) {
                o.printf(Locale.ROOT, "smallest r within one standard deviation of it: %d (%s)%s%n", rs.get(smallest),
                        pm(valMean[smallest], valSd[smallest], seeds),
                        smallest == best ? "" : "; the narrower module shares more for about the same loss");
            } else {
                o.println("(one seed: the differences between widths may be noise; --seeds 3 or more says how much)");
            }
            if (n == 1) {
                o.println("note: one width only, so nothing was compared; give --ranks with several widths");
            } else if (best == n - 1 && rs.get(best) < d) {
                o.printf(Locale.ROOT, "note: the best width is the widest tried; wider may be better still (e.g. "
                        + "--ranks %d..%d)%n", rs.get(best), Math.min(d, 2 * rs.get(best)));
            }
            int noTransfer = outputs;
            if (activation == org.mtlalign.model.Activation.IDENTITY && rs.get(best) >= noTransfer) {
                o.printf(Locale.ROOT, "note: r >= %d (the tasks' total output count) lets linear tasks fit separately "
                        + "(Proposition 1): at the best width they do not need to share%n", noTransfer);
            }
            o.printf(Locale.ROOT, "then: mtl train --rank %d ... compares it with the single-task baselines, alignment "
                    + "and reweighting; mtl pairs --rank %d ... measures which tasks help each other at that width%n",
                    rs.get(smallest), rs.get(smallest));
        }
        if (lateRuns > 0) {
            warnings.add(lateRuns + " of " + cells.length + " trainings ran all --epochs " + base.epochs() + " and were "
                    + "still improving ('cap' in the epochs column): the widths are compared at an epoch budget, not "
                    + "converged; raise --epochs");
        }
        // As mtl train's note on an MTL model best after its first epoch: when most trainings are,
        // the widths are compared after one epoch (six text tasks of 177-6000 training rows: 26
        // of 27 trainings best at epoch 1, 'best r = 22' among them), and the tables do not say so.
        int oneEpoch = 0;
        for (Cell c : cells) {
            oneEpoch += c.diverged() == null && c.bestEpoch() == 1 && c.epochsRun() >= 10 ? 1 : 0;
        }
        String oneEpochWarning = oneEpochWarning(k, oneEpoch, cells.length, base.sampling());
        if (oneEpochWarning != null) {
            warnings.add(oneEpochWarning);
        }
        List<String> restartFixed = new ArrayList<>();
        List<String> restartNotFixed = new ArrayList<>();
        for (Cell c : cells) {
            if (c.restarts() > 0) {
                (c.restartKept() ? restartFixed : restartNotFixed).add("r = " + c.rank() + ", seed " + c.seed() + ": "
                        + c.restartReason());
            }
        }
        for (String restartNote : TrainCommand.restartNotes(restartFixed, restartNotFixed, cells.length)) {
            o.println("note: " + restartNote);
        }
        o.printf(Locale.ROOT, "done in %.1f s%n", seconds);
        if (!diverged.isEmpty()) {
            warnings.add(diverged.size() + " of " + cells.length + " trainings diverged (" + String.join("; ", diverged)
                    + "); a width with a diverged seed gets no mean and is not chosen: try a smaller --lr");
        }

        if (json != null) {
            JsonObject root = new JsonObject();
            root.add("provenance", Outputs.provenance(backend, argv));
            root.addProperty("suite", suiteName);
            JsonObject config = new JsonObject();
            config.add("train", trainJson(base));
            config.addProperty("activation", activation.cliName());
            config.addProperty("bias", !fit.noBias);
            config.add("data", ModelIO.gson().toJsonTree(prep0));
            config.addProperty("loss_option", data.loss);
            config.addProperty("sampling_option", fit.sampling);
            root.add("config", config);
            JsonArray seedArr = new JsonArray();
            for (int s = 0; s < seeds; s++) {
                seedArr.add(data.seed + s);
            }
            root.add("seeds", seedArr);
            JsonArray names = new JsonArray();
            taskNames.forEach(names::add);
            root.add("task_names", names);
            JsonArray metrics = new JsonArray();
            losses.forEach(l -> metrics.add(l.metricName()));
            root.add("task_metrics", metrics);
            JsonArray byRank = new JsonArray();
            for (int i = 0; i < n; i++) {
                JsonObject w = new JsonObject();
                w.addProperty("rank", rs.get(i));
                w.add("validation_loss_mean", num(valMean[i]));
                w.add("validation_loss_sd", seeds > 1 ? num(valSd[i]) : com.google.gson.JsonNull.INSTANCE);
                JsonArray runs = new JsonArray();
                for (int s = 0; s < seeds; s++) {
                    Cell c = cells[i * seeds + s];
                    JsonObject run = new JsonObject();
                    run.addProperty("seed", c.seed());
                    run.add("validation_loss", num(c.validationLoss()));
                    run.addProperty("epochs_run", c.epochsRun());
                    run.addProperty("best_epoch", c.bestEpoch());
                    run.addProperty("still_improving_at_cap", c.stillImproving());
                    JsonArray tests = new JsonArray();
                    for (double v : c.test()) {
                        tests.add(num(v));
                    }
                    run.add("test", tests);
                    if (c.diverged() != null) {
                        run.addProperty("diverged", c.diverged());
                    }
                    PairsCommand.restartJson(run, c.restarts(), c.restartReason(), c.restartKept());
                    runs.add(run);
                }
                w.add("runs", runs);
                JsonArray tm = new JsonArray();
                JsonArray ts = new JsonArray();
                for (int t = 0; t < k; t++) {
                    tm.add(num(testMean[i][t]));
                    ts.add(seeds > 1 ? num(testSd[i][t]) : com.google.gson.JsonNull.INSTANCE);
                }
                w.add("test_mean", tm);
                w.add("test_sd", ts);
                byRank.add(w);
            }
            root.add("ranks", byRank);
            root.add("best_rank", best < 0 ? com.google.gson.JsonNull.INSTANCE
                    : new com.google.gson.JsonPrimitive(rs.get(best)));
            root.add("smallest_rank_within_sd", best < 0 ? com.google.gson.JsonNull.INSTANCE
                    : new com.google.gson.JsonPrimitive(rs.get(smallest)));
            root.addProperty("seconds", seconds);
            root.add("warnings", warnings.json());
            Outputs.writeJson(json, ModelIO.toJson(root), stdout, o, "");
            Outputs.endInterruptedNote(note);
        }
        if (!diverged.isEmpty()) {
            boolean all = diverged.size() == cells.length;
            throw new TrainingDivergedException(diverged.size() + " of " + cells.length + " trainings diverged (see the "
                    + "warning above)" + (all ? "; try a smaller --lr" : "; the other results were reported"
                    + (json != null ? " and written" : "")), 0, 0, Double.NaN);
        }
        return 0;
    }

    /**
     * The width is chosen by the validation loss: a task without validation rows would bring its
     * training loss into it (the trainer falls back to that), which always favours the widest.
     */
    private static void requireValidationRows(List<PreparedTask> tasks, Preparation.Config prep, long seed) {
        for (PreparedTask t : tasks) {
            if (t.validation().length == 0) {
                throw new UserInputException("--val: task '" + t.name() + "' gets no validation rows (" + t.rows()
                        + " rows, --val " + prep.validationFraction() + ", seed " + seed + "); the sweep chooses r by "
                        + "the validation loss, so raise --val or leave the task out");
            }
        }
    }

    /**
     * One MTL training of width cfg.rank(), as 'mtl train' trains its MTL model: the same model
     * initialisation (MtlExperiment.newModel), trainer and test metric.
     */
    static Cell train(Backend backend, ExperimentConfig cfg, List<PreparedTask> tasks, long seed) {
        return train(backend, cfg, tasks, seed, null);
    }

    /** {@link #train(Backend, ExperimentConfig, List, long)}, saying how a long training goes (Trainer.logEpochs) to epochLog. */
    static Cell train(Backend backend, ExperimentConfig cfg, List<PreparedTask> tasks, long seed,
                      java.util.function.Consumer<String> epochLog) {
        MtlExperiment exp = new MtlExperiment(backend, cfg).log(epochLog == null ? m -> { } : epochLog);
        try {
            MtlExperiment.Fresh f = exp.trainFresh(exp.newModel(tasks), tasks, null, "MTL",
                    m -> new Trainer(backend, cfg.train()).logEpochs("MTL", epochLog));
            TrainResult tr = f.result();
            double[] test = MtlExperiment.testMetric(new Evaluator(backend), f.model(), tasks);
            // As 'mtl train' marks "cap, improving".
            return new Cell(cfg.rank(), seed, tr.bestValidationLoss(), tr.epochsRun(), tr.bestEpoch(),
                    tr.stillImproving(cfg.train().epochs()), test, null, f.restarts(), f.restartReason(), f.restartKept());
        } catch (TrainingDivergedException ex) {
            double[] test = new double[tasks.size()];
            java.util.Arrays.fill(test, Double.NaN);
            return new Cell(cfg.rank(), seed, Double.NaN, ex.epoch(), ex.bestEpoch(), false, test, ex.getMessage(), 0,
                    null, false);
        }
    }

    /** "1,2,4..6" as [1, 2, 4, 5, 6]: sorted, each once. */
    static List<Integer> parseRanks(List<String> items) {
        TreeSet<Integer> out = new TreeSet<>();
        for (String raw : items) {
            String it = raw.trim();
            try {
                int dots = it.indexOf("..");
                if (dots >= 0) {
                    int a = Integer.parseInt(it.substring(0, dots).trim());
                    int b = Integer.parseInt(it.substring(dots + 2).trim());
                    if (a > b) {
                        throw new UserInputException("--ranks: range " + it + " is empty (write it low..high)");
                    }
                    if (a < 1) {
                        throw new UserInputException("--ranks: widths must be >= 1, got " + it);
                    }
                    if ((long) b - a + 1 + out.size() > MAX_RANKS) {
                        throw new UserInputException("--ranks: more than " + MAX_RANKS + " widths");
                    }
                    for (int r = a; r <= b; r++) {
                        out.add(r);
                    }
                } else {
                    int r = Integer.parseInt(it);
                    if (r < 1) {
                        throw new UserInputException("--ranks: widths must be >= 1, got " + r);
                    }
                    out.add(r);
                }
            } catch (NumberFormatException ex) {
                throw new UserInputException("--ranks: '" + it + "' is not a width (numbers and ranges A..B, e.g. "
                        + "1,2,4..6)");
            }
        }
        if (out.isEmpty()) {
            throw new UserInputException("--ranks: no widths given");
        }
        if (out.size() > MAX_RANKS) {
            throw new UserInputException("--ranks: more than " + MAX_RANKS + " widths");
        }
        return new ArrayList<>(out);
    }

    /** 1, 2, 3, 4, 6, 8, 12, 16, 24, ... below {@code max}, then {@code max} itself. */
    static List<Integer> defaultRanks(int max) {
        List<Integer> out = new ArrayList<>();
        for (int r = 1; r < max; ) {
            out.add(r);
            r = r < 4 ? r + 1 : Integer.bitCount(r) == 1 ? r + r / 2 : r / 3 * 4;
        }
        out.add(Math.max(1, max));
        return out;
    }

    /**
     * The warning when at least half of the trainings were best after their first epoch, or null.
     * It suggests --sampling proportional only when the sweep did not use it (--sampling auto picks
     * it for tasks over 3 times apart, as mtl train's note on one training says).
     */
    static String oneEpochWarning(int tasks, int oneEpoch, int trainings, TrainConfig.Sampling sampling) {
        if (tasks < 2 || 2 * oneEpoch < trainings) {
            return null;
        }
        return oneEpoch + " of " + trainings + " trainings had their lowest validation loss (summed over "
                + "the tasks) after their first epoch, so the widths are compared after one epoch of training: "
                + "typically a task with few rows overfits at once, or tasks compete for the shared module; "
                + (sampling == TrainConfig.Sampling.PROPORTIONAL ? ""
                        : "--sampling proportional gives the large tasks more of the steps, and ")
                + "'mtl pairs' measures which pairs conflict";
    }

    /**
     * --seeds N in 1..{@link #MAX_SEEDS}, and --seed S such that S + N - 1 is still a long (the
     * seeds S, S + 1, ... printed as "9223372036854775807..-9223372036854775808" otherwise).
     */
    static void checkSeeds(long seed, int seeds) {
        if (seeds < 1 || seeds > MAX_SEEDS) {
            throw new UserInputException("--seeds: must be in 1.." + MAX_SEEDS + ", got " + seeds);
        }
        if (seed > Long.MAX_VALUE - (seeds - 1)) {
            throw new UserInputException("--seed " + seed + " with --seeds " + seeds + ": the seeds run from --seed to --seed + "
                    + (seeds - 1) + ", past the largest seed (" + Long.MAX_VALUE + "); choose a smaller --seed");
        }
    }

    /** "4", "512", ..., then "2^63" and up: how rarely n seeds all agree in sign by chance (1 in 2^(n-1)). */
    static String oneIn(int seeds) {
        return seeds - 1 <= 62 ? Long.toString(1L << (seeds - 1)) : "2^" + (seeds - 1);
    }

    static String seedList(long first, int count) {
        return count == 1 ? Long.toString(first) : first + ".." + (first + count - 1);
    }

    static JsonObject trainJson(TrainConfig tc) {
        JsonObject t = ModelIO.gson().toJsonTree(tc).getAsJsonObject();
        t.remove("progress");
        t.remove("seed"); // one per run: see "seeds"
        return t;
    }

    static com.google.gson.JsonElement num(double v) {
        return Double.isFinite(v) ? new com.google.gson.JsonPrimitive(v) : com.google.gson.JsonNull.INSTANCE;
    }

    /** Mean over the finite values; NaN if any is not finite (a diverged run, an undefined metric). */
    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            if (!Double.isFinite(x)) {
                return Double.NaN;
            }
            s += x;
        }
        return s / v.length;
    }

    /** Sample standard deviation (0 for one value). */
    static double sd(double[] v) {
        double m = mean(v);
        if (!Double.isFinite(m) || v.length < 2) {
            return Double.isFinite(m) ? 0 : Double.NaN;
        }
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    /** "0.9812 ± 0.0114": the deviation in the mean's format, so a column lines up (not 8.917e-04 beside 0.9995). */
    static String pm(double mean, double sd, int seeds) {
        if (!Double.isFinite(mean)) {
            return "-";
        }
        String m = Tables.num(mean);
        if (seeds < 2) {
            return m;
        }
        boolean eNotation = m.contains("e");
        return m + " " + PM + " " + (eNotation ? String.format(Locale.ROOT, "%.1e", sd) : String.format(Locale.ROOT, "%.4f", sd));
    }
}
