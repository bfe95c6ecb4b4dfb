package org.mtlalign.backend.cpu;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import org.mtlalign.backend.Backend;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;
import org.netlib.util.intW;

/**
 * The CPU reference backend: matrix products and decompositions through dev.ludovic.netlib
 * (native OpenBLAS/LAPACK via JNI when the system has libblas.so.3/liblapack.so.3, pure Java
 * otherwise); elementwise work in plain loops. Row-major callers are mapped onto column-major
 * BLAS by transposition identities, never by copying.
 */
public final class CpuBackend implements Backend {
    private final BLAS blas = BLAS.getInstance();
    private final LAPACK lapack = LAPACK.getInstance();

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "cpu (BLAS: " + blas.getClass().getSimpleName() + ", LAPACK: "
                + lapack.getClass().getSimpleName() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores)";
    }

    /** True when BLAS runs natively (OpenBLAS through JNI) rather than on the Java fallback. */
    public boolean nativeBlas() {
        return blas.getClass().getSimpleName().startsWith("JNI");
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scaleBlock(c, cOff, ldc, m, n, beta);
            return;
        }
        // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T, and a row-major
        // matrix read as column-major is its transpose, so swapping the operands is enough.
        blas.sgemm(transB ? "T" : "N", transA ? "T" : "N", n, m, k, alpha,
                b, bOff, ldb, a, aOff, lda, beta, c, cOff, ldc);
    }

    private static void scaleBlock(float[] c, int off, int ld, int rows, int cols, float beta) {
        for (int i = 0; i < rows; i++) {
            int base = off + i * ld;
            for (int j = 0; j < cols; j++) {
                c[base + j] = beta == 0f ? 0f : beta * c[base + j];
            }
        }
    }

    @Override
    public void gram(float[] x, int m, int d, boolean center, float[] c) {
        float[] src = x;
        if (center) {
            // Centre a copy rather than subtract m*mu*mu^T afterwards: the subtraction cancels
            // badly in float32 when the means are large relative to the spread.
            double[] mean = new double[d];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    mean[j] += x[i * d + j];
                }
            }
            src = new float[m * d];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    src[i * d + j] = (float) (x[i * d + j] - mean[j] / m);
                }
            }
        }
        if (m == 0) {
            java.util.Arrays.fill(c, 0, d * d, 0f);
            return;
        }
        // Row-major X is column-major X^T (d x m); C = (X^T)(X^T)^T is a rank-m update: syrk
        // computes one triangle (column-major upper = row-major lower), we mirror it.
        blas.ssyrk("U", "N", d, m, 1f, src, 0, d, 0f, c, 0, d);
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                c[i * d + j] = c[j * d + i];
            }
        }
    }

    @Override
    public void biasActivation(Activation g, float[] h, int rows, int cols, float[] bias, float[] out) {
        for (int i = 0; i < rows; i++) {
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                float v = h[base + j] + (bias == null ? 0f : bias[j]);
                out[base + j] = (g == Activation.RELU && v < 0f) ? 0f : v;
            }
        }
    }

    @Override
    public void activationBackward(Activation g, float[] pre, float[] dOut, float[] dPre, int n) {
        if (g == Activation.IDENTITY) {
            if (dPre != dOut) {
                System.arraycopy(dOut, 0, dPre, 0, n);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            dPre[i] = pre[i] > 0f ? dOut[i] : 0f;
        }
    }

    @Override
    public double lossAndGradient(Loss loss, float[] out, int rows, int outputs, float[] target,
                                  float weight, float[] grad) {
        return LossKernels.lossAndGradient(loss, out, rows, outputs, target, weight, grad);
    }

    @Override
    public void columnSums(float[] a, int rows, int cols, float[] out, boolean accumulate) {
        if (!accumulate) {
            java.util.Arrays.fill(out, 0, cols, 0f);
        }
        for (int i = 0; i < rows; i++) {
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                out[j] += a[base + j];
            }
        }
    }

    @Override
    public void gatherRows(float[] src, int cols, int[] idx, int from, int count, float[] dst) {
        for (int i = 0; i < count; i++) {
            System.arraycopy(src, idx[from + i] * cols, dst, i * cols, cols);
        }
    }

    @Override
    public void sgdMomentum(float[] p, float[] g, float[] v, int n, float lr, float momentum, float weightDecay) {
        for (int i = 0; i < n; i++) {
            float vi = momentum * v[i] + g[i] + weightDecay * p[i];
            v[i] = vi;
            p[i] -= lr * vi;
        }
    }

    @Override
    public void adam(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2,
                     float eps, float weightDecay, int t) {
        // Bias corrections folded into the step size, as in the paper's Algorithm 1 form.
        double c1 = 1.0 - Math.pow(beta1, t);
        double c2 = 1.0 - Math.pow(beta2, t);
        float stepSize = (float) (lr * Math.sqrt(c2) / c1);
        float epsHat = (float) (eps * Math.sqrt(c2));
        for (int i = 0; i < n; i++) {
            float gi = g[i];
            float mi = beta1 * m[i] + (1f - beta1) * gi;
            float vi = beta2 * v[i] + (1f - beta2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= stepSize * mi / ((float) Math.sqrt(vi) + epsHat) + lr * weightDecay * p[i];
        }
    }

    @Override
    public void svd(float[] a, int batch, int m, int n, float[] u, float[] s, float[] v) {
        int p = Math.min(m, n);
        if (batch == 0 || p == 0) {
            return;
        }
        // A row-major m x n buffer is column-major A^T (n x m); LAPACK factors A^T = W S Z^T,
        // so A = Z S W^T: U_A = Z (whose column-major Z^T is row-major Z: written in place)
        // and V_A = W (column-major, transposed into row-major below).
        float[] work1 = new float[m * n];
        float[] w = new float[n * p];
        int[] iwork = new int[8 * p];
        intW info = new intW(0);
        float[] query = new float[1];
        lapack.sgesdd("S", n, m, work1, 0, n, s, 0, w, 0, n, u, 0, p, query, 0, -1, iwork, 0, info);
        float[] work = new float[Math.max(1, (int) query[0])];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(a, b * m * n, work1, 0, m * n);
            info.val = 0;
            lapack.sgesdd("S", n, m, work1, 0, n, s, b * p, w, 0, n, u, b * m * p, p,
                    work, 0, work.length, iwork, 0, info);
            if (info.val != 0) {
                throw new ArithmeticException("sgesdd failed on matrix " + b + " (info=" + info.val + ")");
            }
            int vOff = b * n * p;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < p; j++) {
                    v[vOff + i * p + j] = w[i + j * n];
                }
            }
            fixSigns(u, b * m * p, m, v, vOff, n, p);
        }
    }

    /** Makes the largest-magnitude entry (the first such) of each column of U positive. */
    static void fixSigns(float[] u, int uOff, int m, float[] v, int vOff, int n, int p) {
        for (int j = 0; j < p; j++) {
            int best = 0;
            float bestAbs = -1f;
            for (int i = 0; i < m; i++) {
                float x = Math.abs(u[uOff + i * p + j]);
                if (x > bestAbs) {
                    bestAbs = x;
                    best = i;
                }
            }
            if (u[uOff + best * p + j] < 0f) {
                for (int i = 0; i < m; i++) {
                    u[uOff + i * p + j] = -u[uOff + i * p + j];
                }
                for (int i = 0; i < n; i++) {
                    v[vOff + i * p + j] = -v[vOff + i * p + j];
                }
            }
        }
    }

    @Override
    public void symmetricEigen(float[] a, int n, float[] w, float[] vectors) {
        // Analyses need small eigenvalues resolved (the 99% rank rule), so factor in float64:
        // for the d of task embeddings the n^3 cost is negligible next to forming X^T X.
        double[] z = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                z[i * n + j] = a[i * n + j];
            }
        }
        double[] wd = new double[n];
        intW info = new intW(0);
        double[] q = new double[1];
        int[] iq = new int[1];
        // Row-major upper triangle = column-major lower triangle.
        lapack.dsyevd("V", "L", n, z, 0, n, wd, 0, q, 0, -1, iq, 0, -1, info);
        double[] work = new double[Math.max(1, (int) q[0])];
        int[] iwork = new int[Math.max(1, iq[0])];
        lapack.dsyevd("V", "L", n, z, 0, n, wd, 0, work, 0, work.length, iwork, 0, iwork.length, info);
        if (info.val != 0) {
            throw new ArithmeticException("dsyevd failed (info=" + info.val + ")");
        }
        // Column k of the column-major result is eigenvector k (ascending); reverse the order.
        for (int col = 0; col < n; col++) {
            int src = n - 1 - col;
            w[col] = (float) wd[src];
            for (int i = 0; i < n; i++) {
                vectors[i * n + col] = (float) z[i + src * n];
            }
        }
        fixSigns(vectors, 0, n, new float[0], 0, 0, n);
    }
}
