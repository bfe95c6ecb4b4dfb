package org.mtlalign.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * The kernels of native/*.cu and their typed launchers: one Java method per kernel, which checks
 * sizes, leading dimensions, offsets and buffer capacities in Java, derives the launch
 * configuration from the sizes alone (so reductions are deterministic) and launches on the
 * backend's stream. Modules are loaded with cuModuleLoadData from the fatbin bytes on the
 * classpath (never from a file path; no nvcc at run time).
 *
 * <p>Launchers take device buffers plus element offsets; {@link CudaBackend}'s per-call methods
 * and the device-resident sessions ({@link CudaResident}) both use them. With {@code debug} every launch is followed by a stream
 * synchronisation and an error check naming the kernel.
 */
final class CudaKernels {
    static final int F32 = 4;
    static final int F64 = 8;
    static final int I32 = 4;

    /** Names of every kernel, by module; NativeBuildTest checks them against native/*.cu. */
    static final Map<String, List<String>> FUNCTIONS = Map.of(
            "shared_layer", List.of("sgemm_nn", "sgemm_tn", "sgemm_nt", "sgemm_tt", "bias_activation",
                    "bias_activation_split", "relu_backward"),
            "losses", List.of("loss_squared", "loss_logistic", "loss_softmax", "reduce_partials"),
            "reductions", List.of("column_sums", "gather_rows"),
            "covariance", List.of("column_means_f64", "gram_lower"),
            "optimizers", List.of("sgd_momentum", "adam"),
            "svd_jacobi", List.of("svd_jacobi_shared", "svd_jacobi_global", "sym_eig_jacobi_shared",
                    "sym_eig_jacobi_global"));

    // Launch geometry, mirrored from the .cu files.
    static final int GEMM_TILE = 32;
    static final int GEMM_ROWS = 8;
    static final int ELEMENTWISE_THREADS = 256;
    static final int MAX_GRID_STRIDE_BLOCKS = 1 << 16;
    static final int LOSS_THREADS = 256;
    static final int MAX_LOSS_BLOCKS = 1024;
    static final int COL_TILE = 32;
    static final int COL_ROWS = 8;
    static final int JACOBI_MAX_WARPS = 16;
    static final int SHARED_LIMIT_BYTES = 46 * 1024;  // of the 48 KiB default; static shared uses the rest
    static final int SVD_SHARED_MAX_N = 32;
    static final int EIG_SHARED_MAX_N = 32;
    static final int MAX_SWEEPS = 60;
    private static final int MAX_GRID_Y = 65535;

    private static final DevicePointer NULL = DevicePointer.NULL;
    /** The largest packed argument list (the driver's limit is 4 KiB; ours are under 100 bytes). */
    private static final int MAX_ARG_BYTES = 4096;

    private final CUstream stream;
    private final boolean debug;
    private final List<CUmodule> modules = new ArrayList<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    // One block of pinned host memory holds a launch's whole `extra` argument, reused by every
    // launch (the driver copies the arguments when it queues the launch): the five-entry array
    // {BUFFER_POINTER, &args, BUFFER_SIZE, &size, END} at 0, the size at SIZE_AT, the packed
    // arguments from ARGS_AT. JCuda then passes one raw address, with no per-entry marshalling.
    private static final int SIZE_AT = 64;
    private static final int ARGS_AT = 128;
    private final HostPointer launchExtra = new HostPointer();
    private ByteBuffer argBuffer;  // the block's bytes (native order), written with absolute puts

