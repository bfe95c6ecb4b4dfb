package org.mtlalign.backend;

import java.util.Arrays;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;

/**
 * Inputs and checks shared by the backend suites ({@code BackendContractTest} and
 * {@code CudaParityTest}): seeded random matrices of known structure, output buffers poisoned
 * with NaN and followed by a sentinel tail, and the orthonormality and sign-convention measures
 * of an SVD or eigen-decomposition.
 */
public final class TestMatrices {
    /** Written past the end of every output region; must survive the call unchanged. */
    public static final float SENTINEL = -7777.25f;
    /** Length of that tail. */
    public static final int TAIL = 3;

    private TestMatrices() {
    }

    public static float[] gaussians(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** A rows x cols Gaussian matrix at off with leading dimension ld, everything else pad, then a tail. */
    public static float[] strided(Random rnd, int rows, int cols, int off, int ld, float pad) {
        float[] x = new float[off + rows * ld + TAIL];
        Arrays.fill(x, pad);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                x[off + i * ld + j] = (float) rnd.nextGaussian();
            }
        }
        return x;
    }

    /** n NaN values (an output the call must overwrite) followed by a sentinel tail. */
    public static float[] poisoned(int n) {
        float[] x = new float[n + TAIL];
        Arrays.fill(x, 0, n, Float.NaN);
        Arrays.fill(x, n, n + TAIL, SENTINEL);
        return x;
    }

    /** A copy of data followed by a sentinel tail (buffers larger than the region in use). */
    public static float[] withTail(float[] data) {
        float[] x = Arrays.copyOf(data, data.length + TAIL);
        Arrays.fill(x, data.length, x.length, SENTINEL);
        return x;
    }

    /** The first index at or after {@code from} that no longer holds the sentinel, or -1. */
    public static int firstOverwrittenTail(float[] x, int from) {
        for (int i = from; i < x.length; i++) {
            if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(SENTINEL)) {
                return i;
            }
        }
        return -1;
    }

    /** An m x n matrix of rank r: the product of two Gaussian factors. */
    public static float[] lowRank(Random rnd, int m, int n, int r) {
        float[] l = gaussians(rnd, m * r);
        float[] rt = gaussians(rnd, r * n);
        float[] a = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double x = 0;
                for (int k = 0; k < r; k++) {
                    x += (double) l[i * r + k] * rt[k * n + j];
                }
                a[i * n + j] = (float) x;
            }
        }
        return a;
    }

    /**
     * Q1 diag(sv) Q2^T rounded to float32, with Q1 (m x p), Q2 (n x p) orthonormal columns; with
     * {@code symmetric}, Q2 = Q1 (sv are then eigenvalues) and the result is exactly symmetric.
     */
    public static float[] withSingularValues(Random rnd, int m, int n, double[] sv, boolean symmetric) {
        int p = sv.length;
        DMatrixRMaj q1 = randomOrthonormal(rnd, m, p);
        DMatrixRMaj q2 = symmetric ? q1 : randomOrthonormal(rnd, n, p);
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double x = 0;
                for (int k = 0; k < p; k++) {
                    x += q1.get(i, k) * sv[k] * q2.get(j, k);
                }
                out[i * n + j] = (float) x;
            }
        }
        if (symmetric) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < i; j++) {
                    out[i * n + j] = out[j * n + i];
                }
            }
        }
        return out;
    }

    /** A rows x cols matrix with orthonormal columns (EJML QR of a Gaussian matrix). */
    public static DMatrixRMaj randomOrthonormal(Random rnd, int rows, int cols) {
        DMatrixRMaj g = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < g.data.length; i++) {
            g.data[i] = rnd.nextGaussian();
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(rows, cols);
        if (!qr.decompose(g)) {
            throw new AssertionError("EJML QR failed");
        }
        return qr.getQ(null, true);
    }

    /** max |X^T X - I| over the first {@code cols} columns of X (rows x ld, row-major). */
    public static double orthonormalityError(float[] x, int off, int rows, int ld, int cols) {
        double worst = 0;
        for (int j = 0; j < cols; j++) {
            for (int l = j; l < cols; l++) {
                double dot = 0;
                for (int i = 0; i < rows; i++) {
                    dot += (double) x[off + i * ld + j] * x[off + i * ld + l];
                }
                worst = Math.max(worst, Math.abs(dot - (j == l ? 1 : 0)));
            }
        }
        return worst;
    }

    /** The row of the first entry of largest magnitude in column j (the sign convention's pivot). */
    public static int largestMagnitudeRow(float[] x, int off, int rows, int ld, int j) {
        int best = 0;
        for (int i = 1; i < rows; i++) {
            if (Math.abs(x[off + i * ld + j]) > Math.abs(x[off + best * ld + j])) {
                best = i;
            }
        }
        return best;
    }
}
