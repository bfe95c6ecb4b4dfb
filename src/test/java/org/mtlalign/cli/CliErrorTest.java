package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;

/** Every kind of bad input gives a one-line error naming the problem and exit code 2. */
class CliErrorTest {
    @TempDir
    Path dir;

    static void assertUserError(CliTestSupport.Run r, String... fragments) {
        assertEquals(2, r.code(), "exit code; output: " + r.all());
        String err = r.err().strip();
        assertFalse(err.isEmpty(), "no error message");
        assertEquals(1, err.lines().filter(l -> l.startsWith("mtl:")).count(), "one error line: " + err);
        assertFalse(err.contains("\tat "), "stack trace printed: " + err);
        assertFalse(err.contains("Exception"), "exception class leaked: " + err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "message '" + err + "' lacks '" + f + "'");
        }
    }

    private String task(String name, int m, int d) throws Exception {
        return CliTestSupport.taskSpec(dir, name, m, d);
    }

    /**
     * A path the JVM cannot represent (a NUL here; a name such as café.npz under LANG=C, whose
     * file-name encoding is ASCII) is one line naming it, from an option of type Path and from a
     * --task spec alike, never an internal error.
     */
    @Test
    void unrepresentablePathsAreUserErrors() {
        String[][] cases = {
            {"analyze", "--tasks", "bad\u0000dir"},
            {"svd", "--in", "a\u0000.npz", "--out", "o"},
            {"analyze", "--task", "a=x\u0000.npz", "--task", "b=y\u0000.npz"},
        };
        for (String[] c : cases) {
            CliTestSupport.Run r = CliTestSupport.run(c);
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.all());
            assertTrue(r.err().contains("not a usable path here") && r.err().contains("UTF-8 locale"), r.err());
            assertFalse(r.err().contains("internal error") || r.err().contains("Exception"), r.err());
        }
    }

    /**
     * Under LANG=C the JVM reads arguments and file names as ASCII, with U+FFFD for each byte beyond
     * it: a task named \u00fcn\u00ef on the command line, or a task folder of that name under
     * --tasks, trained as a task whose name no UTF-8 script could match (the JSON's task_names and
     * model.json kept the U+FFFDs), with nothing said. Both are refused, naming the locale.
     */
    @Test
    void namesTheLocaleCannotReadAreRefusedNotGarbled() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 60, 3, 5);
        Path[] b = CliTestSupport.binaryTask(dir, "b", 60, 3, 6);
        Path tasks = dir.resolve("tasks");
        for (String n : new String[] {"\u00fcn\u00ef", "b"}) {
            Files.createDirectories(tasks.resolve(n));
            Files.copy(a[0], tasks.resolve(n).resolve("X.npy"));
            Files.copy(a[1], tasks.resolve(n).resolve("y.npy"));
        }
        Path json = dir.resolve("r.json");
        String[][] cases = {
            {"analyze", "--task", "\u00fcn\u00ef=" + a[0] + ":" + a[1], "--task", "b=" + b[0] + ":" + b[1],
                "--resamples", "0", "--json", json.toString()},
            {"analyze", "--tasks", tasks.toString(), "--resamples", "0", "--json", json.toString()},
        };
        String[] fragments = {"argument '", tasks + ": the name of "};
        for (int i = 0; i < cases.length; i++) {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(javaBin, "--add-modules",
                    "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "org.mtlalign.cli.Main"));
            cmd.addAll(java.util.List.of(cases[i]));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().remove("LANG");
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(2, p.exitValue(), err);
            String line = err.lines().filter(l -> l.startsWith("mtl: ")).findFirst().orElse("");
            assertTrue(line.contains(fragments[i]) && line.contains("run under a UTF-8 locale"), err);
            assertFalse(Files.exists(json), "no results under a garbled name: " + err);
        }
        // The same names under this JVM's UTF-8 locale are read as given.
        CliTestSupport.Run ok = CliTestSupport.run("analyze", "--tasks", tasks.toString(), "--resamples", "0",
                "--json", json.toString());
        assertEquals(0, ok.code(), ok.all());
        assertTrue(Files.readString(json, java.nio.charset.StandardCharsets.UTF_8).contains("\"\u00fcn\u00ef\""));
    }

    @Test
    void unknownOption() {
        assertUserError(CliTestSupport.run("train", "--frobnicate", "3"), "--frobnicate");
        assertUserError(CliTestSupport.run("bogus-command"), "bogus-command");
    }

    /**
     * A typo of a required option ('mtl predict --taks MR') said only "Missing required option
     * '--task=NAME'", never naming '--taks': picocli checks required options before it reports
     * unmatched arguments. The typo is named first, with picocli's suggestion, and an unknown
     * option close to a known one ('mtl sweep --rank', which takes --ranks) names it too.
     */
    @Test
    void typoOfARequiredOptionIsNamed() {
        CliTestSupport.Run r = CliTestSupport.run("predict", "--model", dir.toString(), "--taks", "MR",
                "--in", "x.csv", "--out", "o.csv");
        assertUserError(r, "'--taks'", "did you mean '--task'?", "--task=NAME");
        CliTestSupport.Run sweep = CliTestSupport.run("sweep", "--suite", "digits-pairs", "--rank", "1,2");
        assertUserError(sweep, "'--rank'", "did you mean '--ranks'");
        CliTestSupport.Run epoch = CliTestSupport.run("train", "--epoch", "5");
        assertUserError(epoch, "'--epoch'", "'--epochs'");
    }

    /**
     * An option of another command ('mtl analyze --epochs 3') was 'Unknown option' alone, as if
     * misspelt; the commands that take it are named. A close option of the command itself still
     * wins, and an option no command takes gets no such hint.
     */
    @Test
    void anOptionOfAnotherCommandNamesTheCommandsThatTakeIt() {
        CliTestSupport.Run analyze = CliTestSupport.run("analyze", "--suite", "digits-pairs", "--epochs=3");
        assertUserError(analyze, "'--epochs=3'", "'--epochs' is an option of mtl train, sweep and pairs");
        CliTestSupport.Run svd = CliTestSupport.run("svd", "--seed", "1");
        assertUserError(svd, "'--seed'", "is an option of mtl train, sweep, pairs, analyze and reproduce",
                "Missing required options");
        CliTestSupport.Run close = CliTestSupport.run("analyze", "--suite", "digits-pairs", "--ranks", "3");
        assertUserError(close, "did you mean '--rank'?");
        assertFalse(close.err().contains("is an option of"), close.err());
        CliTestSupport.Run none = CliTestSupport.run("train", "--frobnicate", "3");
        assertFalse(none.err().contains("is an option of"), none.err());
    }

    @Test
    void badOptionValues() throws Exception {
        String t = task("a", 40, 5);
        assertUserError(CliTestSupport.run("train", "--task", t, "--rank", "abc"), "--rank");
        assertUserError(CliTestSupport.run("train", "--task", t, "--rank", "0"), "--rank");
        assertUserError(CliTestSupport.run("train", "--task", t, "--rank", "6"), "--rank", "d = 1..5");
        CliTestSupport.Run analyze = CliTestSupport.run("analyze", "--task", t, "--rank", "6");
        assertUserError(analyze, "--rank", "1..5");
        org.junit.jupiter.api.Assertions.assertEquals("", analyze.out(), "printed a partial report before the error");
        assertUserError(CliTestSupport.run("train", "--task", t, "--activation", "tanh"), "--activation");
        assertUserError(CliTestSupport.run("train", "--task", t, "--loss", "hinge"), "--loss");
        assertUserError(CliTestSupport.run("train", "--task", t, "--epochs", "0"), "--epochs");
        // --rank below 1 is refused before the data are read (the report's first lines are not printed).
        CliTestSupport.Run early = CliTestSupport.run("train", "--task", t, "--rank", "-3");
        assertUserError(early, "--rank");
        assertTrue(!early.out().contains("task "), early.out());
        // Java's ForkJoinPool takes at most 32767 threads: more was an internal error (exit 1).
        assertUserError(CliTestSupport.run("analyze", "--task", t, "--threads", "40000"), "--threads", "1..32767");
        assertUserError(CliTestSupport.run("analyze", "--task", t, "--threads", "0"), "--threads");
        assertUserError(CliTestSupport.run("train", "--task", t, "--lr", "-1"), "--lr");
        assertUserError(CliTestSupport.run("train", "--suite", "mnist"), "--suite", "mnist");
        assertUserError(CliTestSupport.run("train", "--backend", "tpu"), "--backend", "tpu");
        assertUserError(CliTestSupport.run("train", "--task", t, "--suite", "digits-ovr"), "one way");
        assertUserError(CliTestSupport.run("analyze", "--shared-x", dir.resolve("a/X.npy").toString()), "--labels");
        // Comparisons made of test metrics without test rows: refused before anything trains.
        assertUserError(CliTestSupport.run("train", "--task", t, "--test", "0", "--seeds", "2"), "--seeds 2",
                "needs test rows (--test above 0)");
        assertUserError(CliTestSupport.run("pairs", "--test", "0"), "--test", "needs test rows (--test above 0)");
        // Seeds past the largest long are refused, not wrapped to negative ones.
        for (String cmd : new String[] {"train", "sweep", "pairs"}) {
            assertUserError(CliTestSupport.run(cmd, "--seed", Long.toString(Long.MAX_VALUE), "--seeds", "2"),
                    "--seed " + Long.MAX_VALUE + " with --seeds 2", "smaller --seed");
        }
        assertEquals("4", SweepCommand.oneIn(3));
        assertEquals("4611686018427387904", SweepCommand.oneIn(63));
        assertEquals("2^99", SweepCommand.oneIn(100));
        assertEquals("", PairsCommand.remaining(5_000_000_000L, 2, 100), "too few done to say");
        assertEquals(", about 45 s left", PairsCommand.remaining(5_000_000_000L, 10, 100));
        assertEquals(", about 8 min left", PairsCommand.remaining(50_000_000_000L, 10, 100));
        assertEquals("", PairsCommand.remaining(1_000_000_000L, 10, 100), "under 20 s left");
        assertEquals("", PairsCommand.remaining(50_000_000_000L, 100, 100), "finished");
        // 60 tasks: 5490 trainings, whose tenth can take an hour; a minute's worth says it sooner.
        assertEquals("", PairsCommand.remaining(59_000_000_000L, 5, 5490), "under a tenth and a minute");
        assertEquals(", about 18.6 h left", PairsCommand.remaining(61_000_000_000L, 5, 5490));
        assertEquals("", PairsCommand.remaining(61_000_000_000L, 2, 5490), "fewer than 3 finished");
        // --energy is checked before the data are read: a missing file is not reached.
        for (String cmd : new String[] {"analyze", "train", "pairs"}) {
            assertUserError(CliTestSupport.run(cmd, "--task", "a=" + dir.resolve("missing.npz"), "--energy", "1.5"),
                    "--energy", "(0, 1]");
        }
    }

    @Test
    void cudaWithoutGpuIsAClearError() {
        org.junit.jupiter.api.Assumptions.assumeFalse(org.mtlalign.backend.cuda.CudaProbe.usable(),
                "a usable GPU is present: --backend cuda is not an error here");
        assertUserError(CliTestSupport.run("info", "--backend", "cuda"), "--backend cuda");
    }

    /**
     * A data file error under --backend auto is the one line on standard error: the backend's
     * notice ("backend: cpu (CUDA not used: ...)") came first, so every such error read as two.
     */
    @Test
    void aDataErrorIsTheOnlyLineOnStandardError() {
        String bad = "a=" + dir.resolve("nope.npy") + ":" + dir.resolve("y.npy");
        for (String cmd : new String[] {"train", "analyze", "sweep", "pairs"}) {
            CliTestSupport.Run r = CliTestSupport.run(cmd, "--task", bad, "--task", bad.replace("a=", "b="));
            assertUserError(r, "nope.npy");
            assertEquals(1, r.err().strip().lines().count(), cmd + ": " + r.err());
        }
    }

    @Test
    void missingFiles() {
        assertUserError(CliTestSupport.run("train", "--task", "a=" + dir.resolve("nope.npy") + ":" + dir.resolve("y.npy")),
                "nope.npy");
        assertUserError(CliTestSupport.run("train", "--tasks", dir.resolve("missing").toString()), "missing");
        assertUserError(CliTestSupport.run("train", "--task", "no-colon-here"), "--task");
        assertUserError(CliTestSupport.run("train", "--resume", dir.resolve("nomodel").toString()), "nomodel");
    }

    /** Inputs near 1e20 overflow X^T X in float32: the width suggestion says so (it crashed in the eigensolver). */
    @Test
    void hugeInputsWithoutRankAreAClearError() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "huge", 40, 5, 4);
        float[] x = Npy.read(a[0]).data().clone();
        for (int i = 0; i < x.length; i++) {
            x[i] *= 1e20f;
        }
        Path big = dir.resolve("Xhuge.npy");
        Npy.write(big, new int[] {40, 5}, x);
        assertUserError(CliTestSupport.run("train", "--task", "a=" + big + ":" + a[1], "--task", task("b", 40, 5),
                "--standardize", "none", "--epochs", "1", "--no-stl"), "too large for float32", "standardise");
    }

    @Test
    void taskSpecsThatDoNotSplitNameTheSpec() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 40, 5, 1);
        String x = a[0].toString();
        String y = a[1].toString();
        assertUserError(CliTestSupport.run("train", "--task", "a=" + x + ":"),
                "--task a=" + x + ":: the y file name is empty");
        assertUserError(CliTestSupport.run("train", "--task", "a=:" + y), "--task a=:" + y + ": the X file name is empty");
        assertUserError(CliTestSupport.run("train", "--task", "a=:"), "--task a=:: the X file name is empty");
        // Windows paths: no colon splits them into existing files on this system.
        String win = "a=C:\\data\\X.npy:C:\\data\\y.npy";
        assertUserError(CliTestSupport.run("train", "--task", win),
                "--task " + win + ": found no ':' that splits it into an existing X file", "--tasks DIR");
        // A folder is not a data file, also when the spec has a single colon.
        Files.createDirectories(dir.resolve("folder"));
        assertUserError(CliTestSupport.run("train", "--task", "a=" + dir.resolve("folder") + ":" + y),
                dir.resolve("folder") + ": is a directory, not a data file");
    }

    /** Finite inputs whose singular values exceed float32 (4 x 4 of 3e38: S[0] = 1.2e39) are an error, not inf. */
    @Test
    void svdOverflowIsAnError() throws Exception {
        Path big = dir.resolve("big.npy");
        float[] a = new float[16];
        java.util.Arrays.fill(a, 3e38f);
        Npy.write(big, new int[] {4, 4}, a);
        Path out = dir.resolve("svd-big");
        assertUserError(CliTestSupport.run("svd", "--in", big.toString(), "--out", out.toString()), "big.npy",
                "overflows float32");
        org.junit.jupiter.api.Assertions.assertFalse(java.nio.file.Files.exists(out.resolve("S.npy")));
    }

    /** With one seed there is no spread: the verdict is inconclusive, in the files too. */
    @Test
    void reproduceWithOneSeedIsInconclusive() throws Exception {
        Path out = dir.resolve("one-seed");
        CliTestSupport.Run r = CliTestSupport.run("reproduce", "capacity", "--quick", "--seeds", "1", "--out",
                out.toString());
        org.junit.jupiter.api.Assertions.assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("verdict: the paper's claim cannot be judged (inconclusive)"), r.out());
        String md = java.nio.file.Files.readString(out.resolve("capacity.md"));
        assertTrue(md.contains("With --seeds 1 there is no spread") && md.contains("inconclusive"), md);
    }

    /**
     * A --weight-decay of 1 / --lr or more wipes the weights out in one step (factor 1 - lr x decay):
     * the run ended 'training diverged ... try a smaller --lr' (exit 3) without naming the decay.
     * Refused before the data is read, by train, sweep and pairs; just below the bound still trains.
     */
    @Test
    void aWeightDecayThatWipesTheWeightsIsRefused() {
        for (String cmd : new String[] {"train", "sweep", "pairs"}) {
            assertUserError(CliTestSupport.run(cmd, "--suite", "synthetic-linear", "--epochs", "1", "--lr", "0.5",
                    "--weight-decay", "2", "--no-progress"), "--weight-decay 2 with --lr 0.5",
                    "scales the weights by 1 - lr x decay = 0", "below 1 / --lr = 2");
        }
        assertUserError(CliTestSupport.run("train", "--suite", "synthetic-linear", "--epochs", "1", "--weight-decay",
                "1e308", "--no-progress"), "--weight-decay Infinity (beyond the float range) with --lr 0.005");
        // The factor from the numbers as typed: in float arithmetic 0.005 x 300 left -0.49999997.
        assertUserError(CliTestSupport.run("train", "--suite", "synthetic-linear", "--epochs", "1", "--weight-decay",
                "300", "--no-progress"), "--weight-decay 300 with --lr 0.005: each step scales the weights by "
                + "1 - lr x decay = -0.5, so", "below 1 / --lr = 200");
        CliTestSupport.Run ok = CliTestSupport.run("train", "--suite", "synthetic-linear", "--epochs", "1", "--lr", "0.5",
                "--weight-decay", "1.9", "--rank", "2", "--no-stl", "--align", "none", "--reweight", "none", "--no-progress");
        assertFalse(ok.err().contains("--weight-decay 1.9"), ok.all());
        // The alignment phase steps at lr x --align-lr-factor: a factor above 1 let a decay that
        // passes the check on lr alone move R_i past the identity on every step.
        assertUserError(CliTestSupport.run("train", "--suite", "synthetic-linear", "--epochs", "1", "--lr", "0.1",
                "--weight-decay", "5", "--align-lr-factor", "4", "--no-progress"),
                "--weight-decay 5 with --lr 0.1 x --align-lr-factor 4", "(lr x factor x decay = 2 >= 1)");
        // The values as typed, as the refusal on lr x decay shows them: float arithmetic printed 5.0, 4.0
        // and 2.0, and 0.3 x 7 x 0.5 as 1.0500001.
        assertUserError(CliTestSupport.run("train", "--suite", "synthetic-linear", "--epochs", "1", "--lr", "0.3",
                "--weight-decay", "0.5", "--align-lr-factor", "7", "--no-progress"),
                "--weight-decay 0.5 with --lr 0.3 x --align-lr-factor 7", "(lr x factor x decay = 1.05 >= 1)");
        CliTestSupport.Run noAlign = CliTestSupport.run("train", "--suite", "synthetic-linear", "--epochs", "1", "--lr",
                "0.1", "--weight-decay", "5", "--align-lr-factor", "4", "--align", "none", "--rank", "2", "--no-stl",
                "--reweight", "none", "--no-progress");
        assertEquals(0, noAlign.code(), noAlign.all());
    }

    /** A loss --loss forced on labels it does not fit was refused naming the task and labels, not --loss. */
    @Test
    void aLossThatDoesNotFitTheLabelsNamesLoss() {
        assertUserError(CliTestSupport.run("analyze", "--suite", "synthetic-linear", "--loss", "linear-0=logistic"),
                "task 'linear-0' has 400 distinct label values; a binary (logistic) task needs exactly 2 (asked for by --loss)");
        assertUserError(CliTestSupport.run("analyze", "--suite", "synthetic-linear", "--loss", "softmax"),
                "softmax loss (asked for by --loss) needs integer class labels");
    }

    /** A bad --align-lr-factor was refused only after the data, the split and the width's ridge fits. */
    @Test
    void aBadAlignLrFactorIsRefusedBeforeTheData() {
        for (String v : new String[] {"0", "NaN", "1e39", "-1"}) {
            CliTestSupport.Run r = CliTestSupport.run("train", "--suite", "synthetic-linear", "--epochs", "1",
                    "--align-lr-factor", v, "--no-progress");
            assertUserError(r, "--align-lr-factor: must be a positive number, got ");
            assertFalse(r.err().contains("choosing the width") || r.out().contains("suite 'synthetic-linear'"), r.all());
        }
    }

    /**
     * reproduce checks --seed and --seeds as train, sweep and pairs do: '--seed 9223372036854775807
     * --seeds 2' ran its second seed as -9223372036854775808 (written so in the CSV), and '--seeds
     * 2147483647' ran out of heap, said as an input too large for it. Refused before --out is made.
     */
    @Test
    void reproduceRefusesSeedsPastTheLargestSeedOrTooMany() {
        Path out = dir.resolve("wrapped");
        assertUserError(CliTestSupport.run("reproduce", "capacity", "--quick", "--seeds", "2", "--seed",
                Long.toString(Long.MAX_VALUE), "--out", out.toString()), "--seed 9223372036854775807 with --seeds 2",
                "past the largest seed");
        assertUserError(CliTestSupport.run("reproduce", "capacity", "--quick", "--seeds", "2147483647", "--out",
                out.toString()), "--seeds: must be in 1..100, got 2147483647");
        assertUserError(CliTestSupport.run("reproduce", "capacity", "--seeds", "0", "--out", out.toString()),
                "--seeds: must be in 1..100, got 0");
        org.junit.jupiter.api.Assertions.assertFalse(java.nio.file.Files.exists(out));
    }

    /**
     * --shared-x/--labels: a label column whose class ids float32 merges is refused naming that
     * column; equal floats in different columns (different tasks) are not a collision.
     */
    @Test
    void sharedLabelColumnsWithMergedClassIdsAreRefused() throws Exception {
        int m = 30;
        float[] x = new float[m * 2];
        int[] y = new int[m * 2];
        int[] apart = new int[m * 2];
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < m; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            y[2 * i] = i % 2 == 0 ? 1 : 0;
            y[2 * i + 1] = 100000001 + i % 3;  // 100000001 and 100000002 are one float
            apart[2 * i] = 100000001 + 0 * i;  // column 0 holds one id, column 1 the neighbour:
            apart[2 * i + 1] = i % 2 == 0 ? 100000002 : 5;  // equal floats, different tasks
        }
        Path xf = dir.resolve("sx.npy");
        Path yf = dir.resolve("sy.npy");
        Npy.write(xf, new int[] {m, 2}, x);
        Npy.writeInt(yf, new int[] {m, 2}, y);
        assertUserError(CliTestSupport.run("analyze", "--shared-x", xf.toString(), "--labels", yf.toString()),
                "sy.npy[:, 1]: labels 100000001 and 100000002 both become 1.0E8");
        Path af = dir.resolve("sy-apart.npy");
        Npy.writeInt(af, new int[] {m, 2}, apart);
        CliTestSupport.Run r = CliTestSupport.run("analyze", "--shared-x", xf.toString(), "--labels", af.toString());
        assertFalse(r.err().contains("both become"), r.err());
    }

    /** reproduce checks its output files before running anything (a full run takes hours). */
    @Test
    void reproduceChecksItsOutputsFirst() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("not-a-folder"), "x");
        CliTestSupport.Run r = CliTestSupport.run("reproduce", "capacity", "--quick", "--out", file.toString());
        assertUserError(r, "--out", "is a file, not a folder");
        Path d = java.nio.file.Files.createDirectories(dir.resolve("rep/capacity.md"));
        r = CliTestSupport.run("reproduce", "capacity", "--quick", "--out", d.getParent().toString());
        assertUserError(r, "capacity.md there: is a directory");
        org.junit.jupiter.api.Assertions.assertFalse(java.nio.file.Files.exists(d.getParent().resolve("capacity.csv")),
                "it ran and wrote part of the set before refusing");
        org.junit.jupiter.api.Assertions.assertFalse(r.err().contains(".. "), "it ran before refusing: " + r.err());
    }

    @Test
    void mismatchedRows() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 40, 5, 1);
        Path[] b = CliTestSupport.binaryTask(dir, "b", 30, 5, 2);
        assertUserError(CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + b[1]), "30 rows", "40");
    }

    @Test
    void differentDimensionsAcrossTasks() throws Exception {
        assertUserError(CliTestSupport.run("train", "--task", task("a", 40, 5), "--task", task("b", 40, 6)),
                "d = 6", "d = 5");
    }

    @Test
    void nanAndInfAreReportedWithFileAndIndex() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 20, 4, 3);
        float[] x = Npy.read(a[0]).data().clone();
        x[2 * 4 + 3] = Float.NaN;
        Path bad = dir.resolve("Xnan.npy");
        Npy.write(bad, new int[] {20, 4}, x);
        assertUserError(CliTestSupport.run("train", "--task", "a=" + bad + ":" + a[1]), "Xnan.npy", "NaN", "[2, 3]");
        x[2 * 4 + 3] = 1f;
        x[5] = Float.POSITIVE_INFINITY;
        Npy.write(bad, new int[] {20, 4}, x);
        assertUserError(CliTestSupport.run("train", "--task", "a=" + bad + ":" + a[1]), "Xnan.npy", "Inf", "[1, 1]");
    }

    @Test
    void emptyTask() throws Exception {
        Path x = dir.resolve("X0.npy");
        Path y = dir.resolve("y0.npy");
        Npy.write(x, new int[] {0, 4}, new float[0]);
        Npy.write(y, new int[] {0}, new float[0]);
        assertUserError(CliTestSupport.run("train", "--task", "e=" + x + ":" + y), "empty");
    }

    /**
     * A task of one labelled row (a CSV cut to its first line, or every label but one missing)
     * is refused for that, not only for its one "class", which a regression task's owner would
     * not recognise.
     */
    @Test
    void aTaskOfOneLabelledRowSaysSo() throws Exception {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        java.util.Random rnd = new java.util.Random(seed);
        int d = 3 + 2 * rnd.nextInt(4);
        int m = 1 + 2 * rnd.nextInt(5);
        int labelled = rnd.nextInt(m);
        StringBuilder x = new StringBuilder();
        StringBuilder y = new StringBuilder("target\n");
        StringBuilder words = new StringBuilder("label\n");
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x.append(j == 0 ? "" : ",").append(rnd.nextGaussian());
            }
            x.append('\n');
            y.append(i == labelled ? Double.toString(rnd.nextGaussian()) : "NA").append('\n');
            words.append(i == labelled ? "active" : "\"\"").append('\n');  // "": a missing label, as pandas writes it
        }
        Path xf = dir.resolve("X.csv");
        Path yf = dir.resolve("y.csv");
        Path wf = dir.resolve("words.csv");
        Files.writeString(xf, x.toString());
        Files.writeString(yf, y.toString());
        Files.writeString(wf, words.toString());
        String other = CliTestSupport.taskSpec(dir, "b", 41, d);
        for (Path labels : new Path[] {yf, wf}) {
            CliTestSupport.Run r = CliTestSupport.run("analyze", "--task", "a=" + xf + ":" + labels, "--task", other);
            assertUserError(r, "only 1 labelled row", "a few dozen");
            assertFalse(r.err().contains("class"), "seed=" + seed + ": " + r.err());
        }
        // Two rows of one value: a one-class task, as before.
        Files.writeString(yf, "target\n1.5\n1.5\n");
        Files.writeString(xf, x.toString().lines().limit(1).map(l -> l + "\n" + l + "\n").findFirst().orElseThrow());
        CliTestSupport.Run r = CliTestSupport.run("analyze", "--task", "a=" + xf + ":" + yf, "--task", other);
        assertUserError(r, "single label value");
        assertFalse(r.err().contains("labelled row"), "seed=" + seed + ": " + r.err());
    }

    @Test
    void oneClassLabels() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 20, 4, 4);
        Path y = dir.resolve("ones.npy");
        float[] ones = new float[20];
        java.util.Arrays.fill(ones, 1f);
        Npy.write(y, new int[] {20}, ones);
        // The value as written (1, not 1.0), as the other label messages print it.
        assertUserError(CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + y), "single label value (1);");
        assertUserError(CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + y, "--loss", "logistic"), "exactly 2");
        // A real value in every row: nothing to learn, said for a regression task (no classes).
        java.util.Arrays.fill(ones, 3.7f);
        Npy.write(y, new int[] {20}, ones);
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + y);
        assertUserError(r, "task 'a' has a single label value (3.7); nothing to learn: a regression task needs labels "
                + "that vary");
        assertFalse(r.err().contains("class"), r.err());
    }

    @Test
    void wrongShapes() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 20, 4, 5);
        Path x1 = dir.resolve("x1d.npy");
        Npy.write(x1, new int[] {20}, new float[20]);
        assertUserError(CliTestSupport.run("train", "--task", "a=" + x1 + ":" + a[1]), "x1d.npy", "2-D");
        Path y3 = dir.resolve("y3d.npy");
        Npy.write(y3, new int[] {20, 1, 1}, new float[20]);
        assertUserError(CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + y3), "y3d.npy");
    }

    @Test
    void corruptAndTruncatedNpy() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 20, 4, 6);
        byte[] full = Files.readAllBytes(a[0]);
        Path trunc = dir.resolve("trunc.npy");
        Files.write(trunc, java.util.Arrays.copyOf(full, full.length - 17));
        assertUserError(CliTestSupport.run("train", "--task", "a=" + trunc + ":" + a[1]), "trunc.npy", "truncated");
        Path junk = dir.resolve("junk.npy");
        Files.writeString(junk, "this is not numpy");
        assertUserError(CliTestSupport.run("train", "--task", "a=" + junk + ":" + a[1]), "junk.npy");
        Path complex = CliTestSupport.rawNpy(dir.resolve("complex.npy"),
                "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }", new byte[32]);
        assertUserError(CliTestSupport.run("svd", "--in", complex.toString(), "--out", dir.resolve("o").toString()),
                "complex.npy", "<c8");
    }

    @Test
    void svdRejectsBadArrays() throws Exception {
        Path v = dir.resolve("vec.npy");
        Npy.write(v, new int[] {5}, new float[] {1, 2, 3, 4, 5});
        assertUserError(CliTestSupport.run("svd", "--in", v.toString(), "--out", dir.resolve("o").toString()), "vec.npy");
        Path e = dir.resolve("empty.npy");
        Npy.write(e, new int[] {0, 3}, new float[0]);
        assertUserError(CliTestSupport.run("svd", "--in", e.toString(), "--out", dir.resolve("o").toString()), "empty");
        assertUserError(CliTestSupport.run("svd", "--out", dir.resolve("o").toString()), "--in");
    }

    @Test
    void svdChecksAllThreeOutputsBeforeWritingAny() throws Exception {
        Path a = dir.resolve("A.npy");
        Npy.write(a, new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6});
        Path out = dir.resolve("o");
        Files.createDirectories(out.resolve("V.npy"));
        assertUserError(CliTestSupport.run("svd", "--in", a.toString(), "--out", out.toString()),
                "--out " + out + ": V.npy there is a directory");
        assertFalse(Files.exists(out.resolve("U.npy")) || Files.exists(out.resolve("S.npy")), "partial set written");

        Path file = dir.resolve("plain");
        Files.writeString(file, "x");
        assertUserError(CliTestSupport.run("svd", "--in", a.toString(), "--out", file.toString()),
                "--out " + file + ": not a directory");
    }

    @Test
    void svdRemovesTheFilesItCreatedWhenALaterOneCannotBeWritten() throws Exception {
        Path a = dir.resolve("A.npy");
        Npy.write(a, new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6});
        Path out = dir.resolve("o");
        Files.createDirectories(out);
        // V.npy leads into U.npy, which is a file once written: only the write of V can find that out.
        Files.createSymbolicLink(out.resolve("V.npy"), Path.of("U.npy", "V.npy"));
        assertUserError(CliTestSupport.run("svd", "--in", a.toString(), "--out", out.toString()), "V.npy");
        assertFalse(Files.exists(out.resolve("U.npy")) || Files.exists(out.resolve("S.npy")), "partial set left");
    }
}
