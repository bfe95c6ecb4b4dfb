package org.mtlalign.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import org.mtlalign.backend.Resident;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;

/**
 * {@link Resident} on the GPU: every handle is a pooled device buffer and every operation a
 * launch of the same typed launchers {@link CudaBackend} uses, queued on its one stream without
 * waiting. The host waits only in {@code download} and {@link #readLosses}; uploads of new
 * handles wait too (a training run makes them at its start), while re-uploads of index arrays
 * (a task's row order after a reshuffle) are queued from a pinned buffer of their own.
 *
 * <p>Loss slots hold the raw float64 sum of the loss kernels' partials (reduce_partials writes
 * straight into the slot); the weight and row count of each slot stay on the host and
 * {@link #readLosses} applies them as {@code CudaBackend.lossAndGradient} does, so both paths
 * give the same value for the same sum.
 *
 * <p>Closing the session returns every buffer it took to the backend's pool (after the stream
 * has drained, so no queued kernel still uses them).
 */
final class CudaResident implements Resident {
    private static final int INTERVAL = 32;
    private final CudaBackend be;
    private final CudaKernels kernels;
    private final List<DeviceBuffer> owned = new ArrayList<>();
    private final List<CudaBackend.Pinned> pinned = new ArrayList<>();
    private DeviceBuffer partial;
    private boolean closed;

    CudaResident(CudaBackend be) {
        this.be = be;
        this.kernels = be.kernels();
    }

    static final class DeviceFloats implements Floats {
        final DeviceBuffer buf;
        final int n;

        DeviceFloats(DeviceBuffer buf, int n) {
            this.buf = buf;
            this.n = n;
        }

        @Override
        public int length() {
            return n;
        }
    }

    static final class DeviceInts implements Ints {
        final DeviceBuffer buf;
        final int n;
        /** For re-uploads that do not stall the stream (row orders after a reshuffle). */
        CudaBackend.Pinned staging;
        boolean stagingUnavailable;

        DeviceInts(DeviceBuffer buf, int n) {
            this.buf = buf;
            this.n = n;
        }

        @Override
        public int length() {
            return n;
        }
    }

    static final class DeviceSlots implements LossSlots {
        final DeviceBuffer buf;
        final double[] weight;
        final int[] rows;
        final double[] raw;

        DeviceSlots(DeviceBuffer buf, int n) {
            this.buf = buf;
            weight = new double[n];
            rows = new int[n];
            raw = new double[n];
        }

        @Override
        public int capacity() {
            return weight.length;
        }
    }

    private DeviceBuffer take(long bytes) {
        live();
        DeviceBuffer b = be.acquire(Math.max(4, bytes));
        owned.add(b);
        return b;
    }

    /** Refuses work after close: the handles' buffers are back in the pool, owned by others. */
    private void live() {
        if (closed) {
            throw new IllegalStateException("the resident session is closed");
        }
    }

    private DeviceFloats f(Floats h, long need, String what) {
        live();
        if (!(h instanceof DeviceFloats)) {
            throw new IllegalArgumentException(what + ": not a device array handle: " + h);
        }
        DeviceFloats d = (DeviceFloats) h;
        if (need > d.n) {
            throw new IllegalArgumentException(what + ": needs " + need + " values, the device array has " + d.n);
        }
        return d;
    }

    private static long span(int rows, int cols, int ld, int off) {
        if (off < 0 || ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("offset " + off + " or leading dimension " + ld + " < columns " + cols);
        }
        return rows == 0 || cols == 0 ? 0 : off + (long) (rows - 1) * ld + cols;
    }

    @Override
    public Floats floats(int n) {
        synchronized (be) {
            DeviceFloats h = new DeviceFloats(take(4L * n), n);
            be.fill(h.buf, n, 0f);
            return h;
        }
    }

    @Override
    public Ints ints(int n) {
        synchronized (be) {
            DeviceInts h = new DeviceInts(take(4L * n), n);
            be.fill(h.buf, n, 0f);  // the bits of 0f are the bits of int 0
            return h;
        }
    }

