package org.mtlalign.backend.cuda;

import static org.mtlalign.backend.ArrayChecks.need;

import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import org.mtlalign.backend.ArrayChecks;
import org.mtlalign.backend.Backend;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;

/**
 * The CUDA backend: our own kernels (native/*.cu, one fatbin per family, loaded from the
 * classpath) launched through JCuda's driver API.
 *
 * <p>Each call makes the device's primary context current (cuDevicePrimaryCtxRetain once,
 * cuCtxSetCurrent on entry whenever the thread's current context may be another, so any
 * thread may call), copies its inputs to pooled device
 * buffers through pinned staging memory, launches the kernels on one stream, copies the outputs
 * back and synchronises once. Repeated calls of the same shapes allocate nothing new (device
 * buffers are pooled by size class, the pinned arena only grows). Calls are serialised
 * (synchronized); the backend is not meant to be shared by concurrent trainers.
 *
 * <p>The {@link Backend} methods take host {@code float[]} arrays, so every call pays its
 * transfers; analyses and validation use them. Training runs on {@link #resident()} sessions
 * ({@link CudaResident}): parameters and data stay on the device and the steps launch the typed
 * launchers of {@link CudaKernels} without waiting.
 *
 * <p>Debugging: {@code -Dmtlalign.cuda.debug=true} or {@code MTL_CUDA_DEBUG=1} synchronises
 * and checks after every launch, so an error names the failing kernel.
 *
 * <p>CPU twins: every kernel reproduces {@code CpuBackend}'s semantics (CudaParityTest checks
 * them side by side). Limits: an SVD with min(m, n) above {@link #maxJacobiN()} or an eigen
 * problem above the same n is handed to the CPU twin (one-block Jacobi is not meant for it).
 */
public final class CudaBackend implements Backend {
    /**
     * Default of {@link #maxJacobiN()}. One thread block factors one matrix, so a single large
     * matrix uses one SM of the GPU; 1024 is a guess that a device timing should replace
     * (benchmarks/gpu/device-check.sh measures both sides).
     */
    public static final int MAX_JACOBI_N = 1024;
    /** System property that overrides {@link #MAX_JACOBI_N} (for tuning on a device). */
    public static final String MAX_JACOBI_N_PROPERTY = "mtlalign.cuda.maxJacobiN";

    /** Largest min(m, n) (svd) or n (symmetricEigen) done on the GPU; larger goes to the CPU. */
    public static int maxJacobiN() {
        return Integer.getInteger(MAX_JACOBI_N_PROPERTY, MAX_JACOBI_N);
    }

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    /** The context this library last made current on each thread. */
    private static final ThreadLocal<CUcontext> CURRENT = new ThreadLocal<>();
    // The device of the context current on this thread (set with CURRENT), for Cu's lost contexts.
    private static final ThreadLocal<Integer> CURRENT_ORDINAL = ThreadLocal.withInitial(() -> -1);
    // Open backends per device: the primary context is released (and a lost one forgotten) at 0.
    private static final java.util.Map<Integer, Integer> OPEN = new java.util.HashMap<>();

    /** The device ordinal of the context this thread last made current through a backend, or -1. */
    static int currentOrdinal() {
        return CURRENT_ORDINAL.get();
    }

    private int ordinal = -1;
    private final CUstream stream = new CUstream();
    private final boolean debug;
    private final String deviceName;
    private CudaKernels kernels;
    private DevicePool pool;
    private PinnedStaging staging;
    private org.mtlalign.backend.cpu.CpuBackend cpuTwin;
    private boolean contextRetained;
    private boolean streamCreated;
    private boolean closed;

    /** The device of {@code -Dmtlalign.cuda.device} (default 0). */
    public CudaBackend() {
        this(CudaProbe.deviceOrdinal());
    }

