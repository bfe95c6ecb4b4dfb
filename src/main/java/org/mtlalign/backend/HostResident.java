package org.mtlalign.backend;

import java.util.Arrays;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;

/**
 * {@link Resident} on host arrays: every operation is the wrapped backend's array method, so
 * training through it is bitwise the array code it replaced.
 *
 * <p>By default uploads wrap the caller's arrays (no copies: the CPU's "device" is the heap).
 * With {@code copying}, every handle owns its own array and uploads and downloads copy, as they
 * do on a GPU: a training loop that forgets a transfer then computes on stale values, which is
 * how the tests find such mistakes without a GPU.
 */
public final class HostResident implements Resident {
    private final Backend backend;
    private final boolean copying;
    private boolean closed;

    public HostResident(Backend backend, boolean copying) {
        this.backend = backend;
        this.copying = copying;
    }

    static final class HostFloats implements Floats {
        private final float[] a;

        HostFloats(float[] a) {
            this.a = a;
        }

        @Override
        public int length() {
            return a.length;
        }
    }

    static final class HostInts implements Ints {
        private final int[] a;

        HostInts(int[] a) {
            this.a = a;
        }

        @Override
        public int length() {
            return a.length;
        }
    }

    static final class HostSlots implements LossSlots {
        private final double[] v;

        HostSlots(int n) {
            v = new double[n];
        }

        @Override
        public int capacity() {
            return v.length;
        }
    }

    /** Wraps {@code a} itself (never a copy), for array code that calls handle-based code. */
    public static Floats wrap(float[] a) {
        return new HostFloats(a);
    }

    private float[] f(Floats h) {
        live();
        if (!(h instanceof HostFloats)) {
            throw new IllegalArgumentException("not a host array handle: " + h);
        }
        return ((HostFloats) h).a;
    }

    private int[] i(Ints h) {
        live();
        if (!(h instanceof HostInts)) {
            throw new IllegalArgumentException("not a host index handle: " + h);
        }
        return ((HostInts) h).a;
    }

    private double[] s(LossSlots h) {
        live();
        if (!(h instanceof HostSlots)) {
            throw new IllegalArgumentException("not a host loss-slot handle: " + h);
        }
        return ((HostSlots) h).v;
    }

    /** A closed session refuses work, as a device session must (its buffers are reused). */
    private void live() {
        if (closed) {
            throw new IllegalStateException("the resident session is closed");
        }
    }

    @Override
    public Floats floats(int n) {
        live();
        return new HostFloats(new float[n]);
    }

    @Override
    public Ints ints(int n) {
        live();
        return new HostInts(new int[n]);
    }

    @Override
    public Floats upload(float[] src) {
        live();
        return new HostFloats(copying ? src.clone() : src);
    }

    @Override
    public Ints upload(int[] src) {
        live();
        return new HostInts(copying ? src.clone() : src);
    }

    @Override
    public void upload(float[] src, Floats dst) {
        copy(src, f(dst));
    }

    @Override
    public void upload(int[] src, Ints dst) {
        int[] d = i(dst);
        if (src.length != d.length) {
            throw new IllegalArgumentException("upload: " + src.length + " values into " + d.length);
        }
        if (src != d) {
            System.arraycopy(src, 0, d, 0, src.length);
        }
    }

    @Override
    public void download(Floats src, float[] dst) {
        copy(f(src), dst);
    }

    private static void copy(float[] src, float[] dst) {
        if (src.length != dst.length) {
            throw new IllegalArgumentException("copy: " + src.length + " values into " + dst.length);
        }
        if (src != dst) {
            System.arraycopy(src, 0, dst, 0, src.length);
        }
    }

    @Override
    public void copy(Floats src, int srcOff, Floats dst, int dstOff, int n) {
        System.arraycopy(f(src), srcOff, f(dst), dstOff, n);
    }

    @Override
    public void fill(Floats a, float value) {
        Arrays.fill(f(a), value);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Floats a, int aOff, int lda,
                     Floats b, int bOff, int ldb, float beta, Floats c, int cOff, int ldc) {
        backend.gemm(transA, transB, m, n, k, alpha, f(a), aOff, lda, f(b), bOff, ldb, beta, f(c), cOff, ldc);
    }

    @Override
    public void biasActivation(Activation g, Floats h, int rows, int cols, Floats bias, Floats out) {
        backend.biasActivation(g, f(h), rows, cols, bias == null ? null : f(bias), f(out));
    }

    @Override
    public void biasActivationSplit(Activation g, Floats h, int rows, int cols, Floats bias, Floats pre, Floats out) {
        if (out == h || out == pre) {
            throw new IllegalArgumentException("biasActivationSplit: out must not alias h or pre");
        }
        backend.biasActivation(Activation.IDENTITY, f(h), rows, cols, bias == null ? null : f(bias), f(pre));
        backend.biasActivation(g, f(pre), rows, cols, null, f(out));
    }

    @Override
    public void activationBackward(Activation g, Floats pre, Floats dOut, Floats dPre, int n) {
        backend.activationBackward(g, f(pre), f(dOut), f(dPre), n);
    }

    @Override
    public void lossAndGradient(Loss loss, Floats out, int rows, int outputs, Floats target, float weight,
                                Floats grad, LossSlots slots, int slot) {
        s(slots)[slot] = backend.lossAndGradient(loss, f(out), rows, outputs, f(target), weight, f(grad));
    }

    @Override
    public void columnSums(Floats a, int rows, int cols, Floats out, boolean accumulate) {
        backend.columnSums(f(a), rows, cols, f(out), accumulate);
    }

    @Override
    public void gatherRows(Floats src, int srcRows, int cols, Ints idx, int from, int count, Floats dst) {
        float[] s = f(src);
        int[] ix = i(idx);
        if (from < 0 || count < 0 || (long) from + count > ix.length || (long) srcRows * cols > s.length) {
            throw new IllegalArgumentException("gatherRows: idx[" + from + ", " + ((long) from + count) + ") of "
                    + ix.length + ", source " + srcRows + " x " + cols + " in " + s.length + " values");
        }
        for (int r = from; r < from + count; r++) {
            if (ix[r] < 0 || ix[r] >= srcRows) {
                throw new IndexOutOfBoundsException("gatherRows: idx[" + r + "] = " + ix[r] + " outside the "
                        + srcRows + " source rows");
            }
        }
        backend.gatherRows(s, cols, ix, from, count, f(dst));
    }

    @Override
    public void sgdMomentum(Floats p, Floats g, Floats v, int n, float lr, float momentum, float weightDecay) {
        backend.sgdMomentum(f(p), f(g), f(v), n, lr, momentum, weightDecay);
    }

    @Override
    public void adam(Floats p, Floats g, Floats m, Floats v, int n, float lr, float beta1, float beta2, float eps,
                     float weightDecay, int t) {
        backend.adam(f(p), f(g), f(m), f(v), n, lr, beta1, beta2, eps, weightDecay, t);
    }

    @Override
    public LossSlots lossSlots(int capacity) {
        live();
        return new HostSlots(capacity);
    }

    @Override
    public void readLosses(LossSlots slots, int count, double[] out) {
        System.arraycopy(s(slots), 0, out, 0, count);
    }

    @Override
    public int lossReadInterval() {
        // The copying mode stands in for a GPU: read in windows, as the GPU does.
        return copying ? 7 : 1;
    }

    @Override
    public void close() {
        closed = true;
    }
}
