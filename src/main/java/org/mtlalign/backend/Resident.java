package org.mtlalign.backend;

import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;

/**
 * Arrays kept where a backend computes, and the training step's operations on them: the
 * device-resident path. A training run uploads its parameters, optimiser state and every task's
 * data once, runs its steps on these handles, and reads back only what the host needs (the
 * losses every {@link #lossReadInterval()} steps, the parameters once per epoch).
 *
 * <p>On the CPU ({@link HostResident}) a handle wraps a {@code float[]} and every operation is
 * the backend's array method, so the CPU reference runs the same model code as the GPU. On CUDA
 * a handle is device memory and the operations are kernel launches on one stream that the host
 * waits for only in {@code download} and {@link #readLosses}.
 *
 * <p>The semantics of each operation are those of the {@link Backend} method of the same name;
 * offsets and leading dimensions are in elements. A session is used by one thread; closing it
 * releases every handle it made.
 */
public interface Resident extends AutoCloseable {

    /** A float array held by a session; what it holds is read back with {@link #download}. */
    interface Floats {
        int length();
    }

    /** An int array (row indices) held by a session. */
    interface Ints {
        int length();
    }

    /**
     * Slots for weighted mean losses written by {@link #lossAndGradient}: read back in bulk, so
     * a step on the GPU need not wait for its loss.
     */
    interface LossSlots {
        int capacity();
    }

    /** A new array of n zeros. */
    Floats floats(int n);

    /** A new int array of n zeros. */
    Ints ints(int n);

    /** A handle holding a copy of {@code src} (on the CPU it may be {@code src} itself). */
    Floats upload(float[] src);

    /** A handle holding a copy of {@code src} (on the CPU it may be {@code src} itself). */
    Ints upload(int[] src);

    /** Copies all of {@code src} into {@code dst} (nothing to do when dst wraps src). */
    void upload(float[] src, Floats dst);

    /** Copies all of {@code src} into {@code dst} (nothing to do when dst wraps src). */
    void upload(int[] src, Ints dst);

    /** Copies all of {@code src} into {@code dst}, waiting for the work queued before. */
    void download(Floats src, float[] dst);

    /** dst[dstOff .. dstOff + n) = src[srcOff .. srcOff + n) (the two must not overlap). */
    void copy(Floats src, int srcOff, Floats dst, int dstOff, int n);

    /** Sets every value of {@code a} to {@code value}. */
    void fill(Floats a, float value);

    /** See {@link Backend#gemm}. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              Floats a, int aOff, int lda, Floats b, int bOff, int ldb, float beta, Floats c, int cOff, int ldc);

    /** See {@link Backend#biasActivation}; bias may be null, out may be h. */
    void biasActivation(Activation g, Floats h, int rows, int cols, Floats bias, Floats out);

    /**
     * pre = h + bias, then out = g(pre): bitwise {@code biasActivation(IDENTITY, h, .., bias, pre)}
     * followed by {@code biasActivation(g, pre, .., null, out)}, in one pass where the backend
     * can. pre may be h; out may not be h or pre; bias may be null.
     */
    void biasActivationSplit(Activation g, Floats h, int rows, int cols, Floats bias, Floats pre, Floats out);

    /** See {@link Backend#activationBackward}; dPre may be dOut. */
    void activationBackward(Activation g, Floats pre, Floats dOut, Floats dPre, int n);

    /**
     * See {@link Backend#lossAndGradient}: the weighted mean loss goes to {@code slots[slot]}
     * instead of being returned. Softmax targets must be class indices in [0, outputs): the CPU
     * checks them on every call, the GPU cannot, so callers check their targets once on upload.
     */
    void lossAndGradient(Loss loss, Floats out, int rows, int outputs, Floats target, float weight, Floats grad,
                         LossSlots slots, int slot);

    /** See {@link Backend#columnSums}. */
    void columnSums(Floats a, int rows, int cols, Floats out, boolean accumulate);

    /**
     * Rows idx[from..from+count) of src (srcRows x cols) into dst (count x cols). The indices
     * must lie in [0, srcRows): checked on the CPU, not on the GPU, so callers upload only
     * indices they have checked.
     */
    void gatherRows(Floats src, int srcRows, int cols, Ints idx, int from, int count, Floats dst);

    /** See {@link Backend#sgdMomentum}. */
    void sgdMomentum(Floats p, Floats g, Floats v, int n, float lr, float momentum, float weightDecay);

    /** See {@link Backend#adam}. */
    void adam(Floats p, Floats g, Floats m, Floats v, int n, float lr, float beta1, float beta2, float eps,
              float weightDecay, int t);

    /** Room for {@code capacity} losses. */
    LossSlots lossSlots(int capacity);

    /** The losses of slots [0, count) into out, waiting for the work queued before. */
    void readLosses(LossSlots slots, int count, double[] out);

    /**
     * How many steps a training loop may run before reading its losses back: 1 where reading is
     * free (the CPU: a diverging step is then caught before its update, as always), more where
     * each read stalls the device.
     */
    int lossReadInterval();

    /** Releases every handle this session made. */
    @Override
    void close();
}