    @Override
    public Floats upload(float[] src) {
        synchronized (be) {
            DeviceFloats h = new DeviceFloats(take(4L * src.length), src.length);
            be.copyToDevice(src, h.buf);
            return h;
        }
    }

    @Override
    public Ints upload(int[] src) {
        synchronized (be) {
            DeviceInts h = new DeviceInts(take(4L * src.length), src.length);
            be.copyToDevice(src, h.buf);
            return h;
        }
    }

    @Override
    public void upload(float[] src, Floats dst) {
        DeviceFloats d = f(dst, src.length, "upload");
        if (d.n != src.length) {
            throw new IllegalArgumentException("upload: " + src.length + " values into " + d.n);
        }
        be.copyToDevice(src, d.buf);
    }

    @Override
    public void upload(int[] src, Ints dst) {
        live();
        if (!(dst instanceof DeviceInts) || ((DeviceInts) dst).n != src.length) {
            throw new IllegalArgumentException("upload: " + src.length + " indices into " + dst);
        }
        DeviceInts d = (DeviceInts) dst;
        if (src.length == 0) {
            return;
        }
        synchronized (be) {
            // A training run re-uploads a task's row order at every reshuffle, which for a task of
            // a few batches is every few steps: through the handle's own pinned buffer the copy
            // is queued like a launch, and only a refill waits, for that buffer's previous copy.
            if (d.staging == null && !d.stagingUnavailable) {
                d.staging = be.pinned(4L * d.n);
                d.stagingUnavailable = d.staging == null;
                if (d.staging != null) {
                    pinned.add(d.staging);
                }
            }
            if (d.staging == null) {
                be.copyToDevice(src, d.buf);
                return;
            }
            be.awaitCopied(d.staging);
            d.staging.buffer.clear();
            d.staging.buffer.asIntBuffer().put(src, 0, src.length);
            be.copyToDeviceAsync(d.staging, d.buf, 4L * src.length);
        }
    }

    @Override
    public void download(Floats src, float[] dst) {
        DeviceFloats s = f(src, dst.length, "download");
        if (s.n != dst.length) {
            throw new IllegalArgumentException("download: " + s.n + " values into " + dst.length);
        }
        be.copyToHost(s.buf, dst);
    }

    @Override
    public void copy(Floats src, int srcOff, Floats dst, int dstOff, int n) {
        if (srcOff < 0 || dstOff < 0 || n < 0) {
            throw new IllegalArgumentException("copy: offsets " + srcOff + ", " + dstOff + ", count " + n);
        }
        DeviceFloats s = f(src, (long) srcOff + n, "copy source");
        DeviceFloats d = f(dst, (long) dstOff + n, "copy destination");
        be.copyOnDevice(s.buf, (long) srcOff, d.buf, (long) dstOff, n);
    }

