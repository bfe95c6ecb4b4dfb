package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Global standardisation fits one mean and scale over all tasks: a task on a scale a million
 * times smaller than another then has almost no spread left, which the preparation says.
 */
class PreparationScaleWarningTest {
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

    private static List<String> warnings(Preparation.Standardize std, Task... tasks) {
        TaskSuite suite = new TaskSuite("t", List.of(tasks), false);
        return Preparation.prepare(suite, new Preparation.Config(0.2, 0.2, 1, null, std)).warnings();
    }

    @Test
    void aTaskDwarfedByAnotherUnderGlobalStandardisationIsNamed() {
        Random rnd = new Random(SEED);
        Task big = task("big", rnd, 83, 5, 1e6, 3e6);
        Task small = task("small", rnd, 71, 5, 1, 0);
        Task also = task("also", rnd, 67, 5, 2e6, 0);
        List<String> w = warnings(Preparation.Standardize.GLOBAL, big, small, also);
        assertEquals(1, w.size(), "seed=" + SEED + ": " + w);
        assertTrue(w.get(0).startsWith("task 'small': after --standardize global") && w.get(0).contains("per-task"),
                w.get(0));
        assertEquals(List.of(), warnings(Preparation.Standardize.PER_TASK, big, small, also), "seed=" + SEED);
        // Under none the inputs at 1e6 are used as given: that is the raw-scale warning, not this one.
        List<String> none = warnings(Preparation.Standardize.NONE, big, small, also);
        assertEquals(1, none.size(), "seed=" + SEED + ": " + none);
        assertTrue(none.get(0).startsWith("under --standardize none the inputs are used as given"), none.get(0));
        // Different offsets and a 10x scale difference are normal: no warning.
        assertEquals(List.of(), warnings(Preparation.Standardize.GLOBAL, task("a", rnd, 50, 3, 10, 40),
                task("b", rnd, 50, 3, 1, -5)), "seed=" + SEED);
    }

    /**
     * A task a trillion times smaller than another: standardised in float32 about the pooled mean,
     * its inputs round to the same value in every training row (mtl analyze then leaves it out as
     * not varying). The scale warning said its inputs 'barely reach the shared module', which read
     * as a weak signal rather than none; it now says that the variation is lost.
     */
    @Test
    void aTaskWhoseSpreadFloat32RoundsAwayIsSaidToBeConstantOnceStandardised() {
        Random rnd = new Random(SEED);
        Task big = task("big", rnd, 41, 7, 1e6, 2e5);
        Task tiny = task("tiny", rnd, 97, 7, 1e-6, 0);
        Task small = task("small", rnd, 53, 7, 1, 0);
        List<String> w = warnings(Preparation.Standardize.GLOBAL, big, tiny, small);
        assertEquals(2, w.size(), "seed=" + SEED + ": " + w);
        String t = w.stream().filter(s -> s.startsWith("task 'tiny'")).findFirst().orElseThrow();
        assertTrue(t.contains("the same in every training row") && t.contains("per-task"), "seed=" + SEED + ": " + t);
        String s = w.stream().filter(x -> x.startsWith("task 'small'")).findFirst().orElseThrow();
        assertTrue(s.contains("barely reach the shared module or its single-task baseline") && !s.contains("the same in every"), "seed=" + SEED + ": " + s);
    }

