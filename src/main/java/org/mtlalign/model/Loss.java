package org.mtlalign.model;

import java.util.Locale;
import org.mtlalign.UserInputException;

/**
 * Per-task loss. Targets are stored as a float array whose layout depends on the loss:
 * SQUARED: rows x outputs real values; LOGISTIC: rows values in {0, 1} (one output);
 * SOFTMAX: rows class indices 0..classes-1 (classes outputs).
 */
public enum Loss {
    /** 0.5 * mean over rows of ||out - y||^2 (sum over outputs). Metric: MSE. */
    SQUARED,
    /** Binary cross-entropy on one logit. Metrics: accuracy and ROC AUC. */
    LOGISTIC,
    /** Softmax cross-entropy over classes logits. Metric: accuracy. */
    SOFTMAX;

    public static Loss parse(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "squared": case "mse": case "l2": return SQUARED;
            case "logistic": case "binary": case "bce": return LOGISTIC;
            case "softmax": case "ce": case "cross-entropy": return SOFTMAX;
            default:
                throw new UserInputException("--loss: unknown loss '" + s
                        + "' (expected auto, squared, logistic or softmax)");
        }
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The headline metric reported for this loss; higher is better except for MSE. */
    public String metricName() {
        switch (this) {
            case SQUARED: return "mse";
            case LOGISTIC: return "auc";
            default: return "accuracy";
        }
    }

    /**
     * How a metric named by {@link #metricName()} (the JSON's lower-case key: {@code auc}, {@code mse},
     * {@code accuracy}) is printed in human-readable tables and lines, the README's spelling: acronyms in
     * capitals ({@code AUC}, {@code MSE}), words in lower case ({@code accuracy}). Any other name is returned
     * as it is.
     */
    public static String metricLabel(String metric) {
        if (metric == null) {
            return null;
        }
        switch (metric) {
            case "auc": return "AUC";
            case "mse": return "MSE";
            default: return metric;
        }
    }

    public boolean higherIsBetter() {
        return this != SQUARED;
    }
}
