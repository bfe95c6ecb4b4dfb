package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.EncodedLabels;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.model.Loss;

/**
 * A binary task with few examples of one class: an AUC that rests on one or a few test rows, and
 * validation rows of one class (early stopping then judges how surely the model predicts it), are
 * said in a warning, with the class named.
 */
class RareClassWarningsTest {
    /** 200 rows, class 1 at the rows in {@code positives}; split train/val/test as given by row ranges. */
    private static PreparedTask task(int[] positives, int[] train, int[] val, int[] test) {
        int m = 200;
        int d = 2;
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m * d; i++) {
            x[i] = i;
        }
        for (int p : positives) {
            y[p] = 1;
        }
        Task t = new Task("rare", x, m, d, y, 1, true, "test");
        return new PreparedTask("rare", x, m, d, EncodedLabels.encode(t, null), train, val, test);
    }

    private static int[] range(int from, int to) {
        return java.util.stream.IntStream.range(from, to).toArray();
    }

    @Test
    void fewTestRowsOfTheRarerClassAndOneClassValidationAreWarned() {
        // Positives at rows 0 (training), 150 (test) only: 50 test rows with 1 positive, validation all negative.
        PreparedTask t = task(new int[] {0, 150}, range(0, 100), range(100, 150), range(150, 200));
        List<String> w = TrainCommand.splitWarnings(List.of(t));
        assertTrue(w.contains("task 'rare': its 50 validation rows hold only class '0', so early stopping and the '!' "
                + "check judge it by how surely it predicts that class, not by how it separates the two; the task needs "
                + "more examples of its rarer class"), w.toString());
        assertTrue(w.contains("task 'rare': its 50 test rows hold only 1 of class '1', so its AUC rests on that row and is "
                + "noisy (one row's rank moves it by up to 1); compare over several --seed values, or give more examples "
                + "of that class"), w.toString());

        // 3 positives in test: "those 3", "1/3".
        t = task(new int[] {0, 120, 150, 151, 152}, range(0, 100), range(100, 150), range(150, 200));
        w = TrainCommand.splitWarnings(List.of(t));
        assertTrue(w.stream().anyMatch(s -> s.contains("hold only 3 of class '1', so its AUC rests on those 3 and is noisy "
                + "(one row's rank moves it by up to 1/3)")), w.toString());
        assertFalse(w.stream().anyMatch(s -> s.contains("validation rows hold only")), w.toString());

        // The rarer class may be class 0.
        int[] many = range(0, 197);
        t = task(many, range(0, 100), range(100, 150), range(150, 200));
        w = TrainCommand.splitWarnings(List.of(t));
        assertTrue(w.stream().anyMatch(s -> s.contains("hold only 3 of class '0'")), w.toString());

        // Ten of each: no warning.
        int[] ten = java.util.stream.IntStream.concat(java.util.stream.IntStream.range(0, 20),
                java.util.stream.IntStream.range(150, 160)).toArray();
        t = task(ten, range(0, 100), range(100, 150), range(150, 200));
        w = TrainCommand.splitWarnings(List.of(t));
        assertTrue(w.stream().noneMatch(s -> s.contains("AUC rests on")), w.toString());
        assertTrue(w.stream().anyMatch(s -> s.contains("validation rows hold only class '0'")), w.toString());
    }

    @Test
    void aTaskWithThreePositivesSaysSoInTheJson(@TempDir Path dir) throws Exception {
        // 3 positives in 300 rows: the stratified split gives test and validation one each.
        int m = 300;
        int d = 3;
        Random rnd = new Random(5);
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m * d; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        y[3] = y[77] = y[200] = 1;
        String spec = CliTestSupport.writeTask(dir, "rare", "rare", x, m, d, y);
        String other = CliTestSupport.taskSpec(dir, "other", 200, d);
        Path json = dir.resolve("r.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", spec, "--task", other, "--epochs", "1", "--rank", "1",
                "--no-stl", "--align", "none", "--reweight", "none", "--json", json.toString());
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("warning: task 'rare': its 60 test rows hold only 1 of class '1', so its AUC rests on "
                + "that row"), r.err());
        String text = java.nio.file.Files.readString(json);
        assertTrue(text.contains("its 60 test rows hold only 1 of class '1'"), text);
        // 1 positive in 60 test rows: its average precision beside the positive rate, in the table and the JSON.
        assertTrue(r.out().contains("average precision of binary tasks with under 10% positives"), r.out());
        assertTrue(r.out().matches("(?s).*\\nrare +1\\.67% +- +[01]\\.\\d{4} +- +-\\n.*"), r.out());
        com.google.gson.JsonObject root = com.google.gson.JsonParser.parseString(text).getAsJsonObject();
        com.google.gson.JsonObject ap = root.getAsJsonArray("tasks").get(0).getAsJsonObject()
                .getAsJsonObject("averagePrecision");
        assertEquals(1 / 60.0, ap.get("positiveRate").getAsDouble(), 1e-12);
        double mtl = ap.get("mtl").getAsDouble();
        assertTrue(mtl > 0 && mtl <= 1, ap.toString());
        assertTrue(ap.get("stl").isJsonNull(), ap.toString());
    }

    /** When the positive class (the later name) is the common one, the run says how to score the rare class. */
    @Test
    void aRareNegativeClassIsNamedWithTheOptionThatScoresIt(@TempDir Path dir) throws Exception {
        int m = 400;
        int d = 3;
        Random rnd = new Random(9);
        StringBuilder y = new StringBuilder("label\n");
        float[] x = new float[m * d];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            y.append(i % 25 == 0 ? "fraud" : "ok").append('\n');
        }
        Path td = dir.resolve("fraud");
        java.nio.file.Files.createDirectories(td);
        org.mtlalign.data.Npy.write(td.resolve("X.npy"), new int[] {m, d}, x);
        java.nio.file.Files.writeString(td.resolve("y.csv"), y.toString());
        String other = CliTestSupport.taskSpec(dir, "other", 200, d);
        String spec = "fraud=" + td.resolve("X.npy") + ":" + td.resolve("y.csv");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", spec, "--task", other, "--epochs", "1", "--rank", "1",
                "--no-stl", "--align", "none", "--reweight", "none");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("note: task 'fraud': its positive class 'ok' is 96.3% of its test rows; for the "
                + "average precision of finding the rare class 'fraud', pass --positive fraud=fraud"), r.out());
        assertFalse(r.out().contains("average precision of binary tasks"), r.out());
        r = CliTestSupport.run("train", "--task", spec, "--task", other, "--epochs", "1", "--rank", "1",
                "--no-stl", "--align", "none", "--reweight", "none", "--positive", "fraud=fraud");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().matches("(?s).*\\nfraud +3\\.75% +- +[01]\\.\\d{4} +- +-\\n.*"), r.out());
        assertFalse(r.out().contains("note: task 'fraud': its positive class"), r.out());
    }

    /**
     * A multi-class task whose largest class is over half its test rows gets its balanced accuracy
     * printed (a model that always predicts the largest class has an accuracy over 0.5 there, and
     * a balanced accuracy of 1 / classes); a balanced one does not.
     */
    @Test
    void anImbalancedMultiClassTaskGetsItsBalancedAccuracyPrinted(@TempDir Path dir) throws Exception {
        String[] ab = skewedAndEven(dir, 11, false);
        String a = ab[0];
        String b = ab[1];
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", a, "--task", b, "--epochs", "2", "--rank", "1",
                "--no-stl", "--align", "none", "--reweight", "none");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("balanced accuracy of multi-class tasks whose largest class is over half their test rows"),
                r.out());
        assertTrue(r.out().matches("(?s).*\\nskewed +70(\\.0)?% +3 +- +[01]\\.\\d{4} +- +-\\n.*"), r.out());
        assertFalse(r.out().matches("(?s).*\\neven +\\d.*% +3 .*"), r.out());
    }

    /**
     * --seeds prints the same secondary metric over the seeds: a skewed multi-class task's
     * balanced accuracy as the mean of the seeds' own values (their JSON), a balanced one's none.
     */
    @Test
    void seedsSummariseTheBalancedAccuracyOfASkewedTask(@TempDir Path dir) throws Exception {
        String[] ab = skewedAndEven(dir, 13, true);
        String a = ab[0];
        String b = ab[1];
        Path json = dir.resolve("s.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", a, "--task", b, "--epochs", "3", "--rank", "2",
                "--no-stl", "--align", "none", "--reweight", "none", "--seeds", "2", "--json", json.toString());
        assertEquals(0, r.code(), r.all());
        com.google.gson.JsonObject res = com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(json))
                .getAsJsonObject();
        double sum = 0;
        for (com.google.gson.JsonElement run : res.getAsJsonArray("runs")) {
            sum += run.getAsJsonObject().getAsJsonArray("tasks").get(0).getAsJsonObject()
                    .getAsJsonObject("balancedAccuracy").get("mtl").getAsDouble();
        }
        String mean = String.format(java.util.Locale.ROOT, "%.4f", sum / 2);
        assertTrue(r.out().contains("the balanced accuracy (always predicting it scores 1 / classes), mean"), r.out());
        assertTrue(r.out().matches("(?s).*\\nskewed +balanced accuracy +- +" + java.util.regex.Pattern.quote(mean)
                + " " + java.util.regex.Pattern.quote(SweepCommand.PM) + " [01]\\.\\d{4} +- +-\\n.*"), mean + "\n" + r.out());
        assertFalse(r.out().matches("(?s).*\\neven +balanced accuracy.*"), r.out());
    }

    /**
     * Two 3-class tasks of 300 rows on the same Gaussian inputs (d = 3): 'skewed', with its
     * largest class about 70% of the rows (by row number, or by the first input when
     * {@code byInput}), and 'even', a third each. Returns their --task specs.
     */
    private static String[] skewedAndEven(Path dir, long seed, boolean byInput) throws Exception {
        int m = 300;
        int d = 3;
        Random rnd = new Random(seed);
        float[] x = new float[m * d];
        float[] skewed = new float[m];
        float[] even = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            skewed[i] = byInput ? (x[i * d] < 0.5 ? 0 : x[i * d] < 1.2 ? 1 : 2) : (i % 10 < 7 ? 0 : i % 10 < 9 ? 1 : 2);
            even[i] = i % 3;
        }
        return new String[] {CliTestSupport.writeTask(dir, "skewed", "skewed", x, m, d, skewed),
            CliTestSupport.writeTask(dir, "even", "even", x, m, d, even)};
    }
}
