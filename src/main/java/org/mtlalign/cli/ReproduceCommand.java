package org.mtlalign.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.Backends;
import org.mtlalign.experiments.Experiment;
import org.mtlalign.experiments.ExperimentContext;
import org.mtlalign.experiments.Experiments;
import org.mtlalign.experiments.Report;
import org.mtlalign.experiments.ResultWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `mtl reproduce NAME|all`: the paper's claims, one experiment each. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = {"Reproduce a claim of the paper: writes DIR/NAME.csv (one row per point and seed), DIR/NAME.png "
                + "(means with error bars) and DIR/NAME.md (claim, measurement, verdict).",
                "Experiments: capacity, task-covariance, alignment, reweighting, transfer, similarity-vs-transfer, all."})
public final class ReproduceCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "An experiment name, or 'all'.")
    String name;

    @Option(names = "--quick", description = "Small sizes (the whole set in under a minute on a 2-core CPU).")
    boolean quick;

    @Option(names = "--out", defaultValue = "results", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seeds", defaultValue = "5", description = "Seeds per point (default: ${DEFAULT-VALUE}, at most "
            + SweepCommand.MAX_SEEDS + ").")
    int seeds;

    @Option(names = "--seed", defaultValue = "1", description = "First seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    BackendOption backendOption = new BackendOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter e = spec.commandLine().getErr();
        List<Experiment> todo = new ArrayList<>();
        if (name.equals("all")) {
            todo.addAll(Experiments.all());
        } else {
            Experiment x = Experiments.byName(name);
            if (x == null) {
                List<String> names = Experiments.all().stream().map(Experiment::name).toList();
                throw new UserInputException("reproduce: unknown experiment '" + name + "' (expected one of "
                        + String.join(", ", names) + " or all)");
            }
            todo.add(x);
        }
        // As train, sweep and pairs check them: '--seed 9223372036854775807 --seeds 2' ran its second
        // seed as -9223372036854775808 (so the CSV said), and '--seeds 2147483647' ran out of heap.
        SweepCommand.checkSeeds(seed, seeds);
        if (seeds == 1) {
            e.println("note: with --seeds 1 there is no spread across seeds: every '± 0.0000' and any verdict that "
                    + "compares against the seed spread says nothing; use --seeds 3 or more to judge a claim");
        }
        // The output files are checked before any experiment runs: a full run takes hours, and
        // finding an unwritable --out at its end would lose them.
        for (Experiment x : todo) {
            for (String ext : new String[] {".csv", ".png", ".md"}) {
                String why = org.mtlalign.data.SafeWrite.whyNotWritable(out.resolve(x.name() + ext));
                if (why != null) {
                    throw new UserInputException("--out " + out + ": " + x.name() + ext + " there: " + why);
                }
            }
        }
        // A failure (a full disk) must not leave a new, empty --out folder behind.
        List<Path> made = Outputs.missingFolders(out);
        try {
            return run(todo, o, e);
        } catch (RuntimeException ex) {
            Outputs.removeEmptyFolders(made);
            throw ex;
        }
    }

    private int run(List<Experiment> todo, PrintWriter o, PrintWriter e) {
        Backend backend = backendOption.select(e::println);
        ExperimentContext ctx = new ExperimentContext(backend, quick, seeds, seed, s -> e.println("  .. " + s));
        // Experiments are independent (own data, seeds and output files), so a backend that
        // allows it runs them in parallel; results are printed in order once all are done, and
        // each experiment's files are written as soon as it finishes.
        int n = todo.size();
        Report[] reports = new Report[n];
        double[] seconds = new double[n];
        RuntimeException[] failures = new RuntimeException[n];
        boolean parallel = backend.concurrency() > 1 && n > 1;
        if (parallel) {
            e.println("running " + n + " experiments on " + backend.concurrency() + " workers");
        }
        long start = System.nanoTime();
        List<String> written = new ArrayList<>();
        Thread note = interruptedNote(e, todo, written);
        try {
            runAll(todo, ctx, backend, reports, seconds, failures, written);
        } finally {
            Outputs.endInterruptedNote(note);
        }
        for (int i = 0; i < n; i++) {
            Experiment x = todo.get(i);
            if (reports[i] == null) {
                continue;
            }
            Report r = reports[i];
            o.printf(Locale.ROOT, "%n== %s (%.0f s) ==%n", x.title(), seconds[i]);
            Tables.print(o, r.tableHeader(), r.tableRows());
            o.println("measured: " + r.measured());
            o.println("verdict: the paper's claim " + r.verdict().text());
            o.println(failures[i] == null ? "wrote " + out.resolve(x.name() + ".{csv,png,md}")
                    : "NOT written: " + failures[i].getMessage());
        }
        if (n > 1) {
            o.printf(Locale.ROOT, "%n%d experiments in %.0f s%s%n", n, (System.nanoTime() - start) / 1e9,
                    parallel ? " (" + backend.concurrency() + " workers)" : "");
        }
        for (RuntimeException ex : failures) {
            if (ex != null) {
                throw ex;
            }
        }
        return 0;
    }

    private void runAll(List<Experiment> todo, ExperimentContext ctx, Backend backend, Report[] reports, double[] seconds,
                        RuntimeException[] failures, List<String> written) {
        backend.forEachIndependent(todo.size(), i -> {
            Experiment x = todo.get(i);
            long t0 = System.nanoTime();
            try {
                reports[i] = x.run(ctx);
                if (seeds == 1) {
                    // No spread to compare against: the verdict says nothing, and the files say so too.
                    Report r = reports[i];
                    r.measured("With --seeds 1 there is no spread across seeds (every ± is 0 or undefined), so the "
                            + "verdict is inconclusive; by this one seed's values alone it would read '"
                            + r.verdict().text() + "'. Use --seeds 3 or more to judge the claim. " + r.measured());
                    r.verdict(Report.Verdict.INCONCLUSIVE);
                }
                String cmd = "mtl reproduce " + x.name() + (quick ? " --quick" : "") + " --seeds " + seeds
                        + (seed != 1 ? " --seed " + seed : "") + " --out " + out;
                ResultWriter.write(out, x, reports[i], cmd);
                synchronized (written) {
                    written.add(x.name());
                }
            } catch (RuntimeException ex) {
                // Keep going: the other experiments' results are still written and printed, and
                // this one's table too if only writing it failed.
                failures[i] = ex;
            }
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        });
    }

    /**
     * A run stopped from outside (Ctrl-C, SIGTERM) ended on a progress line, so a batch log could
     * not tell an interruption from a crash, nor which experiments' files were new. Each
     * experiment's three files are replaced together when it finishes, so the others still hold
     * an earlier run's files, if any.
     */
    private Thread interruptedNote(PrintWriter e, List<Experiment> todo, List<String> written) {
        List<String> earlier = todo.stream().map(Experiment::name)
                .filter(x -> java.nio.file.Files.exists(out.resolve(x + ".csv"))).toList();
        return Outputs.onInterrupt(() -> {
            List<String> done;
            synchronized (written) {
                done = List.copyOf(written);
            }
            List<String> kept = earlier.stream().filter(x -> !done.contains(x)).toList();
            e.println();
            e.println("mtl: interrupted after " + done.size() + " of " + todo.size() + " experiment"
                    + (todo.size() == 1 ? "" : "s") + "; "
                    + (done.isEmpty() ? "nothing new was written to " + out
                            : out + " holds the new files of " + String.join(", ", done))
                    + (kept.isEmpty() ? "" : " (the earlier files there of " + String.join(", ", kept) + " are kept whole)"));
            e.flush();
        });
    }
}
