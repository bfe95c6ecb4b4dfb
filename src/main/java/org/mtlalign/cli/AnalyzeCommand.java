package org.mtlalign.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mtlalign.UserInputException;
import org.mtlalign.analysis.Capacity;
import org.mtlalign.analysis.CovarianceSimilarity;
import org.mtlalign.analysis.SvdReweighting;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.Backends;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.ModelIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mtl analyze`: the training-free analyses on the training split. */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class, sortOptions = false,
        description = {"Without training: the covariance similarity of every task pair (eq. 5), the SVD task weights "
                + "of Algorithm 2 (both variants; a warning names tasks with too few training rows to estimate their "
                + "theta_i) and a suggested width r for the shared module.",
                "Computed on each task's training split after standardisation, as 'mtl train' would see it."})
public final class AnalyzeCommand implements Callable<Integer> {
    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    BackendOption backendOption = new BackendOption();

    @Option(names = {"-r", "--rank"}, paramLabel = "R",
            description = "Width r of the shared module (default: the suggested capacity); Algorithm 2 uses "
                    + "min(r, k - 1) unless --reweight-rank is given.")
    Integer rank;

    @Option(names = "--reweight-rank", defaultValue = "0",
            description = "The r of Algorithm 2 (default: min(r, k - 1), as in 'mtl train'; at r >= the number of label "
                    + "columns, k for binary and single-column tasks, every normalized weight is 1).")
    int reweightRank;

    @Option(names = "--energy", defaultValue = "0.99",
            description = "Similarity score (eq. 5): keep the smallest rank of each task's X^T X holding this share "
                    + "of the sum of its singular values (its eigenvalues, the squares of X's singular values; default: "
                    + "${DEFAULT-VALUE}).")
    double energy;

    @Option(names = "--resamples", paramLabel = "B", defaultValue = "19",
            description = "Resample each task's training rows up to B times (with replacement, drawn from --seed; it "
                    + "stops once no pair can stand out) and name as most similar only the pairs whose lead is larger "
                    + "than these resamples move the scores apart "
                    + "(default: ${DEFAULT-VALUE}, about a 1-in-20 level; 19 to 10000, or 0 to rank the scores unchecked).")
    int resamples;

    @Option(names = "--json", paramLabel = "FILE", converter = Main.FileTarget.class, description = "Write the results as JSON (atomically); - (or /dev/stdout) writes it to standard output and the tables to standard error.")
    Path json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        // With --json -, standard output carries the JSON alone and the tables go to standard error.
        PrintWriter o = Outputs.isStdout(json) ? spec.commandLine().getErr() : spec.commandLine().getOut();
        if (json != null && !Outputs.isStdout(json)) {
            Outputs.checkTarget(json, "--json");
            Outputs.checkNotInput(json, "--json", data.inputs());
        }
        if (resamples != 0 && resamples < MIN_RESAMPLES) {
            throw new UserInputException("--resamples: must be 0 (off) or at least " + MIN_RESAMPLES
                    + " (fewer cannot give a 1-in-20 level), got " + resamples);
        }
        if (resamples > MAX_RESAMPLES) {
            // '--resamples 2147483647' ran out of heap at once; drawn as needed it would run for days
            // when a pair stands out (each resample is about one similarity step).
            throw new UserInputException("--resamples: at most " + MAX_RESAMPLES + " (the 1-in-20 level is settled "
                    + "long before; each resample costs about one similarity step), got " + resamples);
        }
        if (!(energy > 0 && energy <= 1)) {
            // Before the data is read (a large suite takes a while to load).
            throw new UserInputException("--energy: must be in (0, 1], got " + energy);
        }
        // The backend's notice waits for the data: a file error is then the one line printed.
        List<String> notices = new ArrayList<>();
        Backend backend = backendOption.select(notices::add);
        TaskSuite suite = data.load(spec.commandLine().getErr());
        notices.forEach(spec.commandLine().getErr()::println);
        Warnings warnings = new Warnings(spec.commandLine().getErr());
        data.warnAboutInputs(suite, warnings);
        Preparation.Result prep = data.prepareOnce(suite, data.preparation());
        prep.warnings().forEach(warnings::add);
        int k = prep.tasks().size();
        int d = suite.dim();
        String suiteName = suite.name();
        boolean sharedInputs = suite.sharedInputs();
        // With missing labels the tasks of a shared X train on different rows: their similarities differ.
        boolean anyUnlabelled = suite.tasks().stream().anyMatch(t -> t.unlabelledRows() > 0);
        List<String> names = prep.tasks().stream().map(PreparedTask::name).toList();
        // The analyses read the training rows only: the standardised inputs (for data from files,
        // the loaded arrays standardised in place) are dropped, each task's once its rows are
        // gathered (ofReleasing), so the inputs are not held beside all their gathered rows.
        suite = null;
        List<PreparedTask> prepared = new java.util.ArrayList<>(prep.tasks());
        prep = null;
        org.mtlalign.data.TrainingRows tr = org.mtlalign.data.TrainingRows.ofReleasing(prepared);
        prepared = null;
        float[][] xs = tr.xs();
        float[][] ys = tr.ys();
        int[] rows = tr.rows();
        int[] cols = tr.cols();
        int total = tr.totalOutputs();
        // Options checked before anything is printed: an error after the first table would leave a
        // half report on stdout.
        if (rank != null && (rank < 1 || rank > d)) {
            throw new UserInputException("--rank: must be in 1.." + d + ", got " + rank);
        }
        if (reweightRank < 0) {
            throw new UserInputException("--reweight-rank: must be >= 1 (or 0 for the default min(r, k - 1)), got "
                    + reweightRank);
        }
        if (reweightRank > 0) {
            // Its upper bound (d and the label columns) too: it was checked only when Algorithm 2
            // ran, after the similarity matrix had been printed.
            SvdReweighting.rank(reweightRank, 1, k, d, total);
        }
        o.printf(Locale.ROOT, "suite '%s': %d task%s, d = %d%s | %s%n", suiteName, k, k == 1 ? "" : "s", d,
                sharedInputs ? ", shared inputs" : "", backend.description());
        // Progress on standard error: at d = 768 and k = 40 the steps below take a minute or more.
        PrintWriter e = spec.commandLine().getErr();
        e.println("  .. " + CovarianceSimilarity.progressLine(xs, d));
        e.flush();
        CovarianceSimilarity cs = new CovarianceSimilarity(backend, energy);
        CovarianceSimilarity.Factor[] factors = cs.factors(xs, rows, d);
        double[][] sim = cs.matrix(factors);
        int[] ranks = new int[k];
        for (int i = 0; i < k; i++) {
            ranks[i] = factors[i].rank();
        }
        Tables.matrix(o, String.format(Locale.ROOT, "covariance similarity (eq. 5, %s%% rank rule; %s)",
                Tables.percent(energy), Tables.ranks(ranks)), names, sim);
        String self = TrainCommand.selfScoreNote(sim);
        if (self != null) {
            o.println("note: " + self);
        }

        e.println("  .. capacity: ridge fits of " + k + " task" + (k == 1 ? "" : "s") + " (5 folds each) and their "
                + "held-out error by width");
        e.flush();
        Capacity.Suggestion cap = new Capacity(backend).suggest(xs, rows, d, ys, cols, 1e-3, 0.9);
        int sharedRank = rank != null ? rank : Math.min(cap.suggestedRank(), d);
        // The same rank rule as 'mtl train', so both commands print the same weights.
        int r = SvdReweighting.rank(reweightRank, sharedRank, k, d, total);
        double[] wn = null;
        double[] wp = null;
        if (k > 1) {
            e.println("  .. SVD task weights (Algorithm 2)");
            e.flush();
            SvdReweighting rw = new SvdReweighting(backend);
            wn = rw.weights(xs, rows, d, ys, cols, r, SvdReweighting.Variant.NORMALIZED, true);
            wp = rw.weights(xs, rows, d, ys, cols, r, SvdReweighting.Variant.PAPER, true);
            o.println();
            o.printf(Locale.ROOT, "SVD task weights (Algorithm 2, r = %d%s; theta_i = X_i^T (y_i - mean y_i) / m_i%s)%n",
                    r, reweightRank > 0 ? "" : " = min(shared r " + sharedRank + ", k - 1)",
                    sharedInputs ? "" : ", tasks do not share X");
            List<List<String>> t = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                t.add(List.of(names.get(i), Tables.num(wn[i]), Tables.num(wp[i])));
            }
            Tables.print(o, List.of("task", "normalized", "paper"), t);
            String noisy = TrainCommand.noisyThetaWarning(names, rows, d, rw.noiseRatios(xs, rows, d, ys, cols), r);
            if (noisy != null) {
                // Beside the weights it concerns, and in the JSON's warnings.
                o.println("warning: " + noisy);
                warnings.keep(noisy);
            }
        }
        o.println();
        o.println(TrainCommand.capacityLine(cap));
        StringBuilder sv = new StringBuilder();
        for (int i = 0; i < Math.min(12, cap.singularValues().length); i++) {
            sv.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", cap.singularValues()[i]));
        }
        o.println("  singular values of the stacked single-task models: " + sv
                + (cap.singularValues().length > 12 ? " ..." : ""));
        if (cap.validated()) {
            StringBuilder ve = new StringBuilder();
            for (int i = 0; i < Math.min(12, cap.validationError().length); i++) {
                ve.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", cap.validationError()[i]));
            }
            o.println("  held-out error by width r = 1, 2, ... (squared error over the variance): " + ve
                    + (cap.validationError().length > 12 ? " ..." : ""));
            String flat = TrainCommand.flatNote(cap);
            if (flat != null) {
                o.println("note: " + flat);
            }
        }
        // The named pairs and their resampling (null where nothing was ranked or resampled).
        List<int[]> named = List.of();
        Boolean resolved = null;
        org.mtlalign.analysis.CovarianceSimilarity.Resampled noise = null;
        double spread = 0;
        double middle = 0;
        if (k > 1 && sharedInputs && !anyUnlabelled) {
            o.println();
            o.println("all tasks share X, so every pair has the same covariance similarity; "
                    + "the SVD weights above are what tells them apart (Algorithm 2)");
        } else if (k > 1) {
            o.println();
            // The score sees inputs only: two tasks on one covariance with opposed label
            // directions ranked first here, and their pair hurt both under ReLU.
            o.println("most similar pairs (candidates for positive transfer; the score compares inputs, not labels, "
                    + "so a similar pair can still conflict: 'mtl pairs' measures the transfer):");
            // A task whose training inputs do not vary carries nothing to transfer; its X^T X is
            // the one direction of its constant row, which another constant task shares exactly.
            boolean[] constant = new boolean[k];
            List<String> constants = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                constant[i] = constantRows(xs[i], rows[i], d);
                if (constant[i]) {
                    constants.add(names.get(i));
                }
            }
            List<int[]> pairs = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                for (int j = i + 1; j < k; j++) {
                    if (!constant[i] && !constant[j]) {
                        pairs.add(new int[] {i, j});
                    }
                }
            }
            if (!constants.isEmpty()) {
                o.println("  (left out: " + String.join(", ", constants) + ": inputs that do not vary over the training "
                        + "rows, as standardised, carry nothing to transfer)");
            }
            pairs.sort((a, b) -> Double.compare(sim[b[0]][b[1]], sim[a[0]][a[1]]));
            double hi = pairs.isEmpty() ? 0 : sim[pairs.get(0)[0]][pairs.get(0)[1]];
            double lo = pairs.isEmpty() ? 0 : sim[pairs.get(pairs.size() - 1)[0]][pairs.get(pairs.size() - 1)[1]];
            if (pairs.size() > 1 && org.mtlalign.analysis.CovarianceSimilarity.indistinct(lo, hi)) {
                // Ranked, they would name "candidates" by noise.
                o.println("  none named: " + org.mtlalign.analysis.CovarianceSimilarity.spread(lo, hi) + " (near-isotropic inputs, as embeddings "
                        + "often are); 'mtl pairs' measures the transfer itself");
                resolved = false;
            } else if (!pairs.isEmpty()) {
                if (resamples > 0) {
                    e.println("  .. similarity noise: up to " + resamples + " resamples of each task's training rows");
                    e.flush();
                    // The pair at the middle of the ranking: a candidate must stand out of most pairs,
                    // not just above the least similar one (one unrelated task lifts every other pair).
                    middle = sim[pairs.get(pairs.size() / 2)[0]][pairs.get(pairs.size() / 2)[1]];
                    double lead = hi - middle;
                    noise = cs.resample(xs, rows, d, resamples, data.seed,
                            sofar -> pairs.size() > 1 && sofar.noiseExceeds(sim, pairs, lead, resamples));
                    spread = noise.noise(sim, pairs);
                }
                List<int[]> shownPairs = new ArrayList<>();
                for (int[] q : pairs) {
                    if (shownPairs.size() < 5 && (noise == null || pairs.size() == 1
                            || sim[q[0]][q[1]] - middle > spread)) {
                        shownPairs.add(q);
                    }
                }
                // Unresampled (--resamples 0), a ranking is neither resolved nor not.
                resolved = pairs.size() > 1 && noise != null ? !shownPairs.isEmpty() : null;
                if (shownPairs.isEmpty()) {
                    o.printf(Locale.ROOT, "  none named: no pair's similarity stands out of sampling noise: the pairs span "
                            + "%.4f to %.4f, the top one leads the middle one (%.4f) by %.4f, and resampling each task's "
                            + "training rows moved two pairs' scores %.4f apart (%s %s); their order is noise at "
                            + "these row counts; 'mtl pairs' measures the transfer itself%n", lo, hi, middle, hi - middle,
                            spread, noise.resamples() < resamples || resamples == MIN_RESAMPLES ? "the most in"
                                    : "the 95% level of", noise.resamples() == resamples ? resamples + " resamples" : (noise.resamples() == 1 ? "the first"
                                    : "the first " + noise.resamples()) + " of " + resamples + " resamples, enough to decide");
                } else {
                    double[] top = new double[shownPairs.size()];
                    for (int p = 0; p < top.length; p++) {
                        top[p] = sim[shownPairs.get(p)[0]][shownPairs.get(p)[1]];
                    }
                    List<String> scores = rankedScores(top);
                    for (int p = 0; p < top.length; p++) {
                        int[] q = shownPairs.get(p);
                        String range = noise == null ? "" : String.format(Locale.ROOT, " (resampled: %.3f to %.3f)",
                                noise.low(q[0], q[1]), noise.high(q[0], q[1]));
                        o.printf(Locale.ROOT, "  %s ~ %s: %s%s%n", names.get(q[0]), names.get(q[1]), scores.get(p), range);
                    }
                    if (noise != null && pairs.size() > 1) {
                        int beyond = 0;
                        for (int[] q : pairs) {
                            beyond += sim[q[0]][q[1]] - middle > spread ? 1 : 0;
                        }
                        o.printf(Locale.ROOT, "  (named: the %d of %d pairs that lead the middle one's %.4f by more "
                                + "than %.4f, %s %d resamples of each task's training rows moved two pairs' scores "
                                + "apart%s; resampled: 5%%-95%% of those resamples' scores)%n", beyond, pairs.size(),
                                middle, spread, resamples == MIN_RESAMPLES ? "the most that" : "the 95% level of how far",
                                resamples, beyond > top.length ? "; the top " + top.length + " shown" : "");
                    } else if (pairs.size() > 1) {
                        o.println("  (--resamples 0: ranked as scored, not checked against sampling noise)");
                    }
                }
                named = shownPairs;
            }
        }
        if (json != null) {
            JsonObject root = new JsonObject();
            root.add("provenance", Outputs.provenance(backend,
                    spec.commandLine().getParseResult().originalArgs().toArray(new String[0])));
            root.addProperty("seed", data.seed);
            root.addProperty("suite", suiteName);
            root.addProperty("shared_inputs", sharedInputs);
            JsonArray n = new JsonArray();
            names.forEach(n::add);
            root.add("task_names", n);
            root.addProperty("energy", energy);
            root.add("similarity", ModelIO.gson().toJsonTree(sim));
            root.add("similarity_ranks", ModelIO.gson().toJsonTree(ranks));
            root.add("similarity_resampled", noise == null ? com.google.gson.JsonNull.INSTANCE
                    : resampledJson(noise, k, resamples, data.seed, spread, middle));
            JsonArray np = new JsonArray();
            for (int[] q : named) {
                JsonObject p = new JsonObject();
                JsonArray t = new JsonArray();
                t.add(names.get(q[0]));
                t.add(names.get(q[1]));
                p.add("tasks", t);
                p.addProperty("similarity", sim[q[0]][q[1]]);
                if (noise != null) {
                    p.addProperty("low", noise.low(q[0], q[1]));
                    p.addProperty("high", noise.high(q[0], q[1]));
                }
                np.add(p);
            }
            root.add("most_similar_pairs", np);
            if (resolved == null) {
                root.add("ranking_resolved", com.google.gson.JsonNull.INSTANCE);
            } else {
                root.addProperty("ranking_resolved", resolved);
            }
            root.addProperty("reweight_rank", r);
            if (wn != null) {
                root.add("weights_normalized", ModelIO.gson().toJsonTree(wn));
                root.add("weights_paper", ModelIO.gson().toJsonTree(wp));
            }
            root.add("capacity", ModelIO.gson().toJsonTree(cap));
            root.add("warnings", warnings.json());
            Outputs.writeJson(json, ModelIO.toJson(root), spec.commandLine().getOut(), o, "");
        }
        return 0;
    }

    /** Fewer resamples cannot put a 1-in-20 level at one of their ranges (the 19th of 19 is the largest). */
    static final int MIN_RESAMPLES = 19;

    /** Enough to place the 1-in-20 level to within a fraction of a resample's spread, and few enough to end. */
    static final int MAX_RESAMPLES = 10_000;

    private static JsonObject resampledJson(org.mtlalign.analysis.CovarianceSimilarity.Resampled noise, int k,
                                            int resamples, long seed, double spread, double middle) {
        double[][] low = new double[k][k];
        double[][] high = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                low[i][j] = noise.low(i, j);
                high[i][j] = noise.high(i, j);
            }
        }
        JsonObject r = new JsonObject();
        r.addProperty("resamples", noise.resamples());
        r.addProperty("planned", resamples);
        r.addProperty("seed", seed);
        r.add("low", ModelIO.gson().toJsonTree(low));
        r.add("high", ModelIO.gson().toJsonTree(high));
        r.addProperty("noise", spread);
        r.addProperty("middle", middle);
        return r;
    }

    /**
     * The scores of a ranked (descending) list, printed with one number of decimals for all, 3 or
     * more, enough that scores which differ print differently (up to 6 decimals), so the printed
     * order can be read off the numbers; scores still equal at 6 decimals are marked "(tie)".
     */
    static List<String> rankedScores(double[] v) {
        int decimals = 3;
        while (decimals < 6 && !distinct(v, decimals)) {
            decimals++;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.length; i++) {
            String s = fmt(v[i], decimals);
            boolean tie = (i > 0 && s.equals(fmt(v[i - 1], decimals)))
                    || (i + 1 < v.length && s.equals(fmt(v[i + 1], decimals)));
            out.add(tie ? s + " (tie)" : s);
        }
        return out;
    }

    private static boolean distinct(double[] v, int decimals) {
        for (int i = 1; i < v.length; i++) {
            if (v[i] != v[i - 1] && fmt(v[i], decimals).equals(fmt(v[i - 1], decimals))) {
                return false;
            }
        }
        return true;
    }

    private static String fmt(double x, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", x);
    }

    /** Whether every row of the rows x d inputs equals the first (no column varies). */
    static boolean constantRows(float[] x, int rows, int d) {
        for (int r = 1; r < rows; r++) {
            for (int j = 0; j < d; j++) {
                if (x[r * d + j] != x[j]) {
                    return false;
                }
            }
        }
        return true;
    }
}
