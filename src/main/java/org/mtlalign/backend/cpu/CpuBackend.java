package org.mtlalign.backend.cpu;

import static org.mtlalign.backend.ArrayChecks.need;
import static org.mtlalign.backend.ArrayChecks.span;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;
import org.mtlalign.backend.Backend;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;
import org.netlib.util.intW;

/**
 * The CPU reference backend: matrix products and decompositions through dev.ludovic.netlib
 * (native OpenBLAS/LAPACK via JNI when the system has libblas.so.3/liblapack.so.3, pure Java
 * otherwise); elementwise work in plain loops. Row-major callers are mapped onto column-major
 * BLAS by transposition identities, never by copying.
 *
 * <p>Threads. Multi-threaded OpenBLAS is slow on the batch-sized products training makes (on a
 * 2-core machine 256-row products ran 1.7-2x faster on one thread; benchmarks/NOTES.md), so the
 * {@code mtl} launcher runs OpenBLAS single-threaded and this backend parallelises instead over
 * independent work: the matrices of a batched SVD, row blocks of a Gram matrix, and independent
 * trainings ({@link #forEachIndependent}). It does so only when BLAS is single-threaded (or is
 * the single-threaded Java fallback), since parallel callers of a multi-threaded OpenBLAS would
 * oversubscribe the cores. Results never depend on the number of workers: work is split by
 * sizes alone and partial results are combined in a fixed order.
 */
public final class CpuBackend implements Backend {
    /** System property that overrides the worker count (1 = everything on the caller's thread). */
    public static final String WORKERS_PROPERTY = "mtlalign.cpu.workers";
    /** The most workers: Java's ForkJoinPool refuses more than 32767 threads. */
    public static final int MAX_WORKERS = 32767;
    /** Rows per Gram partial sum; partials are added in index order (see {@link #gram}). */
    static final int GRAM_PART_ROWS = 8192;
    /** Rows centred at a time into a worker's scratch block. */
    static final int GRAM_BLOCK_ROWS = 1024;
    /** Bound on the memory of the Gram partial sums (floats). */
    private static final long GRAM_PARTIALS_MAX_FLOATS = 16L << 20;

    private final BLAS blas = BLAS.getInstance();
    private final LAPACK lapack;
    private final int workers;
    private volatile ForkJoinPool pool;

    /** Workers as {@link #defaultWorkers()} says. */
    public CpuBackend() {
        this(defaultWorkers());
    }

    /** With {@code workers} threads for independent work (1: all on the calling thread). */
    public CpuBackend(int workers) {
        this(workers, Lapack.instance());
    }

    /** With a given LAPACK, so tests can run the Java one where the native one loads. */
    CpuBackend(int workers, LAPACK lapack) {
        if (workers < 1 || workers > MAX_WORKERS) {
            throw new IllegalArgumentException("workers must be in 1.." + MAX_WORKERS + ", got " + workers);
        }
        this.workers = workers;
        this.lapack = lapack;
    }

    /**
     * The {@value #WORKERS_PROPERTY} property when set; otherwise the number of cores when BLAS
     * is single-threaded (OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS = 1, as
     * OpenBLAS reads them, or the Java fallback), else 1.
     */
    public static int defaultWorkers() {
        String prop = System.getProperty(WORKERS_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            try {
                int w = Integer.parseInt(prop.trim());
                if (w >= 1 && w <= MAX_WORKERS) {
                    return w;
                }
            } catch (NumberFormatException e) {
                // fall through to the default
            }
            throw new org.mtlalign.UserInputException("-D" + WORKERS_PROPERTY + ": expected an integer in 1.."
                    + MAX_WORKERS + ", got '" + prop + "'");
        }
        boolean javaBlas = !BLAS.getInstance().getClass().getSimpleName().startsWith("JNI");
        return javaBlas || blasThreads() == 1 ? Runtime.getRuntime().availableProcessors() : 1;
    }

