package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;

/**
 * X columns named in a CSV header are matched by name, not position: a task whose file lists
 * them in another order trains exactly as if it listed them in the first task's order, and
 * `mtl predict` reorders its inputs to the model's columns or refuses names it does not know.
 */
class FeatureNamesCliTest {
    @TempDir
    Path dir;

    private final long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());

    private static final String[] NAMES = {"alcohol", "ash", "hue", "proline", "magnesium"};

    /** Writes rows x NAMES.length values as a CSV with the columns in {@code order}. */
    private static Path csv(Path file, float[] x, int rows, int[] order) throws IOException {
        int d = NAMES.length;
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < d; j++) {
            b.append(j == 0 ? "" : ",").append(NAMES[order[j]]);
        }
        b.append('\n');
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < d; j++) {
                b.append(j == 0 ? "" : ",").append(x[i * d + order[j]]);
            }
            b.append('\n');
        }
        Files.writeString(file, b.toString());
        return file;
    }

    private static int[] shuffled(Random rnd) {
        int[] p = {0, 1, 2, 3, 4};
        do {
            for (int i = p.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
        } while (p[0] == 0 && p[1] == 1 && p[2] == 2 && p[3] == 3);
        return p;
    }

    /**
     * A header that names a column twice cannot be matched by name: the columns are taken by
     * position, in training and in mtl predict, and the run says so (it was silent, and a predict
     * file with its columns in another order was read wrongly without a word).
     */
    @Test
    void aNameUsedTwiceIsAWarning() throws Exception {
        Random rnd = new Random(seed);
        int m = 80;
        StringBuilder b = new StringBuilder("a,a,c\n");
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            double x0 = rnd.nextGaussian();
            b.append(x0).append(',').append(rnd.nextGaussian()).append(',').append(rnd.nextGaussian()).append('\n');
            y[i] = x0 > 0 ? 1 : 0;
        }
        Path x = dir.resolve("dup.csv");
        Files.writeString(x, b.toString());
        Path yp = dir.resolve("dup_y.npy");
        Npy.write(yp, new int[] {m}, y);
        String spec = x + ":" + yp;
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", "t=" + spec, "--task", "u=" + spec, "--rank", "1",
                "--epochs", "2", "--no-stl", "--align", "none", "--reweight", "none");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("warning: " + x + ": the column name 'a' appears more than once, so the columns are "
                + "matched by position"), r.err());
        assertEquals(1, r.err().split("appears more than once", -1).length - 1, "one warning for one file: " + r.err());
    }

    @Test
    void columnsAreMatchedByNameInTrainingAndPrediction() throws Exception {
        Random rnd = new Random(seed);
        int d = NAMES.length;
        int m = 90;
        float[][] xs = new float[2][m * d];
        Path[] ys = new Path[2];
        for (int t = 0; t < 2; t++) {
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    xs[t][i * d + j] = (float) (rnd.nextGaussian() * (j + 1) + 10 * j);
                }
                y[i] = xs[t][i * d] + 0.5f * xs[t][i * d + 3] - 15 > 0 ? 1 : 0;
            }
            ys[t] = dir.resolve("y" + t + ".npy");
            Npy.write(ys[t], new int[] {m}, y);
        }
        int[] identity = {0, 1, 2, 3, 4};
        int[] perm = shuffled(rnd);
        Path a = csv(dir.resolve("a.csv"), xs[0], m, identity);
        Path bSame = csv(dir.resolve("b_same.csv"), xs[1], m, identity);
        Path bPerm = csv(dir.resolve("b_perm.csv"), xs[1], m, perm);

        String[] common = {"--rank", "2", "--epochs", "8", "--no-stl", "--align", "none", "--reweight", "none"};
        Path j1 = dir.resolve("same.json");
        Path model = dir.resolve("model");
        CliTestSupport.Run same = CliTestSupport.run(concat(new String[] {"train", "--task", "a=" + a + ":" + ys[0],
            "--task", "b=" + bSame + ":" + ys[1], "--json", j1.toString(), "--out", model.toString()}, common));
        assertEquals(0, same.code(), same.all());
        Path j2 = dir.resolve("perm.json");
        CliTestSupport.Run permuted = CliTestSupport.run(concat(new String[] {"train", "--task", "a=" + a + ":" + ys[0],
            "--task", "b=" + bPerm + ":" + ys[1], "--json", j2.toString()}, common));
        assertEquals(0, permuted.code(), permuted.all());
        assertTrue(permuted.err().contains("task 'b': its X columns are those of task 'a' in another order"),
                permuted.err());
        JsonObject r1 = JsonParser.parseString(Files.readString(j1)).getAsJsonObject();
        JsonObject r2 = JsonParser.parseString(Files.readString(j2)).getAsJsonObject();
        assertEquals(r1.get("tasks"), r2.get("tasks"), "seed=" + seed);
        assertEquals(r1.get("similarity"), r2.get("similarity"), "seed=" + seed);

        // Prediction: the held-in rows of task a in the model's order and shuffled give the same output.
        Path pIn = dir.resolve("p_in.npy");
        Path pPerm = dir.resolve("p_perm.npy");
        CliTestSupport.Run p1 = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                a.toString(), "--out", pIn.toString());
        assertEquals(0, p1.code(), p1.all());
        Path aPerm = csv(dir.resolve("a_perm.csv"), xs[0], m, perm);
        CliTestSupport.Run p2 = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                aPerm.toString(), "--out", pPerm.toString());
        assertEquals(0, p2.code(), p2.all());
        assertTrue(p2.err().contains("matched to the model's by name"), p2.err());
        assertArrayEquals(Npy.read(pIn).data(), Npy.read(pPerm).data());

        // Unknown names are refused, naming what is missing and what is not expected.
        String renamed = Files.readString(aPerm).replaceFirst("hue", "colour");
        Path bad = dir.resolve("a_bad.csv");
        Files.writeString(bad, renamed);
        CliErrorTest.assertUserError(CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                bad.toString(), "--out", dir.resolve("x.npy").toString()), "a_bad.csv", "missing 'hue'",
                "not expected 'colour'");
        // A name given twice (and so another missing) is refused too, naming both: it was taken
        // by position without a word, whatever the names said.
        String twice = Files.readString(aPerm).replaceFirst("hue", "ash");
        Path dup = dir.resolve("a_twice.csv");
        Files.writeString(dup, twice);
        CliErrorTest.assertUserError(CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                dup.toString(), "--out", dir.resolve("x.npy").toString()), "a_twice.csv",
                "the column name 'ash' appears more than once", "missing 'hue'");
        // Numeric columns beside the model's (a label column, an id) are left
        // out, named in a note, when every model column is there once: the same predictions.
        List<String> lines = Files.readAllLines(aPerm);
        StringBuilder extra = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",");
            String label = i == 0 ? "label" : Integer.toString(rnd.nextInt(2));
            String id = i == 0 ? "batch" : Integer.toString(1000 + i);
            extra.append(id).append(',').append(cells[0]).append(',').append(cells[1]).append(',').append(label);
            for (int j = 2; j < cells.length; j++) {
                extra.append(',').append(cells[j]);
            }
            extra.append('\n');
        }
        Path withExtra = dir.resolve("a_extra.csv");
        Files.writeString(withExtra, extra.toString());
        Path pExtra = dir.resolve("p_extra.npy");
        CliTestSupport.Run p4 = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                withExtra.toString(), "--out", pExtra.toString());
        assertEquals(0, p4.code(), p4.all());
        assertTrue(p4.err().contains("columns 'batch', 'label' are not among the model's inputs and were left out"),
                p4.err());
        assertArrayEquals(Npy.read(pIn).data(), Npy.read(pExtra).data());
        assertFalse(p4.err().contains("float32"), p4.err());
        // A left-out timestamp column, which float32 flattens, is not the model's concern: no warning.
        StringBuilder stamped = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            stamped.append(i == 0 ? "time," + lines.get(i)
                    : String.format(java.util.Locale.ROOT, "%.6f,%s", 1.7e9 + rnd.nextGaussian(), lines.get(i)))
                    .append('\n');
        }
        Path withStamp = dir.resolve("a_stamp.csv");
        Files.writeString(withStamp, stamped.toString());
        Path pStamp = dir.resolve("p_stamp.npy");
        CliTestSupport.Run p5 = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                withStamp.toString(), "--out", pStamp.toString());
        assertEquals(0, p5.code(), p5.all());
        assertTrue(p5.err().contains("column 'time' is not among the model's inputs"), p5.err());
        assertFalse(p5.err().contains("float32"), p5.err());
        assertArrayEquals(Npy.read(pIn).data(), Npy.read(pStamp).data());
        // A label column of words or missing values (yes, no, NA, empty) is left out too; a model
        // column of words is still refused.
        List<String> plain = Files.readAllLines(aPerm);
        StringBuilder worded = new StringBuilder();
        StringBuilder wordInput = new StringBuilder();
        String[] marks = {"yes", "no", "NA", ""};
        for (int i = 0; i < plain.size(); i++) {
            String label = i == 0 ? "label" : marks[rnd.nextInt(marks.length)];
            worded.append(label).append(',').append(plain.get(i)).append('\n');
            String[] cells = plain.get(i).split(",", 2);
            wordInput.append(i == 0 ? cells[0] : i % 2 == 0 ? "yes" : "no").append(',').append(cells[1]).append('\n');
        }
        Path withWords = dir.resolve("a_words.csv");
        Files.writeString(withWords, worded.toString());
        Path pWords = dir.resolve("p_words.npy");
        CliTestSupport.Run p6 = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                withWords.toString(), "--out", pWords.toString());
        assertEquals(0, p6.code(), p6.all());
        assertTrue(p6.err().contains("column 'label' is not among the model's inputs"), p6.err());
        assertArrayEquals(Npy.read(pIn).data(), Npy.read(pWords).data());
        Path wordsIn = dir.resolve("a_word_input.csv");
        Files.writeString(wordsIn, wordInput.toString());
        CliErrorTest.assertUserError(CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                wordsIn.toString(), "--out", dir.resolve("x.npy").toString()), "a_word_input.csv", "line 2, column 1",
                "cannot parse");
        // A missing column is named, not only counted, also when others are extra.
        String missing = Files.readString(withExtra).replaceFirst("hue", "colour");
        Path withMissing = dir.resolve("a_missing.csv");
        Files.writeString(withMissing, missing);
        CliErrorTest.assertUserError(CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                withMissing.toString(), "--out", dir.resolve("x.npy").toString()), "missing 'hue'",
                "not expected 'batch'", "'label'", "'colour'");
        // A file without names (a .npy) is taken by position.
        Path npy = dir.resolve("a.npy");
        Npy.write(npy, new int[] {m, d}, xs[0]);
        CliTestSupport.Run p3 = CliTestSupport.run("predict", "--model", model.toString(), "--task", "a", "--in",
                npy.toString(), "--out", dir.resolve("p3.npy").toString());
        assertEquals(0, p3.code(), p3.all());
        assertArrayEquals(Npy.read(pIn).data(), Npy.read(dir.resolve("p3.npy")).data());
    }

    @Test
    void tasksWithOtherNamesAreMatchedByPositionWithAWarning() throws Exception {
        Random rnd = new Random(seed);
        int m = 60;
        float[] x = new float[m * NAMES.length];
        float[] y = new float[m];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < m; i++) {
            y[i] = x[i * NAMES.length] > 0 ? 1 : 0;
        }
        Path yf = dir.resolve("y.npy");
        Npy.write(yf, new int[] {m}, y);
        Path a = csv(dir.resolve("a.csv"), x, m, new int[] {0, 1, 2, 3, 4});
        Path b = dir.resolve("b.csv");
        Files.writeString(b, Files.readString(a).replaceFirst("alcohol", "ethanol"));
        CliTestSupport.Run r = CliTestSupport.run("analyze", "--task", "a=" + a + ":" + yf, "--task", "b=" + b + ":" + yf);
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("task 'b': its X column names differ from task 'a''s (missing 'alcohol'; not "
                + "expected 'ethanol'); columns are matched by position"), r.err());
    }

    /**
     * Of four tasks, the first ('a') has other names: each of the three others was warned about
     * ("task 'b': its X column names differ from task 'a''s", three such lines), pointing away
     * from the one file that differs. The names most tasks share are the reference: 'a' alone is
     * warned about, and a task listing those names in another order is reordered to them.
     */
    @Test
    void theTaskWithOtherNamesThanMostIsTheOneWarnedAbout() throws Exception {
        Random rnd = new Random(seed);
        int m = 60;
        float[] x = new float[m * NAMES.length];
        float[] y = new float[m];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < m; i++) {
            y[i] = x[i * NAMES.length] > 0 ? 1 : 0;
        }
        Path yf = dir.resolve("y.npy");
        Npy.write(yf, new int[] {m}, y);
        Path b = csv(dir.resolve("b.csv"), x, m, new int[] {0, 1, 2, 3, 4});
        Path c = csv(dir.resolve("c.csv"), x, m, new int[] {0, 1, 2, 3, 4});
        Path d = csv(dir.resolve("d.csv"), x, m, new int[] {1, 0, 2, 3, 4});
        Path a = dir.resolve("a.csv");
        Files.writeString(a, Files.readString(b).replaceFirst("alcohol", "ethanol"));
        CliTestSupport.Run r = CliTestSupport.run("analyze", "--task", "a=" + a + ":" + yf, "--task", "b=" + b + ":" + yf,
                "--task", "c=" + c + ":" + yf, "--task", "d=" + d + ":" + yf);
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("task 'a': its X column names differ from task 'b''s (missing 'alcohol'; not "
                + "expected 'ethanol'); columns are matched by position"), r.err());
        assertTrue(r.err().contains("task 'd': its X columns are those of task 'b' in another order"), r.err());
        assertEquals(2, r.err().lines().filter(l -> l.startsWith("warning: task ")).count(), r.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Predicting from pandas' files: a 2-column frame written without names starts with the line
     * 0,1, which is its header (as in training), and a model trained without names takes a named
     * file by position, saying so.
     */
    @Test
    void predictReadsPandasDefaultNamesAsAHeaderAndSaysWhenItCannotMatchNames() throws Exception {
        Random rnd = new Random(seed);
        int m = 80;
        float[] x = new float[m * 2];
        float[] y = new float[m];
        StringBuilder csv = new StringBuilder("0,1\n");
        StringBuilder named = new StringBuilder("u,v\n");
        for (int i = 0; i < m; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            y[i] = x[2 * i] > 0 ? 1 : 0;
            csv.append(x[2 * i]).append(',').append(x[2 * i + 1]).append('\n');
            named.append(x[2 * i]).append(',').append(x[2 * i + 1]).append('\n');
        }
        Path xf = dir.resolve("x.npy");
        Path yf = dir.resolve("y.npy");
        Npy.write(xf, new int[] {m, 2}, x);
        Npy.write(yf, new int[] {m}, y);
        Path model = dir.resolve("m");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", "t=" + xf + ":" + yf, "--rank", "1", "--epochs",
                "3", "--no-stl", "--align", "none", "--reweight", "none", "--out", model.toString());
        assertEquals(0, t.code(), t.all());
        Path pandas = dir.resolve("p.csv");
        Files.writeString(pandas, csv.toString());
        Path out = dir.resolve("p.npy");
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", "t", "--in",
                pandas.toString(), "--out", out.toString());
        assertEquals(0, p.code(), p.all());
        assertTrue(p.err().contains("pandas' default column names"), p.err());
        assertEquals(m, Npy.read(out).dim(0));
        Path byName = dir.resolve("n.csv");
        Files.writeString(byName, named.toString());
        CliTestSupport.Run n = CliTestSupport.run("predict", "--model", model.toString(), "--task", "t", "--in",
                byName.toString(), "--out", dir.resolve("n.npy").toString());
        assertEquals(0, n.code(), n.all());
        assertTrue(n.err().contains("records no column names") && n.err().contains("by position"), n.err());
        assertArrayEquals(Npy.read(out).data(), Npy.read(dir.resolve("n.npy")).data());
    }
}
