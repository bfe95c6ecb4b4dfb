package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mtlalign.UserInputException;

/**
 * Label noise is applied after the split: training and validation labels of the named task are
 * randomised at the requested fraction, test labels and every other task stay clean.
 */
class LabelNoiseTest {
    private static final long SEED = 5;

    /** A task with m rows, d = 2 inputs and labels 0..classes-1 drawn uniformly (classes = 0: real values). */
    private static Task task(String name, int m, int classes, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[m * 2];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            y[i] = classes == 0 ? (float) rnd.nextGaussian() : rnd.nextInt(classes);
        }
        return new Task(name, x, m, 2, y, 1, classes != 0, "test");
    }

    private static List<PreparedTask> prepare(TaskSuite s, long seed, LabelNoise... noise) {
        return Preparation.prepare(s, new Preparation.Config(0.2, 0.2, seed, null, Preparation.Standardize.NONE,
                List.of(noise))).tasks();
    }

    private static int changed(PreparedTask clean, PreparedTask noisy, int[] rows) {
        int n = 0;
        for (int r : rows) {
            n += clean.target()[r] != noisy.target()[r] ? 1 : 0;
        }
        return n;
    }

    /** Asserts changed/rows is within 5 binomial standard deviations of p. */
    private static void assertRate(int changed, int rows, double p, String what) {
        double sd = Math.sqrt(p * (1 - p) / rows);
        double rate = (double) changed / rows;
        assertTrue(Math.abs(rate - p) < 5 * sd, what + ": " + changed + " of " + rows + " labels changed (rate "
                + rate + "), expected about " + p);
    }

    @Test
    void testLabelsStayCleanAndTrainingLabelsAreCorruptedAtTheFraction() {
        int m = 20000;
        TaskSuite s = new TaskSuite("s", List.of(task("bin", m, 2, 1), task("ten", m, 10, 2), task("other", m, 2, 3)),
                false);
        double fb = 0.4;
        double ft = 0.3;
        List<PreparedTask> clean = prepare(s, SEED);
        List<PreparedTask> noisy = prepare(s, SEED, new LabelNoise("bin", fb), new LabelNoise("ten", ft));
        for (int i = 0; i < 3; i++) {
            PreparedTask c = clean.get(i);
            PreparedTask n = noisy.get(i);
            // The split does not depend on the noise.
            assertArrayEquals(c.train(), n.train(), "train rows of " + c.name());
            assertArrayEquals(c.validation(), n.validation(), "validation rows of " + c.name());
            assertArrayEquals(c.test(), n.test(), "test rows of " + c.name());
            assertEquals(0, changed(c, n, c.test()), "test labels of " + c.name() + " changed");
        }
        // The noisy tasks' arrays are fresh copies: the clean preparation is not affected.
        assertNotSame(clean.get(0).target(), noisy.get(0).target());
        // A replaced label is drawn uniformly from the classes, so it changes with probability 1 - 1/classes.
        PreparedTask cb = clean.get(0);
        PreparedTask nb = noisy.get(0);
        assertRate(changed(cb, nb, cb.train()), cb.train().length, fb * 0.5, "bin train");
        assertRate(changed(cb, nb, cb.validation()), cb.validation().length, fb * 0.5, "bin validation");
        PreparedTask ct = clean.get(1);
        PreparedTask nt = noisy.get(1);
        assertRate(changed(ct, nt, ct.train()), ct.train().length, ft * 0.9, "ten train");
        assertRate(changed(ct, nt, ct.validation()), ct.validation().length, ft * 0.9, "ten validation");
        // At most round(fraction * rows) rows of each split are touched.
        assertTrue(changed(cb, nb, cb.train()) <= Math.round(fb * cb.train().length));
        assertTrue(changed(ct, nt, ct.validation()) <= Math.round(ft * ct.validation().length));
        // A task without noise is untouched.
        assertArrayEquals(clean.get(2).target(), noisy.get(2).target());
        // Labels stay valid class indices.
        for (float v : nt.target()) {
            assertTrue(v >= 0 && v < 10 && v == Math.rint(v), "class index " + v);
        }
        assertTrue(nb.labels().reason().contains("test labels clean"), nb.labels().reason());
        assertTrue(nb.labels().reason().contains(Math.round(fb * cb.train().length) + " + "
                + Math.round(fb * cb.validation().length) + " rows"), nb.labels().reason());
    }

    @Test
    void sharedInputTasksKeepTheirPartnersClean() {
        int m = 5000;
        Task a = task("a", m, 2, 11);
        Task b = task("b", m, 2, 12);
        Task b2 = new Task("b", a.x(), m, 2, b.y(), 1, true, "test");
        TaskSuite s = new TaskSuite("shared", List.of(a, b2), true);
        List<PreparedTask> clean = prepare(s, SEED);
        List<PreparedTask> noisy = prepare(s, SEED, new LabelNoise("b", 1.0));
        assertArrayEquals(clean.get(0).target(), noisy.get(0).target());
        PreparedTask cb = clean.get(1);
        PreparedTask nb = noisy.get(1);
        assertEquals(0, changed(cb, nb, cb.test()));
        assertRate(changed(cb, nb, cb.train()), cb.train().length, 0.5, "fraction 1: every training label random");
    }

    @Test
    void reproducibleForASeedAndFreshForAnother() {
        TaskSuite s = new TaskSuite("s", List.of(task("a", 3000, 3, 21)), false);
        LabelNoise n = new LabelNoise("a", 0.25);
        float[] one = prepare(s, SEED, n).get(0).target();
        float[] two = prepare(s, SEED, n).get(0).target();
        assertArrayEquals(one, two);
        float[] clean = prepare(s, SEED + 1).get(0).target();
        float[] other = prepare(s, SEED + 1, n).get(0).target();
        assertFalse(Arrays.equals(clean, other), "noise at another seed changed nothing");
        assertFalse(Arrays.equals(one, other), "the same noise draw at another seed");
    }

    @Test
    void chosenRowsAreExactlyTheRoundedFractionOfTheSplit() {
        int[] split = {3, 8, 9, 20, 21, 40, 41, 42, 77, 99, 100};
        for (double f : new double[] {0, 0.1, 0.2, 0.5, 0.95, 1}) {
            int[] rows = LabelNoise.chosenRows(split, f, new Random(3));
            assertEquals(Math.round(f * split.length), rows.length, "fraction " + f);
            Set<Integer> seen = new HashSet<>();
            Set<Integer> allowed = new HashSet<>();
            Arrays.stream(split).forEach(allowed::add);
            for (int r : rows) {
                assertTrue(allowed.contains(r), "row " + r + " is not in the split");
                assertTrue(seen.add(r), "row " + r + " chosen twice");
            }
        }
    }

    @Test
    void errors() {
        TaskSuite s = new TaskSuite("s", List.of(task("cls", 200, 2, 31), task("reg", 200, 0, 32)), false);
        UserInputException e = assertThrows(UserInputException.class, () -> prepare(s, SEED, new LabelNoise("reg", 0.2)));
        assertTrue(e.getMessage().startsWith("--label-noise:") && e.getMessage().contains("'reg'")
                && e.getMessage().contains("regression"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> prepare(s, SEED, new LabelNoise("nope", 0.2)));
        assertTrue(e.getMessage().startsWith("--label-noise:") && e.getMessage().contains("'nope'"), e.getMessage());
        e = assertThrows(UserInputException.class,
                () -> prepare(s, SEED, new LabelNoise("cls", 0.2), new LabelNoise("cls", 0.3)));
        assertTrue(e.getMessage().startsWith("--label-noise:") && e.getMessage().contains("more than once"),
                e.getMessage());
        for (double f : new double[] {-0.1, 1.5, Double.NaN}) {
            e = assertThrows(UserInputException.class, () -> new LabelNoise("cls", f));
            assertTrue(e.getMessage().startsWith("--label-noise:"), e.getMessage());
        }
        for (String spec : new String[] {"cls", ":0.2", "cls:abc", "cls:", "cls:2"}) {
            e = assertThrows(UserInputException.class, () -> LabelNoise.parse(spec), spec);
            assertTrue(e.getMessage().startsWith("--label-noise:"), e.getMessage());
        }
        assertEquals(new LabelNoise("a:b", 0.25), LabelNoise.parse("a:b:0.25"));
        // With --loss squared a two-valued task is a regression task too.
        e = assertThrows(UserInputException.class, () -> Preparation.prepare(s, new Preparation.Config(0.2, 0.2, SEED,
                org.mtlalign.model.Loss.SQUARED, Preparation.Standardize.NONE, List.of(new LabelNoise("cls", 0.2)))));
        assertTrue(e.getMessage().contains("regression"), e.getMessage());
    }
}