    /** The thread count OpenBLAS takes from its environment variables, or 0 when none is set. */
    public static int blasThreads() {
        for (String name : new String[] {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"}) {
            String v = System.getenv(name);
            if (v != null && !v.isBlank()) {
                try {
                    int n = Integer.parseInt(v.trim());
                    if (n > 0) {
                        return n;
                    }
                } catch (NumberFormatException e) {
                    // OpenBLAS ignores what it cannot parse; so do we
                }
            }
        }
        return 0;
    }

    /** Worker threads for independent work. */
    public int workers() {
        return workers;
    }

    @Override
    public String name() {
        return "cpu";
    }

    /** "1 core", "2 cores". */
    public static String cores(int n) {
        return n + (n == 1 ? " core" : " cores");
    }

    @Override
    public String description() {
        int bt = blasThreads();
        return "cpu (BLAS: " + blas.getClass().getSimpleName() + ", LAPACK: "
                + lapack.getClass().getSimpleName() + ", " + cores(Runtime.getRuntime().availableProcessors()) + ", " + (nativeBlas() ? (bt > 0 ? bt + " BLAS thread" + (bt == 1 ? "" : "s")
                        : "BLAS threads: OpenBLAS default") + ", " : "")
                + workers + " worker" + (workers == 1 ? "" : "s") + ")";
    }

    @Override
    public int concurrency() {
        return workers;
    }

    @Override
    public void forEachIndependent(int n, IntConsumer task) {
        requireOpen();
        if (n <= 0) {
            return;
        }
        if (workers == 1 || n == 1) {
            for (int i = 0; i < n; i++) {
                task.accept(i);
            }
            return;
        }
        // Failures are caught here and the one of the lowest index rethrown as the original
        // object: ForkJoin would rethrow a copy whose message is the cause's toString().
        Throwable[] failure = new Throwable[n];
        List<RecursiveAction> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            parts.add(new RecursiveAction() {
                @Override
                protected void compute() {
                    try {
                        task.accept(index);
                    } catch (Throwable t) {
                        failure[index] = t;
                    }
                }
            });
        }
        ForkJoinPool p = pool();
        // Nested calls (an SVD inside a parallel training) join from inside the pool, where
        // ForkJoin lets the waiting worker run other tasks instead of blocking a thread.
        if (Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == p) {
            ForkJoinTask.invokeAll(parts);
        } else {
            p.invoke(new RecursiveAction() {
                @Override
                protected void compute() {
                    invokeAll(parts);
                }
            });
        }
        for (Throwable t : failure) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }

    private volatile boolean closed;