    /**
     * A task whose inputs are the same in every training row (all zeros, or one row repeated)
     * has nothing to learn from. Under --standardize global it drew the scale warning ("2.5e-09 of
     * the largest task's spread", float rounding) whose remedy, per-task standardisation, would
     * turn its inputs into zeros; under none and per-task nothing was said. Now each mode says
     * what it is, and the scale warning leaves such a task alone.
     */
    @Test
    void aTaskWhoseInputsDoNotVaryIsNamedAsSuchInEveryMode() {
        Random rnd = new Random(SEED);
        Task normal = task("normal", rnd, 90, 6, 1, 0);
        Task zeros = new Task("zeros", new float[80 * 6], 80, 6, task("y", rnd, 80, 1, 1, 0).x(), 1, false, "zeros.npy");
        float[] row = {1.5f, -2f, 0.25f, 7f, 3f, -0.5f};
        float[] rep = new float[70 * 6];
        for (int i = 0; i < 70; i++) {
            System.arraycopy(row, 0, rep, i * 6, 6);
        }
        Task repeated = new Task("repeated", rep, 70, 6, task("y", rnd, 70, 1, 1, 0).x(), 1, false, "repeated.npy");
        for (Preparation.Standardize std : Preparation.Standardize.values()) {
            List<String> w = warnings(std, normal, zeros, repeated);
            assertEquals(2, w.size(), std + ", seed=" + SEED + ": " + w);
            assertTrue(w.get(0).startsWith("task 'zeros': its inputs are the same in all 48 of its training rows"),
                    std + ": " + w.get(0));
            assertTrue(w.get(1).startsWith("task 'repeated': its inputs are the same in all 42 of its training rows"),
                    std + ": " + w.get(1));
        }
        // One shared X whose rows are all alike: said once, of X.
        float[] shared = new float[50 * 3];
        java.util.Arrays.fill(shared, 2f);
        float[] y0 = task("y", rnd, 50, 1, 1, 0).x();
        float[] y1 = task("y", rnd, 50, 1, 1, 0).x();
        TaskSuite suite = new TaskSuite("s", List.of(new Task("a", shared, 50, 3, y0, 1, false, "X.npy"),
                new Task("b", shared, 50, 3, y1, 1, false, "X.npy")), true);
        List<String> w = Preparation.prepare(suite, new Preparation.Config(0.2, 0.2, 1, null,
                Preparation.Standardize.GLOBAL)).warnings();
        assertEquals(1, w.size(), "seed=" + SEED + ": " + w);
        assertTrue(w.get(0).startsWith("the shared inputs X are the same in all 30 training rows"), w.get(0));
    }