    public CudaBackend(int ordinal) {
        String why = CudaProbe.unavailableReason();
        if (why != null) {
            throw new IllegalStateException("the CUDA backend is unavailable: " + why);
        }
        debug = Boolean.getBoolean("mtlalign.cuda.debug") || "1".equals(System.getenv("MTL_CUDA_DEBUG"))
                || "true".equalsIgnoreCase(System.getenv("MTL_CUDA_DEBUG"));
        deviceName = CudaProbe.deviceDescription();
        JCudaDriver.setExceptionsEnabled(false);
        try {
            Cu.check(JCudaDriver.cuInit(0), "cuInit");
            Cu.check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
            Cu.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
            contextRetained = true;
            this.ordinal = ordinal;
            synchronized (OPEN) {
                OPEN.merge(ordinal, 1, Integer::sum);
            }
            Cu.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            CURRENT.set(context);
            CURRENT_ORDINAL.set(ordinal);
            Cu.check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            streamCreated = true;
            pool = new DevicePool(() -> deviceName);
            staging = new PinnedStaging();
            kernels = new CudaKernels(stream, debug);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        String build = CudaProbe.kernelsBuildInfo();
        return "cuda (" + deviceName + "; JCuda 12.6.0 driver API; kernels " + (build == null ? "?" : build)
                + (debug ? "; debug checks on" : "") + ")";
    }

    /** cuMemAlloc calls so far: repeating a call with the same shapes must not increase it. */
    public synchronized long deviceAllocations() {
        return pool.allocations();
    }

    /** cuMemAllocHost calls so far (the staging arena only grows). */
    public synchronized long pinnedAllocations() {
        return staging.allocations();
    }

    /** Device bytes held by the buffer pool (in use or idle). */
    public synchronized long deviceBytesHeld() {
        return pool.bytesHeld();
    }

    /**
     * A pooled device buffer of at least {@code bytes} (the context is made current); closing it
     * returns it to the pool. For device-resident callers; out of memory names the bytes asked.
     */
    synchronized DeviceBuffer acquire(long bytes) {
        enter();
        return pool.acquire(bytes);
    }

    /** The typed launchers, for device-resident callers (context must be current). */
    CudaKernels kernels() {
        return kernels;
    }

    /** A session whose arrays live on this device (see {@link CudaResident}). */
    @Override
    public org.mtlalign.backend.Resident resident() {
        return new CudaResident(this);
    }

    /** Copies src into the start of d and waits (resident uploads are rare: start, reshuffles). */
    synchronized void copyToDevice(float[] src, DeviceBuffer d) {
        enter();
        try (Call call = new Call("upload")) {
            call.uploadInto(d, src, 0, src.length);
            call.finish();
        }
    }

    synchronized void copyToDevice(int[] src, DeviceBuffer d) {
        enter();
        try (Call call = new Call("upload")) {
            call.uploadInto(d, src, 0, src.length);
            call.finish();
        }
    }

    /**
     * Page-locked host memory with an event, for uploads the stream should not wait for: the
     * caller fills {@link #buffer}, queues the copy with {@link #copyToDeviceAsync} and, before
     * refilling, waits with {@link #awaitCopied} (normally long done by then).
     */
    static final class Pinned {
        final jcuda.Pointer host;
        final java.nio.ByteBuffer buffer;
        final jcuda.driver.CUevent copied = new jcuda.driver.CUevent();
        boolean pending;
        boolean freed;

        Pinned(jcuda.Pointer host, java.nio.ByteBuffer buffer) {
            this.host = host;
            this.buffer = buffer;
        }
    }

    /** A pinned buffer of bytes (> 0), or null where JCuda gives page-locked memory no view. */
    synchronized Pinned pinned(long bytes) {
        enter();
        jcuda.Pointer p = new jcuda.Pointer();
        Cu.check(JCudaDriver.cuMemAllocHost(p, bytes), "cuMemAllocHost(" + bytes + " bytes)");
        java.nio.ByteBuffer view = p.getByteBuffer(0, bytes);
        if (view == null) {
            JCudaDriver.cuMemFreeHost(p);
            return null;
        }
        Pinned pin = new Pinned(p, view.order(java.nio.ByteOrder.nativeOrder()));
        int r = JCudaDriver.cuEventCreate(pin.copied, jcuda.driver.CUevent_flags.CU_EVENT_DISABLE_TIMING);
        if (r != 0) {
            JCudaDriver.cuMemFreeHost(p);
            Cu.check(r, "cuEventCreate");
        }
        livePinned.add(pin);
        return pin;
    }

    /** Waits until the last copy queued from p has run, so that p may be refilled. */
    synchronized void awaitCopied(Pinned p) {
        if (p.pending) {
            enter();
            Cu.check(JCudaDriver.cuEventSynchronize(p.copied), "upload (waiting for the previous copy)");
            p.pending = false;
        }
    }

    /** Queues the copy of bytes from p to the start of d, and p's event after it. */
    synchronized void copyToDeviceAsync(Pinned p, DeviceBuffer d, long bytes) {
        enter();
        Cu.check(JCudaDriver.cuMemcpyHtoDAsync(d.at(0), p.host, bytes, stream), "upload");
        Cu.check(JCudaDriver.cuEventRecord(p.copied, stream), "cuEventRecord");
        p.pending = true;
    }

    /** Frees p (the stream must have drained: its copy may not be in flight). */
    synchronized void free(Pinned p) {
        if (!p.freed && !closed) {
            p.freed = true;
            livePinned.remove(p);
            enter();
            JCudaDriver.cuEventDestroy(p.copied);
            JCudaDriver.cuMemFreeHost(p.host);
        }
    }

    // Pinned blocks not yet freed: close() frees them, so a session left open when its backend
    // is closed does not keep page-locked host memory (a limited resource) for the process's life.
    private final java.util.Set<Pinned> livePinned = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    /** Waits for the queued work, then copies dst.length floats from the start of d. */
    synchronized void copyToHost(DeviceBuffer d, float[] dst) {
        enter();
        try (Call call = new Call("download")) {
            call.download(d, dst, 0, dst.length);
            call.finish();
        }
    }

    /** Waits for the queued work, then copies count doubles from the start of d. */
    synchronized void copyToHost(DeviceBuffer d, double[] dst, int count) {
        enter();
        try (Call call = new Call("download")) {
            call.download(d, dst, count);
            call.finish();
        }
    }

    /** Queues n copies of value into the start of d. */
    synchronized void fill(DeviceBuffer d, long n, float value) {
        enter();
        if (n > 0) {
            Cu.check(JCudaDriver.cuMemsetD32Async(d.at(0), Float.floatToRawIntBits(value), n, stream), "fill");
        }
    }

    /** Queues a copy of n floats from src (element offset srcOff) to dst (element offset dstOff). */
    synchronized void copyOnDevice(DeviceBuffer src, long srcOff, DeviceBuffer dst, long dstOff, long n) {
        enter();
        if (n > 0) {
            CudaKernels.vec("device copy source", src, srcOff, n, CudaKernels.F32);
            CudaKernels.vec("device copy destination", dst, dstOff, n, CudaKernels.F32);
            Cu.check(JCudaDriver.cuMemcpyDtoDAsync(dst.at(dstOff * 4), src.at(srcOff * 4), n * 4, stream),
                    "device copy");
        }
    }

    /** Adam's bias corrections folded as the twin folds them: {stepSize, epsHat}. */
    static float[] adamFolds(float lr, float beta1, float beta2, float eps, int t) {
        double c1 = 1.0 - Math.pow(beta1, t);
        double c2 = 1.0 - Math.pow(beta2, t);
        return new float[] {(float) (lr * Math.sqrt(c2) / c1), (float) (eps * Math.sqrt(c2))};
    }

    // ------------------------------------------------------------------------------------------
    // Backend
    // ------------------------------------------------------------------------------------------

    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                  float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                  float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;
        }
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        long aSpan = k == 0 ? 0 : ArrayChecks.span("gemm A", a, aOff, aRows, aCols, lda);
        long bSpan = k == 0 ? 0 : ArrayChecks.span("gemm B", b, bOff, bRows, bCols, ldb);
        long cSpan = ArrayChecks.span("gemm C", c, cOff, m, n, ldc);
        enter();
        try (Call call = new Call("gemm")) {
            DeviceBuffer da = k == 0 ? null : call.upload(a, aOff, aSpan);
            DeviceBuffer db = k == 0 ? null : call.upload(b, bOff, bSpan);
            // With beta == 0 C is not read; when it is also dense there is nothing to preserve.
            // Otherwise the whole span goes up so that the padding between rows comes back intact.
            DeviceBuffer dc = beta == 0f && ldc == n ? call.alloc(cSpan * 4) : call.upload(c, cOff, cSpan);
            kernels.sgemm(transA, transB, m, n, k, alpha, da, 0, lda, db, 0, ldb, beta, dc, 0, ldc);
            call.download(dc, c, cOff, cSpan);
            call.finish();
        }
    }

    @Override
    public synchronized void gram(float[] x, int m, int d, boolean center, float[] c) {
        if (m < 0 || d < 0) {
            throw new IllegalArgumentException("gram: negative size " + m + " x " + d);
        }
        need("gram x", x, (long) m * d);
        need("gram c", c, (long) d * d);
        if (d == 0) {
            return;
        }
        if (m == 0) {
            java.util.Arrays.fill(c, 0, d * d, 0f);
            return;
        }
        enter();
        try (Call call = new Call("gram")) {
            DeviceBuffer dx = call.upload(x, 0, (long) m * d);
            DeviceBuffer mean = null;
            if (center) {
                mean = call.alloc((long) d * CudaKernels.F64);
                kernels.columnMeansF64(dx, m, d, mean);
            }
            DeviceBuffer dc = call.alloc((long) d * d * 4);
            kernels.gramLower(dx, m, d, mean, dc);
            call.download(dc, c, 0, (long) d * d);
            call.finish();
        }
    }

    @Override
    public synchronized void biasActivation(Activation g, float[] h, int rows, int cols, float[] bias, float[] out) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("biasActivation: negative size " + rows + " x " + cols);
        }
        long n = (long) rows * cols;
        need("biasActivation h", h, n);
        need("biasActivation out", out, n);
        if (bias != null) {
            need("biasActivation bias", bias, cols);
        }
        if (n == 0) {
            return;
        }
        enter();
        try (Call call = new Call("biasActivation")) {
            DeviceBuffer dh = call.upload(h, 0, n);
            DeviceBuffer db = bias == null ? null : call.upload(bias, 0, cols);
            kernels.biasActivation(g == Activation.RELU, dh, 0, rows, cols, db, 0, dh, 0);  // in place on the device
            call.download(dh, out, 0, n);
            call.finish();
        }
    }

    @Override
    public synchronized void activationBackward(Activation g, float[] pre, float[] dOut, float[] dPre, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("activationBackward: negative n " + n);
        }
        need("activationBackward pre", pre, n);
        need("activationBackward dOut", dOut, n);
        need("activationBackward dPre", dPre, n);
        if (n == 0) {
            return;
        }
        if (g == Activation.IDENTITY) {
            // The identity's backward is a copy: no device round trip for host arrays.
            if (dPre != dOut) {
                System.arraycopy(dOut, 0, dPre, 0, n);
            }
            return;
        }
        enter();
        try (Call call = new Call("activationBackward")) {
            DeviceBuffer dp = call.upload(pre, 0, n);
            DeviceBuffer dd = call.upload(dOut, 0, n);
            kernels.reluBackward(dp, 0, dd, 0, dd, 0, n);
            call.download(dd, dPre, 0, n);
            call.finish();
        }
    }

    @Override
    public synchronized double lossAndGradient(Loss loss, float[] out, int rows, int outputs, float[] target,
                                               float weight, float[] grad) {
        if (rows < 0 || outputs < 0) {
            throw new IllegalArgumentException("lossAndGradient: negative size " + rows + " x " + outputs);
        }
        if (rows == 0) {
            return 0.0;
        }
        // As the twin: logistic reads one logit per row (outputs is 1 there).
        long n = ArrayChecks.lossArguments(loss, out, rows, outputs, target, grad);
        long targets = loss == Loss.SQUARED ? n : rows;
        float scale = weight / rows;
        int blocks = CudaKernels.lossBlocks(loss == Loss.SQUARED ? n : rows);
        double[] total = new double[1];
        enter();
        try (Call call = new Call("lossAndGradient")) {
            DeviceBuffer dOut = call.upload(out, 0, n);
            DeviceBuffer dT = call.upload(target, 0, targets);
            DeviceBuffer dG = call.alloc(n * 4);
            DeviceBuffer partial = call.alloc((long) blocks * CudaKernels.F64);
            DeviceBuffer result = call.alloc(CudaKernels.F64);
            switch (loss) {
                case SQUARED:
                    kernels.lossSquared(dOut, dT, dG, n, scale, partial);
                    break;
                case LOGISTIC:
                    kernels.lossLogistic(dOut, dT, dG, rows, scale, partial);
                    break;
                case SOFTMAX:
                    kernels.lossSoftmax(dOut, dT, dG, rows, outputs, scale, partial);
                    break;
                default:
                    throw new IllegalArgumentException(String.valueOf(loss));
            }
            kernels.reducePartials(partial, blocks, result);
            call.download(dG, grad, 0, n);
            call.download(result, total);
            call.finish();
        }
        return weight * total[0] / rows;
    }

    @Override
    public synchronized void columnSums(float[] a, int rows, int cols, float[] out, boolean accumulate) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("columnSums: negative size " + rows + " x " + cols);
        }
        need("columnSums a", a, (long) rows * cols);
        need("columnSums out", out, cols);
        if (cols == 0) {
            return;
        }
        enter();
        try (Call call = new Call("columnSums")) {
            DeviceBuffer da = rows == 0 ? null : call.upload(a, 0, (long) rows * cols);
            DeviceBuffer dOut = accumulate ? call.upload(out, 0, cols) : call.alloc((long) cols * 4);
            kernels.columnSums(da, rows, cols, dOut, accumulate);
            call.download(dOut, out, 0, cols);
            call.finish();
        }
    }

    @Override
    public synchronized void gatherRows(float[] src, int cols, int[] idx, int from, int count, float[] dst) {
        requireOpen();
        // Source and destination are both host arrays here, so the gather is a host copy of
        // count rows: running the kernel would first ship up to all of src (the whole X_i, MBs
        // per step) to the device. The kernel serves the device-resident path and is checked
        // against this twin through gatherRowsOnDevice.
        cpu().gatherRows(src, cols, idx, from, count, dst);
    }

    /** The gather kernel on host arrays (its parity check; see {@link #gatherRows}). */
    synchronized void gatherRowsOnDevice(float[] src, int cols, int[] idx, int from, int count, float[] dst) {
        if (cols < 0 || count < 0 || from < 0 || (long) from + count > idx.length) {
            throw new IllegalArgumentException("gatherRows: cols=" + cols + " idx[" + from + ", " + ((long) from + count)
                    + ") of " + idx.length);
        }
        need("gatherRows dst", dst, (long) count * cols);
        if (count == 0 || cols == 0) {
            return;
        }
        long srcRows = src.length / cols;
        int maxRow = -1;
        for (int i = from; i < from + count; i++) {
            if (idx[i] < 0 || idx[i] >= srcRows) {
                throw new IndexOutOfBoundsException("gatherRows: idx[" + i + "] = " + idx[i] + " outside the "
                        + srcRows + " source rows");
            }
            maxRow = Math.max(maxRow, idx[i]);
        }
        enter();
        try (Call call = new Call("gatherRows")) {
            DeviceBuffer dSrc = call.upload(src, 0, (long) (maxRow + 1) * cols);
            DeviceBuffer dIdx = call.upload(idx, from, count);
            DeviceBuffer dDst = call.alloc((long) count * cols * 4);
            kernels.gatherRows(dSrc, maxRow + 1, cols, dIdx, 0, count, dDst);
            call.download(dDst, dst, 0, (long) count * cols);
            call.finish();
        }
    }

    @Override
    public synchronized void sgdMomentum(float[] p, float[] g, float[] v, int n, float lr, float momentum,
                                         float weightDecay) {
        if (n < 0) {
            throw new IllegalArgumentException("sgdMomentum: negative n " + n);
        }
        need("sgdMomentum p", p, n);
        need("sgdMomentum g", g, n);
        need("sgdMomentum v", v, n);
        if (n == 0) {
            return;
        }
        enter();
        try (Call call = new Call("sgdMomentum")) {
            DeviceBuffer dp = call.upload(p, 0, n);
            DeviceBuffer dg = call.upload(g, 0, n);
            DeviceBuffer dv = call.upload(v, 0, n);
            kernels.sgdMomentum(dp, dg, dv, n, lr, momentum, weightDecay);
            call.download(dp, p, 0, n);
            call.download(dv, v, 0, n);
            call.finish();
        }
    }

    @Override
    public synchronized void adam(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1,
                                  float beta2, float eps, float weightDecay, int t) {
        if (n < 0 || t < 1) {
            throw new IllegalArgumentException("adam: n=" + n + " t=" + t + " (need n >= 0, t >= 1)");
        }
        need("adam p", p, n);
        need("adam g", g, n);
        need("adam m", m, n);
        need("adam v", v, n);
        if (n == 0) {
            return;
        }
        // Exactly the twin's folded bias corrections (float64, then rounded once).
        float[] folds = adamFolds(lr, beta1, beta2, eps, t);
        float stepSize = folds[0];
        float epsHat = folds[1];
        enter();
        try (Call call = new Call("adam")) {
            DeviceBuffer dp = call.upload(p, 0, n);
            DeviceBuffer dg = call.upload(g, 0, n);
            DeviceBuffer dm = call.upload(m, 0, n);
            DeviceBuffer dv = call.upload(v, 0, n);
            kernels.adam(dp, dg, dm, dv, n, lr, beta1, beta2, stepSize, epsHat, weightDecay);
            call.download(dp, p, 0, n);
            call.download(dm, m, 0, n);
            call.download(dv, v, 0, n);
            call.finish();
        }
    }

    @Override
    public synchronized void svd(float[] a, int batch, int m, int n, float[] u, float[] s, float[] v) {
        requireOpen();
        if (batch < 0 || m < 0 || n < 0) {
            throw new IllegalArgumentException("svd: negative size batch=" + batch + " m=" + m + " n=" + n);
        }
        int p = Math.min(m, n);
        if (batch == 0 || p == 0) {
            return;
        }
        need("svd a", a, (long) batch * m * n);
        need("svd u", u, (long) batch * m * p);
        need("svd s", s, (long) batch * p);
        need("svd v", v, (long) batch * n * p);
        org.mtlalign.backend.cpu.CpuBackend.requireFinite("svd", a, (long) batch * m * n);
        if (p > maxJacobiN()) {
            cpu().svd(a, batch, m, n, u, s, v);
            return;
        }
        int[] info = new int[batch];
        enter();
        try (Call call = new Call("svd")) {
            DeviceBuffer da = call.upload(a, 0, (long) batch * m * n);
            DeviceBuffer du = call.alloc((long) batch * m * p * 4);
            DeviceBuffer ds = call.alloc((long) batch * p * 4);
            DeviceBuffer dv = call.alloc((long) batch * n * p * 4);
            DeviceBuffer di = call.alloc((long) batch * 4);
            DeviceBuffer work = CudaKernels.svdUsesShared(m, n) ? null
                    : call.alloc(CudaKernels.svdWorkStride(Math.max(m, n), p) * batch * CudaKernels.F64);
            kernels.svd(da, batch, m, n, du, ds, dv, di, work);
            call.download(du, u, 0, (long) batch * m * p);
            call.download(ds, s, 0, (long) batch * p);
            call.download(dv, v, 0, (long) batch * n * p);
            call.download(di, info);
            call.finish();
        }
        for (int b = 0; b < batch; b++) {
            if (info[b] >= CudaKernels.MAX_SWEEPS) {
                throw new ArithmeticException("Jacobi SVD did not converge in " + CudaKernels.MAX_SWEEPS
                        + " sweeps on matrix " + b + " (" + m + " x " + n + ")");
            }
        }
    }

    @Override
    public synchronized void symmetricEigen(float[] a, int n, float[] w, float[] vectors) {
        requireOpen();
        if (n < 0) {
            throw new IllegalArgumentException("symmetricEigen: negative n " + n);
        }
        if (n == 0) {
            return;
        }
        need("symmetricEigen a", a, (long) n * n);
        need("symmetricEigen w", w, n);
        need("symmetricEigen vectors", vectors, (long) n * n);
        org.mtlalign.backend.cpu.CpuBackend.requireFiniteUpper("symmetricEigen", a, n);
        if (n > maxJacobiN()) {
            cpu().symmetricEigen(a, n, w, vectors);
            return;
        }
        int[] info = new int[1];
        enter();
        try (Call call = new Call("symmetricEigen")) {
            DeviceBuffer da = call.upload(a, 0, (long) n * n);
            DeviceBuffer dw = call.alloc((long) n * 4);
            DeviceBuffer dvec = call.alloc((long) n * n * 4);
            DeviceBuffer di = call.alloc(4);
            DeviceBuffer work = CudaKernels.eigUsesShared(n) ? null
                    : call.alloc(CudaKernels.eigWorkStride(n) * CudaKernels.F64);
            kernels.symmetricEigen(da, n, dw, dvec, di, work);
            call.download(dw, w, 0, n);
            call.download(dvec, vectors, 0, (long) n * n);
            call.download(di, info);
            call.finish();
        }
        if (info[0] >= CudaKernels.MAX_SWEEPS) {
            throw new ArithmeticException("Jacobi eigensolver did not converge in " + CudaKernels.MAX_SWEEPS
                    + " sweeps (n = " + n + ")");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (contextRetained) {
            JCudaDriver.cuCtxSetCurrent(context);
            CURRENT.set(context);
            CURRENT_ORDINAL.set(ordinal);
            if (streamCreated) {
                JCudaDriver.cuStreamSynchronize(stream);
            }
            if (kernels != null) {
                kernels.close();
            }
            if (pool != null) {
                pool.close();
            }
            if (staging != null) {
                staging.free();
            }
            for (Pinned p : livePinned) {
                p.freed = true;
                JCudaDriver.cuEventDestroy(p.copied);
                JCudaDriver.cuMemFreeHost(p.host);
            }
            livePinned.clear();
            if (streamCreated) {
                JCudaDriver.cuStreamDestroy(stream);
                streamCreated = false;
            }
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
            contextRetained = false;
            synchronized (OPEN) {
                if (OPEN.merge(ordinal, -1, Integer::sum) <= 0) {
                    OPEN.remove(ordinal);
                    Cu.forgetDevice(ordinal);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // plumbing
    // ------------------------------------------------------------------------------------------

    /**
     * The calls that may run on the CPU twin (gatherRows always, svd and symmetricEigen above
     * maxJacobiN) check this themselves: they never reach {@link #enter}, so they kept working
     * after close() while every other call, and every call of a closed CPU backend, refused.
     */
    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
    }

    void enter() {
        requireOpen();
        // The current context is per thread; this library is the only one setting it here, so a
        // thread whose last context set was this backend's need not set it again (a training step
        // enters some twenty times, and each JNI call costs). Per thread, not per backend: two
        // backends on different devices used from one thread take turns correctly.
        if (CURRENT.get() != context) {
            Cu.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            CURRENT.set(context);
            CURRENT_ORDINAL.set(ordinal);
        }
        Cu.requireContext();
    }

    private org.mtlalign.backend.cpu.CpuBackend cpu() {
        if (cpuTwin == null) {
            cpuTwin = new org.mtlalign.backend.cpu.CpuBackend();
        }
        return cpuTwin;
    }

    /**
     * One Backend call's device work: pooled device buffers, staged asynchronous copies on the
     * stream, and copy-outs into Java arrays that run after the synchronisation. Closing it
     * (normally after {@link #finish}) waits for the stream if needed and returns the buffers.
     */
    private final class Call implements AutoCloseable {
        /** Transfers are cut into pieces of at most this many bytes (ByteBuffer views are int-sized). */
        private static final long PIECE = 64L << 20;

        private final String what;
        private final List<DeviceBuffer> buffers = new ArrayList<>();
        private final List<Runnable> afterSync = new ArrayList<>();
        private boolean pending;

        Call(String what) {
            this.what = what;
        }

        DeviceBuffer alloc(long bytes) {
            DeviceBuffer b = pool.acquire(bytes);
            buffers.add(b);
            return b;
        }

        DeviceBuffer upload(float[] src, int off, long len) {
            DeviceBuffer d = alloc(len * 4);
            uploadInto(d, src, off, len);
            return d;
        }

        /** Queues the copy of src[off..off+len) to the start of d (d is not owned by the call). */
        void uploadInto(DeviceBuffer d, float[] src, int off, long len) {
            for (long done = 0; done < len; ) {
                int piece = (int) Math.min(len - done, PIECE / 4);
                PinnedStaging.Region r = stage(piece * 4L);
                r.buffer.asFloatBuffer().put(src, (int) (off + done), piece);
                Cu.check(JCudaDriver.cuMemcpyHtoDAsync(d.at(done * 4), r.pointer, piece * 4L, stream),
                        what + ": copy to device");
                pending = true;
                done += piece;
            }
        }

        DeviceBuffer upload(int[] src, int off, int len) {
            DeviceBuffer d = alloc(len * 4L);
            uploadInto(d, src, off, len);
            return d;
        }

        void uploadInto(DeviceBuffer d, int[] src, int off, int len) {
            for (long done = 0; done < len; ) {
                int piece = (int) Math.min(len - done, PIECE / 4);
                PinnedStaging.Region r = stage(piece * 4L);
                r.buffer.asIntBuffer().put(src, (int) (off + done), piece);
                Cu.check(JCudaDriver.cuMemcpyHtoDAsync(d.at(done * 4), r.pointer, piece * 4L, stream),
                        what + ": copy to device");
                pending = true;
                done += piece;
            }
        }

        /** Copies len floats from the start of d into dst[off..] once the stream is synchronised. */
        void download(DeviceBuffer d, float[] dst, int off, long len) {
            for (long done = 0; done < len; ) {
                int piece = (int) Math.min(len - done, PIECE / 4);
                PinnedStaging.Region r = stage(piece * 4L);
                Cu.check(JCudaDriver.cuMemcpyDtoHAsync(r.pointer, d.at(done * 4), piece * 4L, stream),
                        what + ": copy to host");
                pending = true;
                final int at = (int) (off + done);
                afterSync.add(() -> r.buffer.asFloatBuffer().get(dst, at, piece));
                done += piece;
            }
        }

        void download(DeviceBuffer d, int[] dst) {
            PinnedStaging.Region r = stage(dst.length * 4L);
            Cu.check(JCudaDriver.cuMemcpyDtoHAsync(r.pointer, d.at(0), dst.length * 4L, stream), what + ": copy to host");
            pending = true;
            afterSync.add(() -> r.buffer.asIntBuffer().get(dst, 0, dst.length));
        }

        void download(DeviceBuffer d, double[] dst) {
            download(d, dst, dst.length);
        }

        void download(DeviceBuffer d, double[] dst, int count) {
            PinnedStaging.Region r = stage(count * 8L);
            Cu.check(JCudaDriver.cuMemcpyDtoHAsync(r.pointer, d.at(0), count * 8L, stream), what + ": copy to host");
            pending = true;
            afterSync.add(() -> r.buffer.asDoubleBuffer().get(dst, 0, count));
        }

        private PinnedStaging.Region stage(long bytes) {
            PinnedStaging.Region r = staging.take(bytes);
            if (r == null) {
                // The arena is in use and too small: drain the stream, then grow to what this call needed.
                long want = staging.used() + bytes;
                sync();
                staging.reserve(Math.max(bytes, Math.min(want, PinnedStaging.MAX_BYTES)));
                r = staging.take(bytes);
            }
            return r;
        }

        private void sync() {
            int r = JCudaDriver.cuStreamSynchronize(stream);
            pending = false;
            if (r != 0) {
                afterSync.clear();
                staging.reset();
                if (Cu.sticky(r)) {
                    throw Cu.lost(r, what);
                }
                throw new CudaFailure("CUDA error in " + what + ": " + Cu.name(r)
                        + (debug ? "" : " (set MTL_CUDA_DEBUG=1 to check after every kernel)"));
            }
            for (Runnable copy : afterSync) {
                copy.run();
            }
            afterSync.clear();
            staging.reset();
        }

        /** Waits for the stream and delivers the downloads. */
        void finish() {
            sync();
        }

        @Override
        public void close() {
            try {
                if (pending) {
                    // An exception left work in flight: wait for it before the buffers are reused.
                    JCudaDriver.cuStreamSynchronize(stream);
                    afterSync.clear();
                    staging.reset();
                    pending = false;
                }
            } finally {
                for (DeviceBuffer b : buffers) {
                    b.close();
                }
                buffers.clear();
            }
        }
    }
}
