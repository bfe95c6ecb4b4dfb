package org.mtlalign.train;

/**
 * One task's line of an experiment: sizes, the headline test metric for single-task learning,
 * MTL, MTL with alignment (Algorithm 1) and MTL with SVD reweighting (Algorithm 2), and the
 * transfer: MTL minus STL, signed so that positive means MTL is better.
 *
 * @param classes a classification task's class labels in class-index order (names of text labels,
 *                else the label values as written, e.g. "0", "1"; the positive class of a binary
 *                task last); null for regression
 * @param noBetterThanPrior the runs among STL, MTL, MTL+align and MTL+reweight whose model's
 *                validation loss on this task is not 1% below that of predicting the training
 *                labels' mean or class rates and that do not order the validation rows beyond
 *                chance: it learned nothing from the inputs (no signal at
 *                this width, a ReLU layer that died, a training that stopped on its starting
 *                plateau, or, in MTL, the other tasks took the shared module)
 * @param miscalibrated the runs whose validation loss on this task is no better than that
 *                constant prediction's while they order the validation rows beyond chance
 *                ({@link PairwiseTransfer#ranksBeyondChance}): they learned, but their probabilities
 *                are miscalibrated (overconfident, large logits, when d exceeds the training rows)
 * @param averagePrecision a binary task's average precision on its test rows, per run; null for
 *                other tasks
 * @param balancedAccuracy a multi-class (softmax) task's balanced accuracy on its test rows, per
 *                run; null for other tasks
 */
public record TaskReport(String name, String loss, String lossReason, int trainRows, int validationRows, int testRows,
                         int outputs, String metric, double stl, double mtl, double mtlAlign, double mtlReweight,
                         double weight, double transfer, String transferSign, java.util.List<String> classes,
                         java.util.List<String> noBetterThanPrior, java.util.List<String> miscalibrated,
                         AveragePrecision averagePrecision,
                         BalancedAccuracy balancedAccuracy) {
    /**
     * A binary task's average precision (area under the precision-recall curve) on its test rows
     * for each run, NaN where the run did not run or the test rows hold no positive; {@code
     * positiveRate} is the share of positives among them, what a random ranking scores.
     */
    public record AveragePrecision(double positiveRate, double stl, double mtl, double mtlAlign, double mtlReweight) {
        /** Under {@link #RARE_POSITIVES} positives in the test rows: where ROC AUC can hide many false positives. */
        public boolean rare() {
            return rarePositives(positiveRate);
        }
    }

    /** A binary task whose test rows hold fewer positives than this share gets its average precision shown. */
    public static final double RARE_POSITIVES = 0.1;

    /** See {@link AveragePrecision#rare()}. */
    public static boolean rarePositives(double positiveRate) {
        return positiveRate > 0 && positiveRate < RARE_POSITIVES;
    }

    /**
     * A largest class over half the test rows (and a second class there): always predicting it
     * scores an accuracy over 0.5, so the balanced accuracy is shown beside.
     */
    public static boolean skewedClasses(double largestClassRate, int classesInTest) {
        return largestClassRate > 0.5 && classesInTest > 1;
    }

    /**
     * A multi-class task's balanced accuracy (the mean over the classes in its test rows of each
     * class's recall) for each run, NaN where the run did not run or there are no test rows;
     * {@code largestClassRate} is the share of its test rows in its largest class (the plain
     * accuracy of always predicting it, whose balanced accuracy is 1 / {@code classesInTest}).
     */
    public record BalancedAccuracy(double largestClassRate, int classesInTest, double stl, double mtl, double mtlAlign,
                                   double mtlReweight) {
        /** See {@link TaskReport#skewedClasses}. */
        public boolean skewed() {
            return skewedClasses(largestClassRate, classesInTest);
        }
    }
}