    @Override
    public void fill(Floats a, float value) {
        DeviceFloats d = f(a, 0, "fill");
        be.fill(d.buf, d.n, value);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Floats a, int aOff, int lda,
                     Floats b, int bOff, int ldb, float beta, Floats c, int cOff, int ldc) {
        live();
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;  // as CudaBackend.gemm: nothing to write, nothing to check
        }
        DeviceFloats da = f(a, k == 0 ? 0 : span(transA ? k : m, transA ? m : k, lda, aOff), "gemm A");
        DeviceFloats db = f(b, k == 0 ? 0 : span(transB ? n : k, transB ? k : n, ldb, bOff), "gemm B");
        DeviceFloats dc = f(c, span(m, n, ldc, cOff), "gemm C");
        synchronized (be) {
            be.enter();
            kernels.sgemm(transA, transB, m, n, k, alpha, da.buf, aOff, lda, db.buf, bOff, ldb, beta, dc.buf, cOff, ldc);
        }
    }

    @Override
    public void biasActivation(Activation g, Floats h, int rows, int cols, Floats bias, Floats out) {
        long n = (long) rows * cols;
        DeviceFloats dh = f(h, n, "biasActivation h");
        DeviceFloats dout = f(out, n, "biasActivation out");
        DeviceFloats db = bias == null ? null : f(bias, cols, "biasActivation bias");
        // No shortcut for the identity without bias in place: the kernel, like the twin,
        // computes h + 0, which turns -0 into +0.
        synchronized (be) {
            be.enter();
            kernels.biasActivation(g == Activation.RELU, dh.buf, 0, rows, cols, db == null ? null : db.buf, 0,
                    dout.buf, 0);
        }
    }

    @Override
    public void biasActivationSplit(Activation g, Floats h, int rows, int cols, Floats bias, Floats pre, Floats out) {
        long n = (long) rows * cols;
        DeviceFloats dh = f(h, n, "biasActivationSplit h");
        DeviceFloats dp = f(pre, n, "biasActivationSplit pre");
        DeviceFloats dout = f(out, n, "biasActivationSplit out");
        DeviceFloats db = bias == null ? null : f(bias, cols, "biasActivationSplit bias");
        synchronized (be) {
            be.enter();
            kernels.biasActivationSplit(g == Activation.RELU, dh.buf, rows, cols, db == null ? null : db.buf, dp.buf,
                    dout.buf);
        }
    }

    @Override
    public void activationBackward(Activation g, Floats pre, Floats dOut, Floats dPre, int n) {
        DeviceFloats dp = f(pre, n, "activationBackward pre");
        DeviceFloats dd = f(dOut, n, "activationBackward dOut");
        DeviceFloats dr = f(dPre, n, "activationBackward dPre");
        if (g == Activation.IDENTITY) {
            if (dPre != dOut) {
                be.copyOnDevice(dd.buf, 0, dr.buf, 0, n);
            }
            return;
        }
        synchronized (be) {
            be.enter();
            kernels.reluBackward(dp.buf, 0, dd.buf, 0, dr.buf, 0, n);
        }
    }

    @Override
    public void lossAndGradient(Loss loss, Floats out, int rows, int outputs, Floats target, float weight,
                                Floats grad, LossSlots slots, int slot) {
        live();
        if (!(slots instanceof DeviceSlots) || slot < 0 || slot >= slots.capacity() || rows < 0 || outputs < 0) {
            throw new IllegalArgumentException("lossAndGradient: slot " + slot + " of " + slots + ", " + rows + " x "
                    + outputs);
        }
        DeviceSlots ds = (DeviceSlots) slots;
        long n = loss == Loss.LOGISTIC ? rows : (long) rows * outputs;
        DeviceFloats dOut = f(out, n, "lossAndGradient out");
        DeviceFloats dT = f(target, loss == Loss.SQUARED ? n : rows, "lossAndGradient target");
        DeviceFloats dG = f(grad, n, "lossAndGradient grad");
        ds.weight[slot] = weight;
        ds.rows[slot] = rows;
        if (rows == 0) {
            return;
        }
        float scale = weight / rows;
        int blocks = CudaKernels.lossBlocks(loss == Loss.SQUARED ? n : rows);
        synchronized (be) {
            be.enter();
            if (partial == null) {
                partial = take((long) CudaKernels.MAX_LOSS_BLOCKS * CudaKernels.F64);
            }
            switch (loss) {
                case SQUARED:
                    kernels.lossSquared(dOut.buf, dT.buf, dG.buf, n, scale, partial);
                    break;
                case LOGISTIC:
                    kernels.lossLogistic(dOut.buf, dT.buf, dG.buf, rows, scale, partial);
                    break;
                case SOFTMAX:
                    kernels.lossSoftmax(dOut.buf, dT.buf, dG.buf, rows, outputs, scale, partial);
                    break;
                default:
                    throw new IllegalArgumentException(String.valueOf(loss));
            }
            kernels.reducePartials(partial, blocks, ds.buf, slot);
        }
    }

    @Override
    public void columnSums(Floats a, int rows, int cols, Floats out, boolean accumulate) {
        DeviceFloats da = f(a, (long) rows * cols, "columnSums a");
        DeviceFloats dout = f(out, cols, "columnSums out");
        synchronized (be) {
            be.enter();
            kernels.columnSums(da.buf, rows, cols, dout.buf, accumulate);
        }
    }

    @Override
    public void gatherRows(Floats src, int srcRows, int cols, Ints idx, int from, int count, Floats dst) {
        DeviceFloats ds = f(src, (long) srcRows * cols, "gatherRows src");
        DeviceFloats dd = f(dst, (long) count * cols, "gatherRows dst");
        if (!(idx instanceof DeviceInts) || from < 0 || count < 0 || (long) from + count > idx.length()) {
            throw new IllegalArgumentException("gatherRows: idx[" + from + ", " + ((long) from + count) + ") of " + idx);
        }
        synchronized (be) {
            be.enter();
            kernels.gatherRows(ds.buf, srcRows, cols, ((DeviceInts) idx).buf, from, count, dd.buf);
        }
    }

    @Override
    public void sgdMomentum(Floats p, Floats g, Floats v, int n, float lr, float momentum, float weightDecay) {
        DeviceFloats dp = f(p, n, "sgd p");
        DeviceFloats dg = f(g, n, "sgd g");
        DeviceFloats dv = f(v, n, "sgd v");
        synchronized (be) {
            be.enter();
            kernels.sgdMomentum(dp.buf, dg.buf, dv.buf, n, lr, momentum, weightDecay);
        }
    }

    @Override
    public void adam(Floats p, Floats g, Floats m, Floats v, int n, float lr, float beta1, float beta2, float eps,
                     float weightDecay, int t) {
        if (t < 1) {
            throw new IllegalArgumentException("adam: step " + t + " (need t >= 1)");
        }
        DeviceFloats dp = f(p, n, "adam p");
        DeviceFloats dg = f(g, n, "adam g");
        DeviceFloats dm = f(m, n, "adam m");
        DeviceFloats dv = f(v, n, "adam v");
        float[] folds = CudaBackend.adamFolds(lr, beta1, beta2, eps, t);
        synchronized (be) {
            be.enter();
            kernels.adam(dp.buf, dg.buf, dm.buf, dv.buf, n, lr, beta1, beta2, folds[0], folds[1], weightDecay);
        }
    }

    @Override
    public LossSlots lossSlots(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("lossSlots: capacity " + capacity);
        }
        synchronized (be) {
            return new DeviceSlots(take((long) Math.max(1, capacity) * CudaKernels.F64), capacity);
        }
    }

    @Override
    public void readLosses(LossSlots slots, int count, double[] out) {
        if (!(slots instanceof DeviceSlots) || count < 0 || count > slots.capacity()) {
            throw new IllegalArgumentException("readLosses: " + count + " of " + slots);
        }
        live();
        if (count == 0) {
            return;  // a zero-byte copy has no staging region
        }
        DeviceSlots ds = (DeviceSlots) slots;
        be.copyToHost(ds.buf, ds.raw, count);
        for (int i = 0; i < count; i++) {
            out[i] = ds.rows[i] == 0 ? 0.0 : ds.weight[i] * ds.raw[i] / ds.rows[i];
        }
    }

    @Override
    public int lossReadInterval() {
        return INTERVAL;
    }

    @Override
    public void close() {
        synchronized (be) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                be.enter();
                jcuda.driver.JCudaDriver.cuCtxSynchronize();
            } catch (IllegalStateException backendClosed) {
                owned.clear();  // its pool has freed the memory already
                pinned.clear();
                return;
            } finally {
                for (DeviceBuffer b : owned) {
                    b.close();
                }
                owned.clear();
                for (CudaBackend.Pinned p : pinned) {
                    be.free(p);
                }
                pinned.clear();
            }
        }
    }
}
