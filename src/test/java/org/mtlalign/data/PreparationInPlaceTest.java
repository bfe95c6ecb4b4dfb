package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * {@link Preparation#prepareInPlace} standardises the tasks' own arrays instead of copies (the
 * command line's data then takes its size in memory once, not twice), with bit for bit the
 * results of {@link Preparation#prepare}, which leaves a caller's arrays as they are.
 */
class PreparationInPlaceTest {
    private static final long SEED = Long.getLong("mtlalign.test.seed", System.nanoTime());

    /** Tasks of their own inputs on different scales and offsets, binary and real labels. */
    private static TaskSuite ownInputs(long seed) {
        Random rnd = new Random(seed);
        List<Task> tasks = new ArrayList<>();
        int d = 7;
        for (int t = 0; t < 4; t++) {
            int m = 60 + rnd.nextInt(80);
            double scale = t == 2 ? 1e-4 : 1 + t;  // task 2 dwarfed under global standardisation: a warning
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) (100 * t + scale * rnd.nextGaussian());
                    s += x[i * d + j] * (j - 3);
                }
                y[i] = t % 2 == 0 ? (s + rnd.nextGaussian() > 0 ? 1 : 0) : (float) s;
            }
            if (t == 3) {
                y[5] = Float.NaN;  // a missing label
            }
            tasks.add(new Task("t" + t, x, m, d, y, 1, t % 2 == 0, "t" + t + ".npy"));
        }
        return new TaskSuite("own", tasks, false);
    }

    /** One X of 0/1 inputs with rare values (the rare-binary warning reads the raw inputs) shared by three tasks. */
    private static TaskSuite sharedInputs(long seed) {
        Random rnd = new Random(seed);
        int m = 4000;
        int d = 6;
        float[] x = new float[m * d];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                // column 0: a 1 in rows 0-19 alone, under 1% of the training rows and (but for a
                // chance of 0.4^20) some of them
                x[i * d + j] = j == 0 ? (i < 20 ? 1 : 0) : rnd.nextDouble() < 0.4 ? 1 : 0;
            }
        }
        List<Task> tasks = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                y[i] = x[i * d + 1 + t] + (rnd.nextDouble() < 0.1 ? 1 : 0) > 0.5 ? 1 : 0;
            }
            tasks.add(new Task("s" + t, x, m, d, y, 1, true, "X.npy"));
        }
        return new TaskSuite("shared", tasks, true);
    }

    private static Preparation.Config cfg(Preparation.Standardize std) {
        return new Preparation.Config(0.2, 0.2, 5, null, std);
    }

    private static void assertSameResult(Preparation.Result a, Preparation.Result b) {
        assertEquals(a.tasks().size(), b.tasks().size());
        for (int i = 0; i < a.tasks().size(); i++) {
            PreparedTask p = a.tasks().get(i);
            PreparedTask q = b.tasks().get(i);
            assertEquals(p.name(), q.name());
            // Arrays.equals on floats compares their bits.
            assertArrayEquals(p.x(), q.x(), p.name());
            assertArrayEquals(p.target(), q.target(), p.name());
            assertArrayEquals(p.train(), q.train(), p.name());
            assertArrayEquals(p.validation(), q.validation(), p.name());
            assertArrayEquals(p.test(), q.test(), p.name());
            assertEquals(p.loss(), q.loss());
            assertArrayEquals(a.means()[i], b.means()[i]);
            assertArrayEquals(a.scales()[i], b.scales()[i]);
        }
        assertEquals(a.warnings(), b.warnings());
    }

    private static float[][] copies(TaskSuite s) {
        return s.tasks().stream().map(t -> t.x().clone()).toArray(float[][]::new);
    }

    private static void check(Supplier<TaskSuite> data, Preparation.Standardize std) {
        TaskSuite copied = data.get();
        float[][] loaded = copies(copied);
        Preparation.Result expected = Preparation.prepare(copied, cfg(std));
        // prepare leaves the caller's arrays as they were
        for (int i = 0; i < loaded.length; i++) {
            assertArrayEquals(loaded[i], copied.tasks().get(i).x(), "prepare changed task " + i + "'s inputs");
        }
        TaskSuite owned = data.get();
        Preparation.Result inPlace = Preparation.prepareInPlace(owned, cfg(std));
        assertSameResult(expected, inPlace);
        for (int i = 0; i < owned.size(); i++) {
            // No second copy of the inputs: the prepared task holds the task's own array.
            assertSame(owned.tasks().get(i).x(), inPlace.tasks().get(i).x(), "task " + i);
        }
    }

    @Test
    void inPlaceIsBitwiseTheCopyingPreparation() {
        for (Preparation.Standardize std : Preparation.Standardize.values()) {
            check(() -> ownInputs(SEED), std);
            check(() -> sharedInputs(SEED), std);
        }
        // The warnings that read the inputs as loaded are there in both (computed before standardising).
        assertTrue(Preparation.prepareInPlace(ownInputs(SEED), cfg(Preparation.Standardize.GLOBAL)).warnings()
                .stream().anyMatch(w -> w.contains("task 't2'") && w.contains("largest task's spread")), "seed " + SEED);
        assertTrue(Preparation.prepareInPlace(sharedInputs(SEED), cfg(Preparation.Standardize.GLOBAL)).warnings()
                .stream().anyMatch(w -> w.contains("inputs are all 0 or 1")), "seed " + SEED);
    }

    @Test
    void tasksOfOwnInputsHoldingOneArrayEachGetTheirOwnStandardisation() {
        // A library caller's tasks may hold one array between them without being marked as
        // shared inputs: per task, each has its own fit, so the second must not be standardised
        // from the first's already standardised values.
        Supplier<TaskSuite> data = () -> {
            TaskSuite s = ownInputs(SEED);
            Task a = s.tasks().get(0);
            float[] y2 = a.y().clone();
            for (int i = 0; i < y2.length; i++) {
                y2[i] = 1 - y2[i];
            }
            Task b = new Task("again", a.x(), a.rows(), a.dim(), y2, 1, true, "again.npy");
            return new TaskSuite("dup", List.of(a, s.tasks().get(1), b), false);
        };
        for (Preparation.Standardize std : Preparation.Standardize.values()) {
            TaskSuite copied = data.get();
            Preparation.Result expected = Preparation.prepare(copied, cfg(std));
            TaskSuite owned = data.get();
            Preparation.Result inPlace = Preparation.prepareInPlace(owned, cfg(std));
            assertSameResult(expected, inPlace);
            if (std != Preparation.Standardize.NONE) {
                assertNotSame(inPlace.tasks().get(0).x(), inPlace.tasks().get(2).x());
            }
        }
    }

    @Test
    void aSuiteStandardisedInPlaceIsNotPreparedAgain() {
        TaskSuite s = ownInputs(SEED);
        Preparation.prepareInPlace(s, Preparation.Config.defaults(1));
        // Another seed's split would be standardised from standardised values: refused, not wrong.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Preparation.prepare(s, Preparation.Config.defaults(2)));
        assertTrue(e.getMessage().contains("standardised in place"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> Preparation.prepareInPlace(s, Preparation.Config.defaults(2)));
        // Inputs left as they are (--standardize none) are still the data as loaded.
        TaskSuite raw = ownInputs(SEED);
        Preparation.prepareInPlace(raw, cfg(Preparation.Standardize.NONE));
        assertFalse(Preparation.prepare(raw, cfg(Preparation.Standardize.GLOBAL)).tasks().isEmpty());
    }

    @Test
    void aFailureAfterTheFirstTaskWasStandardisedLeavesTheSuiteRefused() {
        // Label noise on a regression task is refused while the tasks are standardised one by
        // one (t1 is ownInputs' regression task): t0's array was already overwritten then, so a
        // caller that catches the error and prepares the suite again would get t0 standardised
        // twice, silently. The suite must count as spent from the first overwrite on.
        TaskSuite s = ownInputs(SEED);
        Preparation.Config noisy = new Preparation.Config(0.2, 0.2, 5, null, Preparation.Standardize.PER_TASK,
                List.of(new LabelNoise("t1", 0.2)));
        assertThrows(org.mtlalign.UserInputException.class, () -> Preparation.prepareInPlace(s, noisy));
        assertThrows(IllegalStateException.class, () -> Preparation.prepare(s, cfg(Preparation.Standardize.PER_TASK)));
    }
}
