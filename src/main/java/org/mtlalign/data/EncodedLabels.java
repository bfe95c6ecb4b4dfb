package org.mtlalign.data;

import java.util.Arrays;
import java.util.TreeSet;
import org.mtlalign.ShellWords;
import org.mtlalign.UserInputException;
import org.mtlalign.model.Loss;

/**
 * Labels turned into training targets for a loss, with the rule that picked the loss.
 *
 * <p>Inference (unless the user names a loss): more than one label column means squared loss;
 * exactly two distinct values means logistic (the larger value is the positive class); a small
 * set (3..{@value #MAX_CLASSES}) of integers means softmax, unless there are more values than half
 * the rows (then they are quantities); anything else squared. A loss the user
 * names must fit the labels: logistic needs exactly two values, softmax integers with 2..{@value
 * #MAX_FORCED_CLASSES} distinct values (more than inference would pick, for many-class tasks).
 *
 * <p>Text labels ({@link Task#classNames()}) are classes whatever their number (up to {@value
 * #MAX_FORCED_CLASSES}): two make a logistic task whose positive class is the later name in sorted
 * order, more a softmax task; squared loss is refused.
 *
 * @param classValues for classification, the original label value of each class index (for text
 *                    labels, the index itself)
 * @param reason      one line saying why this loss was chosen, printed by the CLI
 * @param classNames  for text labels, the name of each class index; else null
 */
