package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtl train --transfer-target}: both fine-tuning heads start at zero (logistic loss ln 2
 * on the validation rows), each variant's epochs are printed and recorded, and a run that the
 * --epochs cap ended (here a one-epoch budget, which always does) is flagged and warned about.
 */
class CliTransferTest {
    @TempDir
    Path dir;

    @Test
    void transferModeReportsStartsAndWarnsWhenTheEpochCapEndedARun() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 120, 6, 31);
        Path[] b = CliTestSupport.binaryTask(dir, "b", 100, 6, 32);
        Path json = dir.resolve("t.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task",
                "b=" + b[0] + ":" + b[1], "--rank", "2", "--epochs", "1", "--transfer-target", "b", "--json",
                json.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("frozen B + new head + alignment R") && r.out().contains("epochs run (best)")
                && r.out().contains(" cap"), r.out());
        assertTrue(r.err().contains("raise --epochs"), r.err());
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        // The data it ran on, as in every mtl train JSON.
        assertEquals("tasks", root.get("suite").getAsString());
        assertTrue(!root.get("shared_inputs").getAsBoolean());
        assertEquals("[\"a\",\"b\"]", root.get("task_names").toString());
        JsonObject t = root.getAsJsonObject("transfer");
        assertEquals(1, t.get("epochCap").getAsInt());
        for (String v : new String[] {"fineTuneTraining", "alignedTraining"}) {
            JsonObject run = t.getAsJsonObject(v);
            assertEquals(Math.log(2), run.get("startValidationLoss").getAsDouble(), 1e-6, v + " starts at zero");
            assertTrue(run.get("hitEpochCap").getAsBoolean(), v);
        }
        // The source model that supplied B: one epoch, the cap, said in the text and the warnings.
        JsonObject src = t.getAsJsonObject("sourceTraining");
        assertEquals(1, src.get("epochs").getAsInt());
        assertTrue(src.get("hitEpochCap").getAsBoolean());
        assertTrue(r.out().contains("B: MTL on the 1 source task, epochs run (best) 1 (1) cap"), r.out());
        assertTrue(r.out().contains("frozen B + R can be any d x r module"), r.out());
        // A classifier's new head starts at zero, bias included (the line spoke of a regression bias).
        assertTrue(r.out().contains("new heads start at zero and R at the identity"), r.out());
        assertTrue(r.err().contains("the source model that supplied B ran all 1 epochs"), r.err());
        // A balanced binary target: the average precision is in the JSON, not in the table.
        JsonObject sec = t.getAsJsonObject("secondary");
        assertEquals("averagePrecision", sec.get("name").getAsString());
        assertTrue(!r.out().contains("average precision"), r.out());
    }

    /**
     * A target whose labels do not depend on its inputs: its STL model learns nothing (mtl train
     * marks such a metric '!'), but transfer mode printed its STL and fine-tuning metrics
     * unmarked and warned of nothing, so a fine-tune ahead of a failed baseline read as transfer
     * from the sources (6 text tasks: STL AUC 0.49, fine-tune 0.62, every variant within 1% of
     * the constant's validation loss). Each run no better than the constant is marked '!', warned
     * about and listed in the JSON's transfer.noBetterThanPrior; a target with signal has none.
     */
    @Test
    void targetRunsThatLearnedNothingAreMarked() throws Exception {
        int m = 300;
        int d = 6;
        java.util.Random rnd = new java.util.Random(23);
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            y[i] = rnd.nextBoolean() ? 1 : 0;
        }
        String noise = CliTestSupport.writeTask(dir, "noise", "noise", x, m, d, y);
        Path[] a = CliTestSupport.binaryTask(dir, "a", 200, d, 35);
        Path json = dir.resolve("n.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task", noise,
                "--rank", "2", "--epochs", "30", "--patience", "5", "--transfer-target", "noise", "--json",
                json.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.all());
        JsonObject t = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("transfer");
        var none = t.getAsJsonArray("noBetterThanPrior");
        assertTrue(none.toString().contains("\"STL\""), t.toString());
        String stlRow = r.out().lines().filter(l -> l.startsWith("single-task (target only)")).findFirst().orElseThrow();
        assertTrue(stlRow.matches(".*\\d!\\s.*"), stlRow);
        assertTrue(r.err().contains("warning: ! marks a model no better than predicting the target's training labels' "
                + "mean or class rates on its validation rows (" + String.join(", ",
                        none.asList().stream().map(e -> e.getAsString()).toList()) + ")"), r.err());

        // The learnable task as the target: nothing marked, nothing warned.
        Path json2 = dir.resolve("a.json");
        CliTestSupport.Run ok = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task", noise,
                "--rank", "2", "--epochs", "30", "--patience", "5", "--transfer-target", "a", "--json",
                json2.toString(), "--backend", "cpu");
        assertEquals(0, ok.code(), ok.all());
        JsonObject t2 = JsonParser.parseString(Files.readString(json2)).getAsJsonObject().getAsJsonObject("transfer");
        assertEquals(0, t2.getAsJsonArray("noBetterThanPrior").size(), t2.toString());
        assertTrue(!ok.err().contains("! marks"), ok.err());
    }

    /**
     * A misspelt --transfer-target is refused as soon as the task names are known, before the
     * task table and the width's ridge fits (it was refused after both: 12 s of a 6-task run).
     */
    @Test
    void anUnknownTargetIsRefusedBeforeAnyWork() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 120, 6, 31);
        Path[] b = CliTestSupport.binaryTask(dir, "b", 100, 6, 32);
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task",
                "b=" + b[0] + ":" + b[1], "--transfer-target", "B", "--backend", "cpu");
        CliErrorTest.assertUserError(r, "--transfer-target: no task named 'B' (tasks: a, b)");
        assertTrue(!r.out().contains("task a") && !r.all().contains("choosing the width"), r.all());
        // A list, as mtl pairs --target takes: said to be one too many, not an unknown name.
        r = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task", "b=" + b[0] + ":" + b[1],
                "--transfer-target", "a,b", "--backend", "cpu");
        CliErrorTest.assertUserError(r, "--transfer-target: takes one task, got 'a,b'; run once per target");
    }

    /**
     * A target with most of its test rows in one class gets the balanced accuracy beside its
     * accuracy (a model that always predicts that class reads well on accuracy alone), the
     * values of the JSON's transfer.secondary.
     */
    @Test
    void aSkewedTargetShowsItsBalancedAccuracy() throws Exception {
        int m = 240;
        int d = 4;
        java.util.Random rnd = new java.util.Random(17);
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            y[i] = i % 10 < 8 ? 0 : i % 10 < 9 ? 1 : 2;
        }
        String target = CliTestSupport.writeTask(dir, "skewed", "skewed", x, m, d, y);
        Path[] a = CliTestSupport.binaryTask(dir, "a", 150, d, 33);
        Path json = dir.resolve("s.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task", target,
                "--rank", "2", "--epochs", "2", "--transfer-target", "skewed", "--json", json.toString());
        assertEquals(0, r.code(), r.all());
        JsonObject sec = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("transfer")
                .getAsJsonObject("secondary");
        assertEquals("balancedAccuracy", sec.get("name").getAsString());
        assertEquals(3, sec.get("classes").getAsInt());
        assertEquals(0.8, sec.get("share").getAsDouble(), 0.03);
        assertTrue(r.out().contains("balanced accuracy  epochs run (best)"), r.out());
        String ft = String.format(java.util.Locale.ROOT, "%.4f", sec.get("fineTune").getAsDouble());
        assertTrue(r.out().matches("(?s).*\\nfrozen B \\+ new head +[0-9.]+!? +" + java.util.regex.Pattern.quote(ft)
                + " .*"), ft + "\n" + r.out());
        assertTrue(r.out().contains("of its test rows in one class: always predicting it scores that accuracy, and a "
                + "balanced accuracy (the mean of the classes' recalls) of 1/3"), r.out());
    }

    /**
     * A diverged transfer run exits 3 and still writes its JSON, as docs/json.md says of every
     * mtl train (before, transfer mode wrote none).
     */
    @Test
    void aDivergedTransferRunStillWritesItsJson() throws Exception {
        long seed = new java.util.Random().nextLong();
        java.util.Random rnd = new java.util.Random(seed);
        String[] pair = CliTestSupport.randomPair(dir, rnd);
        Path json = dir.resolve("t.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", pair[0], "--task", pair[1], "--transfer-target", "pb",
                "--optimizer", "sgd", "--lr", "1e30", "--epochs", "3", "--json", json.toString());
        assertEquals(3, r.code(), "seed " + seed + ": " + r.all());
        JsonObject j = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals("diverged", j.get("status").getAsString(), "seed " + seed);
        assertTrue(r.err().contains("mtl: " + j.get("error").getAsString()), "seed " + seed + ": " + r.err());
        assertEquals(List.of("pa", "pb"), List.of(j.getAsJsonArray("task_names").get(0).getAsString(),
                j.getAsJsonArray("task_names").get(1).getAsString()));
        assertFalse(j.has("transfer"), "seed " + seed);
    }

    /**
     * Options transfer mode cannot use are said before any work: --test 0 was refused only after
     * the data, the split and a 'no test rows' warning per task; a single task after the task
     * table (and, without --rank, the width's ridge fits); --energy, which no transfer run uses,
     * was accepted without a word.
     */
    @Test
    void whatTransferModeCannotUseIsSaidBeforeAnyWork() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 120, 6, 31);
        Path[] b = CliTestSupport.binaryTask(dir, "b", 100, 6, 32);
        String ta = "a=" + a[0] + ":" + a[1];
        String tb = "b=" + b[0] + ":" + b[1];
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", ta, "--task", tb, "--transfer-target", "b",
                "--test", "0", "--backend", "cpu");
        CliErrorTest.assertUserError(r, "--test 0: transfer mode (--transfer-target)", "needs test rows");
        assertFalse(r.all().contains("rows train") || r.all().contains("warning"), r.all());
        r = CliTestSupport.run("train", "--task", tb, "--transfer-target", "b", "--backend", "cpu");
        CliErrorTest.assertUserError(r, "--transfer-target: needs at least one source task besides the target 'b'");
        assertFalse(r.all().contains("rows train") || r.all().contains("choosing the width"), r.all());
        r = CliTestSupport.run("train", "--task", ta, "--task", tb, "--transfer-target", "b", "--rank", "2",
                "--epochs", "1", "--energy", "0.5", "--backend", "cpu");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("note: --energy has no effect in transfer mode"), r.err());
    }

    /**
     * A regression target in units 1000 times its binary sources' was told that it was 'mostly'
     * the summed loss that trains the shared module and that the others' transfer reflected the
     * label scales; the target is fine-tuned alone and in no sum. It is now named as the target,
     * with --standardize-labels as the remedy for its own steps.
     */
    @Test
    void aTargetInLargeUnitsIsNotSaidToDominateTheSourcesLoss() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 120, 4, 31);
        Path[] b = CliTestSupport.binaryTask(dir, "b", 100, 4, 32);
        int m = 90;
        int d = 4;
        java.util.Random rnd = new java.util.Random(5);
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            y[i] = 1000f * (x[i * d] + 0.1f * (float) rnd.nextGaussian());
        }
        String reg = CliTestSupport.writeTask(dir, "reg", "reg", x, m, d, y);
        String[] common = {"train", "--task", "a=" + a[0] + ":" + a[1], "--task", "b=" + b[0] + ":" + b[1], "--task",
            reg, "--rank", "2", "--epochs", "1", "--backend", "cpu"};
        CliTestSupport.Run r = CliTestSupport.run(concat(common, "--transfer-target", "reg"));
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("warning: task 'reg' (the transfer target, trained alone): its squared loss"),
                r.err());
        assertFalse(r.err().contains("mostly this task"), r.err());
        assertTrue(r.out().contains("new heads start at zero (the bias at the target's training labels' mean)"), r.out());
        // Without biases there is none to start at the mean (the line said there was).
        r = CliTestSupport.run(concat(common, "--transfer-target", "reg", "--no-bias"));
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("new heads start at zero and R at the identity"), r.out());
        // A source in those units is in the sources' sum: that warning stays.
        r = CliTestSupport.run(concat(common, "--transfer-target", "a"));
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("warning: task 'reg': its squared loss") && r.err().contains("mostly this task"),
                r.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Transfer mode refused --out and --out-aligned ('saves no model'), so a fine-tuned target
     * model could not be applied to new rows. --out now saves the frozen B + new head model and
     * --out-aligned the one with R (also under --align none, which transfer mode ignores); mtl
     * predict applies each to the target's raw inputs, and on the test rows of --save-split its
     * predictions give the test MSE the run reported. --resume refuses such a folder.
     */
    @Test
    void theFineTunedModelsAreSavedAndPredictMatchesTheReportedMetric() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 150, 4, 31);
        Path[] b = CliTestSupport.binaryTask(dir, "b", 150, 4, 32);
        int m = 120;
        int d = 4;
        java.util.Random rnd = new java.util.Random(7);
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (3 + 2 * rnd.nextGaussian());
            }
            y[i] = 5f + x[i * d] - x[i * d + 1] + 0.1f * (float) rnd.nextGaussian();
        }
        String reg = CliTestSupport.writeTask(dir, "reg", "reg", x, m, d, y);
        Path ft = dir.resolve("ft");
        Path al = dir.resolve("al");
        Path split = dir.resolve("split.csv");
        Path json = dir.resolve("t.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task",
                "b=" + b[0] + ":" + b[1], "--task", reg, "--transfer-target", "reg", "--rank", "2", "--epochs", "40",
                "--align", "none", "--out", ft.toString(), "--out-aligned", al.toString(), "--save-split",
                split.toString(), "--json", json.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("saved the frozen B + new head model ('reg') to " + ft), r.out());
        JsonObject t = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("transfer");
        java.util.List<Integer> test = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(split)) {
            if (line.startsWith("\"reg\",") && line.endsWith(",test")) {
                test.add(Integer.parseInt(line.split(",")[1]));
            }
        }
        assertTrue(test.size() >= 20, test.toString());
        Path in = dir.resolve("reg").resolve("X.npy");
        String[][] saves = {{ft.toString(), "fineTune", "fine-tune"}, {al.toString(), "fineTuneAligned", "fine-tune+align"}};
        for (String[] s : saves) {
            JsonObject mj = JsonParser.parseString(Files.readString(Path.of(s[0], "model.json"))).getAsJsonObject();
            assertEquals(s[2], mj.get("model").getAsString());
            assertEquals("reg", mj.getAsJsonObject("transfer").get("target").getAsString());
            Path pred = dir.resolve(Path.of(s[0]).getFileName() + ".npy");
            CliTestSupport.Run p = CliTestSupport.run("predict", "--model", s[0], "--task", "reg", "--in", in.toString(),
                    "--out", pred.toString(), "--backend", "cpu");
            assertEquals(0, p.code(), p.all());
            assertTrue(p.out().contains("fine-tuned"), p.out());
            float[] yhat = org.mtlalign.data.Npy.read(pred).data();
            double sum = 0;
            for (int row : test) {
                double err = (double) yhat[row] - y[row];
                sum += err * err;
            }
            double mse = sum / test.size();
            double reported = t.get(s[1]).getAsDouble();
            assertEquals(reported, mse, 1e-5 * reported, s[0] + ": predictions' test MSE against the reported one");
            CliErrorTest.assertUserError(CliTestSupport.run("train", "--resume", s[0], "--backend", "cpu"),
                    "--resume " + s[0] + ": holds a model fine-tuned by transfer mode");
        }
    }

    /**
     * A fine-tuned model that cannot be saved (labels of order 1e21 overflow Adam's float32 second
     * moment) is as mtl train's failed final save: the tables are printed, --json is written with
     * save_error, the second failure is a warning, and the run exits 2 naming the folder.
     */
    @Test
    void aFineTunedModelThatCannotBeSavedExitsTwoAfterTheJson() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 100, 3, 31);
        int m = 80;
        java.util.Random rnd = new java.util.Random(3);
        float[] x = new float[m * 3];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = (float) rnd.nextGaussian();
            }
            y[i] = 1e21f * x[i * 3];
        }
        String big = CliTestSupport.writeTask(dir, "big", "big", x, m, 3, y);
        Path json = dir.resolve("t.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task", big,
                "--transfer-target", "big", "--rank", "1", "--epochs", "2", "--out", dir.resolve("ft").toString(),
                "--out-aligned", dir.resolve("al").toString(), "--json", json.toString(), "--backend", "cpu");
        CliErrorTest.assertUserError(r, dir.resolve("ft") + ": the model was not saved");
        assertTrue(r.out().contains("frozen B + new head + alignment R") && !r.out().contains("saved the"), r.out());
        assertTrue(r.err().contains("warning: the frozen B + new head + alignment R model was not saved either"), r.err());
        JsonObject j = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertTrue(j.get("save_error").getAsString().startsWith(dir.resolve("ft") + ": the model was not saved"), j.toString());
        assertTrue(j.has("transfer"), j.toString());
    }
}