    /**
     * A shared X with missing labels: the tasks train on different rows of X. A task labelled only
     * on rows whose inputs are all alike (here the first 40 rows of X, all zeros) was not named,
     * since only an X constant for every task was said; and a constant X was counted by the first
     * task's training rows, not by all the rows any task trains on.
     */
    @Test
    void aSharedXWithMissingLabelsNamesTheTaskWhoseOwnRowsAreAlike() {
        Random rnd = new Random(SEED);
        int m = 100;
        int d = 3;
        float[] x = new float[m * d];
        for (int i = 40; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
        }
        float[] full = task("y", rnd, m, 1, 1, 0).x();
        float[] part = full.clone();
        for (int i = 40; i < m; i++) {
            part[i] = Float.NaN;  // labelled only where X is zero
        }
        TaskSuite suite = new TaskSuite("s", List.of(new Task("all", x, m, d, full, 1, false, "X.npy"),
                new Task("zeros", x, m, d, part, 1, false, "X.npy")), true);
        for (Preparation.Standardize std : Preparation.Standardize.values()) {
            List<String> w = Preparation.prepare(suite, new Preparation.Config(0.2, 0.2, 1, null, std)).warnings();
            assertEquals(1, w.stream().filter(s -> s.contains("are the same in all")).count(), std + ": " + w);
            assertTrue(w.stream().anyMatch(s -> s.startsWith("task 'zeros': its inputs are the same in all ")), std + ": " + w);
        }
        // X constant everywhere, the second task labelled on 40 rows: X is counted by the union of the
        // tasks' training rows (the first task's, 60 of 100), not by the task listed first.
        float[] flat = new float[m * d];
        java.util.Arrays.fill(flat, 2f);
        TaskSuite constant = new TaskSuite("s", List.of(new Task("few", flat, m, d, part, 1, false, "X.npy"),
                new Task("all", flat, m, d, full, 1, false, "X.npy")), true);
        Preparation.Result p = Preparation.prepare(constant, new Preparation.Config(0.2, 0.2, 1, null,
                Preparation.Standardize.GLOBAL));
        int union = (int) java.util.stream.IntStream.concat(java.util.Arrays.stream(p.tasks().get(0).train()),
                java.util.Arrays.stream(p.tasks().get(1).train())).distinct().count();
        List<String> w = p.warnings();
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("the shared inputs X are the same in all " + union + " training rows"),
                union + ": " + w.get(0));
    }

    private static Task labelled(String name, Random rnd, int m, int d, java.util.function.DoubleUnaryOperator label) {
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            y[i] = (float) label.applyAsDouble(x[i * d] + 0.3 * rnd.nextGaussian());
        }
        return new Task(name, x, m, d, y, 1, false, name + ".npy");
    }

    /**
     * Regression labels in large units next to classification tasks: the summed loss is mostly
     * that task's (a reviewer's t3 with labels 50 z turned two classification tasks' positive
     * transfer negative), which the preparation says; unit-scale labels get no warning.
     */
    @Test
    void aTaskWhoseLossDwarfsTheOthersIsNamed() {
        Random rnd = new Random(SEED);
        Task c0 = labelled("c0", rnd, 90, 4, z -> z > 0 ? 1 : 0);
        Task c1 = labelled("c1", rnd, 80, 4, z -> z > 0.5 ? 1 : 0);
        Task big = labelled("big", rnd, 70, 4, z -> 50 * z);
        List<String> w = warnings(Preparation.Standardize.GLOBAL, c0, c1, big);
        assertEquals(1, w.size(), "seed=" + SEED + ": " + w);
        assertTrue(w.get(0).startsWith("task 'big': its squared loss starts at") && w.get(0).contains("comparable scales"),
                w.get(0));
        // A nearly single-class task has a tiny starting loss: measured against the median, it
        // does not make the unit-scale tasks look large, and classes are never told to rescale.
        Task rare = labelled("rare", rnd, 400, 4, z -> z > 2.0 ? 1 : 0);  // about 11 positives; none has odds near 1e-5
        Task three = labelled("three", rnd, 90, 4, z -> z < -0.5 ? 0 : z < 0.5 ? 1 : 2);
        assertEquals(List.of(), warnings(Preparation.Standardize.GLOBAL, rare, three, labelled("u", rnd, 70, 4, z -> z)),
                "seed=" + SEED);
        Task unit = labelled("unit", rnd, 70, 4, z -> z);
        assertEquals(List.of(), warnings(Preparation.Standardize.GLOBAL, c0, c1, unit), "seed=" + SEED);
        // Two tasks: measured against the other one.
        List<String> two = warnings(Preparation.Standardize.GLOBAL, c0, big);
        assertEquals(1, two.size(), "seed=" + SEED + ": " + two);
        // Labels of size 1e6 next to 1e-6: the ratio is printed in three digits, as the losses
        // beside it are, and is their quotient (it was printed with all of its 25 digits).
        double hugeUnit = 1e5 + rnd.nextInt(1000) * 1e4;
        double tinyUnit = 1e-7 + rnd.nextInt(1000) * 1e-8;
        List<String> far = warnings(Preparation.Standardize.GLOBAL, labelled("tiny", rnd, 53, 4, z -> tinyUnit * z),
                labelled("huge", rnd, 61, 4, z -> hugeUnit * z));
        String h = far.stream().filter(s -> s.startsWith("task 'huge': its squared loss")).findFirst().orElseThrow();
        java.util.regex.Matcher mt = java.util.regex.Pattern.compile(
                "starts at (\\S+) \\(half its label variance\\), (\\S+) times the other tasks' median \\((\\S+)\\)").matcher(h);
        assertTrue(mt.find() && !mt.group(2).matches(".*\\d{7}.*"), "seed=" + SEED + ": " + h);
        double ratio = Double.parseDouble(mt.group(1)) / Double.parseDouble(mt.group(3));
        assertEquals(ratio, Double.parseDouble(mt.group(2)), 0.01 * ratio, "seed=" + SEED + ": " + h);
        // Only relative scale matters: every task in the same large units is no warning.
        assertEquals(List.of(), warnings(Preparation.Standardize.GLOBAL, big, labelled("big2", rnd, 60, 4, z -> 40 * z)),
                "seed=" + SEED);
    }
}
