package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link TrainingRows#ofReleasing} gathers what {@link TrainingRows#of} gathers while letting go
 * of each prepared task once its rows are copied (mtl analyze then holds the inputs beside the
 * rows gathered so far, not beside all of them).
 */
class TrainingRowsReleaseTest {
    private static final long SEED = Long.getLong("mtlalign.test.seed", System.nanoTime());

    /** Two tasks of their own X, then three tasks sharing one X (one with missing labels: other training rows). */
    private static List<PreparedTask> tasks(long seed) {
        Random rnd = new Random(seed);
        int d = 5;
        List<Task> own = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int m = 40 + rnd.nextInt(30);
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < m; i++) {
                y[i] = i % 3 == 0 ? 1 : 0;
            }
            own.add(new Task("own" + t, x, m, d, y, 1, true, "own"));
        }
        List<PreparedTask> out = new ArrayList<>(Preparation.prepare(new TaskSuite("own", own, false),
                Preparation.Config.defaults(seed)).tasks());
        int m = 80;
        float[] x = new float[m * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        List<Task> shared = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                y[i] = (i + t) % 2;
            }
            for (int i = 0; t == 2 && i < m; i += 5) {
                y[i] = Float.NaN;  // 16 rows, some of them training rows for certain
            }
            shared.add(new Task("shared" + t, x, m, d, y, 1, true, "X"));
        }
        out.addAll(Preparation.prepare(new TaskSuite("shared", shared, true), Preparation.Config.defaults(seed)).tasks());
        return out;
    }

    @Test
    void theSameRowsAsOfAndEachTaskLetGo() {
        List<PreparedTask> kept = tasks(SEED);
        TrainingRows expected = TrainingRows.of(kept);
        List<PreparedTask> owned = new ArrayList<>(tasks(SEED));
        TrainingRows got = TrainingRows.ofReleasing(owned);
        assertEquals(expected.dim(), got.dim());
        assertArrayEquals(expected.rows(), got.rows());
        assertArrayEquals(expected.cols(), got.cols());
        for (int i = 0; i < kept.size(); i++) {
            assertArrayEquals(expected.xs()[i], got.xs()[i], "task " + i + ", seed " + SEED);
            assertArrayEquals(expected.ys()[i], got.ys()[i], "task " + i);
            for (int j = 0; j < i; j++) {
                // The same sharing of gathered copies: shared0 and shared1 (same X, same rows), not shared2.
                assertEquals(expected.xs()[i] == expected.xs()[j], got.xs()[i] == got.xs()[j], i + " and " + j);
            }
            assertNull(owned.get(i), "task " + i + " still held");
        }
        assertSame(got.xs()[2], got.xs()[3]);
        assertTrue(got.xs()[3] != got.xs()[4]);
    }

    @Test
    void aTasksInputsCanBeCollectedOnceItsRowsAreGathered() {
        // The first task's prepared X is held only by the list: after ofReleasing it is garbage.
        List<PreparedTask> owned = new ArrayList<>(tasks(SEED));
        WeakReference<float[]> first = new WeakReference<>(owned.get(0).x());
        TrainingRows rows = TrainingRows.ofReleasing(owned);
        for (int i = 0; i < 50 && first.get() != null; i++) {
            System.gc();
        }
        assertNull(first.get(), "the first task's inputs are still reachable");
        assertEquals(5, rows.xs().length);
        assertEquals(5, owned.size());  // the list itself stays reachable up to here
    }
}
