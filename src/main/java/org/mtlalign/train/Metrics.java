package org.mtlalign.train;

import java.util.Arrays;
import org.mtlalign.model.Loss;

/**
 * Task metrics: MSE for regression; accuracy, ROC AUC and average precision for binary tasks;
 * accuracy and balanced accuracy for multi-class. {@code primary} is the one reported as the
 * task's metric.
 */
public record Metrics(String name, double primary, double mse, double accuracy, double auc, double averagePrecision,
                      double balancedAccuracy) {

    public static Metrics of(Loss loss, float[] out, float[] target, int rows, int outputs) {
        return of(loss, out, target, rows, outputs, null);
    }

    /**
     * As {@link #of(Loss, float[], float[], int, int)}; for squared loss with {@code scale} (per
     * output, or null), outputs and targets are standardised labels and the MSE is in the labels'
     * units: each residual times its output's scale.
     */
    public static Metrics of(Loss loss, float[] out, float[] target, int rows, int outputs, float[] scale) {
        switch (loss) {
            case SQUARED: {
                double s = 0;
                for (int i = 0; i < rows * outputs; i++) {
                    double r = (out[i] - target[i]) * (scale == null ? 1.0 : scale[i % outputs]);
                    s += r * r;
                }
                double mse = rows == 0 ? Double.NaN : s / (rows * (double) outputs);
                return new Metrics("mse", mse, mse, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            case LOGISTIC: {
                int correct = 0;
                for (int i = 0; i < rows; i++) {
                    correct += ((out[i] > 0f) == (target[i] > 0.5f)) ? 1 : 0;
                }
                double auc = auc(out, target, rows);
                return new Metrics("auc", auc, Double.NaN, rows == 0 ? Double.NaN : (double) correct / rows, auc,
                        averagePrecision(out, target, rows), Double.NaN);
            }
            case SOFTMAX: {
                int correct = 0;
                int[] count = new int[outputs];
                int[] hit = new int[outputs];
                for (int i = 0; i < rows; i++) {
                    int best = 0;
                    for (int j = 1; j < outputs; j++) {
                        if (out[i * outputs + j] > out[i * outputs + best]) {
                            best = j;
                        }
                    }
                    int c = (int) target[i];
                    correct += best == c ? 1 : 0;
                    count[c]++;
                    hit[c] += best == c ? 1 : 0;
                }
                double acc = rows == 0 ? Double.NaN : (double) correct / rows;
                return new Metrics("accuracy", acc, Double.NaN, acc, Double.NaN, Double.NaN, balancedAccuracy(count, hit));
            }
            default:
                throw new IllegalArgumentException(String.valueOf(loss));
        }
    }

    /**
     * ROC AUC by the rank-sum (Mann-Whitney) statistic with average ranks for ties; NaN when
     * one class is absent.
     */
    public static double auc(float[] score, float[] label, int n) {
        int[] idx = ascending(score, n);
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && score[idx[j + 1]] == score[idx[i]]) {
                j++;
            }
            double avgRank = (i + j) / 2.0 + 1.0;
            for (int t = i; t <= j; t++) {
                if (label[idx[t]] > 0.5f) {
                    rankSumPos += avgRank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /**
     * The mean over the classes present in the rows of the share of each class's rows predicted
     * as that class (scikit-learn's {@code balanced_accuracy_score}); NaN without rows. Always
     * predicting one class scores 1 / (classes present), whatever the class sizes, where its plain
     * accuracy is that class's share.
     */
    static double balancedAccuracy(int[] count, int[] hit) {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < count.length; c++) {
            if (count[c] > 0) {
                sum += hit[c] / (double) count[c];
                present++;
            }
        }
        return present == 0 ? Double.NaN : sum / present;
    }

    /**
     * Average precision (the area under the precision-recall curve as scikit-learn's
     * {@code average_precision_score} computes it): the mean over thresholds of the precision,
     * each weighted by the recall it adds, rows of equal score entering together; NaN without
     * positives. A random ranking scores about the positive rate, so unlike ROC AUC it shows
     * how many false positives come with the positives of a rare class.
     */
    public static double averagePrecision(float[] score, float[] label, int n) {
        long pos = 0;
        for (int i = 0; i < n; i++) {
            pos += label[i] > 0.5f ? 1 : 0;
        }
        if (pos == 0) {
            return Double.NaN;
        }
        // Highest score first; the order within a tie does not matter, its rows enter together.
        int[] up = ascending(score, n);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = up[n - 1 - i];
        }
        double ap = 0;
        long tp = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && score[idx[j + 1]] == score[idx[i]]) {
                j++;
            }
            long before = tp;
            for (int t = i; t <= j; t++) {
                tp += label[idx[t]] > 0.5f ? 1 : 0;
            }
            ap += (tp - before) / (double) pos * (tp / (double) (j + 1));
            i = j + 1;
        }
        return ap;
    }

    /**
     * The rows 0..n-1 in increasing order of score, as {@link Float#compare} orders them (-0 before
     * 0, NaN last), ties by row: a sort of primitive (score, row) keys, not of boxed Integer rows
     * through a comparator, which took 0.6-0.8 s for a million test rows, once per metric and run.
     */
    static int[] ascending(float[] score, int n) {
        long[] key = new long[n];
        for (int i = 0; i < n; i++) {
            int b = Float.floatToIntBits(score[i]);
            b ^= (b >> 31) & 0x7fffffff; // negative floats' bits in reverse: now ordered as ints
            key[i] = ((long) b << 32) | i;
        }
        Arrays.sort(key);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = (int) key[i];
        }
        return idx;
    }
}
