package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Inputs that train badly for a reason the run otherwise leaves unsaid: a few training rows far
 * out, raw inputs far from unit scale under --standardize none, a class of a shared-input task
 * with no training rows. Each was measured against a float64 fit (see Preparation's javadocs).
 */
class MessyInputWarningTest {
    private static final long SEED = Long.getLong("mtlalign.test.seed", System.nanoTime());

    private static Task task(String name, Random rnd, int m, int d, double scale, double offset) {
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (offset + scale * rnd.nextGaussian());
            }
            y[i] = (float) rnd.nextGaussian();
        }
        return new Task(name, x, m, d, y, 1, false, name + ".npy");
    }

    private static List<String> warnings(Preparation.Standardize std, boolean shared, Task... tasks) {
        TaskSuite suite = new TaskSuite("t", List.of(tasks), shared);
        return Preparation.prepare(suite, new Preparation.Config(0.2, 0.2, 1, null, std)).warnings();
    }

    /** Rows of the training split that {@code w} names, as "0-based rows a, b of the data file". */
    private static String rowsNamed(String w) {
        int at = w.indexOf("0-based row");
        return w.substring(w.indexOf(' ', at + 11) + 1, w.indexOf(" of the data file"));
    }

    @Test
    void aFewTrainingRowsHoldingTheSpreadAreNamedInEveryMode() {
        Random rnd = new Random(SEED);
        int m = 800;
        int d = 12;
        Task clean = task("clean", rnd, 700, d, 1, 0);
        Task huge = task("huge", rnd, m, d, 1, 0);
        // Rows 5, 300, 301 and 790 at 1e5 times the others, as a unit error would put them.
        int[] far = {5, 300, 301, 790};
        for (int r : far) {
            for (int j = 0; j < d; j++) {
                huge.x()[r * d + j] *= 1e5f;
            }
        }
        int[] train = Preparation.prepare(new TaskSuite("t", List.of(clean, huge), false),
                new Preparation.Config(0.2, 0.2, 1, null, Preparation.Standardize.GLOBAL)).tasks().get(1).train();
        List<Integer> inTrain = java.util.Arrays.stream(far).filter(r -> java.util.Arrays.stream(train).anyMatch(t -> t == r))
                .boxed().toList();
        assertTrue(!inTrain.isEmpty(), "seed=" + SEED + ": no far row in training; the test needs one");
        for (Preparation.Standardize std : Preparation.Standardize.values()) {
            List<String> w = warnings(std, false, clean, huge).stream().filter(s -> s.startsWith("task 'huge': ")).toList();
            assertEquals(1, w.size(), std + ", seed=" + SEED + ": " + w);
            assertTrue(w.get(0).startsWith("task 'huge': " + inTrain.size() + " of its " + train.length
                    + " training rows hold"), w.get(0));
            assertEquals(String.join(", ", inTrain.stream().map(String::valueOf).toList()), rowsNamed(w.get(0)),
                    std + ", seed=" + SEED);
            // Under --standardize none nothing is standardised, and the message does not say so.
            assertEquals(std != Preparation.Standardize.NONE, w.get(0).contains("once standardised"), w.get(0));
        }
        // The same inputs without those rows, heavy-tailed inputs (Student t, 3 degrees of freedom)
        // and a single heavy column among several are no outliers.
        for (int r : far) {
            for (int j = 0; j < d; j++) {
                huge.x()[r * d + j] /= 1e5f;
            }
        }
        Task heavy = task("heavy", rnd, 300, 5, 1, 0);
        for (int i = 0; i < heavy.x().length; i++) {
            double z = rnd.nextGaussian();
            double chi = 0;
            for (int k = 0; k < 3; k++) {
                double g = rnd.nextGaussian();
                chi += g * g;
            }
            heavy.x()[i] = (float) (z / Math.sqrt(chi / 3));
        }
        Task oneColumn = task("oneColumn", rnd, 300, 5, 1, 0);
        oneColumn.x()[7 * 5 + 2] = 1e6f;
        assertEquals(List.of(), warnings(Preparation.Standardize.GLOBAL, false, clean, huge), "seed=" + SEED);
        assertEquals(List.of(), warnings(Preparation.Standardize.PER_TASK, false, heavy, oneColumn), "seed=" + SEED);
    }

    @Test
    void rareOnesOfZeroOneInputsAreNoOutlierRows() {
        // One indicator column set in 2 of 500 rows (and a second task like it): its 1s hold over 99%
        // of the spread, yet they are a rare category, not unit or entry errors to drop; the
        // rare-binary warning is the one that speaks of such inputs.
        Random rnd = new Random(SEED);
        int m = 500;
        Task[] ts = new Task[2];
        for (int t = 0; t < 2; t++) {
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                y[i] = (float) rnd.nextGaussian();
            }
            ts[t] = new Task("bits" + t, new float[m], m, 1, y, 1, false, "bits" + t + ".npy");
        }
        // The split of regression rows depends on the seed alone: set the 1s in two training rows.
        List<PreparedTask> split = Preparation.prepare(new TaskSuite("t", List.of(ts), false),
                new Preparation.Config(0.2, 0.2, 1, null, Preparation.Standardize.GLOBAL)).tasks();
        for (int t = 0; t < 2; t++) {
            for (int q = 0; q < 2; q++) {
                ts[t].x()[split.get(t).train()[q]] = 1f;
            }
        }
        for (Preparation.Standardize std : Preparation.Standardize.values()) {
            List<String> w = warnings(std, false, ts);
            assertTrue(w.stream().noneMatch(s -> s.contains("training rows hold")), std + ", seed=" + SEED + ": " + w);
        }
        // The same rows at 1e5 in a real-valued column are named.
        for (Task t : ts) {
            for (int i = 0; i < m; i++) {
                t.x()[i] = t.x()[i] == 1f ? 1e5f : (float) rnd.nextGaussian();
            }
        }
        List<String> w = warnings(Preparation.Standardize.GLOBAL, false, ts);
        assertTrue(w.stream().anyMatch(s -> s.contains("training rows hold")), "seed=" + SEED + ": " + w);
    }

    @Test
    void rawInputsFarFromUnitScaleAreNamedUnderStandardizeNoneOnly() {
        Random rnd = new Random(SEED);
        int d = 6;
        Task a = task("a", rnd, 200, d, 1, 0);
        Task b = task("b", rnd, 150, d, 1, 0);
        for (Task t : List.of(a, b)) {
            for (int i = 0; i < t.rows(); i++) {
                t.x()[i * d + 2] = (float) (5e6 + 1e6 * rnd.nextGaussian()); // column 2 at 1e6
                t.x()[i * d + 4] *= 1e-6f;                                    // column 4 at 1e-6
            }
        }
        List<String> w = warnings(Preparation.Standardize.NONE, false, a, b);
        assertEquals(1, w.size(), "seed=" + SEED + ": " + w);
        assertTrue(w.get(0).startsWith("under --standardize none the inputs are used as given, and column 2 reaches ")
                && w.get(0).contains("e+06") && w.get(0).contains("and column 4 varies by only"), w.get(0));
        assertEquals(List.of(), warnings(Preparation.Standardize.GLOBAL, false, a, b), "seed=" + SEED);
        assertEquals(List.of(), warnings(Preparation.Standardize.PER_TASK, false, a, b), "seed=" + SEED);
        // Inputs of unit scale, or counts of 0 to 16 as in the digits, are fine as given; a constant column is no small spread.
        Task c = task("c", rnd, 120, d, 1, 0);
        Task counts = task("counts", rnd, 120, d, 4, 8);
        for (int i = 0; i < 120; i++) {
            c.x()[i * d + 1] = 3f;
        }
        assertEquals(List.of(), warnings(Preparation.Standardize.NONE, false, c, counts), "seed=" + SEED);
    }

    @Test
    void aClassWithNoTrainingRowsOfASharedInputTaskIsNamed() {
        Random rnd = new Random(SEED);
        int m = 400;
        int d = 4;
        float[] x = task("x", rnd, m, d, 1, 0).x();
        float[] y = new float[m];
        float[] y2 = new float[m];
        for (int i = 0; i < m; i++) {
            y[i] = i % 4;
            y2[i] = i % 2;
        }
        // Class 4: two rows, both among rows the shared (unstratified) split does not train on.
        int[] train = Preparation.prepare(new TaskSuite("s", List.of(new Task("a", x, m, d, y, 1, true, "Y.npy"),
                new Task("b", x, m, d, y2, 1, true, "Y.npy")), true), new Preparation.Config(0.2, 0.2, 1, null,
                Preparation.Standardize.GLOBAL)).tasks().get(0).train();
        boolean[] trains = new boolean[m];
        for (int r : train) {
            trains[r] = true;
        }
        int placed = 0;
        for (int i = 0; i < m && placed < 2; i++) {
            if (!trains[i]) {
                y[i] = 4;
                placed++;
            }
        }
        List<String> w = warnings(Preparation.Standardize.GLOBAL, true, new Task("a", x, m, d, y, 1, true, "Y.npy"),
                new Task("b", x, m, d, y2, 1, true, "Y.npy"));
        assertEquals(1, w.size(), "seed=" + SEED + ": " + w);
        assertTrue(w.get(0).startsWith("task 'a': class '4' has no training rows (its ") && w.get(0).contains("2 rows: ")
                && w.get(0).contains("not stratified"), w.get(0));
        // With a row of class 4 in training, nothing is said.
        y[train[0]] = 4;
        assertEquals(List.of(), warnings(Preparation.Standardize.GLOBAL, true, new Task("a", x, m, d, y, 1, true, "Y.npy"),
                new Task("b", x, m, d, y2, 1, true, "Y.npy")), "seed=" + SEED);
    }
}