    /**
     * Every operation checks it: before, only the parallel ones (forEachIndependent, and what runs
     * through it) refused a closed backend, so a Predictor or a Trainer on one backend kept working
     * after close() on the CPU and failed on the CUDA backend, which refuses every call.
     */
    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the CPU backend is closed");
        }
    }

    private ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (this) {
                requireOpen();  // a pool made after close() would never be shut down
                p = pool;
                if (p == null) {
                    p = new ForkJoinPool(workers, fjp -> {
                        ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(fjp);
                        t.setDaemon(true);
                        t.setName(String.format(Locale.ROOT, "mtl-cpu-%d", t.getPoolIndex()));
                        return t;
                    }, null, false);
                    pool = p;
                }
            }
        }
        return p;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        ForkJoinPool p = pool;
        if (p != null) {
            p.shutdown();
        }
    }

    /** True when BLAS runs natively (OpenBLAS through JNI) rather than on the Java fallback. */
    public boolean nativeBlas() {
        return blas.getClass().getSimpleName().startsWith("JNI");
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        requireOpen();
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k > 0) {
            span("gemm A", a, aOff, transA ? k : m, transA ? m : k, lda);
            span("gemm B", b, bOff, transB ? n : k, transB ? k : n, ldb);
        }
        span("gemm C", c, cOff, m, n, ldc);
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
        requireOpen();
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
        float[] mu = null;
        if (center) {
            // Centre the rows rather than subtract m*mu*mu^T afterwards: that subtraction cancels
            // badly in float32 when the means are large relative to the spread. The mean is summed
            // in float64 and rounded once, so the centring loop is float-only (vectorisable).
            double[] mean = new double[d];
            for (int i = 0; i < m; i++) {
                int base = i * d;
                for (int j = 0; j < d; j++) {
                    mean[j] += x[base + j];
                }
            }
            mu = new float[d];
            for (int j = 0; j < d; j++) {
                mu[j] = (float) (mean[j] / m);
            }
        }
        // Partial sums over fixed row ranges (sizes alone decide them, never the worker count),
        // added in index order: the same bits on 1 or 64 workers.
        int parts = (int) Math.max(1, Math.min((m + GRAM_PART_ROWS - 1) / GRAM_PART_ROWS,
                GRAM_PARTIALS_MAX_FLOATS / ((long) d * d)));
        int rowsPerPart = (m + parts - 1) / parts;
        float[][] partial = new float[parts][];
        partial[0] = c;
        for (int q = 1; q < parts; q++) {
            partial[q] = new float[d * d];
        }
        float[] means = mu;
        forEachIndependent(parts, q -> {
            int from = q * rowsPerPart;
            int to = Math.min(m, from + rowsPerPart);
            gramRows(x, from, to, d, means, partial[q]);
        });
        for (int q = 1; q < parts; q++) {
            float[] pq = partial[q];
            for (int i = 0; i < d * d; i++) {
                c[i] += pq[i];
            }
        }
        // syrk filled one triangle (column-major upper = row-major lower); mirror it.
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                c[i * d + j] = c[j * d + i];
            }
        }
    }

    /** out (one triangle) = sum over rows [from, to) of (x_i - mu)(x_i - mu)^T; mu may be null. */
    private void gramRows(float[] x, int from, int to, int d, float[] mu, float[] out) {
        if (from >= to) {
            java.util.Arrays.fill(out, 0, d * d, 0f);
            return;
        }
        // Row-major X is column-major X^T (d x m); a row range is a column range of X^T, so
        // C = (X^T)(X^T)^T restricted to it is one rank-(to - from) syrk update.
        if (mu == null) {
            blas.ssyrk("U", "N", d, to - from, 1f, x, from * d, d, 0f, out, 0, d);
            return;
        }
        int blockRows = Math.min(GRAM_BLOCK_ROWS, to - from);
        float[] block = new float[blockRows * d];
        for (int b = from; b < to; b += blockRows) {
            int rows = Math.min(blockRows, to - b);
            for (int i = 0; i < rows; i++) {
                int src = (b + i) * d;
                int dst = i * d;
                for (int j = 0; j < d; j++) {
                    block[dst + j] = x[src + j] - mu[j];
                }
            }
            blas.ssyrk("U", "N", d, rows, 1f, block, 0, d, b == from ? 0f : 1f, out, 0, d);
        }
    }

    @Override
    public void biasActivation(Activation g, float[] h, int rows, int cols, float[] bias, float[] out) {
        requireOpen();
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("biasActivation: negative size " + rows + " x " + cols);
        }
        need("biasActivation h", h, (long) rows * cols);
        need("biasActivation out", out, (long) rows * cols);
        if (bias != null) {
            need("biasActivation bias", bias, cols);
        }
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
        requireOpen();
        if (n < 0) {
            throw new IllegalArgumentException("activationBackward: negative n " + n);
        }
        need("activationBackward pre", pre, n);
        need("activationBackward dOut", dOut, n);
        need("activationBackward dPre", dPre, n);
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
        requireOpen();
        if (rows < 0 || outputs < 0) {
            throw new IllegalArgumentException("lossAndGradient: negative size " + rows + " x " + outputs);
        }
        if (rows == 0) {
            return 0.0;
        }
        org.mtlalign.backend.ArrayChecks.lossArguments(loss, out, rows, outputs, target, grad);
        return LossKernels.lossAndGradient(loss, out, rows, outputs, target, weight, grad);
    }

    @Override
    public void columnSums(float[] a, int rows, int cols, float[] out, boolean accumulate) {
        requireOpen();
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("columnSums: negative size " + rows + " x " + cols);
        }
        need("columnSums a", a, (long) rows * cols);
        need("columnSums out", out, cols);
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
        requireOpen();
        if (idx == null || cols < 0 || count < 0 || from < 0 || (long) from + count > idx.length) {
            throw new IllegalArgumentException("gatherRows: cols=" + cols + " idx[" + from + ", " + ((long) from + count)
                    + ") of " + (idx == null ? "none" : String.valueOf(idx.length)));
        }
        need("gatherRows src", src, 0);
        need("gatherRows dst", dst, (long) count * cols);
        if (cols == 0) {
            return;
        }
        // count ints against count * cols floats copied: checked first so that a bad index
        // leaves dst as it was, as on the GPU.
        int srcRows = src.length / cols;
        for (int i = from; i < from + count; i++) {
            if (idx[i] < 0 || idx[i] >= srcRows) {
                throw new IndexOutOfBoundsException("gatherRows: idx[" + i + "] = " + idx[i] + " outside the "
                        + srcRows + " source rows");
            }
        }
        for (int i = 0; i < count; i++) {
            System.arraycopy(src, idx[from + i] * cols, dst, i * cols, cols);
        }
    }

    @Override
    public void sgdMomentum(float[] p, float[] g, float[] v, int n, float lr, float momentum, float weightDecay) {
        requireOpen();
        if (n < 0) {
            throw new IllegalArgumentException("sgdMomentum: negative n " + n);
        }
        need("sgdMomentum p", p, n);
        need("sgdMomentum g", g, n);
        need("sgdMomentum v", v, n);
        for (int i = 0; i < n; i++) {
            float vi = momentum * v[i] + g[i] + weightDecay * p[i];
            v[i] = vi;
            p[i] -= lr * vi;
        }
    }

    @Override
    public void adam(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2,
                     float eps, float weightDecay, int t) {
        requireOpen();
        if (n < 0 || t < 1) {
            throw new IllegalArgumentException("adam: n=" + n + " t=" + t + " (need n >= 0, t >= 1)");
        }
        need("adam p", p, n);
        need("adam g", g, n);
        need("adam m", m, n);
        need("adam v", v, n);
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
        requireFinite("svd", a, (long) batch * m * n);
        // Matrices are independent: contiguous runs of them go to the workers, each with its own
        // LAPACK scratch (results do not depend on the split).
        int chunks = Math.min(batch, workers);
        int per = (batch + chunks - 1) / chunks;
        forEachIndependent(chunks, q -> svdRange(a, q * per, Math.min(batch, (q + 1) * per), m, n, u, s, v));
    }

    /**
     * Refuses a NaN or infinity among the first n values of a decomposition's input: LAPACK's
     * sgesdd spins without end on an infinity and returns NaN factors for others, and the GPU
     * Jacobi kernels would return NaN; every backend checks at entry so all answer alike.
     */
    public static void requireFinite(String op, float[] a, long n) {
        for (long i = 0; i < n; i++) {
            if (!Float.isFinite(a[(int) i])) {
                throw new IllegalArgumentException(op + ": input value " + i + " is " + a[(int) i]
                        + " (decompositions need finite inputs)");
            }
        }
    }

    /** {@link #requireFinite} for the upper triangle of a row-major n x n matrix (all a symmetric eigensolver reads). */
    public static void requireFiniteUpper(String op, float[] a, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                if (!Float.isFinite(a[i * n + j])) {
                    throw new IllegalArgumentException(op + ": input value (" + i + ", " + j + ") is " + a[i * n + j]
                            + " (decompositions need finite inputs)");
                }
            }
        }
    }

    private void svdRange(float[] a, int from, int to, int m, int n, float[] u, float[] s, float[] v) {
        if (from >= to) {
            return;
        }
        int p = Math.min(m, n);
        boolean tall = m > n;
        // LAPACK should see the tall orientation: for m > n it takes the QR-first path, measured
        // 1.1-1.7x faster than the LQ-first path on 1024 x 256 (benchmarks/NOTES.md).
        //  tall: transpose-copy A into column-major m x n; A = U S V^T directly. The column-major
        //        p x n V^T has the memory layout of row-major V (n x p): written in place; the
        //        column-major U (m x p) is transposed into row-major.
        //  else: a row-major m x n buffer is column-major A^T (n x m, n >= m); LAPACK factors
        //        A^T = W S Z^T, so A = Z S W^T: U_A = Z (column-major Z^T is row-major Z, written
        //        in place), V_A = W (column-major, transposed into row-major).
        int rows = tall ? m : n;
        int cols = tall ? n : m;
        float[] work1 = new float[m * n];
        float[] w = new float[rows * p];
        int[] iwork = new int[8 * p];
        intW info = new intW(0);
        float[] query = new float[1];
        Lapack.call(lapack, l -> l.sgesdd("S", rows, cols, work1, 0, rows, s, 0, w, 0, rows, tall ? v : u, 0, p,
                query, 0, -1, iwork, 0, info));
        float[] work = new float[Math.max(1, (int) query[0])];
        for (int b = from; b < to; b++) {
            int aOff = b * m * n;
            int uOff = b * m * p;
            int vOff = b * n * p;
            if (tall) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        work1[i + j * m] = a[aOff + i * n + j];
                    }
                }
            } else {
                System.arraycopy(a, aOff, work1, 0, m * n);
            }
            info.val = 0;
            int sOff = b * p;
            int factorOff = tall ? vOff : uOff;
            Lapack.call(lapack, l -> l.sgesdd("S", rows, cols, work1, 0, rows, s, sOff, w, 0, rows,
                    tall ? v : u, factorOff, p, work, 0, work.length, iwork, 0, info));
            if (info.val != 0) {
                throw new ArithmeticException("sgesdd failed on matrix " + b + " (info=" + info.val + ")");
            }
            float[] dst = tall ? u : v;
            int dstOff = tall ? uOff : vOff;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < p; j++) {
                    dst[dstOff + i * p + j] = w[i + j * rows];
                }
            }
            fixSigns(u, uOff, m, v, vOff, n, p);
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
        requireOpen();
        if (n < 0) {
            throw new IllegalArgumentException("symmetricEigen: negative n " + n);
        }
        need("symmetricEigen a", a, (long) n * n);
        need("symmetricEigen w", w, n);
        need("symmetricEigen vectors", vectors, (long) n * n);
        requireFiniteUpper("symmetricEigen", a, n);
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
        Lapack.call(lapack, l -> l.dsyevd("V", "L", n, z, 0, n, wd, 0, q, 0, -1, iq, 0, -1, info));
        double[] work = new double[Math.max(1, (int) q[0])];
        int[] iwork = new int[Math.max(1, iq[0])];
        Lapack.call(lapack, l -> l.dsyevd("V", "L", n, z, 0, n, wd, 0, work, 0, work.length, iwork, 0, iwork.length, info));
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