    CudaKernels(CUstream stream, boolean debug) {
        this.stream = stream;
        this.debug = debug;
        try {
            Cu.check(JCudaDriver.cuMemAllocHost(launchExtra, ARGS_AT + MAX_ARG_BYTES), "cuMemAllocHost(launch arguments)");
            argBuffer = launchExtra.getByteBuffer(0, ARGS_AT + MAX_ARG_BYTES).order(ByteOrder.nativeOrder());
            long base = launchExtra.address();
            argBuffer.putLong(0, 1L);               // CU_LAUNCH_PARAM_BUFFER_POINTER
            argBuffer.putLong(8, base + ARGS_AT);
            argBuffer.putLong(16, 2L);              // CU_LAUNCH_PARAM_BUFFER_SIZE
            argBuffer.putLong(24, base + SIZE_AT);
            argBuffer.putLong(32, 0L);              // CU_LAUNCH_PARAM_END
            for (Map.Entry<String, List<String>> e : FUNCTIONS.entrySet()) {
                CUmodule module = new CUmodule();
                byte[] image = fatbin(e.getKey());
                Cu.check(JCudaDriver.cuModuleLoadData(module, image), "cuModuleLoadData(" + e.getKey() + ".fatbin)");
                modules.add(module);
                for (String f : e.getValue()) {
                    CUfunction fn = new CUfunction();
                    Cu.check(JCudaDriver.cuModuleGetFunction(fn, module, f), "cuModuleGetFunction(" + f + ")");
                    functions.put(f, fn);
                }
            }
        } catch (RuntimeException ex) {
            close();
            throw ex;
        }
    }

    static byte[] fatbin(String module) {
        String path = CudaProbe.KERNEL_DIR + module + ".fatbin";
        try (InputStream in = CudaKernels.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new CudaFailure("the CUDA kernels were not built (no " + path + " on the classpath)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CudaFailure("cannot read " + path + ": " + e.getMessage());
        }
    }

    void close() {
        for (CUmodule m : modules) {
            JCudaDriver.cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
        if (argBuffer != null) {
            JCudaDriver.cuMemFreeHost(launchExtra);
            argBuffer = null;
        }
    }

    /** A pointer to host memory whose address Java can read (JCuda keeps it protected). */
    private static final class HostPointer extends Pointer {
        long address() {
            return getNativePointer() + getByteOffset();
        }
    }

    // ------------------------------------------------------------------------------------------
    // shared_layer.cu
    // ------------------------------------------------------------------------------------------

    /**
     * sgemm_{nn,tn,nt,tt}: C = alpha op(A) op(B) + beta C, row-major with leading dimensions and
     * element offsets. Grid (ceil(n/32), ceil(m/32)), block (32, 8); m beyond 65535 * 32 rows is
     * done in row chunks. For k == 0, a and b may be null.
     */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               DeviceBuffer a, long aOff, int lda, DeviceBuffer b, long bOff, int ldb,
               float beta, DeviceBuffer c, long cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;
        }
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        if (k > 0) {
            span("sgemm A", a, aOff, aRows, aCols, lda, F32);
            span("sgemm B", b, bOff, bRows, bCols, ldb, F32);
        }
        span("sgemm C", c, cOff, m, n, ldc, F32);
        String name = "sgemm_" + (transA ? "t" : "n") + (transB ? "t" : "n");
        int chunk = MAX_GRID_Y * GEMM_TILE;
        for (int row0 = 0; row0 < m; row0 += chunk) {
            int rows = Math.min(chunk, m - row0);
            DevicePointer ap = k == 0 ? NULL : a.at((aOff + (transA ? row0 : (long) row0 * lda)) * F32);
            DevicePointer bp = k == 0 ? NULL : b.at(bOff * F32);
            DevicePointer cp = c.at((cOff + (long) row0 * ldc) * F32);
            launch(name, ceilDiv(n, GEMM_TILE), ceilDiv(rows, GEMM_TILE), GEMM_TILE, GEMM_ROWS, 0,
                    rows, n, k, alpha, ap, lda, bp, ldb, beta, cp, ldc);
        }
    }

