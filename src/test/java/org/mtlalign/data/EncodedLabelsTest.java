package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtlalign.UserInputException;
import org.mtlalign.model.Loss;

/** Loss inference from labels, the reason printed for it, and what a loss named by --loss accepts. */
class EncodedLabelsTest {

    /** A task with one input column and these labels. */
    private static Task task(float... y) {
        boolean integral = true;
        for (float v : y) {
            integral &= v == Math.rint(v);
        }
        return new Task("t", new float[y.length], y.length, 1, y, 1, integral, "X.npy:y.npy");
    }

    /** Labels 0..classes-1, each {@code copies} times, interleaved. */
    private static float[] classes(int classes, int copies) {
        float[] y = new float[classes * copies];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % classes;
        }
        return y;
    }

    private static String error(Task t, Loss loss) {
        return assertThrows(UserInputException.class, () -> EncodedLabels.encode(t, loss)).getMessage();
    }

    /**
     * One-hot label rows (m x C, as Keras code makes them) are still C regression targets, as the
     * multi-column rule says, but the reason says they are one-hot and how to save classes; a
     * multi-column target that merely holds 0s and 1s (two 1s in a row, or none) gets no such note.
     */
    @Test
    void oneHotLabelRowsAreNamedInTheReason() {
        long seed = System.nanoTime();
        java.util.Random rnd = new java.util.Random(seed);
        int m = 5 + rnd.nextInt(40);
        int q = 2 + rnd.nextInt(6);
        float[] y = new float[m * q];
        for (int i = 0; i < m; i++) {
            y[i * q + rnd.nextInt(q)] = 1;
        }
        y[rnd.nextInt(m) * q] = Float.NaN;  // a missing label does not hide it
        EncodedLabels e = EncodedLabels.encode(new Task("t", new float[m], m, 1, y, q, false, "X.npy:y.npy"), null);
        assertEquals(Loss.SQUARED, e.loss(), "seed=" + seed);
        assertTrue(e.reason().startsWith(q + " label columns: squared loss (every row is one-hot")
                && e.reason().contains("y.argmax(axis=1)"), "seed=" + seed + ": " + e.reason());
        float[] multi = y.clone();
        int row = rnd.nextInt(m);
        java.util.Arrays.fill(multi, row * q, row * q + q, 0f);  // a row with no class
        assertEquals(q + " label columns: squared loss", EncodedLabels.encode(
                new Task("t", new float[m], m, 1, multi, q, false, "X.npy:y.npy"), null).reason(), "seed=" + seed);
        assertEquals("squared loss (--loss)", EncodedLabels.encode(
                new Task("t", new float[m], m, 1, y, q, false, "X.npy:y.npy"), Loss.SQUARED).reason());
    }

    /**
     * --positive names a class of bool labels (read as 0 and 1) by True or False as numpy prints
     * them, and a numeric label written otherwise (1.0 for 1); a name that is neither class, or
     * True for labels other than 0 and 1, is still refused.
     */
    @Test
    void positiveClassByBoolNameOrNumberWrittenOtherwise() {
        long seed = System.nanoTime();
        java.util.Random rnd = new java.util.Random(seed);
        int m = 7 + rnd.nextInt(30);
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            y[i] = i < 2 ? i : rnd.nextInt(2);
        }
        Task t = task(y);
        for (String falseName : new String[] {"False", "false", "FALSE", "0.0", "0"}) {
            EncodedLabels e = EncodedLabels.encode(t, null, falseName);
            for (int i = 0; i < m; i++) {
                assertEquals(1f - y[i], e.target()[i], "seed=" + seed + " " + falseName + " row " + i);
            }
            assertEquals("0", e.classLabel(1));
            assertTrue(e.reason().endsWith("positive class '0' (--positive)"), e.reason());
        }
        for (String trueName : new String[] {"True", "true", "1.0", "1"}) {
            assertArrayEquals(y, EncodedLabels.encode(t, null, trueName).target(), "seed=" + seed + " " + trueName);
        }
        assertTrue(error(t, "yes").contains("'0' and '1', not 'yes'"));
        float[] shifted = y.clone();
        for (int i = 0; i < m; i++) {
            shifted[i] += 1;  // labels 1 and 2: True is not one of them
        }
        assertTrue(error(task(shifted), "True").contains("'1' and '2', not 'True'"));
        assertArrayEquals(y, EncodedLabels.encode(task(shifted), null, "2.0").target(), "seed=" + seed);
    }

    private static String error(Task t, String positive) {
        return assertThrows(UserInputException.class, () -> EncodedLabels.encode(t, null, positive)).getMessage();
    }

    /**
     * One label value in every row, loss inferred: a fraction such as 3.7 was refused with "a
     * classification task needs at least two classes", which a regression user could not place;
     * it says there is nothing to learn and what a regression task needs (an integer may be
     * either: both are named; text labels are classes).
     */
    @Test
    void oneLabelValueSaysThereIsNothingToLearn() {
        long seed = System.nanoTime();
        java.util.Random rnd = new java.util.Random(seed);
        int m = 3 + rnd.nextInt(30);
        float real = (float) (rnd.nextInt(100) + 0.25 + 0.5 * rnd.nextDouble());
        float[] y = new float[m];
        java.util.Arrays.fill(y, real);
        y[rnd.nextInt(m)] = Float.NaN;  // a missing label is no second value
        String msg = error(task(y), (Loss) null);
        assertTrue(msg.contains("a single label value (" + EncodedLabels.formatValue(real)
                + "); nothing to learn: a regression task needs labels that vary"), "seed=" + seed + ": " + msg);
        assertFalse(msg.contains("class"), "seed=" + seed + ": " + msg);
        int whole = rnd.nextInt(9);
        java.util.Arrays.fill(y, whole);
        msg = error(task(y), (Loss) null);
        assertTrue(msg.contains("a single label value (" + whole + "); nothing to learn: a classification task needs "
                + "at least two classes, a regression task labels that vary"), "seed=" + seed + ": " + msg);
        assertEquals(Loss.SQUARED, EncodedLabels.encode(task(y), Loss.SQUARED).loss(), "--loss squared is the user's call");
    }

    /**
     * The loss reasons suggested '--loss x=1=squared' for a task named x=1 (and '--loss
     * c,omma=squared'), options the run refuses, since a TASK=KIND list splits at ',' and '=':
     * such a task is told to be renamed first. --positive splits at '=' only.
     */
    @Test
    void suggestedOptionsNeverNameATaskTheOptionCannotName() {
        for (String name : new String[] {"x=1", "c,omma"}) {
            float[] y = classes(4, 5);
            Task t = new Task(name, new float[y.length], y.length, 1, y, 1, true, "X.npy:y.npy");
            String c = name.contains("=") ? "=" : ",";
            assertEquals("4 integer classes: softmax loss (--loss NAME=squared after renaming the task without '" + c
                    + "' if they are quantities such as counts or ratings)", EncodedLabels.encode(t, null).reason());
            float[] q = java.util.Arrays.copyOf(classes(16, 2), 20);
            Task few = new Task(name, new float[q.length], q.length, 1, q, 1, true, "X.npy:y.npy");
            assertTrue(EncodedLabels.encode(few, null).reason().endsWith("pass --loss NAME=softmax after renaming the "
                    + "task without '" + c + "' to treat them as classes"));
        }
        assertEquals("--positive NAME='no thanks' after renaming the task without '='",
                org.mtlalign.ShellWords.taskOption("--positive", "x=1", "no thanks"));
        assertEquals("--positive 'c,omma=no thanks'", org.mtlalign.ShellWords.taskOption("--positive", "c,omma", "no thanks"));
        assertEquals("--loss 'my task=squared'", org.mtlalign.ShellWords.taskOption("--loss", "my task", "squared"));
    }

    @Test
    void inferenceRules() {
        EncodedLabels two = EncodedLabels.encode(task(3, 7, 7, 3), null);
        assertEquals(Loss.LOGISTIC, two.loss());
        assertEquals("2 distinct label values: logistic loss", two.reason());
        assertArrayEquals(new float[] {0, 1, 1, 0}, two.target());

        EncodedLabels fifty = EncodedLabels.encode(task(classes(50, 2)), null);
        assertEquals(Loss.SOFTMAX, fifty.loss());
        assertEquals(50, fifty.outputs());
        assertEquals("50 integer classes: softmax loss (--loss t=squared if they are quantities such as counts or "
                + "ratings)", fifty.reason());

        // More values than half the rows (linnerud's 16 weights in 20 rows): quantities, not classes.
        float[] weights = classes(16, 2);
        float[] fewRows = java.util.Arrays.copyOf(weights, 20);
        EncodedLabels quantities = EncodedLabels.encode(task(fewRows), null);
        assertEquals(Loss.SQUARED, quantities.loss());
        assertEquals("16 distinct integer values in 20 rows (too few rows per value for classes): squared loss; pass "
                + "--loss t=softmax to treat them as classes", quantities.reason());
        assertEquals(Loss.SOFTMAX, EncodedLabels.encode(task(java.util.Arrays.copyOf(weights, 32)), null).loss());

        EncodedLabels real = EncodedLabels.encode(task(0.5f, 1, 2, 3.25f), null);
        assertEquals(Loss.SQUARED, real.loss());
        assertEquals("real-valued labels: squared loss", real.reason());
    }

    @Test
    void manyIntegerValuesSaySoAndPointAtSoftmax() {
        EncodedLabels e = EncodedLabels.encode(task(classes(51, 2)), null);
        assertEquals(Loss.SQUARED, e.loss());
        assertEquals("51 distinct integer values (more than 50 for softmax): squared loss;"
                + " pass --loss softmax to treat them as classes", e.reason());

        EncodedLabels many = EncodedLabels.encode(task(classes(10_001, 1)), null);
        assertEquals(Loss.SQUARED, many.loss());
        assertEquals("more than 10000 distinct integer values: squared loss", many.reason());
    }

    @Test
    void forcedSoftmaxAcceptsManyIntegerClasses() {
        float[] y = classes(51, 3);
        y[0] = 1000; // class values need not be 0..n-1: {0..50, 1000}, 52 classes
        EncodedLabels e = EncodedLabels.encode(task(y), Loss.SOFTMAX);
        assertEquals(Loss.SOFTMAX, e.loss());
        assertEquals(52, e.outputs());
        assertEquals("softmax loss (--loss)", e.reason());
        assertEquals(1000f, e.classValues()[51]);
        assertEquals(51f, e.target()[0]);
        assertEquals(0f, e.target()[51]); // the other 0s are class 0
        assertEquals(50f, e.target()[50]);

        EncodedLabels max = EncodedLabels.encode(task(classes(10_000, 1)), Loss.SOFTMAX);
        assertEquals(10_000, max.outputs());
    }

    @Test
    void forcedSoftmaxLimits() {
        assertEquals("X.npy:y.npy: task 't': softmax loss (asked for by --loss) needs integer class labels with at most 10000 classes,"
                + " found more than 10000 distinct values", error(task(classes(10_001, 1)), Loss.SOFTMAX));
        assertEquals("X.npy:y.npy: task 't': softmax loss (asked for by --loss) needs integer class labels, found 2.5",
                error(task(0, 1, 2.5f, 3), Loss.SOFTMAX));
        assertEquals("X.npy:y.npy: task 't': softmax loss (asked for by --loss) needs integer class labels with at least 2 classes,"
                + " found only 4", error(task(4, 4, 4), Loss.SOFTMAX));
    }

    @Test
    void otherForcedRulesStay() {
        assertEquals("X.npy:y.npy: task 't' has 3 distinct label values; a binary (logistic) task needs exactly 2 (asked for by --loss)",
                error(task(0, 1, 2), Loss.LOGISTIC));
        assertEquals("X.npy:y.npy: task 't' has more than 10000 distinct label values; a binary (logistic) task"
                + " needs exactly 2 (asked for by --loss)", error(task(classes(20_000, 1)), Loss.LOGISTIC));
        EncodedLabels sq = EncodedLabels.encode(task(classes(60, 1)), Loss.SQUARED);
        assertEquals(Loss.SQUARED, sq.loss());
        assertEquals("squared loss (--loss)", sq.reason());
        Task twoCols = new Task("t", new float[4], 2, 2, new float[] {0, 1, 1, 0}, 2, true, "src");
        assertEquals("src: task 't' has 2 label columns; softmax loss needs a single label column",
                error(twoCols, Loss.SOFTMAX));
    }

    @Test
    void preparationSplitsAForcedManyClassTask() {
        int classes = 60;
        Task t = new Task("many", classes(classes, 5).clone(), classes * 5, 1, classes(classes, 5), 1, true, "src");
        TaskSuite suite = new TaskSuite("s", List.of(t), false);
        Preparation.Result r = Preparation.prepare(suite, new Preparation.Config(0.2, 0.2, 7, Loss.SOFTMAX,
                Preparation.Standardize.NONE));
        PreparedTask p = r.tasks().get(0);
        assertEquals(Loss.SOFTMAX, p.labels().loss());
        assertEquals(classes, p.labels().outputs());
        // Stratified: every class reaches training.
        boolean[] seen = new boolean[classes];
        for (int row : p.train()) {
            seen[(int) p.labels().target()[row]] = true;
        }
        for (int c = 0; c < classes; c++) {
            assertTrue(seen[c], "class " + c);
        }
    }

    @Test
    void largeWholeLabelsAreWrittenAsModelJsonAndPredictWriteThem() {
        // --json's classes said '2.0E7' where model.json's class_values and mtl predict's columns
        // said 20000000 (a limit of 1e7 here, 1e15 there).
        EncodedLabels e = EncodedLabels.encode(task(3, 2e7f, 2e7f, 3), null);
        assertEquals("3", e.classLabel(0));
        assertEquals("20000000", e.classLabel(1));
        assertEquals("0.5", EncodedLabels.formatValue(0.5f));
        assertEquals("-4", EncodedLabels.formatValue(-4f));
    }

    /**
     * Integer labels whose smallest value is the only negative one (-1 beside 0 and 1: a missing
     * or CheXpert "uncertain" label an integer array cannot write as NaN) were a softmax task, a
     * binary task turned into three classes with only "3 integer classes" to say so; the reason now
     * says how to leave such rows out. Two negative classes, none, or a plain binary -1/+1 get no hint.
     */
    @Test
    void aLoneNegativeClassIsNamedAsAPossibleMissingMarker() {
        long seed = System.nanoTime();
        java.util.Random rnd = new java.util.Random(seed);
        int[] sentinels = {-1, -9, -99, -999};
        int sentinel = sentinels[rnd.nextInt(sentinels.length)];
        int classes = 2 + rnd.nextInt(4);
        int m = 41 + 2 * rnd.nextInt(40);
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            y[i] = i < classes + 1 ? i - 1 : rnd.nextInt(classes + 1) - 1;  // every value at least once
            if (y[i] == -1) {
                y[i] = sentinel;
            }
        }
        y[m - 1] = Float.NaN;  // NaN is already a missing label: no class
        EncodedLabels e = EncodedLabels.encode(task(y), null);
        assertEquals(Loss.SOFTMAX, e.loss(), "seed=" + seed);
        assertTrue(e.reason().startsWith((classes + 1) + " integer classes: softmax loss")
                && e.reason().endsWith("; if " + sentinel + " marks a missing or uncertain label, write those labels as NaN "
                        + "(NA or an empty cell in a CSV) so that their rows are left out of this task"),
                "seed=" + seed + ": " + e.reason());

        float[] shifted = y.clone();
        for (int i = 0; i < m; i++) {
            shifted[i] = shifted[i] == sentinel ? classes : shifted[i];  // the same classes, none negative
        }
        assertFalse(EncodedLabels.encode(task(shifted), null).reason().contains("marks a missing"), "seed=" + seed);
        float[] twoNegative = y.clone();
        for (int i = 0; i < m; i++) {
            twoNegative[i] = twoNegative[i] == 0 ? -2 : twoNegative[i];
        }
        assertFalse(EncodedLabels.encode(task(twoNegative), null).reason().contains("marks a missing"), "seed=" + seed);
        float[] plusMinus = new float[m];
        for (int i = 0; i < m; i++) {
            plusMinus[i] = i % 2 == 0 ? -1 : 1;
        }
        assertEquals("2 distinct label values: logistic loss", EncodedLabels.encode(task(plusMinus), null).reason());
    }
}
