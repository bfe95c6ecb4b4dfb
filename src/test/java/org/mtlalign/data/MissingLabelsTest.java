package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;
import org.mtlalign.model.Loss;

/**
 * Missing labels (an empty cell, NA, a NaN in a float .npy), as multi-task data has them where
 * not every row is labelled for every task: the row takes no part in that task, the loss is
 * inferred from the labels present, and a shared X stays shared with its rows in the same part
 * of the split for every task that has their label.
 */
class MissingLabelsTest {
    @TempDir
    Path dir;

    private final long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());

    private static Set<Integer> set(int[] a) {
        Set<Integer> s = new HashSet<>();
        for (int v : a) {
            s.add(v);
        }
        return s;
    }

    @Test
    void aSharedXWithMissingLabelsKeepsRowsPairedAcrossTasks() throws IOException {
        Random rnd = new Random(seed);
        int m = 200 + rnd.nextInt(100);
        int d = 3;
        float[] x = new float[m * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        StringBuilder y = new StringBuilder("toxic,potency\n");
        boolean[][] missing = new boolean[2][m];
        for (int i = 0; i < m; i++) {
            missing[0][i] = rnd.nextDouble() < 0.3;
            missing[1][i] = rnd.nextDouble() < 0.5;
            String[] markers = {"", "NA", "nan", "NaN"};
            y.append(missing[0][i] ? markers[rnd.nextInt(4)] : (x[i * d] > 0 ? "1" : "0")).append(',')
                    .append(missing[1][i] ? markers[rnd.nextInt(4)] : Float.toString(x[i * d + 1] * 2.5f)).append('\n');
        }
        Path xf = dir.resolve("X.npy");
        Npy.write(xf, new int[] {m, d}, x);
        Path yf = dir.resolve("Y.csv");
        Files.writeString(yf, y.toString());
        TaskSuite suite = TaskLoader.sharedInputs(xf, yf, null);
        assertTrue(suite.sharedInputs());
        int miss0 = 0;
        int miss1 = 0;
        for (int i = 0; i < m; i++) {
            miss0 += missing[0][i] ? 1 : 0;
            miss1 += missing[1][i] ? 1 : 0;
        }
        assertEquals(miss0, suite.tasks().get(0).unlabelledRows());
        assertEquals(miss1, suite.tasks().get(1).unlabelledRows());

        Preparation.Result prep = Preparation.prepare(suite, Preparation.Config.defaults(seed));
        PreparedTask a = prep.tasks().get(0);
        PreparedTask b = prep.tasks().get(1);
        assertEquals(Loss.LOGISTIC, a.loss(), "inferred from the labels present: " + a.labels().reason());
        assertEquals(Loss.SQUARED, b.loss());
        for (int task = 0; task < 2; task++) {
            PreparedTask t = prep.tasks().get(task);
            int total = t.train().length + t.validation().length + t.test().length;
            assertEquals(m - (task == 0 ? miss0 : miss1), total, "every labelled row in one part");
            for (int[] part : new int[][] {t.train(), t.validation(), t.test()}) {
                for (int r : part) {
                    assertFalse(missing[task][r], "task " + task + " row " + r + " has no label but is in a split");
                    assertFalse(Float.isNaN(t.target()[r]));
                }
            }
        }
        // One split of X: a row labelled for both tasks is in the same part for both.
        int[][] pa = {a.train(), a.validation(), a.test()};
        int[][] pb = {b.train(), b.validation(), b.test()};
        for (int p = 0; p < 3; p++) {
            for (int q = 0; q < 3; q++) {
                if (p != q) {
                    Set<Integer> both = set(pa[p]);
                    both.retainAll(set(pb[q]));
                    assertTrue(both.isEmpty(), "row " + both + " in part " + p + " of a and " + q + " of b");
                }
            }
        }
    }

    @Test
    void perTaskFilesLeaveUnlabelledRowsOutOfTheStratifiedSplit() throws IOException {
        Random rnd = new Random(seed);
        int m = 90 + rnd.nextInt(60);
        float[] x = new float[m * 2];
        float[] y = new float[m];
        int miss = 0;
        for (int i = 0; i < m; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            boolean none = i > 5 && rnd.nextDouble() < 0.25;
            y[i] = none ? Float.NaN : i % 3;
            miss += none ? 1 : 0;
        }
        Path xf = dir.resolve("x.npy");
        Path yf = dir.resolve("y.npy");
        Npy.write(xf, new int[] {m, 2}, x);
        Npy.write(yf, new int[] {m}, y);
        Task t = TaskLoader.load("t", xf, yf);
        assertEquals(miss, t.unlabelledRows());
        PreparedTask p = Preparation.prepare(new TaskSuite("s", List.of(t), false), Preparation.Config.defaults(seed))
                .tasks().get(0);
        assertEquals(Loss.SOFTMAX, p.loss());
        assertEquals(3, p.labels().outputs(), "NaN is no class");
        int[] all = java.util.stream.IntStream.concat(Arrays.stream(p.train()),
                java.util.stream.IntStream.concat(Arrays.stream(p.validation()), Arrays.stream(p.test()))).toArray();
        assertEquals(m - miss, all.length);
        for (int r : all) {
            assertFalse(Float.isNaN(y[r]));
        }
    }

    @Test
    void everyLabelMissingOrAnInfinityIsAnError() throws IOException {
        Path xf = dir.resolve("x.npy");
        Npy.write(xf, new int[] {3, 1}, new float[] {1, 2, 3});
        Path yf = dir.resolve("y.csv");
        Files.writeString(yf, "y\n1\nNA\n2\n");
        Task ok = TaskLoader.load("t", xf, yf);
        assertEquals(1, ok.unlabelledRows());
        UserInputException all = assertThrows(UserInputException.class, () -> TaskLoader.load("t", xf,
                writeY("all.npy", Float.NaN, Float.NaN, Float.NaN)));
        assertTrue(all.getMessage().contains("every label is missing"), all.getMessage());
        UserInputException inf = assertThrows(UserInputException.class, () -> TaskLoader.load("t", xf,
                writeY("inf.npy", 1, Float.POSITIVE_INFINITY, 0)));
        assertTrue(inf.getMessage().contains("Inf"), inf.getMessage());
        // Inputs have no missing values.
        Npy.write(dir.resolve("xnan.npy"), new int[] {3, 1}, new float[] {1, Float.NaN, 3});
        assertThrows(UserInputException.class, () -> TaskLoader.load("t", dir.resolve("xnan.npy"), yf));
    }

    private Path writeY(String name, float... v) {
        Path p = dir.resolve(name);
        Npy.write(p, new int[] {v.length}, v);
        return p;
    }

    /** float64 labels 1e9 + N(0, 1) are rounded to one or two values in float32: refused, naming the file. */
    @Test
    void labelsThatFloat32CannotHoldAreRefused() throws IOException {
        Random rnd = new Random(seed);
        int m = 50;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * m).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < m; i++) {
            b.putDouble(1e9 + rnd.nextGaussian());
        }
        Path yf = dir.resolve("y64.npy");
        Files.write(yf, NpyReadTest.NpyBytes.file(1, NpyReadTest.NpyBytes.dict("<f8", false, new int[] {m}), b.array()));
        Path xf = dir.resolve("x.npy");
        Npy.write(xf, new int[] {m, 1}, new float[m]);
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.load("t", xf, yf));
        assertTrue(e.getMessage().contains("y64.npy") && e.getMessage().contains("lose their variation"),
                e.getMessage());
        // The same as one column of a shared X's label matrix.
        java.nio.ByteBuffer b2 = java.nio.ByteBuffer.allocate(16 * m).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < m; i++) {
            b2.putDouble(i % 2).putDouble(1e9 + rnd.nextGaussian());
        }
        Path yy = dir.resolve("Y64.npy");
        Files.write(yy, NpyReadTest.NpyBytes.file(1, NpyReadTest.NpyBytes.dict("<f8", false, new int[] {m, 2}),
                b2.array()));
        UserInputException shared = assertThrows(UserInputException.class, () -> TaskLoader.sharedInputs(xf, yy, null));
        assertTrue(shared.getMessage().contains("Y64.npy") && shared.getMessage().contains("column 1"),
                shared.getMessage());
    }

    /** Standardised labels: mean 0 and deviation 1 over the training rows, per output; missing stay missing. */
    @Test
    void standardisedLabelsHaveUnitSpreadOnTheTrainingRows() {
        Random rnd = new Random(seed);
        int m = 50;
        float[] y = new float[m * 2];
        for (int i = 0; i < m; i++) {
            y[2 * i] = (float) (1e7 + 3 * rnd.nextGaussian());
            y[2 * i + 1] = i == 7 ? Float.NaN : (float) (1e-6 * rnd.nextGaussian());
        }
        Task t = new Task("t", new float[m], m, 1, y, 2, false, "t");
        EncodedLabels e = EncodedLabels.encode(t, null);
        int[] rows = java.util.stream.IntStream.range(0, 40).filter(r -> r != 7).toArray();
        EncodedLabels z = e.standardized(rows);
        for (int o = 0; o < 2; o++) {
            double sum = 0;
            double sq = 0;
            for (int r : rows) {
                sum += z.target()[2 * r + o];
                sq += (double) z.target()[2 * r + o] * z.target()[2 * r + o];
            }
            assertEquals(0, sum / rows.length, 1e-3, "output " + o);
            assertEquals(1, Math.sqrt(sq / rows.length - Math.pow(sum / rows.length, 2)), 1e-3, "output " + o);
        }
        assertTrue(Float.isNaN(z.target()[15]));
        assertEquals(1e7, z.labelMean()[0], 10);
        // Classification labels are left alone.
        Task c = new Task("c", new float[4], 4, 1, new float[] {0, 1, 1, 0}, 1, true, "c");
        EncodedLabels binary = EncodedLabels.encode(c, null);
        assertTrue(binary.standardized(new int[] {0, 1, 2, 3}) == binary);
    }
}
