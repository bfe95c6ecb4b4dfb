package org.mtlalign.backend;

import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;

/**
 * The numerical operations that training and analysis need, in float32 and row-major layout.
 *
 * <p>This is the seam between the model/analysis code and the hardware: the CPU reference
 * ({@code backend.cpu}) implements it with BLAS/LAPACK, the CUDA backend with our own kernels.
 * Arrays are explicit {@code float[]} with offsets and leading dimensions so that callers can
 * preallocate every buffer and a training step allocates nothing. A matrix with leading
 * dimension {@code ld} stores element (i, j) at {@code off + i * ld + j}.
 *
 * <p>Every operation checks its arguments against each other before it computes, and refuses
 * a negative size or offset, a leading dimension below the columns, or an array (null or) too
 * short for the sizes with an {@link IllegalArgumentException} whose message names the operation
 * and the argument ("gemm A: ...", see {@link ArrayChecks}); a softmax target that is not a class
 * index, or a gathered row outside the source ({@link IndexOutOfBoundsException}), likewise.
 * Arrays may be longer than the region a call uses.
 */
public interface Backend extends AutoCloseable {

    /** Short name: "cpu" or "cuda". */
    String name();

    /** One line for humans and provenance: implementation, library, device. */
    String description();

    /**
     * C = alpha * op(A) * op(B) + beta * C where op(A) is m x k and op(B) is k x n.
     * With {@code transA}, A is stored k x m (so op(A) = A^T); likewise for B.
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc);

    /**
     * The Gram matrix C = X^T X (d x d, both triangles filled) of X (m x d, dense row-major).
     * With {@code center}, the column means are removed first (X^T X - m mu mu^T), computed in
     * float64 for the correction so that large means do not cancel catastrophically.
     */
    void gram(float[] x, int m, int d, boolean center, float[] c);

    /** out[i, j] = g(h[i, j] + bias[j]) for an rows x cols block; bias may be null. out may be h. */
    void biasActivation(Activation g, float[] h, int rows, int cols, float[] bias, float[] out);

    /**
     * dPre = dOut * g'(pre) elementwise over n values (the ReLU mask uses the pre-activation).
     * dPre may alias dOut.
     */
    void activationBackward(Activation g, float[] pre, float[] dOut, float[] dPre, int n);

    /**
     * Mean loss over {@code rows} rows of the outputs {@code out} (rows x outputs), times
     * {@code weight}; writes d(weight * mean loss)/d(out) into {@code grad} (rows x outputs).
     * Targets as described in {@link Loss}. Returns the weighted mean loss.
     */
    double lossAndGradient(Loss loss, float[] out, int rows, int outputs, float[] target,
                           float weight, float[] grad);

    /** out[j] (+)= sum_i a[i, j] over an rows x cols block; {@code accumulate} adds to out. */
    void columnSums(float[] a, int rows, int cols, float[] out, boolean accumulate);

    /** Gathers rows idx[from..from+count) of src (? x cols) into dst (count x cols). */
    void gatherRows(float[] src, int cols, int[] idx, int from, int count, float[] dst);

    /** Heavy-ball SGD: v = mu v + (g + wd p); p -= lr v. */
    void sgdMomentum(float[] p, float[] g, float[] v, int n, float lr, float momentum, float weightDecay);

    /** Adam (Kingma and Ba) with bias correction at step t >= 1; weight decay decoupled (AdamW). */
    void adam(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2,
              float eps, float weightDecay, int t);

    /**
     * Thin SVD of {@code batch} matrices, each m x n row-major in a (batch * m * n values).
     * With p = min(m, n): u gets batch * m * p, s gets batch * p (descending), v gets
     * batch * n * p (V itself, not V^T), so A = U diag(S) V^T. Signs are fixed so that in each
     * column of U the entry of largest magnitude (the first such) is positive. A NaN or
     * infinity in a is refused with an IllegalArgumentException.
     */
    void svd(float[] a, int batch, int m, int n, float[] u, float[] s, float[] v);

    /**
     * Eigen-decomposition of a symmetric n x n matrix (only the upper triangle is read):
     * eigenvalues descending into w (n), eigenvectors as columns of vectors (n x n row-major),
     * with the same sign convention as {@link #svd}; a NaN or infinity in the upper triangle is
     * refused with an IllegalArgumentException.
     */
    void symmetricEigen(float[] a, int n, float[] w, float[] vectors);

    /**
     * A new session of arrays kept where this backend computes, for a training run (see
     * {@link Resident}). The default runs on host arrays through this backend's array methods.
     */
    default Resident resident() {
        return new HostResident(this, false);
    }

    /**
     * How many independent computations (trainings, analyses) may use this backend at once to
     * good effect; 1 when calls must come from one thread at a time (CUDA: one context, one stream).
     */
    default int concurrency() {
        return 1;
    }

    /**
     * Runs {@code task.accept(i)} for i in 0..n-1. The tasks must be independent of each other
     * (no shared mutable state); a backend with {@link #concurrency()} above 1 may run them in
     * parallel, and may do so from inside another such task. Any exception of a task is rethrown.
     */
    default void forEachIndependent(int n, java.util.function.IntConsumer task) {
        for (int i = 0; i < n; i++) {
            task.accept(i);
        }
    }

    @Override
    default void close() {
    }
}
