package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Npy;
import org.mtlalign.data.NpyArray;
import org.mtlalign.data.Preparation;
import org.mtlalign.model.ModelIO;
import org.mtlalign.model.MtlModel;

/**
 * `mtl predict` applies the saved model to new inputs: the right head, the right task's
 * standardisation (per-task here, so a mix-up would show), and probabilities for classification.
 */
class CliPredictTest {
    @TempDir
    Path dir;

    @Test
    void predictionsAreTheSavedModelsOnStandardisedInputs() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 90, 5, 51);
        // Task b: other inputs on another scale, 3 classes.
        Random rnd = new Random(52);
        int m = 80;
        float[] x = new float[m * 5];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < 5; j++) {
                x[i * 5 + j] = (float) (10 + 4 * rnd.nextGaussian());
            }
            y[i] = x[i * 5] < 8 ? 4 : x[i * 5] < 12 ? 5 : 9;
        }
        Path bx = dir.resolve("bx.npy");
        Path by = dir.resolve("by.npy");
        Npy.write(bx, new int[] {m, 5}, x);
        Npy.write(by, new int[] {m}, y);
        Path model = dir.resolve("model");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task",
                "b=" + bx + ":" + by, "--rank", "2", "--epochs", "5", "--no-stl", "--align", "none", "--reweight",
                "none", "--standardize", "per-task", "--out", model.toString());
        assertEquals(0, t.code(), t.all());
        // model.json records whole-number labels as integers (Python's json reads 4, not 4.0).
        assertEquals("{\"a\":[0,1],\"b\":[4,5,9]}",
                ModelIO.load(model).json().getAsJsonObject("class_values").toString());

        Path out = dir.resolve("pb.npy");
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "b", "--in",
                bx.toString(), "--out", out.toString());
        assertEquals(0, p.code(), p.all());
        assertTrue(p.out().contains("p(y = 4), p(y = 5), p(y = 9)"), p.out());
        NpyArray got = Npy.read(out);
        assertArrayEquals(new int[] {m, 3}, got.shape());

        // The same by hand: the saved model, task b's (index 1) standardisation, softmax.
        ModelIO.Loaded l = ModelIO.load(model);
        MtlModel mm = l.model();
        float[] z = Preparation.apply(x, m, 5, l.extras().get("standardize_mean_1").data(),
                l.extras().get("standardize_scale_1").data());
        MtlModel.Workspace ws = mm.workspace(m);
        try (CpuBackend be = new CpuBackend()) {
            mm.forward(be, 1, z, m, ws);
        }
        float[] want = java.util.Arrays.copyOf(ws.out, m * 3);
        org.mtlalign.train.Predictor.toProbabilities(org.mtlalign.model.Loss.SOFTMAX, want, m, 3);
        assertArrayEquals(want, got.data(), 1e-6f);
        for (int i = 0; i < m; i++) {
            assertEquals(1.0, got.data()[3 * i] + got.data()[3 * i + 1] + got.data()[3 * i + 2], 1e-5);
        }

        // CSV output with a header; a binary head gives one probability column, and the predicted class.
        Path csv = dir.resolve("pa.csv");
        p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in", a[0].toString(),
                "--out", csv.toString());
        assertEquals(0, p.code(), p.all());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("\"p(y = 1)\",\"predicted\"", lines.get(0));
        assertEquals(91, lines.size());
        for (String s : lines.subList(1, lines.size())) {
            double v = Double.parseDouble(s.substring(0, s.indexOf(',')));
            assertTrue(v >= 0 && v <= 1, s);
            assertEquals(v >= 0.5 ? "\"1\"" : "\"0\"", s.substring(s.indexOf(',') + 1), s);
        }

        // Errors: an unknown task (listing the tasks), inputs of another width, an output that is an input.
        CliErrorTest.assertUserError(CliTestSupport.run("predict", "--model", model.toString(), "--task", "c", "--in",
                bx.toString(), "--out", dir.resolve("q.npy").toString()), "no task 'c'", "a, b");
        Path narrow = dir.resolve("narrow.npy");
        Npy.write(narrow, new int[] {3, 4}, new float[12]);
        CliErrorTest.assertUserError(CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                narrow.toString(), "--out", dir.resolve("q.npy").toString()), "narrow.npy", "m x 5");
        // One column more (a label kept beside the inputs, no header to leave it out by) says what
        // it likely is; before, only the shapes were named.
        Path wide = dir.resolve("wide.npy");
        Npy.write(wide, new int[] {3, 6}, new float[18]);
        CliErrorTest.assertUserError(CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                wide.toString(), "--out", dir.resolve("q.npy").toString()), "wide.npy", "m x 5",
                "one column more than the model's inputs (a label or id column?): drop it");
        CliErrorTest.assertUserError(CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                bx.toString(), "--out", bx.toString()), "--out", "input");
    }

    /**
     * The saved files are what docs/json.md ("Reading a saved model with numpy") says, so a
     * script can predict without the CLI: B d x r, b r, A_i r x c, c_i c, the per-task
     * standardisation and label scale as d and c vectors, head i the i-th task; the output is
     * g((x - mean_i) / scale_i B + b) A_i + c_i, a softmax's probabilities in class_values order
     * and a regression's values times label_scale_i plus label_mean_i. Computed here from the
     * files alone, in doubles, and compared with mtl predict.
     */
    @Test
    void theDocumentedFormulaOverTheSavedFilesIsWhatPredictWrites() throws Exception {
        Random rnd = new Random(71);
        int m = 90;
        int d = 4;
        float[] x = new float[m * d];
        float[] yc = new float[m];
        float[] yr = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (3 + 2 * rnd.nextGaussian());
            }
            yc[i] = x[i * d] < 2 ? 7 : x[i * d] < 4 ? 8 : 9;
            yr[i] = (float) (500 + 40 * x[i * d + 1] + rnd.nextGaussian());
        }
        String c = CliTestSupport.writeTask(dir, "c", "c", x, m, d, yc);
        String r = CliTestSupport.writeTask(dir, "r", "r", x, m, d, yr);
        Path model = dir.resolve("model");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", c, "--task", r, "--rank", "3", "--epochs", "5",
                "--no-stl", "--align", "none", "--reweight", "none", "--standardize", "per-task",
                "--standardize-labels", "--out", model.toString(), "--backend", "cpu");
        assertEquals(0, t.code(), t.all());
        com.google.gson.JsonObject meta = com.google.gson.JsonParser.parseString(
                Files.readString(model.resolve("model.json"))).getAsJsonObject();
        com.google.gson.JsonObject arch = meta.getAsJsonObject("architecture");
        assertEquals("relu", arch.get("activation").getAsString());
        assertEquals("[7,8,9]", meta.getAsJsonObject("class_values").get("c").toString());
        NpyArray b = Npy.read(model.resolve("B.npy"));
        NpyArray bias = Npy.read(model.resolve("b.npy"));
        assertArrayEquals(new int[] {d, 3}, b.shape());
        assertArrayEquals(new int[] {3}, bias.shape());
        for (int head = 0; head < 2; head++) {
            int outputs = head == 0 ? 3 : 1;
            NpyArray a = Npy.read(model.resolve("A_" + head + ".npy"));
            NpyArray ci = Npy.read(model.resolve("c_" + head + ".npy"));
            NpyArray mean = Npy.read(model.resolve("standardize_mean_" + head + ".npy"));
            NpyArray scale = Npy.read(model.resolve("standardize_scale_" + head + ".npy"));
            assertArrayEquals(new int[] {3, outputs}, a.shape());
            assertArrayEquals(new int[] {outputs}, ci.shape());
            assertArrayEquals(new int[] {d}, mean.shape());
            assertArrayEquals(new int[] {d}, scale.shape());
            double[] want = new double[m * outputs];
            for (int i = 0; i < m; i++) {
                double[] h = new double[3];
                for (int k = 0; k < 3; k++) {
                    double v = bias.data()[k];
                    for (int j = 0; j < d; j++) {
                        v += (x[i * d + j] - mean.data()[j]) / scale.data()[j] * b.data()[j * 3 + k];
                    }
                    h[k] = Math.max(0, v);
                }
                for (int o = 0; o < outputs; o++) {
                    double v = ci.data()[o];
                    for (int k = 0; k < 3; k++) {
                        v += h[k] * a.data()[k * outputs + o];
                    }
                    want[i * outputs + o] = v;
                }
                if (head == 0) {
                    double max = Math.max(want[i * 3], Math.max(want[i * 3 + 1], want[i * 3 + 2]));
                    double sum = 0;
                    for (int o = 0; o < 3; o++) {
                        want[i * 3 + o] = Math.exp(want[i * 3 + o] - max);
                        sum += want[i * 3 + o];
                    }
                    for (int o = 0; o < 3; o++) {
                        want[i * 3 + o] /= sum;
                    }
                } else {
                    want[i] = want[i] * Npy.read(model.resolve("label_scale_1.npy")).data()[0]
                            + Npy.read(model.resolve("label_mean_1.npy")).data()[0];
                }
            }
            Path out = dir.resolve("p" + head + ".npy");
            CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", head == 0 ? "c" : "r",
                    "--in", dir.resolve(head == 0 ? "c" : "r").resolve("X.npy").toString(), "--out", out.toString(),
                    "--backend", "cpu");
            assertEquals(0, p.code(), p.all());
            float[] got = Npy.read(out).data();
            double top = 0;
            for (double v : want) {
                top = Math.max(top, Math.abs(v));
            }
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-5 * top, "head " + head + ", value " + i);
            }
        }
    }

    /**
     * --out - writes the CSV to standard output, nothing else there (the summary line goes to
     * standard error), so 'mtl predict ... --out - | python3 ...' reads the predictions alone;
     * the text is the .csv file's.
     */
    @Test
    void dashWritesTheCsvAloneToStandardOutput() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 70, 3, 83);
        Path model = dir.resolve("m");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--rank", "1", "--epochs",
                "3", "--no-stl", "--align", "none", "--reweight", "none", "--out", model.toString());
        assertEquals(0, t.code(), t.all());
        Path file = dir.resolve("p.csv");
        CliTestSupport.Run f = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                a[0].toString(), "--out", file.toString());
        assertEquals(0, f.code(), f.all());
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                a[0].toString(), "--out", "-");
        assertEquals(0, p.code(), p.all());
        assertEquals(Files.readString(file), p.out());
        assertTrue(p.err().contains("predicted 70 rows of task 'a' (logistic head): wrote standard output"), p.err());
        assertTrue(p.out().lines().count() == 71, p.out());
    }

    /**
     * A 1-D input file, as numpy users save a single feature or a single row: training refuses it
     * (X is m x d) and predict too, and both errors say how to save it. Before, they gave the
     * shape alone.
     */
    @Test
    void aVectorOfInputsIsRefusedWithTheReshapeThatFixesIt() throws Exception {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        Random rnd = new Random(seed);
        int m = 40 + rnd.nextInt(30);
        Path[] one = CliTestSupport.binaryTask(dir, "one", m, 1, seed);
        Path vector = dir.resolve("x1d.npy");
        org.mtlalign.data.Npy.write(vector, new int[] {m}, org.mtlalign.data.Npy.read(one[0]).data());
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", "a=" + vector + ":" + one[1], "--epochs", "2");
        assertEquals(2, t.code(), t.all());
        assertEquals(1, t.err().lines().filter(l -> l.startsWith("mtl:")).count(), t.err());
        assertTrue(t.err().contains(vector + ": X must be 2-D (m x d), got shape (" + m + ",); for one input column, "
                + "save X.reshape(-1, 1)"), "seed=" + seed + "\n" + t.err());
        // The same vector with the inputs given as the labels: the files were swapped.
        Path[] wide0 = CliTestSupport.binaryTask(dir, "wide0", m, 3, seed + 2);
        t = CliTestSupport.run("train", "--task", "a=" + one[1] + ":" + wide0[0], "--epochs", "2");
        assertEquals(2, t.code(), t.all());
        assertTrue(t.err().contains(one[1] + ": X must be 2-D (m x d), got shape (" + m + ",); " + wide0[0]
                + ", given as the labels, is " + m + " x 3: are X and y swapped?"), "seed=" + seed + "\n" + t.err());
        Path model = dir.resolve("m1");
        t = CliTestSupport.run("train", "--task", "a=" + one[0] + ":" + one[1], "--rank", "1", "--epochs", "2",
                "--no-stl", "--align", "none", "--reweight", "none", "--out", model.toString());
        assertEquals(0, t.code(), t.all());
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                vector.toString(), "--out", dir.resolve("p.npy").toString());
        assertEquals(2, p.code(), p.all());
        assertTrue(p.err().contains("got shape [" + m + "]; for the model's one input column, save X.reshape(-1, 1)"),
                "seed=" + seed + "\n" + p.err());
        // One row of a wider model's inputs, saved as a vector.
        int d = 2 + rnd.nextInt(5);
        Path[] wide = CliTestSupport.binaryTask(dir, "wide", m, d, seed + 1);
        Path wideModel = dir.resolve("m" + d);
        t = CliTestSupport.run("train", "--task", "a=" + wide[0] + ":" + wide[1], "--rank", "1", "--epochs", "2",
                "--no-stl", "--align", "none", "--reweight", "none", "--out", wideModel.toString());
        assertEquals(0, t.code(), t.all());
        Path row = dir.resolve("row.npy");
        org.mtlalign.data.Npy.write(row, new int[] {d}, java.util.Arrays.copyOf(org.mtlalign.data.Npy.read(wide[0]).data(), d));
        p = CliTestSupport.run("predict", "--model", wideModel.toString(), "--task", "a", "--in", row.toString(), "--out",
                dir.resolve("q.npy").toString());
        assertEquals(2, p.code(), p.all());
        assertTrue(p.err().contains("got shape [" + d + "]; one row of inputs? save X.reshape(1, -1)"),
                "seed=" + seed + "\n" + p.err());
    }

    /**
     * Under LANG=C standard output is ASCII, and --out - wrote a class named 'été' as '?t?' where
     * the .csv file has it right: the CSV on standard output is UTF-8 too.
     */
    @Test
    void dashWritesUtf8UnderLangC() throws Exception {
        int m = 80;
        float[] x = new float[m * 2];
        StringBuilder y = new StringBuilder("saison\n");
        Random rnd = new Random(7);
        for (int i = 0; i < m; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            y.append(x[2 * i] > 0 ? "\u00e9t\u00e9" : "hiver").append('\n');
        }
        Path xf = dir.resolve("X.npy");
        Npy.write(xf, new int[] {m, 2}, x);
        Path yf = dir.resolve("y.csv");
        Files.writeString(yf, y.toString());
        Path model = dir.resolve("m");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", "s=" + xf + ":" + yf, "--rank", "1", "--epochs", "3",
                "--no-stl", "--align", "none", "--reweight", "none", "--out", model.toString());
        assertEquals(0, t.code(), t.all());
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(javaBin, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), "org.mtlalign.cli.Main", "predict", "--model", model.toString(),
                "--task", "s", "--in", xf.toString(), "--out", "-").redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("LANG");
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("\"p(y = \u00e9t\u00e9)\",\"predicted\"", out.lines().findFirst().orElse(""), out);
        assertTrue(out.contains(",\"\u00e9t\u00e9\"\n"), out);
    }

    /**
     * A model.json whose binary head says softmax (one output) is damaged: predict wrote
     * p = 1.0 for every row, exit 0 (found by fuzzing model.json).
     */
    @Test
    void aSoftmaxHeadOfOneOutputIsAMalformedModel() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 60, 4, 67);
        Path model = dir.resolve("onesoft");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--rank", "1", "--epochs",
                "2", "--no-stl", "--align", "none", "--reweight", "none", "--out", model.toString());
        assertEquals(0, t.code(), t.all());
        Path json = model.resolve("model.json");
        String good = Files.readString(json);
        assertTrue(good.contains("\"loss\": \"logistic\""), good);
        Files.writeString(json, good.replace("\"loss\": \"logistic\"", "\"loss\": \"softmax\""));
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                a[0].toString(), "--out", dir.resolve("p1.csv").toString());
        assertEquals(2, p.code(), p.all());
        assertTrue(p.err().contains("mtl: " + json + ": malformed model description") && p.err().contains("softmax"),
                p.err());
        assertTrue(!Files.exists(dir.resolve("p1.csv")));
    }

    /**
     * feature_names of model.json other than d distinct names (found by fuzzing): 'a, a, c' for
     * inputs a, b, c took column a twice and left b out, exit 0; two names for d = 3 blamed the
     * input file's columns. Both are a damaged model.json.
     */
    @Test
    void recordedColumnNamesThatCannotBeTheModelsAreADamagedModel() throws Exception {
        Random rnd = new Random(73);
        StringBuilder x = new StringBuilder("a,b,c\n");
        StringBuilder y = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            double a = rnd.nextGaussian();
            double b = rnd.nextGaussian();
            x.append(a).append(',').append(b).append(',').append(rnd.nextGaussian()).append('\n');
            y.append(a - b > 0 ? 1 : 0).append('\n');
        }
        Path xs = Files.writeString(dir.resolve("X.csv"), x.toString());
        Path ys = Files.writeString(dir.resolve("y.csv"), y.toString());
        Path model = dir.resolve("named");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", "a=" + xs + ":" + ys, "--rank", "1", "--epochs",
                "2", "--no-stl", "--align", "none", "--reweight", "none", "--out", model.toString());
        assertEquals(0, t.code(), t.all());
        Path json = model.resolve("model.json");
        String good = Files.readString(json);
        String names = good.substring(good.indexOf("\"feature_names\""));
        names = names.substring(0, names.indexOf(']') + 1);
        assertTrue(names.replaceAll("\\s", "").equals("\"feature_names\":[\"a\",\"b\",\"c\"]"), names);
        for (String edit : new String[] {"[\"a\", \"a\", \"c\"]", "[\"a\", \"b\"]", "[\"a\", 2, \"c\"]"}) {
            Files.writeString(json, good.replace(names, "\"feature_names\": " + edit));
            CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                    xs.toString(), "--out", dir.resolve("p.csv").toString());
            assertEquals(2, p.code(), edit + ": " + p.all());
            assertTrue(p.err().contains("mtl: " + json + ": feature_names holds ") && p.err().contains("damaged"),
                    edit + ": " + p.err());
        }
        Files.writeString(json, good);
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                xs.toString(), "--out", dir.resolve("p.csv").toString());
        assertEquals(0, p.code(), p.all());
    }

    /**
     * A task trained under a decomposed name (u + U+0308, as macOS file names are) and asked for by
     * the composed one a Python script types: 'the model has no task' listed a name that looked
     * the same. Equal under NFC, it is that task; a name equal to none still fails.
     */
    @Test
    void aTaskNameInAnotherUnicodeNormalizationIsFound() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 60, 3, 11);
        Path[] b = CliTestSupport.binaryTask(dir, "b", 60, 3, 12);
        String decomposed = "u\u0308n";
        Path model = dir.resolve("m");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", decomposed + "=" + a[0] + ":" + a[1], "--task",
                "b=" + b[0] + ":" + b[1], "--rank", "1", "--epochs", "2", "--no-stl", "--align", "none", "--reweight",
                "none", "--out", model.toString());
        assertEquals(0, t.code(), t.all());
        Path exact = dir.resolve("exact.npy");
        Path composed = dir.resolve("composed.npy");
        assertEquals(0, CliTestSupport.run("predict", "--model", model.toString(), "--task", decomposed, "--in",
                a[0].toString(), "--out", exact.toString()).code());
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "\u00fcn", "--in",
                a[0].toString(), "--out", composed.toString());
        assertEquals(0, p.code(), p.all());
        assertArrayEquals(Files.readAllBytes(exact), Files.readAllBytes(composed));
        CliTestSupport.Run none = CliTestSupport.run("predict", "--model", model.toString(), "--task", "\u00fc", "--in",
                a[0].toString(), "--out", dir.resolve("none.npy").toString());
        assertEquals(2, none.code(), none.all());
        assertTrue(none.err().contains("the model has no task"), none.err());
    }

    @Test
    void aModelOfATrainingThatDidNotCompleteIsUsedWithAWarning() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 60, 4, 61);
        Path model = dir.resolve("diverged");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--rank", "1", "--epochs",
                "5", "--no-stl", "--align", "none", "--reweight", "none", "--optimizer", "sgd", "--lr", "1e30", "--out",
                model.toString());
        assertEquals(3, t.code(), t.all());
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                a[0].toString(), "--out", dir.resolve("p.npy").toString());
        assertEquals(0, p.code(), p.all());
        assertTrue(p.err().contains("warning: the model was saved with status 'stopped: ") && p.err().contains("diverged"), p.err());

        Path done = dir.resolve("done");
        t = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--rank", "1", "--epochs", "2", "--no-stl",
                "--align", "none", "--reweight", "none", "--out", done.toString());
        assertEquals(0, t.code(), t.all());
        p = CliTestSupport.run("predict", "--model", done.toString(), "--task", "a", "--in", a[0].toString(), "--out",
                dir.resolve("q.npy").toString());
        assertEquals(0, p.code(), p.all());
        assertTrue(!p.err().contains("warning"), p.err());
    }

    /**
     * Text labels end to end: the run names the positive class, the model records the class
     * names, `mtl predict` names its columns by them and predicts the right class, and a resume
     * refuses data whose class names changed.
     */
    @Test
    void textLabelsAreNamedFromTrainingToPrediction() throws Exception {
        Random rnd = new Random(Long.getLong("mtlalign.test.seed", System.nanoTime()));
        int m = 120;
        int d = 3;
        float[] x = new float[m * d];
        StringBuilder binary = new StringBuilder("label\n");
        StringBuilder three = new StringBuilder("kind\n");
        String[] truth = new String[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            binary.append(x[i * d] > 0 ? "spam" : "ham").append('\n');
            truth[i] = x[i * d + 1] < -0.4 ? "low" : x[i * d + 1] > 0.4 ? "high" : "mid";
            three.append(truth[i]).append('\n');
        }
        Path xf = dir.resolve("X.npy");
        Npy.write(xf, new int[] {m, d}, x);
        Path yb = dir.resolve("yb.csv");
        Path y3 = dir.resolve("y3.csv");
        Files.writeString(yb, binary.toString());
        Files.writeString(y3, three.toString());
        Path model = dir.resolve("model");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", "b=" + xf + ":" + yb, "--task", "c=" + xf + ":" + y3,
                "--rank", "2", "--activation", "identity", "--epochs", "150", "--no-stl", "--align", "none",
                "--reweight", "none", "--out", model.toString());
        assertEquals(0, t.code(), t.all());
        assertTrue(t.out().contains("positive class 'spam'"), t.out());
        assertTrue(t.out().contains("3 text classes: softmax loss"), t.out());

        Path pb = dir.resolve("pb.csv");
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "b", "--in",
                xf.toString(), "--out", pb.toString());
        assertEquals(0, p.code(), p.all());
        assertTrue(Files.readAllLines(pb).get(0).equals("\"p(y = spam)\",\"predicted\""), Files.readAllLines(pb).get(0));
        Path pc = dir.resolve("pc.csv");
        p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "c", "--in", xf.toString(), "--out",
                pc.toString());
        assertEquals(0, p.code(), p.all());
        List<String> lines = Files.readAllLines(pc);
        assertEquals("\"p(y = high)\",\"p(y = low)\",\"p(y = mid)\",\"predicted\"", lines.get(0));
        String[] order = {"high", "low", "mid"};
        int right = 0;
        for (int i = 0; i < m; i++) {
            String[] cells = lines.get(i + 1).split(",");
            int best = 0;
            for (int k = 1; k < 3; k++) {
                best = Float.parseFloat(cells[k]) > Float.parseFloat(cells[best]) ? k : best;
            }
            assertEquals("\"" + order[best] + "\"", cells[3], "the predicted column names the most probable class");
            right += order[best].equals(truth[i]) ? 1 : 0;
        }
        // Chance is about 1/3; columns named in the wrong order would score about that or less.
        assertTrue(right > 0.6 * m, right + " of " + m + " predicted right");

        // The library reads the same labels.
        org.mtlalign.train.Predictor predictor = new org.mtlalign.train.Predictor(ModelIO.load(model));
        assertEquals(List.of("ham", "spam"), predictor.classLabels(predictor.requireHead("b")));
        assertEquals(List.of("high", "low", "mid"), predictor.classLabels(predictor.requireHead("c")));

        // --positive: the other class of the binary task is positive, for the table, the model and predict.
        Path flipped = dir.resolve("flipped");
        CliTestSupport.Run f = CliTestSupport.run("train", "--task", "b=" + xf + ":" + yb, "--task", "c=" + xf + ":" + y3,
                "--positive", "b=ham", "--rank", "2", "--activation", "identity", "--epochs", "5", "--no-stl",
                "--align", "none", "--reweight", "none", "--out", flipped.toString());
        assertEquals(0, f.code(), f.all());
        assertTrue(f.out().contains("positive class 'ham' (--positive)"), f.out());
        Path pf = dir.resolve("pf.csv");
        CliTestSupport.Run pr = CliTestSupport.run("predict", "--model", flipped.toString(), "--task", "b", "--in",
                xf.toString(), "--out", pf.toString());
        assertEquals(0, pr.code(), pr.all());
        assertEquals("\"p(y = ham)\",\"predicted\"", Files.readAllLines(pf).get(0));
        CliErrorTest.assertUserError(CliTestSupport.run("train", "--resume", flipped.toString(), "--positive", "b=spam",
                "--epochs", "1"), "--positive");
        CliErrorTest.assertUserError(CliTestSupport.run("train", "--task", "c=" + xf + ":" + y3, "--positive", "c=low",
                "--epochs", "1"), "--positive c=low", "not a binary task");
        CliErrorTest.assertUserError(CliTestSupport.run("train", "--task", "c=" + xf + ":" + y3, "--positive", "zz=low",
                "--epochs", "1"), "--positive", "no task named 'zz'");

        // The same files resume; a renamed class (same sorted order, same indices) does not.
        CliTestSupport.Run same = CliTestSupport.run("train", "--resume", model.toString(), "--epochs", "1", "--no-stl");
        assertEquals(0, same.code(), same.all());
        Files.writeString(yb, binary.toString().replace("ham", "eggs"));
        CliTestSupport.Run renamed = CliTestSupport.run("train", "--resume", model.toString(), "--epochs", "1",
                "--no-stl");
        assertEquals(2, renamed.code(), renamed.all());
        assertTrue(renamed.err().contains("task 'b'") && renamed.err().contains("contents changed"), renamed.err());
    }
}
