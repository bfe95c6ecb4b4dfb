package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outputs never destroy what a path names (folders with other files, links, FIFOs), undefined
 * metrics are JSON null rather than NaN, --resume keeps its promises, and the CLI's small
 * messages say what they mean.
 */
class CliOutputSafetyTest {
    @TempDir
    Path dir;

    private String task(String name, int m, int d) throws Exception {
        return CliTestSupport.taskSpec(dir, name, m, d);
    }

    private static void assertUserError(CliTestSupport.Run r, String... fragments) {
        assertEquals(2, r.code(), "exit code; output: " + r.all());
        assertFalse(r.err().contains("\tat "), "stack trace printed: " + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "message '" + r.err().strip() + "' lacks '" + f + "'");
        }
    }

    private static String[] quick(String... more) {
        String[] base = {"train", "--rank", "2", "--epochs", "2", "--no-stl", "--align", "none", "--reweight", "none",
            "--backend", "cpu"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void outRefusesAFolderWithOtherFilesAndAFile() throws Exception {
        String t = task("a", 60, 5);
        Path notes = dir.resolve("notes");
        Files.createDirectories(notes.resolve("sub"));
        Files.writeString(notes.resolve("notes.txt"), "important");
        assertUserError(CliTestSupport.run(quick("--task", t, "--out", notes.toString())), "no model.json", "new or empty");
        assertEquals("important", Files.readString(notes.resolve("notes.txt")));
        assertTrue(Files.isDirectory(notes.resolve("sub")));

        Path file = dir.resolve("plain");
        Files.writeString(file, "keep");
        assertUserError(CliTestSupport.run(quick("--task", t, "--out", file.toString())), "not a directory");
        assertEquals("keep", Files.readString(file));

        // A folder holding one of our models is replaced by the new one; an empty folder is fine.
        Path model = dir.resolve("model");
        assertEquals(0, CliTestSupport.run(quick("--task", t, "--out", model.toString())).code());
        CliTestSupport.Run again = CliTestSupport.run(quick("--task", t, "--out", model.toString()));
        assertEquals(0, again.code(), again.all());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertEquals(0, CliTestSupport.run(quick("--task", t, "--out", empty.toString())).code());
        assertTrue(Files.isRegularFile(empty.resolve("model.json")));
    }

    @Test
    void jsonIsWrittenThroughLinksAndIntoFifos() throws Exception {
        String t = task("a", 60, 5);
        Path target = dir.resolve("target.json");
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), target.getFileName());
        CliTestSupport.Run r = CliTestSupport.run(quick("--task", t, "--json", link.toString()));
        assertEquals(0, r.code(), r.all());
        assertTrue(Files.isSymbolicLink(link), "the link was replaced by a file");
        assertTrue(JsonParser.parseString(Files.readString(target)).getAsJsonObject().has("tasks"));

        Path fifo = dir.resolve("fifo.json");
        Process mk;
        try {
            mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("mkfifo is not available here: " + e.getMessage());
            return;
        }
        Assumptions.assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo failed");
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(Files.readAllBytes(fifo), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "read failed: " + e;
            }
        });
        CliTestSupport.Run f = CliTestSupport.run(quick("--task", t, "--json", fifo.toString()));
        assertEquals(0, f.code(), f.all());
        String got = reader.get(30, TimeUnit.SECONDS);
        assertTrue(got.contains("\"tasks\""), "the FIFO's reader got: " + got);
        assertFalse(Files.isRegularFile(fifo), "the FIFO was replaced by a regular file");
    }

    @Test
    void outputsNeverReplaceInputs() throws Exception {
        Path[] files = CliTestSupport.binaryTask(dir, "a", 60, 5, 9);
        byte[] x = Files.readAllBytes(files[0]);
        String t = "a=" + files[0] + ":" + files[1];
        assertUserError(CliTestSupport.run(quick("--task", t, "--json", files[0].toString())), "--json", "input file");
        assertUserError(CliTestSupport.run("analyze", "--task", t, "--json", files[1].toString()), "--json", "input file");
        assertTrue(java.util.Arrays.equals(x, Files.readAllBytes(files[0])), "the input X was changed");
        assertUserError(CliTestSupport.run(quick("--tasks", dir.toString(), "--out", dir.resolve("model").toString())),
                "--out", "inside the input folder");
        Path u = dir.resolve("svd/U.npy");
        org.mtlalign.data.Npy.write(u, new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6});
        assertUserError(CliTestSupport.run("svd", "--in", u.toString(), "--out", u.getParent().toString()),
                "--out", "input file");
    }

    @Test
    void jsonDirectoryIsRefusedBeforeTraining() throws Exception {
        String t = task("a", 60, 5);
        Path d = Files.createDirectories(dir.resolve("results"));
        CliTestSupport.Run r = CliTestSupport.run(quick("--task", t, "--json", d.toString()));
        assertUserError(r, "--json", "is a directory");
        assertFalse(r.err().contains("training MTL"), "it trained before refusing: " + r.err());
    }

    /** A --json or --out under a file, or an empty --json name, is refused before any training. */
    @Test
    void unusableOutputPathsAreRefusedBeforeTraining() throws Exception {
        String t = task("a", 60, 5);
        Path file = Files.writeString(dir.resolve("plain.txt"), "x");
        CliTestSupport.Run r = CliTestSupport.run(quick("--task", t, "--json", file.resolve("sub/r.json").toString()));
        assertUserError(r, "--json", "plain.txt is a file, not a folder");
        assertFalse(r.err().contains("training MTL"), "it trained before refusing: " + r.err());
        r = CliTestSupport.run(quick("--task", t, "--out", file.resolve("model").toString()));
        assertUserError(r, "cannot save the model there", "plain.txt is a file, not a folder");
        assertFalse(r.err().contains("training MTL"), "it trained before refusing: " + r.err());
        assertUserError(CliTestSupport.run(quick("--task", t, "--json", "")), "'--json': empty file or folder name");
        assertUserError(CliTestSupport.run(quick("--task", t, "--out", "")), "'--out': empty file or folder name");
        // Every path option: an empty name read or wrote the current folder.
        assertUserError(CliTestSupport.run("train", "--tasks", "", "--epochs", "1"), "'--tasks': empty file or folder name");
        assertUserError(CliTestSupport.run("svd", "--in", "x.npy", "--out", ""), "'--out': empty file or folder name");
        assertUserError(CliTestSupport.run("reproduce", "capacity", "--out", " "), "'--out': empty file or folder name");
        assertUserError(CliTestSupport.run("predict", "--model", "m", "--task", "a", "--in", "", "--out", "p.npy"),
                "'--in': empty file or folder name");
        assertUserError(CliTestSupport.run("analyze", "--task", t, "--json", file.resolve("a.json").toString()),
                "--json", "is a file, not a folder");
        // A new folder (two levels) is fine: it is created when the results are written.
        Path nested = dir.resolve("new1/new2/r.json");
        CliTestSupport.Run ok = CliTestSupport.run(quick("--task", t, "--json", nested.toString()));
        assertEquals(0, ok.code(), ok.all());
        assertTrue(Files.isRegularFile(nested));
        try (java.util.stream.Stream<Path> left = Files.list(dir)) {
            assertFalse(left.anyMatch(p -> p.getFileName().toString().contains("mtl-write-check")),
                    "the write probe left a file behind");
        }
    }

    /**
     * --json /dev/stdout (and /dev/fd/1) is --json -: standard output holds the JSON alone and the
     * tables go to standard error, so `mtl train --json /dev/stdout | python3 -c 'json.load(...)'`
     * parses. Before, the tables were printed to standard output ahead of the JSON.
     */
    @Test
    void jsonToDevStdoutIsStandardOutputAlone() throws Exception {
        String t = task("a", 60, 5);
        for (String target : new String[] {"/dev/stdout", "/dev/fd/1"}) {
            CliTestSupport.Run r = CliTestSupport.run(quick("--task", t, "--json", target));
            assertEquals(0, r.code(), r.all());
            JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
            assertEquals("complete", o.get("status").getAsString(), r.out());
            assertTrue(r.err().contains("task"), "the tables go to standard error: " + r.err());
            assertFalse(r.err().contains("wrote " + target), r.err());
        }
        CliTestSupport.Run a = CliTestSupport.run("analyze", "--task", t, "--json", "/dev/stdout");
        assertEquals(0, a.code(), a.all());
        assertTrue(JsonParser.parseString(a.out()).getAsJsonObject().has("similarity"), a.out());
    }

    /**
     * config.reweight_rank_used is in every mtl train JSON (docs/json.md lists it unconditionally):
     * the rank Algorithm 2 ran with, or null when no reweighted model was trained (--reweight none,
     * one task). It was left out then, and config["reweight_rank_used"] was a KeyError.
     */
    @Test
    void reweightRankUsedIsNullWithoutAReweightedModel() throws Exception {
        String a = task("a", 60, 5);
        String b = task("b", 60, 5);
        for (String[] args : new String[][] {quick("--task", a, "--task", b, "--json", "-"),
            quick("--task", a, "--json", "-"), quick("--task", a, "--task", b, "--seeds", "2", "--json", "-")}) {
            CliTestSupport.Run r = CliTestSupport.run(args);
            assertEquals(0, r.code(), r.all());
            JsonObject config = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonObject("config");
            assertTrue(config.has("reweight_rank_used") && config.get("reweight_rank_used").isJsonNull(), config.toString());
        }
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", a, "--task", b, "--rank", "2", "--epochs", "2",
                "--no-stl", "--align", "none", "--backend", "cpu", "--json", "-");
        assertEquals(0, r.code(), r.all());
        assertEquals(1, JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonObject("config")
                .get("reweight_rank_used").getAsInt(), r.out());
    }

    /**
     * A diverged mtl train writes its JSON (exit 3) with the data it ran on, suite, shared_inputs
     * and task_names, beside status, error and config; it said neither the suite nor the tasks.
     */
    @Test
    void aDivergedRunsJsonNamesItsTasks() throws Exception {
        String a = task("a", 60, 5);
        String b = task("b", 60, 5);
        CliTestSupport.Run r = CliTestSupport.run(quick("--task", a, "--task", b, "--lr", "1e30", "--optimizer", "sgd",
                "--json", "-"));
        assertEquals(Main.EXIT_DIVERGED, r.code(), r.all());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("diverged", o.get("status").getAsString(), r.out());
        assertTrue(o.get("error").getAsString().contains("diverged"), r.out());
        assertEquals("tasks", o.get("suite").getAsString(), r.out());
        assertFalse(o.get("shared_inputs").getAsBoolean(), r.out());
        assertEquals("[\"a\",\"b\"]", o.get("task_names").toString(), r.out());
        assertFalse(o.has("tasks") || o.has("similarity"), r.out());
    }

    /**
     * --json - writes ASCII only (non-ASCII characters as JSON escapes): standard output is in the
     * locale's charset, and under LANG=C a task named 'café' reached a script as 'caf?'. The
     * parsed JSON is the same as the UTF-8 file's.
     */
    @Test
    void jsonOnStandardOutputIsAsciiWithEscapes() throws Exception {
        String t = "café" + task("a", 60, 5).substring(1);
        Path json = dir.resolve("r.json");
        CliTestSupport.Run file = CliTestSupport.run(quick("--task", t, "--json", json.toString()));
        assertEquals(0, file.code(), file.all());
        CliTestSupport.Run r = CliTestSupport.run(quick("--task", t, "--json", "-"));
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().chars().allMatch(c -> c < 0x80), r.out());
        assertTrue(r.out().contains("caf\\u00e9"), r.out());
        JsonObject fromStdout = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("café", fromStdout.getAsJsonArray("task_names").get(0).getAsString());
        JsonObject fromFile = JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8)).getAsJsonObject();
        assertTrue(Files.readString(json, StandardCharsets.UTF_8).contains("\"café\""), "the file stays UTF-8");
        for (String timing : new String[] {"provenance", "seconds"}) {
            fromStdout.remove(timing);
            fromFile.remove(timing);
        }
        assertEquals(fromFile, fromStdout);
        assertEquals("a\\ud83d\\ude00b", Outputs.asciiOnly("a\ud83d\ude00b"));
        assertEquals("plain", Outputs.asciiOnly("plain"));
    }

    @Test
    void noTestRowsMeansNoTestMetricAndJsonNull() throws Exception {
        String t = task("a", 60, 5);
        Path json = dir.resolve("r.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", t, "--rank", "2", "--epochs", "2", "--test", "0",
                "--backend", "cpu", "--json", json.toString());
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("warning: task 'a' has no test rows"), r.err());
        assertFalse(r.err().contains("no validation rows"), r.err());
        CliTestSupport.Run noVal = CliTestSupport.run(quick("--task", t, "--val", "0"));
        assertEquals(0, noVal.code(), noVal.all());
        assertTrue(noVal.err().contains("warning: task 'a' has no validation rows, so early stopping"), noVal.err());
        String text = Files.readString(json);
        assertFalse(text.contains("NaN") || text.contains("Infinity"), "bare NaN/Infinity is not JSON: " + text);
        JsonObject t0 = JsonParser.parseString(text).getAsJsonObject().getAsJsonArray("tasks").get(0).getAsJsonObject();
        for (String key : new String[] {"stl", "mtl", "mtlAlign", "mtlReweight"}) {
            assertTrue(t0.get(key).isJsonNull(), key + " must be null without test rows: " + t0);
        }
    }

    @Test
    void resumeKeepsItsPromises() throws Exception {
        String t = task("a", 80, 5);
        Path model = dir.resolve("m");
        CliTestSupport.Run first = CliTestSupport.run("train", "--task", t, "--rank", "2", "--epochs", "2", "--no-stl",
                "--align", "none", "--reweight", "none", "--activation", "identity", "--no-bias", "--out", model.toString());
        assertEquals(0, first.code(), first.all());
        assertEquals(2, modelJson(model).get("epochs_done").getAsInt());

        // Data options cannot silently change on resume.
        assertUserError(CliTestSupport.run("train", "--resume", model.toString(), "--seed", "5"), "--seed 5 (saved: 1)");
        CliTestSupport.Run same = CliTestSupport.run("train", "--resume", model.toString(), "--seed", "1", "--epochs", "0");
        assertUserError(same, "--epochs");
        assertFalse(same.out().contains("task a"), "options are checked before the data is loaded: " + same.out());

        // Architecture comes from the saved model; without --out it saves back; epochs add up.
        CliTestSupport.Run again = CliTestSupport.run("train", "--resume", model.toString(), "--epochs", "3", "--no-stl",
                "--align", "none", "--reweight", "none");
        assertEquals(0, again.code(), again.all());
        assertTrue(again.out().contains("activation identity, no biases"), again.out());
        JsonObject j = modelJson(model);
        assertEquals(5, j.get("epochs_done").getAsInt(), j.toString());
        assertEquals("complete", j.get("status").getAsString());

        // Transfer mode saves its fine-tuned models (--out), but continues none.
        assertUserError(CliTestSupport.run("train", "--task", t, "--transfer-target", "a", "--resume",
                model.toString()), "--resume", "transfer mode (--transfer-target)", "continues no saved model");
    }

    /**
     * --resume reuses the saved training options (here SGD with its learning rate), refuses
     * changed data options even when the data is given again, keeps --json out of the model
     * folder, and a model saved by a diverged run can be resumed with a smaller --lr.
     */
    @Test
    void resumeReusesTrainingOptionsAndSurvivesDivergence() throws Exception {
        String t = task("a", 80, 5);
        Path model = dir.resolve("m");
        CliTestSupport.Run first = CliTestSupport.run("train", "--task", t, "--rank", "2", "--epochs", "2", "--no-stl",
                "--align", "none", "--reweight", "none", "--optimizer", "sgd", "--lr", "0.01", "--batch", "16",
                "--out", model.toString());
        assertEquals(0, first.code(), first.all());
        CliTestSupport.Run again = CliTestSupport.run("train", "--resume", model.toString(), "--epochs", "1", "--no-stl",
                "--align", "none", "--reweight", "none");
        assertEquals(0, again.code(), again.all());
        JsonObject tr = modelJson(model).getAsJsonObject("config").getAsJsonObject("train");
        assertEquals("SGD", tr.get("optimizer").getAsString(), tr.toString());
        assertEquals(0.01, tr.get("learningRate").getAsDouble(), 1e-7, tr.toString());
        assertEquals(16, tr.get("batchSize").getAsInt(), tr.toString());

        assertUserError(CliTestSupport.run("train", "--resume", model.toString(), "--task", t, "--seed", "7"),
                "--seed 7 (saved: 1)");
        assertUserError(CliTestSupport.run("train", "--resume", model.toString(), "--json",
                model.resolve("r.json").toString()), "--json", "inside the model folder");

        CliTestSupport.Run bad = CliTestSupport.run("train", "--resume", model.toString(), "--lr", "1e30", "--no-stl",
                "--align", "none", "--reweight", "none");
        assertEquals(Main.EXIT_DIVERGED, bad.code(), bad.all());
        assertTrue(modelJson(model).get("status").getAsString().startsWith("stopped"), modelJson(model).toString());
        CliTestSupport.Run after = CliTestSupport.run("train", "--resume", model.toString(), "--lr", "0.001",
                "--epochs", "1", "--no-stl", "--align", "none", "--reweight", "none");
        assertEquals(0, after.code(), "a model saved by a diverged run resumes with a smaller --lr: " + after.all());
    }

    /**
     * A model trained before b065854 on a task of many small classes had another split (per-class
     * rounding: 100/100/100 for 100 classes of three rows); --resume says so rather than only
     * that the contents changed. The saved fingerprint is set to such a model's.
     */
    @Test
    void resumeOnAnotherSplitSaysWhy() throws Exception {
        int m = 300;
        int d = 3;
        float[] x = new float[m * d];
        float[] y = new float[m];
        java.util.Random rnd = new java.util.Random(5);
        for (int i = 0; i < m; i++) {
            y[i] = i % 100;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
        }
        String t = CliTestSupport.writeTask(dir, "many", "many", x, m, d, y);
        Path model = dir.resolve("m");
        assertEquals(0, CliTestSupport.run(quick("--task", t, "--loss", "softmax", "--out", model.toString())).code());
        Path mj = model.resolve("model.json");
        com.google.gson.JsonObject root = com.google.gson.JsonParser.parseString(Files.readString(mj)).getAsJsonObject();
        com.google.gson.JsonObject fp = root.getAsJsonArray("data_fingerprint").get(0).getAsJsonObject();
        assertEquals(180, fp.get("train").getAsInt());
        fp.addProperty("train", 100);
        fp.addProperty("validation", 100);
        fp.addProperty("test", 100);
        fp.addProperty("checksum", "crc32:12345678");
        Files.writeString(mj, root.toString());
        assertUserError(CliTestSupport.run("train", "--resume", model.toString()), "contents changed; task 'many' is "
                + "split 180/60/60 (train/validation/test rows), the model's data 100/100/100: its labels changed, or it "
                + "has many small classes");
    }

    /** --resume refuses data files that changed under the saved model (rows or contents). */
    @Test
    void resumeNoticesChangedData() throws Exception {
        Path[] files = CliTestSupport.binaryTask(dir, "a", 80, 5, 3);
        String t = "a=" + files[0] + ":" + files[1];
        Path model = dir.resolve("m");
        assertEquals(0, CliTestSupport.run(quick("--task", t, "--out", model.toString())).code());
        assertEquals(0, CliTestSupport.run("train", "--resume", model.toString(), "--epochs", "1", "--no-stl",
                "--align", "none", "--reweight", "none").code(), "unchanged data resumes");
        CliTestSupport.binaryTask(dir, "a", 80, 5, 4); // same shape, other values
        assertUserError(CliTestSupport.run("train", "--resume", model.toString()), "task 'a'", "contents changed");
        CliTestSupport.binaryTask(dir, "a", 70, 5, 3);
        assertUserError(CliTestSupport.run("train", "--resume", model.toString()), "task 'a'", "80 rows, now 70");
        Files.move(dir.resolve("a"), dir.resolve("moved"));
        assertUserError(CliTestSupport.run("train", "--resume", model.toString()), "cannot be read",
                "give the data options again");
    }

    /**
     * Labels changed in one of two tasks: its split moves, and with it the pooled standardisation
     * of both, so both tasks differ; the message said only that "a change to one task's inputs"
     * does that, and the inputs had not changed.
     */
    @Test
    void resumeAfterALabelChangeSaysLabelsCanMoveEveryTask() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 90, 4, 5);
        Path[] b = CliTestSupport.binaryTask(dir, "b", 85, 4, 6);
        Path model = dir.resolve("m2");
        assertEquals(0, CliTestSupport.run(quick("--task", "a=" + a[0] + ":" + a[1], "--task", "b=" + b[0] + ":" + b[1],
                "--out", model.toString())).code());
        float[] y = org.mtlalign.data.Npy.read(b[1]).data();
        for (int i = 0; i < y.length; i += 3) {
            y[i] = 1 - y[i];
        }
        org.mtlalign.data.Npy.write(b[1], new int[] {y.length}, y);
        assertUserError(CliTestSupport.run("train", "--resume", model.toString()), "tasks 'a', 'b' differ",
                "or to its labels (which can move its split), changes every task's standardised inputs");
    }

    @Test
    void damagedSavedModelsAreClearErrors() throws Exception {
        String t = task("a", 60, 5);
        Path model = dir.resolve("m");
        assertEquals(0, CliTestSupport.run(quick("--task", t, "--out", model.toString())).code());
        org.mtlalign.data.Npy.write(model.resolve("B.npy"), new int[] {2, 5}, new float[10]);
        assertUserError(CliTestSupport.run("train", "--resume", model.toString()), "B.npy", "shape [2, 5]", "[5, 2]");
        float[] nan = new float[10];
        nan[3] = Float.NaN;
        org.mtlalign.data.Npy.write(model.resolve("B.npy"), new int[] {5, 2}, nan);
        assertUserError(CliTestSupport.run("train", "--resume", model.toString()), "B.npy", "NaN");
    }

    /**
     * mtl predict applies the saved standardisation to every row: a mean of the wrong length was an
     * internal error (exit 1), and a NaN or a zero scale wrote NaN for the rows, with exit 0.
     */
    @Test
    void damagedStandardisationIsAClearErrorAndWritesNothing() throws Exception {
        long seed = new Random().nextLong();
        try {
            damagedStandardisation(new Random(seed));
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
        }
    }

    private void damagedStandardisation(Random rnd) throws Exception {
        int d = 3 + 2 * rnd.nextInt(3);
        String t = task("a", 61 + rnd.nextInt(20), d);
        Path model = dir.resolve("m");
        assertEquals(0, CliTestSupport.run(quick("--task", t, "--out", model.toString())).code());
        Path in = dir.resolve("new.npy");
        float[] x = new float[7 * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        org.mtlalign.data.Npy.write(in, new int[] {7, d}, x);
        Path mean = model.resolve("standardize_mean_0.npy");
        Path scale = model.resolve("standardize_scale_0.npy");
        float[] goodMean = org.mtlalign.data.Npy.read(mean).data();
        float[] goodScale = org.mtlalign.data.Npy.read(scale).data();
        Path out = dir.resolve("p.npy");
        String[] predict = {"predict", "--model", model.toString(), "--task", "a", "--in", in.toString(), "--out",
            out.toString()};
        assertEquals(0, CliTestSupport.run(predict).code(), "intact model");
        Files.delete(out);

        org.mtlalign.data.Npy.write(mean, new int[] {d - 1}, java.util.Arrays.copyOf(goodMean, d - 1));
        assertUserError(CliTestSupport.run(predict), "standardize_mean_0.npy", "shape [" + (d - 1) + "]", "[" + d + "]");
        int j = rnd.nextInt(d);
        float[] bad = goodMean.clone();
        bad[j] = Float.NaN;
        org.mtlalign.data.Npy.write(mean, new int[] {d}, bad);
        assertUserError(CliTestSupport.run(predict), "standardize_mean_0.npy", "NaN at index " + j);
        org.mtlalign.data.Npy.write(mean, new int[] {d}, goodMean);
        bad = goodScale.clone();
        bad[j] = 0f;
        org.mtlalign.data.Npy.write(scale, new int[] {d}, bad);
        assertUserError(CliTestSupport.run(predict), "standardize_scale_0.npy", "0.0 at index " + j, "positive");
        assertFalse(Files.exists(out), "predictions written from a damaged model");
        // --resume loads the model the same way.
        assertUserError(CliTestSupport.run("train", "--resume", model.toString()), "standardize_scale_0.npy");
    }

    /** 'mtl help' of an unknown command exited 0 (picocli's help command), so a script's typo passed. */
    @Test
    void helpOfAnUnknownCommandIsAUserError() throws Exception {
        CliTestSupport.Run r = CliTestSupport.run("help", "trian");
        assertUserError(r, "mtl: help: unknown command 'trian' (expected one of train, sweep");
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals("", r.out());
        for (String c : new String[] {"train", "predict", "svd"}) {
            CliTestSupport.Run h = CliTestSupport.run("help", c);
            assertEquals(0, h.code(), h.all());
            assertTrue(h.out().startsWith("Usage: mtl " + c + " "), h.out());
            assertEquals(CliTestSupport.run(c, "--help").out(), h.out(), "help " + c + " and " + c + " --help differ");
        }
        CliTestSupport.Run top = CliTestSupport.run("help");
        assertEquals(0, top.code(), top.all());
        assertEquals(CliTestSupport.run("--help").out(), top.out());
    }

    /** Path.of drops a trailing '/': '--json r.json/' (and --save-split, predict --out) wrote a file named r.json. */
    @Test
    void aFileTargetEndingInASlashIsRefused() {
        String target = dir.resolve("r.json").toString() + "/";
        assertUserError(CliTestSupport.run("analyze", "--suite", "task-covariance", "--json", target),
                "Invalid value for option '--json': '" + target + "' names a folder (it ends with /); give a file name");
        assertUserError(CliTestSupport.run("train", "--suite", "task-covariance", "--epochs", "1", "--save-split", target),
                "option '--save-split'", "names a folder");
        assertUserError(CliTestSupport.run("predict", "--model", dir.toString(), "--task", "a", "--in", "x.npy", "--out",
                target), "option '--out'", "names a folder");
        assertFalse(Files.exists(dir.resolve("r.json")));
        // Folders keep their slash: --out DIR/ of a model is fine.
        assertEquals(0, CliTestSupport.run("train", "--suite", "task-covariance", "--epochs", "1", "--rank", "1",
                "--no-stl", "--align", "none", "--reweight", "none", "--no-progress", "--out",
                dir.resolve("m").toString() + "/").code());
    }

    /** 'mtl help train sweep' (and 'help train --foo') showed train's help and exited 0, the rest ignored. */
    @Test
    void helpWithMoreThanOneCommandIsAUserError() {
        CliTestSupport.Run two = CliTestSupport.run("help", "train", "sweep");
        assertUserError(two, "mtl: help: takes at most one command name; unexpected 'sweep'");
        assertEquals("", two.out());
        assertUserError(CliTestSupport.run("help", "train", "--foo"), "unexpected '--foo'");
        CliTestSupport.Run h = CliTestSupport.run("help", "--help");
        assertEquals(0, h.code(), h.all());
        assertEquals(CliTestSupport.run("--help").out(), h.out());
    }

    private static JsonObject modelJson(Path model) throws Exception {
        return JsonParser.parseString(Files.readString(model.resolve("model.json"))).getAsJsonObject();
    }

    @Test
    void smallMessagesSayWhatTheyMean() throws Exception {
        CliTestSupport.Run unknown = CliTestSupport.run("nosuch");
        assertUserError(unknown, "unknown command 'nosuch'", "train", "(see 'mtl --help')");
        assertUserError(CliTestSupport.run("train", "--frobnicate"), "(see 'mtl train --help')");

        CliTestSupport.Run v = CliTestSupport.run("train", "--version");
        assertEquals(0, v.code(), v.all());
        assertTrue(v.out().startsWith("mtl-align "), "version: '" + v.out() + "'");

        CliTestSupport.Run info = CliTestSupport.run("info", "--backend", "nosuch");
        assertUserError(info, "--backend", "nosuch");
        assertTrue(info.out().isEmpty(), "info printed before failing: " + info.out());

        assertUserError(CliTestSupport.run("info", "--threads", "0"), "--threads");
        CliTestSupport.Run threads = CliTestSupport.run("info", "--threads", "3");
        assertEquals(0, threads.code(), threads.all());
        assertTrue(threads.out().contains("3 workers"), threads.out());

        String t = task("a", 60, 5);
        assertUserError(CliTestSupport.run(quick("--task", t, "--names", "x")), "--names", "--labels");
        String b = task("b", 60, 5);
        assertUserError(CliTestSupport.run("train", "--task", t, "--task", b, "--epochs", "1", "--reweight", "foo"),
                "--reweight", "none");
        assertUserError(CliTestSupport.run("train", "--task", t, "--task", b, "--epochs", "1", "--reweight-rank", "9"),
                "--reweight-rank", "1..2");
    }

    /**
     * mtl analyze checks its options before the first table, so that an error leaves no half
     * report on standard output. --reweight-rank above its bound (d and the label columns) was
     * checked only when Algorithm 2 ran, after the similarity matrix had been printed.
     */
    @Test
    void analyzeRefusesAReweightRankAboveItsBoundBeforePrintingAnything() throws Exception {
        String t = task("a", 60, 5);
        String b = task("b", 60, 5);
        CliTestSupport.Run r = CliTestSupport.run("analyze", "--task", t, "--task", b, "--reweight-rank", "9");
        assertUserError(r, "--reweight-rank", "1..2");
        assertEquals("", r.out(), "printed before failing");
        // mtl train refuses it before choosing the width (the capacity's ridge fits) and training.
        CliTestSupport.Run tr = CliTestSupport.run("train", "--task", t, "--task", b, "--epochs", "1", "--reweight-rank", "9");
        assertUserError(tr, "--reweight-rank", "1..2");
        assertFalse(tr.err().contains("choosing the width r"), tr.err());
        assertFalse(tr.out().contains("shared module: r ="), tr.out());
        CliTestSupport.Run ok = CliTestSupport.run("analyze", "--task", t, "--task", b, "--reweight-rank", "2");
        assertEquals(0, ok.code(), ok.all());
        assertTrue(ok.out().contains("Algorithm 2, r = 2;"), ok.out());
    }
}
