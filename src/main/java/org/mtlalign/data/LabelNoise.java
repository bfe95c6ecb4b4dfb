package org.mtlalign.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.mtlalign.UserInputException;
import org.mtlalign.model.Loss;

/**
 * Label noise on one classification task (the paper's noisy-task setting): {@code fraction} of
 * the task's training rows and, separately, {@code fraction} of its validation rows get a label
 * drawn uniformly from the task's classes (so a replaced label keeps its old value with
 * probability 1/classes). Test rows keep their clean labels, so the test metric measures how
 * well the model predicts the truth; validation is noisy because it is part of what a user has.
 *
 * <p>Applied after splitting ({@link Preparation.Config#labelNoise()}, or {@link #apply} on a
 * {@link PreparedTask}), so the split (stratified on the clean labels) does not depend on the
 * noise. Regression (squared-loss) tasks are rejected: "replace by a random label value" has no
 * natural meaning for real-valued targets.
 */
public record LabelNoise(String task, double fraction) {
    public LabelNoise {
        if (task == null || task.isEmpty()) {
            throw new UserInputException("--label-noise: expected TASK:FRACTION with a task name");
        }
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new UserInputException("--label-noise: fraction must be in [0, 1], got " + fraction
                    + " for task '" + task + "'");
        }
    }

    /** Parses {@code TASK:FRACTION} (the task name may itself contain ':'; the last one separates). */
    public static LabelNoise parse(String spec) {
        int c = spec.lastIndexOf(':');
        if (c <= 0) {
            throw new UserInputException("--label-noise: expected TASK:FRACTION, got '" + spec + "'");
        }
        double f;
        try {
            f = Double.parseDouble(spec.substring(c + 1));
        } catch (NumberFormatException e) {
            throw new UserInputException("--label-noise: expected TASK:FRACTION, got '" + spec + "'");
        }
        return new LabelNoise(spec.substring(0, c), f);
    }

    /** The option value this noise was parsed from ({@code TASK:FRACTION}). */
    public String toSpec() {
        return task + ":" + fraction;
    }

    /**
     * A copy of {@code t} whose training and validation targets are corrupted as described above
     * (a fresh target array; {@code t} is not changed). Deterministic for a given seed.
     *
     * @throws UserInputException if {@code t} is a regression task or not the task named here
     */
    public PreparedTask apply(PreparedTask t, long seed) {
        if (!t.name().equals(task)) {
            throw new IllegalArgumentException("label noise for '" + task + "' applied to task '" + t.name() + "'");
        }
        EncodedLabels enc = t.labels();
        if (enc.loss() == Loss.SQUARED) {
            throw new UserInputException("--label-noise: task '" + task + "' is a regression task (squared loss); "
                    + "label noise replaces class labels and applies to classification tasks only");
        }
        int classes = enc.loss() == Loss.LOGISTIC ? 2 : enc.outputs();
        float[] target = enc.target().clone();
        Random rnd = new Random(seed);
        int nTrain = corrupt(target, t.train(), classes, rnd);
        int nVal = corrupt(target, t.validation(), classes, rnd);
        String reason = String.format(Locale.ROOT, "%s; label noise: %s%% of training and validation labels "
                        + "randomised (%d + %d rows), test labels clean", enc.reason(), pct(fraction), nTrain, nVal);
        EncodedLabels noisy = new EncodedLabels(enc.loss(), target, enc.outputs(), enc.classValues(), reason,
                enc.classNames(), enc.labelMean(), enc.labelScale());
        return new PreparedTask(t.name(), t.x(), t.rows(), t.dim(), noisy, t.train(), t.validation(), t.test());
    }

    /**
     * The rows of {@code split} that get a random label: round(fraction * split.length) of them,
     * chosen by a seeded shuffle. Exposed for tests (same draw order as {@link #apply}).
     */
    static int[] chosenRows(int[] split, double fraction, Random rnd) {
        int[] perm = split.clone();
        for (int i = perm.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        return Arrays.copyOf(perm, (int) Math.round(fraction * split.length));
    }

    private int corrupt(float[] target, int[] split, int classes, Random rnd) {
        int[] rows = chosenRows(split, fraction, rnd);
        for (int r : rows) {
            target[r] = rnd.nextInt(classes);
        }
        return rows.length;
    }

    private static String pct(double f) {
        double p = 100 * f;
        return p == Math.rint(p) ? Long.toString(Math.round(p)) : String.format(Locale.ROOT, "%.4g", p);
    }
}