    /** bias_activation: out = g(h + bias) over rows x cols (bias may be null; out may be h). */
    void biasActivation(boolean relu, DeviceBuffer h, long hOff, int rows, int cols, DeviceBuffer bias, long biasOff,
                        DeviceBuffer out, long outOff) {
        long n = (long) rows * cols;
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("biasActivation: negative size " + rows + " x " + cols);
        }
        if (n == 0) {
            return;
        }
        vec("biasActivation h", h, hOff, n, F32);
        vec("biasActivation out", out, outOff, n, F32);
        DevicePointer bp = NULL;
        if (bias != null) {
            vec("biasActivation bias", bias, biasOff, cols, F32);
            bp = bias.at(biasOff * F32);
        }
        launch("bias_activation", gridStrideBlocks(n), 1, ELEMENTWISE_THREADS, 1, 0,
                h.at(hOff * F32), bp, out.at(outOff * F32), n, cols, relu ? 1 : 0);
    }

    /**
     * bias_activation_split: pre = h + bias and out = g(pre) over rows x cols in one pass (pre may
     * be h; out may not; bias may be null).
     */
    void biasActivationSplit(boolean relu, DeviceBuffer h, int rows, int cols, DeviceBuffer bias, DeviceBuffer pre,
                             DeviceBuffer out) {
        long n = (long) rows * cols;
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("biasActivationSplit: negative size " + rows + " x " + cols);
        }
        if (n == 0) {
            return;
        }
        if (out == h || out == pre) {
            throw new IllegalArgumentException("biasActivationSplit: out must not alias h or pre");
        }
        vec("biasActivationSplit h", h, 0, n, F32);
        vec("biasActivationSplit pre", pre, 0, n, F32);
        vec("biasActivationSplit out", out, 0, n, F32);
        if (bias != null) {
            vec("biasActivationSplit bias", bias, 0, cols, F32);
        }
        launch("bias_activation_split", gridStrideBlocks(n), 1, ELEMENTWISE_THREADS, 1, 0,
                h.ptr, bias == null ? NULL : bias.ptr, pre.ptr, out.ptr, n, cols, relu ? 1 : 0);
    }

    /** relu_backward: dPre = pre > 0 ? dOut : 0 over n values (dPre may be dOut). */
    void reluBackward(DeviceBuffer pre, long preOff, DeviceBuffer dOut, long dOutOff, DeviceBuffer dPre, long dPreOff,
                      long n) {
        if (n <= 0) {
            return;
        }
        vec("reluBackward pre", pre, preOff, n, F32);
        vec("reluBackward dOut", dOut, dOutOff, n, F32);
        vec("reluBackward dPre", dPre, dPreOff, n, F32);
        launch("relu_backward", gridStrideBlocks(n), 1, ELEMENTWISE_THREADS, 1, 0,
                pre.at(preOff * F32), dOut.at(dOutOff * F32), dPre.at(dPreOff * F32), n);
    }

    // ------------------------------------------------------------------------------------------
    // losses.cu
    // ------------------------------------------------------------------------------------------

    /** Blocks (= partial sums) the loss kernels use for {@code work} elements or rows. */
    static int lossBlocks(long work) {
        return (int) Math.max(1, Math.min(MAX_LOSS_BLOCKS, (work + LOSS_THREADS - 1) / LOSS_THREADS));
    }

    /** loss_squared over n values; writes lossBlocks(n) partial sums of 0.5 r^2. */
    void lossSquared(DeviceBuffer out, DeviceBuffer target, DeviceBuffer grad, long n, float scale,
                     DeviceBuffer partial) {
        vec("lossSquared out", out, 0, n, F32);
        vec("lossSquared target", target, 0, n, F32);
        vec("lossSquared grad", grad, 0, n, F32);
        int blocks = lossBlocks(n);
        vec("lossSquared partial", partial, 0, blocks, F64);
        launch("loss_squared", blocks, 1, LOSS_THREADS, 1, 0, out.ptr, target.ptr, grad.ptr, n, scale, partial.ptr);
    }

    /** loss_logistic over rows logits; writes lossBlocks(rows) partial sums. */
    void lossLogistic(DeviceBuffer out, DeviceBuffer target, DeviceBuffer grad, int rows, float scale,
                      DeviceBuffer partial) {
        vec("lossLogistic out", out, 0, rows, F32);
        vec("lossLogistic target", target, 0, rows, F32);
        vec("lossLogistic grad", grad, 0, rows, F32);
        int blocks = lossBlocks(rows);
        vec("lossLogistic partial", partial, 0, blocks, F64);
        launch("loss_logistic", blocks, 1, LOSS_THREADS, 1, 0, out.ptr, target.ptr, grad.ptr, rows, scale, partial.ptr);
    }

    /** loss_softmax over rows x classes logits (targets: validated class indices). */
    void lossSoftmax(DeviceBuffer out, DeviceBuffer target, DeviceBuffer grad, int rows, int classes, float scale,
                     DeviceBuffer partial) {
        if (classes < 1) {
            throw new IllegalArgumentException("lossSoftmax: " + classes + " classes");
        }
        long n = (long) rows * classes;
        vec("lossSoftmax out", out, 0, n, F32);
        vec("lossSoftmax target", target, 0, rows, F32);
        vec("lossSoftmax grad", grad, 0, n, F32);
        int blocks = lossBlocks(rows);
        vec("lossSoftmax partial", partial, 0, blocks, F64);
        launch("loss_softmax", blocks, 1, LOSS_THREADS, 1, 0, out.ptr, target.ptr, grad.ptr, rows, classes, scale,
                partial.ptr);
    }

    /** reduce_partials: result[0] = sum of count partial sums (one block, fixed order). */
    void reducePartials(DeviceBuffer partial, int count, DeviceBuffer result) {
        reducePartials(partial, count, result, 0);
    }

    /** reduce_partials into result[resultOff] (a loss slot of the resident path). */
    void reducePartials(DeviceBuffer partial, int count, DeviceBuffer result, long resultOff) {
        vec("reducePartials partial", partial, 0, count, F64);
        vec("reducePartials result", result, resultOff, 1, F64);
        launch("reduce_partials", 1, 1, LOSS_THREADS, 1, 0, partial.ptr, count, result.at(resultOff * F64));
    }

    // ------------------------------------------------------------------------------------------
    // reductions.cu
    // ------------------------------------------------------------------------------------------

    /** column_sums: out[j] (+)= sum_i a[i, j]; grid ceil(cols/32), block (32, 8). */
    void columnSums(DeviceBuffer a, int rows, int cols, DeviceBuffer out, boolean accumulate) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("columnSums: negative size " + rows + " x " + cols);
        }
        if (cols == 0) {
            return;
        }
        if (rows > 0) {
            vec("columnSums a", a, 0, (long) rows * cols, F32);
        }
        vec("columnSums out", out, 0, cols, F32);
        launch("column_sums", ceilDiv(cols, COL_TILE), 1, COL_TILE, COL_ROWS, 0,
                rows > 0 ? a.ptr : NULL, rows, cols, out.ptr, accumulate ? 1 : 0);
    }

    /**
     * gather_rows: dst[i, :] = src[idx[idxOff + i], :]; indices must be valid (checked by the
     * caller).
     */
    void gatherRows(DeviceBuffer src, long srcRows, int cols, DeviceBuffer idx, long idxOff, int count,
                    DeviceBuffer dst) {
        long n = (long) count * cols;
        if (n == 0) {
            return;
        }
        vec("gatherRows src", src, 0, srcRows * cols, F32);
        vec("gatherRows idx", idx, idxOff, count, I32);
        vec("gatherRows dst", dst, 0, n, F32);
        launch("gather_rows", gridStrideBlocks(n), 1, ELEMENTWISE_THREADS, 1, 0, src.ptr, cols, idx.at(idxOff * I32),
                count, dst.ptr);
    }

    // ------------------------------------------------------------------------------------------
    // covariance.cu
    // ------------------------------------------------------------------------------------------

    /** column_means_f64: mean[j] = sum_i x[i, j] / m in float64 (m > 0). */
    void columnMeansF64(DeviceBuffer x, int m, int d, DeviceBuffer mean) {
        if (m <= 0 || d <= 0) {
            throw new IllegalArgumentException("columnMeansF64: size " + m + " x " + d);
        }
        vec("columnMeans x", x, 0, (long) m * d, F32);
        vec("columnMeans mean", mean, 0, d, F64);
        launch("column_means_f64", ceilDiv(d, COL_TILE), 1, COL_TILE, COL_ROWS, 0, x.ptr, m, d, mean.ptr);
    }

    /** gram_lower: C = Xc^T Xc (d x d, both triangles); mean null for no centring. */
    void gramLower(DeviceBuffer x, int m, int d, DeviceBuffer mean, DeviceBuffer c) {
        if (m < 0 || d <= 0) {
            throw new IllegalArgumentException("gramLower: size " + m + " x " + d);
        }
        if (m > 0) {
            vec("gram x", x, 0, (long) m * d, F32);
        }
        vec("gram C", c, 0, (long) d * d, F32);
        if (mean != null) {
            vec("gram mean", mean, 0, d, F64);
        }
        long tiles = ceilDiv(d, COL_TILE);
        long blocks = tiles * (tiles + 1) / 2;
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("gram: d = " + d + " is too large");
        }
        launch("gram_lower", (int) blocks, 1, COL_TILE, COL_ROWS, 0,
                m > 0 ? x.ptr : NULL, m, d, mean == null ? NULL : mean.ptr, c.ptr);
    }

    // ------------------------------------------------------------------------------------------
    // optimizers.cu
    // ------------------------------------------------------------------------------------------

    void sgdMomentum(DeviceBuffer p, DeviceBuffer g, DeviceBuffer v, long n, float lr, float momentum,
                     float weightDecay) {
        if (n <= 0) {
            return;
        }
        vec("sgd p", p, 0, n, F32);
        vec("sgd g", g, 0, n, F32);
        vec("sgd v", v, 0, n, F32);
        launch("sgd_momentum", gridStrideBlocks(n), 1, ELEMENTWISE_THREADS, 1, 0, p.ptr, g.ptr, v.ptr, n, lr, momentum,
                weightDecay);
    }

    /** adam with the bias corrections folded into stepSize and epsHat (computed by the caller). */
    void adam(DeviceBuffer p, DeviceBuffer g, DeviceBuffer m, DeviceBuffer v, long n, float lr, float beta1,
              float beta2, float stepSize, float epsHat, float weightDecay) {
        if (n <= 0) {
            return;
        }
        vec("adam p", p, 0, n, F32);
        vec("adam g", g, 0, n, F32);
        vec("adam m", m, 0, n, F32);
        vec("adam v", v, 0, n, F32);
        launch("adam", gridStrideBlocks(n), 1, ELEMENTWISE_THREADS, 1, 0, p.ptr, g.ptr, m.ptr, v.ptr, n, lr, beta1,
                beta2, stepSize, epsHat, weightDecay);
    }

    // ------------------------------------------------------------------------------------------
    // svd_jacobi.cu
    // ------------------------------------------------------------------------------------------

    /** Threads for a Jacobi block over n columns: one warp per pair, at most 16 warps. */
    static int jacobiThreads(int n) {
        int pairs = (n + 1) / 2;
        return 32 * Math.max(1, Math.min(pairs, JACOBI_MAX_WARPS));
    }

    /** Dynamic shared bytes of svd_jacobi_shared for an M x N (M >= N) problem. */
    static long svdSharedBytes(int bigM, int bigN) {
        return ((long) bigM * bigN + (long) bigN * bigN + bigN) * F64 + (long) bigN * I32;
    }

    /** Doubles per matrix of the svd_jacobi_global workspace. */
    static long svdWorkStride(int bigM, int bigN) {
        return (long) bigM * bigN + (long) bigN * bigN + bigN + (bigN + 1) / 2;
    }

    static boolean svdUsesShared(int m, int n) {
        int bigM = Math.max(m, n);
        int bigN = Math.min(m, n);
        return bigN <= SVD_SHARED_MAX_N && svdSharedBytes(bigM, bigN) <= SHARED_LIMIT_BYTES;
    }

    /**
     * Batched thin SVD of {@code batch} row-major m x n matrices: u (batch x m x p), s (batch x p),
     * v (batch x n x p), info (batch ints: sweeps used; MAX_SWEEPS = not converged). work: null
     * for the shared-memory path, else at least batch * svdWorkStride doubles.
     */
    void svd(DeviceBuffer a, int batch, int m, int n, DeviceBuffer u, DeviceBuffer s, DeviceBuffer v,
             DeviceBuffer info, DeviceBuffer work) {
        int p = Math.min(m, n);
        if (batch <= 0 || p <= 0) {
            return;
        }
        vec("svd a", a, 0, (long) batch * m * n, F32);
        vec("svd u", u, 0, (long) batch * m * p, F32);
        vec("svd s", s, 0, (long) batch * p, F32);
        vec("svd v", v, 0, (long) batch * n * p, F32);
        vec("svd info", info, 0, batch, I32);
        boolean trans = m < n;
        int bigM = Math.max(m, n);
        int bigN = p;
        int threads = jacobiThreads(bigN);
        if (svdUsesShared(m, n)) {
            launch("svd_jacobi_shared", batch, 1, threads, 1, (int) svdSharedBytes(bigM, bigN),
                    a.ptr, m, n, trans ? 1 : 0, u.ptr, s.ptr, v.ptr, info.ptr, MAX_SWEEPS);
        } else {
            long stride = svdWorkStride(bigM, bigN);
            vec("svd work", work, 0, stride * batch, F64);
            launch("svd_jacobi_global", batch, 1, threads, 1, 0,
                    a.ptr, m, n, trans ? 1 : 0, u.ptr, s.ptr, v.ptr, info.ptr, MAX_SWEEPS, work.ptr, stride);
        }
    }

    static int eigThreads(int n) {
        return n <= 32 ? 128 : n <= 128 ? 256 : 512;
    }

    static long eigSharedBytes(int n) {
        long pairs = (n + 1) / 2;
        return (2L * n * n + 2 * pairs + n) * F64 + (pairs + n) * I32;
    }

    static long eigWorkStride(int n) {
        long pairs = (n + 1) / 2;
        return 2L * n * n + 2 * pairs + n + (pairs + n + 1) / 2;
    }

    static boolean eigUsesShared(int n) {
        return n <= EIG_SHARED_MAX_N && eigSharedBytes(n) <= SHARED_LIMIT_BYTES;
    }

    /** Symmetric eigen of one n x n matrix (upper triangle read): w (n), vectors (n x n), info. */
    void symmetricEigen(DeviceBuffer a, int n, DeviceBuffer w, DeviceBuffer vectors, DeviceBuffer info,
                        DeviceBuffer work) {
        if (n <= 0) {
            return;
        }
        vec("eigen a", a, 0, (long) n * n, F32);
        vec("eigen w", w, 0, n, F32);
        vec("eigen vectors", vectors, 0, (long) n * n, F32);
        vec("eigen info", info, 0, 1, I32);
        if (eigUsesShared(n)) {
            launch("sym_eig_jacobi_shared", 1, 1, eigThreads(n), 1, (int) eigSharedBytes(n),
                    a.ptr, n, w.ptr, vectors.ptr, info.ptr, MAX_SWEEPS);
        } else {
            long stride = eigWorkStride(n);
            vec("eigen work", work, 0, stride, F64);
            launch("sym_eig_jacobi_global", 1, 1, eigThreads(n), 1, 0,
                    a.ptr, n, w.ptr, vectors.ptr, info.ptr, MAX_SWEEPS, work.ptr, stride);
        }
    }

    // ------------------------------------------------------------------------------------------
    // launching
    // ------------------------------------------------------------------------------------------

    static int gridStrideBlocks(long n) {
        return (int) Math.max(1, Math.min(MAX_GRID_STRIDE_BLOCKS, (n + ELEMENTWISE_THREADS - 1) / ELEMENTWISE_THREADS));
    }

    static int ceilDiv(long a, int b) {
        long q = (a + b - 1) / b;
        if (q > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("grid of " + q + " blocks is too large");
        }
        return (int) q;
    }

    /** Checks that rows x cols with leading dimension ld at element offset off fits in buf. */
    static void span(String what, DeviceBuffer buf, long off, int rows, int cols, int ld, int elem) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(what + ": leading dimension " + ld + " < columns " + cols);
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        vec(what, buf, off, (long) (rows - 1) * ld + cols, elem);
    }

    /** Checks that count elements of elem bytes at element offset off fit in buf. */
    static void vec(String what, DeviceBuffer buf, long off, long count, int elem) {
        if (buf == null) {
            throw new IllegalArgumentException(what + ": no device buffer");
        }
        if (off < 0 || count < 0 || (off + count) * elem > buf.capacityBytes()) {
            throw new IllegalArgumentException(what + ": elements [" + off + ", " + (off + count) + ") of " + elem
                    + " bytes do not fit in a device buffer of " + buf.capacityBytes() + " bytes");
        }
    }

    /**
     * Launches a kernel with its arguments packed into one buffer (CU_LAUNCH_PARAM_BUFFER_POINTER):
     * each argument at an offset aligned to its size, in order, the size being the end of the last
     * one (the driver refuses tail padding), all in the pinned block described at launchExtra.
     * JCuda's other form, an array of pointers to one-element arrays, costs a JNI array pin per
     * argument and was most of a training step's host time (benchmarks/NOTES.md); this one hands
     * JCuda one raw address. Synchronized: the block is shared by every launch of this backend.
     */
    private synchronized void launch(String name, int gx, int gy, int bx, int by, int sharedBytes, Object... args) {
        CUfunction f = functions.get(name);
        if (f == null) {
            throw new IllegalStateException("kernel " + name + " is not loaded");
        }
        int at = 0;  // offset within the packed arguments, which start at ARGS_AT
        if (args.length * 8 > MAX_ARG_BYTES) {
            throw new IllegalArgumentException(name + ": " + args.length + " kernel arguments");
        }
        for (Object o : args) {
            if (o instanceof DevicePointer) {
                at = align(at, 8);
                argBuffer.putLong(ARGS_AT + at, ((DevicePointer) o).address());
                at += 8;
            } else if (o instanceof Integer) {
                at = align(at, 4);
                argBuffer.putInt(ARGS_AT + at, (Integer) o);
                at += 4;
            } else if (o instanceof Long) {
                at = align(at, 8);
                argBuffer.putLong(ARGS_AT + at, (Long) o);
                at += 8;
            } else if (o instanceof Float) {
                at = align(at, 4);
                argBuffer.putFloat(ARGS_AT + at, (Float) o);
                at += 4;
            } else {
                throw new IllegalArgumentException(name + ": unsupported kernel argument " + o);
            }
        }
        argBuffer.putLong(SIZE_AT, at);
        int r = JCudaDriver.cuLaunchKernel(f, gx, gy, 1, bx, by, 1, sharedBytes, stream, null, launchExtra);
        if (Cu.sticky(r)) {
            throw Cu.lost(r, "the launch of " + name);
        }
        if (r != 0) {
            throw new CudaFailure("launch of " + name + " (grid " + gx + "x" + gy + ", block " + bx + "x" + by
                    + ", shared " + sharedBytes + " B) failed: " + Cu.name(r));
        }
        if (debug) {
            Cu.check(JCudaDriver.cuStreamSynchronize(stream), "kernel " + name + " " + Cu.DEBUG_CHECK);
        }
    }

    private static int align(int offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }
}
