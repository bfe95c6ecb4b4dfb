package org.mtlalign.backend.cpu;

import org.mtlalign.model.Loss;

/**
 * Losses and their gradients in plain Java: the CPU twins of the CUDA loss kernels.
 * Accumulation is in float64 so the reported loss does not depend on the batch order.
 */
public final class LossKernels {
    private LossKernels() {
    }

    public static double lossAndGradient(Loss loss, float[] out, int rows, int outputs, float[] target,
                                         float weight, float[] grad) {
        if (rows == 0) {
            return 0.0;
        }
        double total = 0.0;
        float scale = weight / rows;
        switch (loss) {
            case SQUARED:
                for (int i = 0; i < rows * outputs; i++) {
                    float r = out[i] - target[i];
                    total += 0.5 * (double) r * r;
                    grad[i] = scale * r;
                }
                break;
            case LOGISTIC:
                for (int i = 0; i < rows; i++) {
                    float z = out[i];
                    float y = target[i];
                    // softplus(z) - y z, written to stay finite for large |z|.
                    total += Math.max(z, 0f) - (double) y * z + Math.log1p(Math.exp(-Math.abs((double) z)));
                    grad[i] = scale * (sigmoid(z) - y);
                }
                break;
            case SOFTMAX:
                for (int i = 0; i < rows; i++) {
                    int base = i * outputs;
                    float max = rowMax(out, base, outputs);
                    double sum = expSum(out, base, outputs, max);
                    int cls = (int) target[i];
                    total += Math.log(sum) - (out[base + cls] - max);
                    for (int j = 0; j < outputs; j++) {
                        float pj = (float) (Math.exp(out[base + j] - max) / sum);
                        grad[base + j] = scale * (pj - (j == cls ? 1f : 0f));
                    }
                }
                break;
            default:
                throw new IllegalArgumentException(String.valueOf(loss));
        }
        return weight * total / rows;
    }

    /**
     * Class probabilities of row {@code base / outputs} of logits {@code out}, into
     * {@code dst[base..]} (which may be {@code out}): exactly the softmax the loss above uses.
     */
    public static void softmax(float[] out, int base, int outputs, float[] dst) {
        float max = rowMax(out, base, outputs);
        double sum = expSum(out, base, outputs, max);
        for (int j = 0; j < outputs; j++) {
            dst[base + j] = (float) (Math.exp(out[base + j] - max) / sum);
        }
    }

    private static float rowMax(float[] out, int base, int outputs) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < outputs; j++) {
            max = Math.max(max, out[base + j]);
        }
        return max;
    }

    private static double expSum(float[] out, int base, int outputs, float max) {
        double sum = 0.0;
        for (int j = 0; j < outputs; j++) {
            sum += Math.exp(out[base + j] - max);
        }
        return sum;
    }

    public static float sigmoid(float z) {
        return z >= 0f ? 1f / (1f + (float) Math.exp(-z)) : (float) (Math.exp(z) / (1.0 + Math.exp(z)));
    }
}