public record EncodedLabels(Loss loss, float[] target, int outputs, float[] classValues, String reason,
                            String[] classNames, float[] labelMean, float[] labelScale) {

    /** Labels without class names (numeric labels). */
    public EncodedLabels(Loss loss, float[] target, int outputs, float[] classValues, String reason) {
        this(loss, target, outputs, classValues, reason, null);
    }

    /** Labels as given (not standardised). */
    public EncodedLabels(Loss loss, float[] target, int outputs, float[] classValues, String reason,
                         String[] classNames) {
        this(loss, target, outputs, classValues, reason, classNames, null, null);
    }

    /**
     * For squared loss: these labels standardised per output with the mean and standard deviation
     * of {@code rows} (the training rows), recorded in {@link #labelMean()} and {@link #labelScale()}
     * so that metrics and predictions return to the labels' units; other losses unchanged. A
     * constant output keeps scale 1.
     */
    public EncodedLabels standardized(int[] rows) {
        if (loss != Loss.SQUARED || rows.length == 0) {
            return this;
        }
        int c = outputs;
        // As Preparation's input moments (shifted sums, the same constant rule), but the labels are
        // centred with the float64 mean: a float32 mean of 1e7 + N(0, 3) is off by up to 0.5.
        float[] mean = new float[c];
        float[] scale = new float[c];
        float[] z = target.clone();
        for (int o = 0; o < c; o++) {
            double shift = target[rows[0] * c + o];
            double sum = 0;
            double sq = 0;
            for (int r : rows) {
                double v = target[r * c + o] - shift;
                sum += v;
                sq += v * v;
            }
            double dm = sum / rows.length;
            double sd = Math.sqrt(Math.max(0, sq / rows.length - dm * dm));
            double mu = shift + dm;
            mean[o] = (float) mu;
            scale[o] = sd > 1e-7 * Math.abs(mu) && (float) sd >= Float.MIN_NORMAL ? (float) sd : 1f;
            for (int i = o; i < z.length; i += c) {
                z[i] = Float.isNaN(z[i]) ? Float.NaN : (float) ((target[i] - mu) / scale[o]);
            }
        }
        return new EncodedLabels(loss, z, outputs, classValues, reason + "; labels standardised (--standardize-labels)",
                classNames, mean, scale);
    }

    /** The label of class {@code k} as the user wrote it: its name, or its value. */
    public String classLabel(int k) {
        return classNames != null ? classNames[k] : format(classValues[k]);
    }

    /** The class names of boolean labels ({@link Task#booleanLabels()}), in sorted order as text labels are. */
    private static final String[] BOOLEAN_NAMES = {"false", "true"};

    /** Most distinct integer labels that inference treats as classes (softmax). */
    public static final int MAX_CLASSES = 50;
    /** Most classes {@code --loss softmax} accepts: beyond this the labels are surely not classes. */
    public static final int MAX_FORCED_CLASSES = 10_000;

    public static EncodedLabels encode(Task t, Loss requested) {
        return encode(t, requested, null);
    }

    /**
     * A hint when the smallest class is the only negative one (-1 beside 0 and 1, -999 beside
     * 0..4): a missing-label marker an integer array cannot write as NaN, or CheXpert's -1 for
     * "uncertain", which the inference otherwise takes as one more class, silently turning a
     * binary task into a softmax one (no AUC). Empty otherwise.
     */
    static String sentinelHint(java.util.NavigableSet<Float> distinct) {
        float lowest = distinct.first();
        if (!(lowest < 0) || distinct.size() < 3 || distinct.tailSet(lowest, false).first() < 0) {
            return "";
        }
        String v = format(lowest);
        return "; if " + v + " marks a missing or uncertain label, write those labels as NaN (NA or an empty cell "
                + "in a CSV) so that their rows are left out of this task";
    }

    /**
     * As {@link #encode(Task, Loss)}, with the positive class of a binary task chosen: {@code positive}
     * is its label as written (a class name, or a value such as "0" or "-1"); null takes the later
     * label (the larger value, the later name).
     *
     * @throws UserInputException when the task is not binary or has no such label
     */
    public static EncodedLabels encode(Task t, Loss requested, String positive) {
        EncodedLabels e = encodeDefault(t, requested);
        return positive == null ? e : e.withPositive(t.name(), positive);
    }

    /**
     * These labels (of the task named {@code task}) with {@code positive}, a label as written, as
     * the positive class: the classes swapped when it is the first.
     *
     * @throws UserInputException when the task is not binary or has no such label
     */
    public EncodedLabels withPositive(String task, String positive) {
        EncodedLabels e = this;
        String what = "--positive " + task + "=" + positive + ": task '" + task + "'";
        if (e.loss() != Loss.LOGISTIC) {
            throw new UserInputException(what + " is not a binary task (" + e.reason() + ")");
        }
        String negative = e.classLabel(0);
        String pos = e.classLabel(1);
        int named = e.namedClass(positive);
        if (named == 1) {
            // Chosen, not inferred: the reason said "the later name in sorted order", and for
            // Yes/no also how to make 'Yes' positive, to a user who had just made 'no' positive.
            return new EncodedLabels(e.loss(), e.target(), e.outputs(), e.classValues(), positiveReason(e.reason(), pos),
                    e.classNames());
        }
        if (named != 0) {
            throw new UserInputException(what + " has the labels '" + negative + "' and '" + pos + "', not '" + positive
                    + "'");
        }
        positive = negative;
        // The other label is positive: swap the classes, keeping the positive one last.
        float[] target = e.target().clone();
        for (int i = 0; i < target.length; i++) {
            target[i] = Float.isNaN(target[i]) ? Float.NaN : 1f - target[i];
        }
        float[] values = e.classNames() != null ? e.classValues().clone() : new float[] {e.classValues()[1],
            e.classValues()[0]};
        String[] names = e.classNames() == null ? null : new String[] {e.classNames()[1], e.classNames()[0]};
        return new EncodedLabels(Loss.LOGISTIC, target, 1, values, positiveReason(e.reason(), positive), names);
    }

    /**
     * The class (0 or 1) of a binary task that {@code text} names, or -1: its label as printed, or
     * for numeric labels the same number written otherwise ("1.0" for 1), and True or False (any
     * case) for labels 0 and 1, which is what a bool label array holds, as the CSV reader reads them.
     */
    private int namedClass(String text) {
        for (int k = 1; k >= 0; k--) {
            if (text.equals(classLabel(k))) {
                return k;
            }
        }
        String t = text.strip();
        if (Arrays.equals(classNames, BOOLEAN_NAMES)) {
            // Boolean labels: also as numpy and pandas write them (True, False) and as 1 and 0.
            if (t.equalsIgnoreCase("true") || t.equals("1") || t.equals("1.0")) {
                return 1;
            }
            return t.equalsIgnoreCase("false") || t.equals("0") || t.equals("0.0") ? 0 : -1;
        }
        if (classNames != null) {
            return -1;
        }
        double v;
        if (classValues[0] == 0f && classValues[1] == 1f && (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false"))) {
            v = t.equalsIgnoreCase("true") ? 1 : 0;
        } else {
            try {
                v = Double.parseDouble(t);
            } catch (NumberFormatException notANumber) {
                return -1;
            }
        }
        return v == classValues[1] ? 1 : v == classValues[0] ? 0 : -1;
    }

    private static String positiveReason(String reason, String positive) {
        int at = reason.indexOf(", positive class");
        return (at >= 0 ? reason.substring(0, at) : reason) + ", positive class '" + positive + "' (--positive)";
    }

    /**
     * Whether every labelled row of a q-column label matrix is 0 but for one 1: the one-hot classes
     * that Keras-style code makes, which the multi-column rule would otherwise fit as q regression targets
     * without a word.
     */
    private static boolean oneHot(float[] y, int q) {
        int rows = 0;
        for (int i = 0; i + q <= y.length; i += q) {
            int ones = 0;
            boolean missing = false;
            for (int j = 0; j < q; j++) {
                float v = y[i + j];
                if (Float.isNaN(v)) {
                    missing = true;
                } else if (v == 1f) {
                    ones++;
                } else if (v != 0f) {
                    return false;
                }
            }
            if (!missing) {
                if (ones != 1) {
                    return false;
                }
                rows++;
            }
        }
        return rows > 0;
    }

    private static EncodedLabels encodeDefault(Task t, Loss requested) {
        float[] y = t.y();
        int q = t.labelColumns();
        if (q > 1) {
            if (requested != null && requested != Loss.SQUARED) {
                throw new UserInputException(t.source() + ": task '" + t.name() + "' has " + q
                        + " label columns; " + requested.cliName() + " loss needs a single label column");
            }
            return new EncodedLabels(Loss.SQUARED, y, q, null,
                    requested != null ? "squared loss (--loss)"
                            : oneHot(y, q) ? q + " label columns: squared loss (every row is one-hot: for " + q
                                    + " classes save the class index instead, y.argmax(axis=1), as a 1-D label array)"
                            : q + " label columns: squared loss");
        }
        // Counted exactly up to one past the largest class count any rule below accepts.
        TreeSet<Float> distinct = new TreeSet<>();
        boolean integers = true;
        float nonInteger = 0;
        for (float v : y) {
            if (Float.isNaN(v)) {
                continue;  // a missing label (its row is left out)
            }
            if (distinct.size() <= MAX_FORCED_CLASSES) {
                distinct.add(v);
            }
            if (integers && v != Math.rint(v)) {
                integers = false;
                nonInteger = v;
            }
        }
        String[] names = t.classNames();
        if (names != null) {
            return encodeText(t, requested, names);
        }
        Loss loss = requested;
        String reason;
        if (t.labelCollision() != null && (requested == null ? distinct.size() <= MAX_CLASSES : requested != Loss.SQUARED)) {
            // Classes would be merged (and inference would count too few of them) or named by a
            // value the file does not have: refuse rather than train on labels the file does not have.
            throw new UserInputException(t.labelCollision() + " (task '" + t.name() + "'): class ids of "
                    + "16777216 (2^24) and more are not all exact in float32; renumber the classes 0..C-1 (in numpy: "
                    + "np.unique(y, return_inverse=True)[1]), or pass --loss squared if they are real values");
        }
        if (loss == null) {
            if (distinct.size() == 1) {
                throw new UserInputException(t.source() + ": task '" + t.name() + "' has "
                        + singleValue(t, format(distinct.first()), integers ? ONE_NUMBER : ONE_REAL));
            } else if (distinct.size() == 2) {
                loss = Loss.LOGISTIC;
                reason = "2 distinct label values: logistic loss";
            } else if (integers && distinct.size() <= MAX_CLASSES && 2 * distinct.size() > y.length - t.unlabelledRows()) {
                // Most rows with a value of their own (16 weights in 20 rows): quantities, not classes.
                loss = Loss.SQUARED;
                reason = distinct.size() + " distinct integer values in " + (y.length - t.unlabelledRows())
                        + " rows (too few rows per value "
                        + "for classes): squared loss; pass " + ShellWords.taskOption("--loss", t.name(), "softmax")
                        + " to treat them as classes";
            } else if (integers && distinct.size() <= MAX_CLASSES) {
                loss = Loss.SOFTMAX;
                reason = distinct.size() + " integer classes: softmax loss (" + ShellWords.taskOption("--loss", t.name(), "squared")
                        + " if they are quantities such as counts or ratings)" + sentinelHint(distinct);
            } else if (integers) {
                loss = Loss.SQUARED;
                reason = distinct.size() > MAX_FORCED_CLASSES
                        ? "more than " + MAX_FORCED_CLASSES + " distinct integer values: squared loss"
                        : distinct.size() + " distinct integer values (more than " + MAX_CLASSES
                                + " for softmax): squared loss; pass --loss softmax to treat them as classes";
            } else {
                loss = Loss.SQUARED;
                reason = "real-valued labels: squared loss";
            }
        } else {
            reason = loss.cliName() + " loss (--loss)";
        }
        switch (loss) {
            case SQUARED:
                return new EncodedLabels(loss, y, 1, null, reason);
            case LOGISTIC: {
                if (distinct.size() != 2) {
                    throw new UserInputException(t.source() + ": task '" + t.name() + "' has "
                            + (distinct.size() > MAX_FORCED_CLASSES ? "more than " + MAX_FORCED_CLASSES
                                    : distinct.size())
                            + " distinct label values; a binary (logistic) task needs exactly 2" + asked(requested));
                }
                float pos = distinct.last();
                float[] target = new float[y.length];
                for (int i = 0; i < y.length; i++) {
                    target[i] = Float.isNaN(y[i]) ? Float.NaN : y[i] == pos ? 1f : 0f;
                }
                if (t.booleanLabels()) {
                    // Booleans are named as such ('false', 'true'), not '0' and '1'; true is positive.
                    return new EncodedLabels(loss, target, 1, new float[] {0f, 1f},
                            requested == null ? "2 boolean label values: logistic loss, positive class 'true'" : reason,
                            BOOLEAN_NAMES.clone());
                }
                return new EncodedLabels(loss, target, 1, new float[] {distinct.first(), pos}, reason);
            }
            case SOFTMAX: {
                String prefix = t.source() + ": task '" + t.name() + "': softmax loss" + asked(requested)
                        + " needs integer class labels";
                if (!integers) {
                    throw new UserInputException(prefix + ", found " + format(nonInteger));
                }
                if (distinct.size() < 2) {
                    throw new UserInputException(prefix + " with at least 2 classes, found only "
                            + format(distinct.first()));
                }
                if (distinct.size() > MAX_FORCED_CLASSES) {
                    throw new UserInputException(prefix + " with at most " + MAX_FORCED_CLASSES
                            + " classes, found more than " + MAX_FORCED_CLASSES + " distinct values");
                }
                float[] values = new float[distinct.size()];
                int c = 0;
                for (float v : distinct) {
                    values[c++] = v;
                }
                float[] target = new float[y.length];
                for (int i = 0; i < y.length; i++) {
                    target[i] = Float.isNaN(y[i]) ? Float.NaN : Arrays.binarySearch(values, y[i]);
                }
                if (t.booleanLabels() && values.length == 2) {
                    return new EncodedLabels(loss, target, 2, values, reason, BOOLEAN_NAMES.clone());
                }
                return new EncodedLabels(loss, target, values.length, values, reason);
            }
            default:
                throw new IllegalStateException();
        }
    }

    /** Why one label value leaves nothing to learn: text labels are classes, a fraction only a quantity. */
    private static final String ONE_CLASS = "a classification task needs at least two classes";
    private static final String ONE_NUMBER = "nothing to learn: a classification task needs at least two classes, "
            + "a regression task labels that vary";
    private static final String ONE_REAL = "nothing to learn: a regression task needs labels that vary";

    /**
     * What is wrong with a task whose labels hold one value (when the loss is inferred or text
     * labels make it classes): one class, or, when only one row is labelled, too few rows (a
     * regression task's owner would not see why classes are mentioned; for 3.7 in every row they
     * were all the message spoke of).
     */
    private static String singleValue(Task t, String value, String why) {
        return t.rows() - t.unlabelledRows() == 1
                ? "only 1 labelled row (label " + value + "); a task needs rows to train, validate and test on, a few "
                        + "dozen at least"
                : "a single label value (" + value + "); " + why;
    }

    /**
     * " (asked for by --loss)" where the loss a label check refuses came from --loss: 'mtl train
     * --loss logistic' on real-valued labels was refused naming the task and its labels only.
     */
    private static String asked(Loss requested) {
        return requested == null ? "" : " (asked for by --loss)";
    }

    /** Text labels: class names, never squared loss. */
    private static EncodedLabels encodeText(Task t, Loss requested, String[] names) {
        String what = t.source() + ": task '" + t.name() + "'";
        if (requested == Loss.SQUARED) {
            throw new UserInputException(what + " has text labels (" + sample(names) + "); squared loss" + asked(requested)
                    + " needs numbers");
        }
        if (names.length == 1) {
            throw new UserInputException(what + " has " + singleValue(t, "'" + names[0] + "'", ONE_CLASS));
        }
        if (requested == Loss.LOGISTIC && names.length != 2) {
            throw new UserInputException(what + " has " + names.length + " distinct labels (" + sample(names)
                    + "); a binary (logistic) task needs exactly 2" + asked(requested));
        }
        if (names.length > MAX_FORCED_CLASSES) {
            throw new UserInputException(what + " has " + names.length + " distinct text labels (" + sample(names)
                    + "); at most " + MAX_FORCED_CLASSES + " classes are supported");
        }
        Loss loss = requested != null ? requested : names.length == 2 ? Loss.LOGISTIC : Loss.SOFTMAX;
        String reason = requested != null ? loss.cliName() + " loss (--loss)"
                : names.length == 2 ? "2 text labels: logistic loss, positive class '" + names[1]
                        + "' (the later name in sorted order" + negativeWordHint(t.name(), names) + ")"
                : names.length + " text classes: softmax loss";
        float[] y = t.y();
        float[] target = y.clone();  // already class indices
        float[] values = new float[names.length];
        for (int c = 0; c < values.length; c++) {
            values[c] = c;
        }
        return new EncodedLabels(loss, target, loss == Loss.LOGISTIC ? 1 : names.length, values, reason,
                names.clone());
    }

    private static final java.util.Set<String> NEGATIVE_WORDS = java.util.Set.of("no", "n", "false", "f", "negative",
            "neg", "inactive", "absent", "fail", "failed", "off");
    private static final java.util.Set<String> POSITIVE_WORDS = java.util.Set.of("yes", "y", "true", "t", "positive",
            "pos", "active", "present", "pass", "passed", "on");

    /**
     * Sorting by code point puts capitals first, so 'Yes'/'no' made 'no' the positive class: the
     * rule is LabelEncoder's and stays, but a positive class that reads as the negative word of
     * the pair says how to choose the other.
     */
    private static String negativeWordHint(String task, String[] names) {
        String pos = names[1].strip().toLowerCase(java.util.Locale.ROOT);
        String neg = names[0].strip().toLowerCase(java.util.Locale.ROOT);
        if (!NEGATIVE_WORDS.contains(pos) || !POSITIVE_WORDS.contains(neg)) {
            return "";
        }
        return "; " + ShellWords.taskOption("--positive", task, names[0]) + " makes '" + names[0] + "' positive";
    }

    /** The first few names, quoted, for messages. */
    private static String sample(String[] names) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(3, names.length); i++) {
            b.append(i == 0 ? "" : ", ").append('\'').append(names[i]).append('\'');
        }
        return b.append(names.length > 3 ? ", ..." : "").toString();
    }

    /** A label as the user would write it: 3 rather than 3.0. */
    private static String format(float v) {
        return formatValue(v);
    }

    /**
     * Whether a label value is written as a whole number (4, 20000000), as --json's classes, the
     * messages, model.json's class_values and mtl predict's columns all write it.
     */
    public static boolean isWhole(float v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15f;
    }

    /** A numeric label as written: "4" for 4.0 and "20000000" for 2e7 (see {@link #isWhole}), else "0.5". */
    public static String formatValue(float v) {
        return isWhole(v) ? Long.toString((long) v) : Float.toString(v);
    }

    /** Number of target values stored per row (outputs for squared loss, else one). */
    public int targetColumns() {
        return loss == Loss.SQUARED ? outputs : 1;
    }
}
