package org.mtlalign.analysis;

import org.mtlalign.backend.Backend;

/**
 * How wide the shared module should be. Proposition 1: with r at least the sum of the
 * single-task capacities (the output counts c_i of linear heads), every task keeps its own
 * single-task optimum and nothing transfers. Below that the shared module must choose: we fit
 * a ridge single-task model W_i (d x c_i) per task, scale each to unit norm so tasks count
 * equally, and suggest the smallest r whose top singular directions of [W_1 .. W_k] hold
 * {@code energy} of the squared spectrum.
 */
public final class Capacity {
    private final Backend backend;

    public Capacity(Backend backend) {
        this.backend = backend;
    }

    /** The suggestion and the numbers behind it. */
    public record Suggestion(int suggestedRank, int noTransferRank, double[] singularValues, double energy) {
    }

    /**
     * @param xs each task's inputs (rows[i] x d, row-major), e.g. its training rows
     * @param ys each task's targets (rows[i] x cols[i]: regression values or one-hot classes)
     * @param lambda the ridge strength per row (> 0 when a task has fewer rows than d)
     * @param energy the share of the squared spectrum to keep, in (0, 1]
     */
    public Suggestion suggest(float[][] xs, int[] rows, int d, float[][] ys, int[] cols, double lambda, double energy) {
        int k = xs.length;
        if (k == 0 || rows.length != k || ys.length != k || cols.length != k) {
            throw new IllegalArgumentException("capacity: " + k + " inputs, " + rows.length + " row counts, " + ys.length
                    + " targets and " + cols.length + " column counts; need the same number (>= 1) of each");
        }
        if (!(energy > 0 && energy <= 1) || !(lambda >= 0) || Double.isInfinite(lambda) || d < 1) {
            throw new IllegalArgumentException("capacity: energy must be in (0, 1], lambda finite and >= 0, d >= 1; got "
                    + energy + ", " + lambda + ", " + d);
        }
        for (int i = 0; i < k; i++) {
            if (rows[i] < 1 || cols[i] < 1 || xs[i].length < (long) rows[i] * d || ys[i].length < (long) rows[i] * cols[i]) {
                throw new IllegalArgumentException("capacity: task " + i + " has " + xs[i].length + " input and "
                        + ys[i].length + " target values for " + rows[i] + " rows, d = " + d + ", " + cols[i]
                        + " target column(s)");
            }
            org.mtlalign.backend.cpu.CpuBackend.requireFinite("capacity: targets of task " + i, ys[i],
                    (long) rows[i] * cols[i]);
        }
        int total = 0;
        for (int c : cols) {
            total += c;
        }
        float[] w = new float[d * total];
        int off = 0;
        float[] g = new float[d * d];
        float[] ev = new float[d];
        float[] vec = new float[d * d];
        for (int i = 0; i < k; i++) {
            int c = cols[i];
            // Labels are centred below (an intercept model), so the inputs must be too: with an
            // uncentred Gram matrix an input offset leaks into W_i as a spurious direction.
            // (X^T y_c needs no change: it equals X_c^T y_c because y_c sums to zero.)
            backend.gram(xs[i], rows[i], d, true, g);
            CovarianceSimilarity.requireFiniteGram(g, xs[i], rows[i], d);
            backend.symmetricEigen(g, d, ev, vec);
            float[] xty = new float[d * c];
            float[] yc = centred(ys[i], rows[i], c);
            backend.gemm(true, false, d, c, rows[i], 1f, xs[i], 0, d, yc, 0, c, 0f, xty, 0, c);
            // W = V diag(1 / (w + lambda m)) V^T X^T y.
            float[] tmp = new float[d * c];
            backend.gemm(true, false, d, c, d, 1f, vec, 0, d, xty, 0, c, 0f, tmp, 0, c);
            double shift = lambda * rows[i];
            if (shift == 0 && !(ev[d - 1] > 0)) {
                throw new IllegalArgumentException("capacity: task " + i + "'s X^T X is singular (" + rows[i]
                        + " rows for d = " + d + ", or dependent columns); the ridge needs lambda > 0");
            }
            for (int a = 0; a < d; a++) {
                float f = (float) (1.0 / (Math.max(ev[a], 0f) + shift));
                for (int b = 0; b < c; b++) {
                    tmp[a * c + b] *= f;
                }
            }
            float[] wi = new float[d * c];
            backend.gemm(false, false, d, c, d, 1f, vec, 0, d, tmp, 0, c, 0f, wi, 0, c);
            double norm = 0;
            for (float v : wi) {
                norm += (double) v * v;
            }
            norm = Math.sqrt(norm);
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < c; b++) {
                    w[a * total + off + b] = norm > 0 ? (float) (wi[a * c + b] / norm) : 0f;
                }
            }
            off += c;
        }
        int p = Math.min(d, total);
        float[] u = new float[d * p];
        float[] s = new float[p];
        float[] v = new float[total * p];
        backend.svd(w, 1, d, total, u, s, v);
        double sum = 0;
        for (float x : s) {
            sum += (double) x * x;
        }
        int r = 0;
        double acc = 0;
        while (r < p && acc < energy * sum * (1 - 1e-12)) {
            acc += (double) s[r] * s[r];
            r++;
        }
        double[] sv = new double[p];
        for (int i = 0; i < p; i++) {
            sv[i] = s[i];
        }
        return new Suggestion(Math.max(1, r), Math.min(total, d), sv, energy);
    }

    static float[] centred(float[] y, int rows, int c) {
        float[] out = new float[rows * c];
        for (int j = 0; j < c; j++) {
            double mean = 0;
            for (int t = 0; t < rows; t++) {
                mean += y[t * c + j];
            }
            mean /= rows;
            for (int t = 0; t < rows; t++) {
                out[t * c + j] = (float) (y[t * c + j] - mean);
            }
        }
        return out;
    }
}
