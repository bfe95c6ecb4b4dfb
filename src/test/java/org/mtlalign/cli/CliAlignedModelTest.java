package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;
import org.mtlalign.data.NpyArray;
import org.mtlalign.model.ModelIO;

/**
 * {@code mtl train --out-aligned DIR} saves the MTL + alignment model (Algorithm 1), R_i
 * included, and {@code mtl predict} applies it: X_i R_i enters the shared module. Before, the
 * learned R_i could not be got out of a run and predict only ever applied the MTL model.
 */
class CliAlignedModelTest {
    @TempDir
    Path dir;

    @Test
    void outAlignedSavesTheRiThatPredictApplies() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        String why = "seed " + seed;
        int d = 5 + rnd.nextInt(5);
        // One planted linear task seen through a different rotation (and scale) per task: the case
        // Algorithm 1 is for.
        double[] w = new double[d];
        for (int j = 0; j < d; j++) {
            w[j] = rnd.nextGaussian();
        }
        String[] specs = new String[2];
        float[][] xs = new float[2][];
        int[] ms = new int[2];
        for (int t = 0; t < 2; t++) {
            int m = 71 + rnd.nextInt(40);
            double[][] q = randomOrthogonal(d, rnd);
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                double[] z = new double[d];
                double s = 0;
                for (int j = 0; j < d; j++) {
                    z[j] = rnd.nextGaussian();
                    s += z[j] * w[j];
                }
                for (int j = 0; j < d; j++) {
                    double v = 0;
                    for (int l = 0; l < d; l++) {
                        v += z[l] * q[l][j];
                    }
                    x[i * d + j] = (float) (v * (1 + j));
                }
                y[i] = (float) (s + 0.1 * rnd.nextGaussian());
            }
            specs[t] = CliTestSupport.writeTask(dir, "t" + t, "t" + t, x, m, d, y);
            xs[t] = x;
            ms[t] = m;
        }
        Path mtl = dir.resolve("mtl");
        Path aligned = dir.resolve("aligned");
        CliTestSupport.Run run = CliTestSupport.run("train", "--task", specs[0], "--task", specs[1], "--rank", "1",
                "--activation", "identity", "--epochs", "40", "--no-stl", "--reweight", "none", "--seed",
                Long.toString(seed & 0xffff), "--out", mtl.toString(), "--out-aligned", aligned.toString());
        assertEquals(0, run.code(), why + "\n" + run.all());
        assertTrue(run.out().contains("saved the MTL + alignment model (R_i) to " + aligned), run.out());
        // The alignment phase's own learning rate and start, beside how it ended.
        assertTrue(run.out().contains("note: MTL+align is the MTL model's best epoch trained further from R_i = I "
                + "(fixed-b: B fixed, R_i and the heads trained) at lr 0.0005 (--lr 0.005 x --align-lr-factor 0.1)"),
                run.out());
        // Beside the aligned similarity: what the score after alignment can and cannot show.
        assertTrue(run.out().contains("covariance similarity after alignment (X_i R_i)") && run.out().contains(
                "R_i - I is of rank about r and X_i R_i differs from X_i in few directions"), run.out());

        ModelIO.Loaded a = ModelIO.load(aligned);
        ModelIO.Loaded plain = ModelIO.load(mtl);
        assertTrue(a.model().hasAlignment(), why);
        assertFalse(plain.model().hasAlignment(), why);
        assertEquals("MTL+align", a.json().get("model").getAsString());
        JsonObject al = a.json().getAsJsonObject("alignment");
        assertEquals("fixed-b", al.get("mode").getAsString());
        assertEquals(0.0005, al.get("learning_rate").getAsDouble(), 1e-9);
        assertEquals(0.1, al.get("lr_factor").getAsDouble(), 1e-7);
        // fixed-b (the default): the aligned model's B is the MTL model's, bit for bit.
        assertArrayEquals(plain.model().shared().value(), a.model().shared().value(), why);
        NpyArray r0 = Npy.read(aligned.resolve("R_0.npy"));
        assertArrayEquals(new int[] {d, d}, r0.shape());
        boolean moved = false;
        for (int t = 0; t < 2; t++) {
            float[] r = a.model().alignment(t).value();
            for (int i = 0; i < d * d; i++) {
                moved |= r[i] != (i / d == i % d ? 1f : 0f);
            }
        }
        assertEquals(al.get("best_epoch").getAsInt() > 0, moved, why + ": R_i moved exactly when an epoch improved");

        // mtl predict on the aligned model is X R B + b, A + c in float64 from the saved arrays.
        int t = 1;
        Path pa = dir.resolve("pa.npy");
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", aligned.toString(), "--task", "t1", "--in",
                dir.resolve("t1").resolve("X.npy").toString(), "--out", pa.toString());
        assertEquals(0, p.code(), p.all());
        assertTrue(p.out().contains("MTL + alignment model"), p.out());
        float[] got = Npy.read(pa).data();
        float[] mean = a.extras().get("standardize_mean_" + t).data();
        float[] scale = a.extras().get("standardize_scale_" + t).data();
        float[] rr = a.model().alignment(t).value();
        float[] bb = a.model().shared().value();
        double b0 = a.model().sharedBias().value()[0];
        double a0 = a.model().headWeight(t).value()[0];
        double c0 = a.model().headBias(t).value()[0];
        double maxAbs = 0;
        double maxErr = 0;
        for (int i = 0; i < ms[t]; i++) {
            double h = b0;
            for (int l = 0; l < d; l++) {
                double zl = 0;
                for (int j = 0; j < d; j++) {
                    zl += (xs[t][i * d + j] - (double) mean[j]) / scale[j] * rr[j * d + l];
                }
                h += zl * bb[l];
            }
            double want = h * a0 + c0;
            maxAbs = Math.max(maxAbs, Math.abs(want));
            maxErr = Math.max(maxErr, Math.abs(want - got[i]));
        }
        assertTrue(maxErr <= 1e-4 * Math.max(1, maxAbs), why + ": max error " + maxErr);

        // An aligned model is not resumed (its R_i would train as MTL parameters).
        CliTestSupport.Run res = CliTestSupport.run("train", "--resume", aligned.toString(), "--epochs", "1");
        assertEquals(2, res.code(), res.all());
        assertTrue(res.err().contains("--out-aligned") && res.err().contains("not resumed"), res.err());
        // --out over an aligned model says what it replaces, not "use --resume" (which refuses it).
        Path copy = dir.resolve("aligned-copy");
        Files.createDirectories(copy);
        try (var files = Files.list(aligned)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        CliTestSupport.Run over = CliTestSupport.run("train", "--task", specs[0], "--task", specs[1], "--epochs", "1",
                "--no-stl", "--align", "none", "--reweight", "none", "--out", copy.toString());
        assertEquals(0, over.code(), over.all());
        assertTrue(over.err().contains("note: --out " + copy + " holds an MTL + alignment model (saved by "
                + "--out-aligned); the MTL model will replace it"), over.err());
        assertFalse(over.err().contains("use --resume"), over.err());
        CliTestSupport.Run overMtl = CliTestSupport.run("train", "--task", specs[0], "--task", specs[1], "--epochs",
                "1", "--no-stl", "--align", "none", "--reweight", "none", "--out", copy.toString());
        assertTrue(overMtl.err().contains("holds a saved model; it will be replaced (use --resume to continue it)"),
                overMtl.err());
        // Nothing to save without alignment, and not into the MTL model's folder.
        CliTestSupport.Run none = CliTestSupport.run("train", "--task", specs[0], "--task", specs[1], "--align", "none",
                "--out-aligned", dir.resolve("x").toString());
        assertEquals(2, none.code(), none.all());
        assertTrue(none.err().contains("--align none"), none.err());
        CliTestSupport.Run same = CliTestSupport.run("train", "--task", specs[0], "--task", specs[1], "--out",
                mtl.toString(), "--out-aligned", mtl.toString());
        assertEquals(2, same.code(), same.all());
        assertTrue(same.err().contains("its own folder"), same.err());
        assertFalse(Files.exists(dir.resolve("x")));
    }

    /**
     * --out-aligned inside --out's folder, or --out inside --out-aligned's: each save replaces its
     * whole folder, so one would find the other model there. Before, --out D/m --out-aligned D
     * trained to the end and then failed the aligned save (D not empty, no model.json), and
     * --out D --out-aligned D/al left D unreplaceable by the next --out D. Refused up front.
     */
    @Test
    void nestedModelFoldersAreRefusedBeforeTraining() throws Exception {
        Random rnd = new Random(5);
        String[] specs = new String[2];
        for (int t = 0; t < 2; t++) {
            int m = 40;
            int d = 3;
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < m * d; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < m; i++) {
                y[i] = x[i * d] + 0.5f * x[i * d + 1];
            }
            specs[t] = CliTestSupport.writeTask(dir, "t" + t, "t" + t, x, m, d, y);
        }
        Path outer = dir.resolve("outer");
        String[][] cases = {{"--out", outer.resolve("m").toString(), "--out-aligned", outer.toString()},
            {"--out", outer.toString(), "--out-aligned", outer.resolve("al").toString()},
            {"--out", outer.toString(), "--out-aligned", outer.resolve("x").resolve("..").resolve("y").toString()}};
        for (String[] c : cases) {
            CliTestSupport.Run run = CliTestSupport.run("train", "--task", specs[0], "--task", specs[1], "--epochs",
                    "2", "--no-stl", "--reweight", "none", c[0], c[1], c[2], c[3]);
            assertEquals(2, run.code(), String.join(" ", c) + "\n" + run.all());
            assertTrue(run.err().contains("one folder is inside the other"), run.err());
            assertFalse(Files.exists(outer), String.join(" ", c) + ": refused before anything was saved");
        }
        // Side by side is fine.
        CliTestSupport.Run ok = CliTestSupport.run("train", "--task", specs[0], "--task", specs[1], "--epochs", "2",
                "--no-stl", "--reweight", "none", "--out", dir.resolve("m").toString(), "--out-aligned",
                dir.resolve("ma").toString());
        assertEquals(0, ok.code(), ok.all());
        assertTrue(Files.isRegularFile(dir.resolve("ma").resolve(ModelIO.MODEL_JSON)), ok.all());
        // The resumed model's folder counts too, when --out saves elsewhere.
        Path resumed = dir.resolve("m");
        CliTestSupport.Run inResumed = CliTestSupport.run("train", "--resume", resumed.toString(), "--epochs", "1",
                "--out", dir.resolve("m2").toString(), "--out-aligned", resumed.resolve("al").toString());
        assertEquals(2, inResumed.code(), inResumed.all());
        assertTrue(inResumed.err().contains("--resume " + resumed + ": one folder is inside the other"),
                inResumed.err());
        assertFalse(Files.exists(resumed.resolve("al")) || Files.exists(dir.resolve("m2")), inResumed.all());
        // Nor may the aligned model replace the model being continued (--out saving elsewhere).
        String before = Files.readString(resumed.resolve("model.json"));
        CliTestSupport.Run over = CliTestSupport.run("train", "--resume", resumed.toString(), "--epochs", "1",
                "--out", dir.resolve("m3").toString(), "--out-aligned", resumed.toString());
        assertEquals(2, over.code(), over.all());
        assertTrue(over.err().contains("--out-aligned " + resumed + ": is the folder of the model --resume continues"),
                over.err());
        assertEquals(before, Files.readString(resumed.resolve("model.json")));
        assertFalse(Files.exists(dir.resolve("m3")), over.all());
    }

    /**
     * A diverged alignment phase (it runs at --lr x --align-lr-factor) points to the factor: a
     * smaller --lr, which every message used to suggest, would change the MTL model too. The
     * per-run warning's parentheses close ('its best epoch was 0)', not 'was (0);').
     */
    @Test
    void aDivergedAlignmentPhasePointsToItsFactor() throws Exception {
        Random rnd = new Random(11);
        String[] specs = new String[2];
        for (int t = 0; t < 2; t++) {
            int m = 60;
            int d = 4;
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < m * d; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < m; i++) {
                y[i] = x[i * d] - x[i * d + 1 + t] + 0.1f * (float) rnd.nextGaussian();
            }
            specs[t] = CliTestSupport.writeTask(dir, "t" + t, "t" + t, x, m, d, y);
        }
        for (String seeds : new String[] {"1", "2"}) {
            CliTestSupport.Run run = CliTestSupport.run("train", "--task", specs[0], "--task", specs[1], "--epochs", "3",
                    "--no-stl", "--reweight", "none", "--optimizer", "sgd", "--lr", "0.01", "--align-lr-factor",
                    "1e7", "--seeds", seeds);
            assertEquals(3, run.code(), run.all());
            assertTrue(run.err().contains("MTL+align diverged (see the warnings above)") && run.err().contains(
                    "try a smaller --align-lr-factor (the alignment phase runs at --lr times it)"), run.all());
            assertFalse(run.all().contains("try a smaller --lr"), run.all());
            if (seeds.equals("1")) {
                assertTrue(run.out().matches("(?s).*warning: MTL\\+align: training diverged at epoch \\d+.*its model "
                        + "is not used \\(its best epoch was \\d+\\); try a smaller --align-lr-factor.*"), run.out());
            }
        }
    }

    /**
     * --seeds N says in which seeds the alignment phase kept the MTL model (best epoch 0): there
     * align - MTL is 0 by construction. A learning-rate factor of 1e-30 moves no parameter, so
     * no epoch can improve; the default run's note must match its own per-seed trainings.
     */
    @Test
    void seedsNameTheSeedsWhoseAlignmentKeptTheMtlModel() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int d = 3 + rnd.nextInt(6);
        String[] data = {"--task", CliTestSupport.taskSpec(dir, "p" + rnd.nextInt(1000), 60 + rnd.nextInt(50), d),
            "--task", CliTestSupport.taskSpec(dir, "q" + rnd.nextInt(1000), 60 + rnd.nextInt(50), d), "--rank", "1",
            "--epochs", "8", "--no-stl", "--reweight", "none", "--seeds", "2", "--seed",
            Integer.toString(1 + rnd.nextInt(100))};
        for (String factor : new String[] {"1e-30", "0.1"}) {
            Path json = dir.resolve("s" + factor + ".json");
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--align-lr-factor",
                    factor, "--json", json.toString()));
            args.addAll(java.util.List.of(data));
            CliTestSupport.Run r = CliTestSupport.run(args.toArray(new String[0]));
            assertEquals(0, r.code(), "seed " + seed + "\n" + r.all());
            java.util.List<String> kept = new java.util.ArrayList<>();
            for (com.google.gson.JsonElement run : com.google.gson.JsonParser.parseString(Files.readString(json))
                    .getAsJsonObject().getAsJsonArray("runs")) {
                for (com.google.gson.JsonElement t : run.getAsJsonObject().getAsJsonArray("trainings")) {
                    JsonObject o = t.getAsJsonObject();
                    if (o.get("run").getAsString().equals("MTL+align") && o.get("bestEpoch").getAsInt() == 0) {
                        kept.add(run.getAsJsonObject().get("seed").getAsString());
                    }
                }
            }
            if (factor.equals("1e-30")) {
                assertEquals(2, kept.size(), r.out());
            }
            String note = "note: the alignment phase never improved the validation loss in seed";
            assertEquals(!kept.isEmpty(), r.out().contains(note), "seed " + seed + " factor " + factor + "\n" + r.out());
            if (!kept.isEmpty()) {
                assertTrue(r.out().contains(note + (kept.size() == 1 ? " " : "s ") + String.join(", ", kept)
                        + " (best epoch 0)"), r.out());
            }
        }
    }

    /**
     * With fewer training rows than inputs X_i R_i B can fit any training labels, and only early
     * stopping holds R_i back: mtl train warns, naming the tasks; not when every task has d rows.
     */
    @Test
    void warnsWhenATaskHasFewerTrainingRowsThanInputs() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int d = 31 + rnd.nextInt(10);
        int small = 30 + rnd.nextInt(10);   // 60% of it trains: fewer rows than d
        String[] data = {"--task", CliTestSupport.taskSpec(dir, "few", small, d), "--task",
            CliTestSupport.taskSpec(dir, "many", 3 * d, d), "--rank", "1", "--epochs", "3", "--no-stl", "--reweight",
            "none"};
        String[] args = new String[data.length + 1];
        args[0] = "train";
        System.arraycopy(data, 0, args, 1, data.length);
        CliTestSupport.Run r = CliTestSupport.run(args);
        assertEquals(0, r.code(), "seed " + seed + "\n" + r.all());
        int trainRows = 0;
        for (String line : r.all().split("\n")) {
            if (line.contains("task few ") && line.contains("rows train ")) {
                trainRows = Integer.parseInt(line.replaceAll(".*rows train (\\d+).*", "$1"));
            }
        }
        assertTrue(trainRows > 0 && trainRows < d, r.all());
        assertTrue(r.out().contains("warning: MTL+align trains " + d + " x " + d + " = " + (d * d) + " entries of R_i "
                + "per task, and task 'few' (" + trainRows + " training rows, d = " + d + ") has no more training rows "
                + "than inputs"), "seed " + seed + "\n" + r.out());
        // --seeds says it too (each seed splits the same sizes).
        String[] seeds = java.util.Arrays.copyOf(args, args.length + 2);
        seeds[args.length] = "--seeds";
        seeds[args.length + 1] = "2";
        CliTestSupport.Run rs = CliTestSupport.run(seeds);
        assertEquals(0, rs.code(), "seed " + seed + "\n" + rs.all());
        assertTrue(rs.out().contains("warning: MTL+align trains " + d + " x " + d + " = " + (d * d) + " entries of R_i "
                + "per task, and task 'few' (" + trainRows + " training rows, d = " + d + ") has no more training rows "
                + "than inputs"), "seed " + seed + "\n" + rs.out());
        CliTestSupport.Run none = CliTestSupport.run("train", "--task", CliTestSupport.taskSpec(dir, "big", 2 * d, d),
                "--task", CliTestSupport.taskSpec(dir, "many", 3 * d, d), "--rank", "1", "--epochs", "3", "--no-stl",
                "--reweight", "none");
        assertEquals(0, none.code(), none.all());
        assertFalse(none.out().contains("entries of R_i per task"), none.out());
    }

    /** m_i = d training rows is as bad as fewer (X_i R_i B interpolates them): named; d + 1 is not. */
    @Test
    void aTaskWithAsManyTrainingRowsAsInputsIsNamedToo() {
        int d = 7;
        Random rnd = new Random(5);
        java.util.List<org.mtlalign.data.PreparedTask> tasks = new java.util.ArrayList<>();
        for (int m : new int[] {d + 3, d + 4}) {
            float[] x = org.mtlalign.analysis.TestData.gaussian(rnd, m * d, 1.0);
            float[] y = org.mtlalign.analysis.TestData.gaussian(rnd, m, 1.0);
            int train = m == d + 3 ? d : d + 1;
            tasks.add(org.mtlalign.analysis.TestData.regression(m == d + 3 ? "edge" : "fine", x, m, d, y, 1,
                    org.mtlalign.analysis.TestData.range(train), org.mtlalign.analysis.TestData.range(train, m), new int[0]));
        }
        assertEquals("task 'edge' (7 training rows, d = 7) has", TrainCommand.fewerRowsThanInputs(tasks));
    }

    private static double[][] randomOrthogonal(int d, Random rnd) {
        double[][] q = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                q[i][j] = rnd.nextGaussian();
            }
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += q[i][j] * q[k][j];
                }
                for (int j = 0; j < d; j++) {
                    q[i][j] -= dot * q[k][j];
                }
            }
            double n = 0;
            for (int j = 0; j < d; j++) {
                n += q[i][j] * q[i][j];
            }
            for (int j = 0; j < d; j++) {
                q[i][j] /= Math.sqrt(n);
            }
        }
        return q;
    }

    /**
     * Above d = 64 the alignment phase's default factor is 0.1 x 64 / d: Adam moves all d^2
     * entries of R_i by about the learning rate a step, so a step's change of X_i R_i grows with
     * d. At d = 768 the phase at 0.1 never improved the validation loss of eight embedding-like
     * tasks (4.56 at the start, 9.0 after 19 epochs) and kept the MTL model. A given
     * --align-lr-factor is used as given.
     */
    @Test
    void theDefaultAlignmentRateFallsAsOneOverDAboveSixtyFour() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int d = 65 + rnd.nextInt(100);
        String[] specs = new String[2];
        for (int t = 0; t < 2; t++) {
            int m = 40 + rnd.nextInt(20);
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < m; i++) {
                y[i] = x[i * d] + (float) (0.3 * rnd.nextGaussian());
            }
            specs[t] = CliTestSupport.writeTask(dir, "t" + t, "t" + t, x, m, d, y);
        }
        double want = 0.1 * 64 / d;
        for (String given : new String[] {null, "0.1"}) {
            Path aligned = dir.resolve("aligned" + given);
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--task", specs[0],
                    "--task", specs[1], "--rank", "1", "--epochs", "2", "--no-stl", "--reweight", "none",
                    "--out-aligned", aligned.toString()));
            if (given != null) {
                args.addAll(java.util.List.of("--align-lr-factor", given));
            }
            CliTestSupport.Run run = CliTestSupport.run(args.toArray(new String[0]));
            String why = "d=" + d + " given=" + given + " seed " + seed + "\n" + run.all();
            assertEquals(0, run.code(), why);
            JsonObject al = ModelIO.load(aligned).json().getAsJsonObject("alignment");
            double factor = given == null ? want : 0.1;
            // Stored as float32 and written as its shortest decimal: up to one float ulp (2^-23
            // relative, 1.2e-7) from the double; 1e-7 failed at d = 98 (0.06530613 for 0.0653061224).
            assertEquals(factor, al.get("lr_factor").getAsDouble(), 2.5e-7 * factor, why);
            assertEquals(0.005 * factor, al.get("learning_rate").getAsDouble(), 1e-7 * factor, why);
            assertTrue(run.out().contains("x --align-lr-factor " + (given == null
                    ? new java.math.BigDecimal(want).round(new java.math.MathContext(4)).stripTrailingZeros()
                            .toPlainString() + ", its default at d = " + d + ": 0.1 x 64 / d)" : "0.1)")), why);
        }
    }
}
