package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;

/** `mtl sweep`: MTL by width r over seeds, chosen by validation loss. */
class CliSweepTest {
    @TempDir
    Path dir;

    private static JsonObject read(Path p) throws Exception {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    /**
     * Each (r, seed) of a sweep is the MTL model 'mtl train --rank r --seed s' trains: the same
     * test metrics and best validation loss, to the last bit.
     */
    @Test
    void eachCellIsTheMtlModelOfTrain() throws Exception {
        long first = 1 + new Random().nextInt(1000);
        Path sj = dir.resolve("sweep.json");
        CliTestSupport.Run s = CliTestSupport.run("sweep", "--suite", "synthetic-linear", "--ranks", "1,3",
                "--seeds", "2", "--seed", Long.toString(first), "--epochs", "15", "--backend", "cpu", "--json",
                sj.toString());
        assertEquals(0, s.code(), s.all());
        JsonObject sweep = read(sj);
        int pick = new Random(first).nextInt(2);
        int r = List.of(1, 3).get(pick);
        long seed = first + new Random(first + 1).nextInt(2);
        JsonObject cell = null;
        for (var w : sweep.getAsJsonArray("ranks")) {
            if (w.getAsJsonObject().get("rank").getAsInt() == r) {
                for (var run : w.getAsJsonObject().getAsJsonArray("runs")) {
                    if (run.getAsJsonObject().get("seed").getAsLong() == seed) {
                        cell = run.getAsJsonObject();
                    }
                }
            }
        }
        assertTrue(cell != null, "r = " + r + ", seed " + seed + " in " + sweep);

        Path tj = dir.resolve("train.json");
        CliTestSupport.Run t = CliTestSupport.run("train", "--suite", "synthetic-linear", "--rank", Integer.toString(r),
                "--seed", Long.toString(seed), "--epochs", "15", "--no-stl", "--align", "none", "--reweight", "none",
                "--backend", "cpu", "--json", tj.toString());
        assertEquals(0, t.code(), t.all());
        JsonObject train = read(tj);
        JsonArray tasks = train.getAsJsonArray("tasks");
        JsonArray test = cell.getAsJsonArray("test");
        assertEquals(tasks.size(), test.size());
        for (int i = 0; i < tasks.size(); i++) {
            assertEquals(tasks.get(i).getAsJsonObject().get("mtl").getAsDouble(), test.get(i).getAsDouble(), 0.0,
                    "task " + i + ", r = " + r + ", seed " + seed);
        }
        JsonObject mtlTraining = train.getAsJsonArray("trainings").get(0).getAsJsonObject();
        assertEquals("MTL", mtlTraining.get("run").getAsString());
        assertEquals(mtlTraining.get("bestValidationLoss").getAsDouble(), cell.get("validation_loss").getAsDouble(), 0.0);
        assertEquals(mtlTraining.get("epochsRun").getAsInt(), cell.get("epochs_run").getAsInt());
    }

    /**
     * Two linear tasks with orthogonal weights: identity MTL at r = 1 can fit only one of them, so
     * its validation loss is far above that of r = 5, which fits both, and r = 1 is never chosen. (Not
     * asserted of r = 2: gradient descent at r = k sometimes stalls for one seed, 1 run in 60 here.)
     * The best width is the argmin of the mean validation loss, and the smallest width within one
     * sd of it is reported.
     */
    @Test
    void orthogonalLinearTasksNeedTwoDimensions() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int d = 7;
        // u and v: random orthonormal pair (Gram-Schmidt).
        double[] u = new double[d];
        double[] v = new double[d];
        for (int j = 0; j < d; j++) {
            u[j] = rnd.nextGaussian();
            v[j] = rnd.nextGaussian();
        }
        double uu = 0;
        double uv = 0;
        for (int j = 0; j < d; j++) {
            uu += u[j] * u[j];
            uv += u[j] * v[j];
        }
        double vv = 0;
        for (int j = 0; j < d; j++) {
            v[j] -= uv / uu * u[j];
            vv += v[j] * v[j];
        }
        String[] specs = new String[2];
        for (int t = 0; t < 2; t++) {
            double[] w = t == 0 ? u : v;
            double norm = Math.sqrt(t == 0 ? uu : vv);
            int m = 200 + rnd.nextInt(50);
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) rnd.nextGaussian();
                    s += x[i * d + j] * w[j] / norm;
                }
                y[i] = (float) (2 * s + 0.05 * rnd.nextGaussian());
            }
            specs[t] = CliTestSupport.writeTask(dir, "t" + t, "t" + t, x, m, d, y);
        }
        Path sj = dir.resolve("lin.json");
        CliTestSupport.Run s = CliTestSupport.run("sweep", "--task", specs[0], "--task", specs[1], "--ranks", "1..2,5",
                "--seeds", "2", "--seed", Long.toString(1 + rnd.nextInt(1000)), "--activation", "identity",
                "--epochs", "100", "--backend", "cpu", "--json", sj.toString());
        assertEquals(0, s.code(), s.all());
        JsonObject j = read(sj);
        JsonArray ranks = j.getAsJsonArray("ranks");
        assertEquals(3, ranks.size());
        int[] widths = {1, 2, 5};
        double[] mean = new double[3];
        double[] sd = new double[3];
        for (int i = 0; i < 3; i++) {
            JsonObject w = ranks.get(i).getAsJsonObject();
            assertEquals(widths[i], w.get("rank").getAsInt());
            mean[i] = w.get("validation_loss_mean").getAsDouble();
            sd[i] = w.get("validation_loss_sd").getAsDouble();
            JsonArray runs = w.getAsJsonArray("runs");
            double m = (runs.get(0).getAsJsonObject().get("validation_loss").getAsDouble()
                    + runs.get(1).getAsJsonObject().get("validation_loss").getAsDouble()) / 2;
            assertEquals(m, mean[i], 1e-12 * Math.abs(m), "the mean is over the runs listed");
        }
        assertTrue(mean[2] < 0.1 * mean[0], "seed " + seed + ": r = 5 should fit what r = 1 cannot: " + s.out());
        assertTrue(j.get("best_rank").getAsInt() > 1, "seed " + seed + ": " + s.out());
        int best = 0;
        for (int i = 1; i < 3; i++) {
            if (mean[i] < mean[best]) {
                best = i;
            }
        }
        assertEquals(widths[best], j.get("best_rank").getAsInt());
        int smallest = best;
        for (int i = 0; i < 3; i++) {
            if (mean[i] <= mean[best] + sd[best] && i < smallest) {
                smallest = i;
            }
        }
        assertEquals(widths[smallest], j.get("smallest_rank_within_sd").getAsInt());
        assertTrue(s.out().contains("best r by validation loss: " + j.get("best_rank").getAsInt()), s.out());
    }

    /**
     * When most trainings of a sweep have their best epoch at 1 (a small task of noise labels
     * overfits at once; on six text tasks 26 of 27 did), the widths are compared after one epoch
     * of training, which mtl train notes for its MTL model but the sweep did not say: it named a
     * best width among them. Now a warning says so (and the JSON's warnings hold it).
     */
    @Test
    void mostTrainingsBestAfterOneEpochAreWarned() throws Exception {
        Random rnd = new Random(3);
        int d = 100;
        String[] specs = new String[2];
        int[] rows = {1000, 100};
        for (int t = 0; t < 2; t++) {
            int m = rows[t];
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) rnd.nextGaussian();
                }
                y[i] = (t == 0 ? x[i * d] : 0) + rnd.nextGaussian() > 0 ? 1 : 0;
            }
            specs[t] = CliTestSupport.writeTask(dir, t == 0 ? "big" : "tiny", t == 0 ? "big" : "tiny", x, m, d, y);
        }
        Path json = dir.resolve("one.json");
        // Round-robin: the tiny task, revisited 10 times per pass over the big one, overfits in the first
        // epoch (the default, auto, trains tasks 10 times apart proportionally, which avoids that).
        CliTestSupport.Run r = CliTestSupport.run("sweep", "--task", specs[0], "--task", specs[1], "--ranks", "1,2",
                "--seeds", "2", "--lr", "0.05", "--backend", "cpu", "--sampling", "round-robin", "--json", json.toString());
        assertEquals(0, r.code(), r.all());
        int one = 0;
        int all = 0;
        for (var w : read(json).getAsJsonArray("ranks")) {
            for (var run : w.getAsJsonObject().getAsJsonArray("runs")) {
                JsonObject o = run.getAsJsonObject();
                all++;
                one += o.get("best_epoch").getAsInt() == 1 && o.get("epochs_run").getAsInt() >= 10 ? 1 : 0;
            }
        }
        assertTrue(2 * one >= all, "the data should make most trainings best after one epoch: " + r.all());
        String warning = one + " of " + all + " trainings had their lowest validation loss (summed over the tasks) "
                + "after their first epoch, so the widths are compared after one epoch of training";
        assertTrue(r.err().contains("warning: " + warning), r.err());
        assertTrue(read(json).getAsJsonArray("warnings").toString().contains(warning), read(json).toString());
    }

    @Test
    void badOptionsAreOneLineErrors() {
        String[][] cases = {
            {"--ranks", "0", "--ranks: widths must be >= 1"},
            {"--ranks", "3..1", "--ranks: range 3..1 is empty"},
            {"--ranks", "two", "--ranks: 'two' is not a width"},
            {"--ranks", "65", "--ranks: r = 65 is above d = 64"},
            {"--seeds", "0", "--seeds: must be in 1..100"},
            {"--val", "0", "--val: the sweep chooses r by the validation loss"},
        };
        for (String[] c : cases) {
            CliTestSupport.Run r = CliTestSupport.run("sweep", c[0], c[1], "--epochs", "1", "--backend", "cpu");
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.all());
            assertTrue(r.err().contains("mtl: " + c[2]), String.join(" ", c) + ": " + r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    /**
     * A task too small for a validation row would bring its training loss into the choice (always
     * the widest): refused. One seed: its sds are null in the JSON, and each run says whether it was
     * still improving at the cap.
     */
    @Test
    void noValidationRowsRefusedAndOneSeedJson() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int d = 4;
        int m = 12;
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < m; i++) {
            y[i] = x[i * d] + (float) rnd.nextGaussian() * 0.1f;
        }
        String tiny = CliTestSupport.writeTask(dir, "tiny", "tiny", x, m, d, y);
        String big = CliTestSupport.taskSpec(dir, "big", 100, d);
        CliTestSupport.Run r = CliTestSupport.run("sweep", "--task", tiny, "--task", big, "--val", "0.02",
                "--ranks", "1,2", "--epochs", "2", "--backend", "cpu");
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().contains("mtl: --val: task 'tiny' gets no validation rows"), r.err());

        Path sj = dir.resolve("one.json");
        r = CliTestSupport.run("sweep", "--task", big, "--task", CliTestSupport.taskSpec(dir, "other", 90, d),
                "--ranks", "1,2", "--seeds", "1", "--epochs", "3", "--backend", "cpu", "--json", sj.toString());
        assertEquals(0, r.code(), r.all());
        JsonObject j = read(sj);
        for (var w : j.getAsJsonArray("ranks")) {
            JsonObject o = w.getAsJsonObject();
            assertTrue(o.get("validation_loss_sd").isJsonNull(), o.toString());
            assertTrue(o.getAsJsonArray("test_sd").get(0).isJsonNull(), o.toString());
            JsonObject run = o.getAsJsonArray("runs").get(0).getAsJsonObject();
            // 3 epochs with the best at the last: still improving, and the warning says so.
            assertEquals(run.get("epochs_run").getAsInt() == 3 && run.get("best_epoch").getAsInt() >= 2,
                    run.get("still_improving_at_cap").getAsBoolean(), run.toString());
        }
        assertEquals("relu", j.getAsJsonObject("config").get("activation").getAsString());
        assertTrue(r.out().contains("seed 1;") || r.out().contains("(seed 1;"), r.out());
    }

    /** --json must not replace an input given as NAME=TASK.npz (it once did, silently). */
    @Test
    void jsonOntoAnInputArchiveIsRefused() throws Exception {
        Path f = dir.resolve("t.npz");
        int m = 40;
        float[] x = new float[m * 3];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            x[i * 3] = i;
            y[i] = i % 2;
        }
        CliTestSupport.npzTask(f, x, m, 3, y);
        byte[] before = Files.readAllBytes(f);
        for (String cmd : new String[] {"sweep", "train", "analyze"}) {
            CliTestSupport.Run r = CliTestSupport.run(cmd, "--task", "a=" + f, "--task",
                    CliTestSupport.taskSpec(dir, "b" + cmd, 40, 3), "--json", f.toString(), "--backend", "cpu");
            assertEquals(2, r.code(), cmd + ": " + r.all());
            assertTrue(r.err().contains("is an input file of this run"), cmd + ": " + r.err());
            assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(f)), cmd + " changed the archive");
        }
    }

    @Test
    void ranksParseAndDefaultLadder() {
        assertEquals(List.of(1, 2, 4, 5, 6, 9), SweepCommand.parseRanks(List.of("9", "4..6", " 2", "1", "5")));
        assertThrows(UserInputException.class, () -> SweepCommand.parseRanks(List.of("1..100000")));
        assertEquals(List.of(1), SweepCommand.defaultRanks(1));
        assertEquals(List.of(1, 2, 3, 4, 6), SweepCommand.defaultRanks(6));
        assertEquals(List.of(1, 2, 3, 4, 6, 7), SweepCommand.defaultRanks(7));
        assertEquals(List.of(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 41), SweepCommand.defaultRanks(41));
    }
}
