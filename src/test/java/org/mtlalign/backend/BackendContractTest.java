package org.mtlalign.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;

/**
 * The contract of {@link Backend}, written against the interface only (EJML style: one generic
 * suite that every implementation runs). A subclass returns the implementation under test from
 * {@link #backend()}; a backend that needs hardware may skip there with an assumption.
 *
 * <p>Every test draws fresh random inputs from a seed taken from {@link System#nanoTime()}; the
 * seed is in every assertion message, and {@code -Dmtlalign.test.seed=N} replays a failing run.
 * Sizes are odd on purpose (1, primes, non-multiples of 16/32). Outputs that the contract says
 * are overwritten are poisoned with NaN before the call, and buffers get a tail of sentinel
 * values past the region the call may write (callers preallocate larger buffers). Errors are
 * measured against float64 references computed here (EJML for the decompositions).
 */
public abstract class BackendContractTest {

    /** Unit roundoff of float32 as used in the tolerances: 2^-23. */
    protected static final double EPS32 = 0x1p-23;
    /** Written past the end of every output region; must survive the call unchanged. */
    private static final float SENTINEL = TestMatrices.SENTINEL;
    private static final int TAIL = TestMatrices.TAIL;
    private static final boolean[] BOOLS = {false, true};

    /** The implementation under test; called once per test. */
    protected abstract Backend backend();

    private Backend be;
    private long seed;
    private Random rnd;

    @BeforeEach
    void openBackend() {
        seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        rnd = new Random(seed);
        be = backend();
    }

    @AfterEach
    void closeBackend() {
        if (be != null) {
            be.close();
        }
    }

    /**
     * A closed backend refuses every operation with IllegalStateException (README: "a closed
     * backend refuses every call"), whatever path the call would take: the CUDA backend ran
     * gatherRows, and an svd or eigen decomposition above maxJacobiN, on its CPU twin without
     * checking, so those kept working after close() while the CPU backend refused them.
     */
    @Test
    void aClosedBackendRefusesEveryOperation() {
        be.close();
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] c = new float[8];
        java.util.Map<String, org.junit.jupiter.api.function.Executable> ops = new java.util.LinkedHashMap<>();
        ops.put("gemm", () -> be.gemm(false, false, 2, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, c, 0, 2));
        ops.put("gram", () -> be.gram(x, 4, 2, false, c));
        ops.put("biasActivation", () -> be.biasActivation(Activation.RELU, x, 4, 2, new float[2], new float[8]));
        ops.put("activationBackward", () -> be.activationBackward(Activation.RELU, x, x, new float[8], 8));
        ops.put("lossAndGradient", () -> be.lossAndGradient(Loss.SQUARED, x, 8, 1, x, 1f, new float[8]));
        ops.put("columnSums", () -> be.columnSums(x, 4, 2, c, false));
        ops.put("gatherRows", () -> be.gatherRows(x, 2, new int[] {1, 0}, 0, 2, c));
        ops.put("sgdMomentum", () -> be.sgdMomentum(c, c, new float[8], 8, 0.1f, 0.9f, 0f));
        ops.put("adam", () -> be.adam(c, c, new float[8], new float[8], 8, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, 1));
        ops.put("svd", () -> be.svd(new float[] {2, 0, 0, 1}, 1, 2, 2, new float[4], new float[2], new float[4]));
        ops.put("symmetricEigen", () -> be.symmetricEigen(new float[] {2, 0, 0, 1}, 2, new float[2], new float[4]));
        for (java.util.Map.Entry<String, org.junit.jupiter.api.function.Executable> op : ops.entrySet()) {
            assertThrows(IllegalStateException.class, op.getValue(), at(op.getKey() + " after close()"));
        }
        // Again with the CUDA backend's path for matrices above maxJacobiN (its CPU twin).
        String key = "mtlalign.cuda.maxJacobiN";
        String old = System.getProperty(key);
        System.setProperty(key, "1");
        try {
            assertThrows(IllegalStateException.class, ops.get("svd"), at("svd above maxJacobiN after close()"));
            assertThrows(IllegalStateException.class, ops.get("symmetricEigen"),
                    at("symmetricEigen above maxJacobiN after close()"));
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }

    /** One operation called on fresh arrays of exactly the lengths it needs, named as in its messages. */
    private record ArrayOp(String name, String[] args, java.util.function.Supplier<float[][]> exact,
                           java.util.function.Consumer<float[][]> call) {
    }

    /**
     * Every array argument one value too short, or null, is refused with an
     * IllegalArgumentException naming the operation and the argument, before any array is
     * written; the same call on arrays of exactly the needed lengths runs. The CPU backend failed
     * inside BLAS or deep in a loop (an IndexOutOfBoundsException naming neither), or silently
     * read and wrote past a short argument's region into the caller's other data.
     */
    @Test
    void everyOperationRefusesAnArrayTooShortForItsArgumentsBeforeWriting() {
        int m = 2 + rnd.nextInt(7);
        int n = 2 + rnd.nextInt(7);
        int k = 2 + rnd.nextInt(7);
        boolean tA = rnd.nextBoolean();
        boolean tB = rnd.nextBoolean();
        int aOff = rnd.nextInt(3);
        int bOff = rnd.nextInt(3);
        int cOff = rnd.nextInt(3);
        int aCols = tA ? m : k;
        int bCols = tB ? k : n;
        int lda = aCols + rnd.nextInt(3);
        int ldb = bCols + rnd.nextInt(3);
        int ldc = n + rnd.nextInt(3);
        int aLen = aOff + ((tA ? k : m) - 1) * lda + aCols;
        int bLen = bOff + ((tB ? n : k) - 1) * ldb + bCols;
        int cLen = cOff + (m - 1) * ldc + n;
        float[] classes = new float[m];
        for (int i = 0; i < m; i++) {
            classes[i] = rnd.nextInt(n);
        }
        float[] bits = new float[m];
        for (int i = 0; i < m; i++) {
            bits[i] = rnd.nextInt(2);
        }
        int p = Math.min(m, n);
        float[] sym = gaussians(n * n);
        java.util.List<ArrayOp> ops = java.util.List.of(
            new ArrayOp("gemm", new String[] {"A", "B", "C"}, () -> new float[][] {gaussians(aLen), gaussians(bLen),
                gaussians(cLen)}, x -> be.gemm(tA, tB, m, n, k, 1f, x[0], aOff, lda, x[1], bOff, ldb, 0.5f, x[2], cOff, ldc)),
            new ArrayOp("gram", new String[] {"x", "c"}, () -> new float[][] {gaussians(m * n), gaussians(n * n)},
                x -> be.gram(x[0], m, n, true, x[1])),
            new ArrayOp("biasActivation", new String[] {"h", "bias", "out"}, () -> new float[][] {gaussians(m * n),
                gaussians(n), gaussians(m * n)}, x -> be.biasActivation(Activation.RELU, x[0], m, n, x[1], x[2])),
            new ArrayOp("activationBackward", new String[] {"pre", "dOut", "dPre"}, () -> new float[][] {
                gaussians(m), gaussians(m), gaussians(m)}, x -> be.activationBackward(Activation.RELU, x[0], x[1], x[2], m)),
            new ArrayOp("lossAndGradient", new String[] {"out", "target", "grad"}, () -> new float[][] {
                gaussians(m * n), gaussians(m * n), gaussians(m * n)},
                x -> be.lossAndGradient(Loss.SQUARED, x[0], m, n, x[1], 1f, x[2])),
            new ArrayOp("lossAndGradient", new String[] {"out", "target", "grad"}, () -> new float[][] {
                gaussians(m * n), classes.clone(), gaussians(m * n)},
                x -> be.lossAndGradient(Loss.SOFTMAX, x[0], m, n, x[1], 1f, x[2])),
            new ArrayOp("lossAndGradient", new String[] {"out", "target", "grad"}, () -> new float[][] {
                gaussians(m), bits.clone(), gaussians(m)},
                x -> be.lossAndGradient(Loss.LOGISTIC, x[0], m, 1, x[1], 1f, x[2])),
            new ArrayOp("columnSums", new String[] {"a", "out"}, () -> new float[][] {gaussians(m * n), gaussians(n)},
                x -> be.columnSums(x[0], m, n, x[1], true)),
            new ArrayOp("sgdMomentum", new String[] {"p", "g", "v"}, () -> new float[][] {gaussians(m), gaussians(m),
                gaussians(m)}, x -> be.sgdMomentum(x[0], x[1], x[2], m, 0.1f, 0.9f, 0.01f)),
            new ArrayOp("adam", new String[] {"p", "g", "m", "v"}, () -> new float[][] {gaussians(m), gaussians(m),
                gaussians(m), gaussians(m)}, x -> be.adam(x[0], x[1], x[2], x[3], m, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, 2)),
            new ArrayOp("svd", new String[] {"a", "u", "s", "v"}, () -> new float[][] {gaussians(2 * m * n),
                gaussians(2 * m * p), gaussians(2 * p), gaussians(2 * n * p)},
                x -> be.svd(x[0], 2, m, n, x[1], x[2], x[3])),
            new ArrayOp("symmetricEigen", new String[] {"a", "w", "vectors"}, () -> new float[][] {sym.clone(),
                gaussians(n), gaussians(n * n)}, x -> be.symmetricEigen(x[0], n, x[1], x[2])));
        String sizes = " (m=" + m + " n=" + n + " k=" + k + ")";
        for (ArrayOp op : ops) {
            op.call().accept(op.exact().get());
            for (int i = 0; i < op.args().length; i++) {
                for (boolean nullArray : BOOLS) {
                    if (nullArray && op.args()[i].equals("bias")) {
                        continue;  // no bias is allowed
                    }
                    float[][] x = op.exact().get();
                    x[i] = nullArray ? null : Arrays.copyOf(x[i], x[i].length - 1);
                    float[][] before = new float[x.length][];
                    for (int j = 0; j < x.length; j++) {
                        before[j] = x[j] == null ? null : x[j].clone();
                    }
                    String label = op.name() + " with " + op.args()[i] + (nullArray ? " null" : " one value too short")
                            + sizes;
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> op.call().accept(x),
                            at(label));
                    String want = (op.name() + " " + op.args()[i]).toLowerCase(java.util.Locale.ROOT);
                    assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains(want),
                            at(label + ": the message names '" + want + "': " + e.getMessage()));
                    for (int j = 0; j < x.length; j++) {
                        assertTrue(Arrays.equals(before[j], x[j]), at(label + ": argument " + op.args()[j] + " was written"));
                    }
                }
            }
        }
    }

    /** Negative sizes and offsets, a leading dimension below the columns and Adam's step 0 are refused alike. */
    @Test
    void negativeSizesAndImpossibleLayoutsAreRefused() {
        float[] x = gaussians(64);
        float[] y = gaussians(64);
        java.util.Map<String, org.junit.jupiter.api.function.Executable> ops = new java.util.LinkedHashMap<>();
        ops.put("gemm m < 0", () -> be.gemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, y, 0, 2));
        ops.put("gemm k < 0", () -> be.gemm(false, false, 2, 2, -3, 1f, x, 0, 2, x, 0, 2, 0f, y, 0, 2));
        ops.put("gemm aOff < 0", () -> be.gemm(false, false, 2, 2, 2, 1f, x, -1, 2, x, 0, 2, 0f, y, 0, 2));
        ops.put("gemm cOff < 0", () -> be.gemm(false, false, 2, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, y, -2, 2));
        ops.put("gemm lda < k", () -> be.gemm(false, false, 2, 2, 3, 1f, x, 0, 2, x, 0, 2, 0f, y, 0, 2));
        ops.put("gemm ldb < n (B^T)", () -> be.gemm(false, true, 2, 3, 2, 1f, x, 0, 2, x, 0, 1, 0f, y, 0, 3));
        ops.put("gemm ldc < n", () -> be.gemm(false, false, 2, 3, 2, 1f, x, 0, 2, x, 0, 3, 0f, y, 0, 2));
        ops.put("gram d < 0", () -> be.gram(x, 2, -2, false, y));
        ops.put("gram m < 0", () -> be.gram(x, -2, 2, false, y));
        ops.put("biasActivation", () -> be.biasActivation(Activation.RELU, x, -1, 2, null, y));
        ops.put("activationBackward", () -> be.activationBackward(Activation.RELU, x, x, y, -1));
        ops.put("lossAndGradient", () -> be.lossAndGradient(Loss.SQUARED, x, 2, -1, x, 1f, y));
        ops.put("columnSums", () -> be.columnSums(x, 2, -1, y, false));
        ops.put("sgdMomentum", () -> be.sgdMomentum(x, x, y, -1, 0.1f, 0.9f, 0f));
        ops.put("adam n < 0", () -> be.adam(x, x, y, y, -1, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, 1));
        ops.put("adam t = 0", () -> be.adam(y, x, x.clone(), x.clone(), 5, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, 0));
        ops.put("svd", () -> be.svd(x, 1, -2, 2, y, y, y));
        ops.put("symmetricEigen", () -> be.symmetricEigen(x, -2, y, y));
        float[] y0 = y.clone();
        for (java.util.Map.Entry<String, org.junit.jupiter.api.function.Executable> op : ops.entrySet()) {
            assertThrows(IllegalArgumentException.class, op.getValue(), at(op.getKey()));
            assertTrue(Arrays.equals(y0, y), at(op.getKey() + ": the output was written"));
        }
    }

    /**
     * A softmax target that is not a class index of the outputs is refused before the gradient
     * is written: the CPU backend read the logit of the next row for class {@code outputs} (a
     * silently wrong loss) and failed with an ArrayIndexOutOfBoundsException on the last row.
     */
    @Test
    void softmaxTargetsOutsideTheClassesAreRefused() {
        int rows = 3 + rnd.nextInt(9);
        int outputs = 2 + rnd.nextInt(5);
        for (float bad : new float[] {outputs, -1f, outputs + 17}) {
            float[] target = new float[rows];
            for (int i = 0; i < rows; i++) {
                target[i] = rnd.nextInt(outputs);
            }
            int at = rnd.nextInt(rows);
            target[at] = bad;
            float[] grad = poisoned(rows * outputs);
            float[] grad0 = grad.clone();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> be.lossAndGradient(Loss.SOFTMAX, gaussians(rows * outputs), rows, outputs, target, 1f, grad),
                    at("target[" + at + "] = " + bad + " of " + outputs + " classes"));
            assertTrue(e.getMessage().contains("target[" + at + "]"), at("the message names target[" + at + "]: "
                    + e.getMessage()));
            assertTrue(Arrays.equals(grad0, grad), at("grad was written before the refusal"));
        }
    }

    /**
     * gatherRows refuses a range past the index array and a short destination
     * (IllegalArgumentException) and an index outside the source's rows
     * (IndexOutOfBoundsException naming it), before writing the destination.
     */
    @Test
    void gatherRowsRefusesIndicesAndArraysThatDoNotFit() {
        int cols = 1 + rnd.nextInt(7);
        int srcRows = 5 + rnd.nextInt(9);
        float[] src = gaussians(srcRows * cols);
        int count = 2 + rnd.nextInt(4);
        int[] idx = new int[count + 2];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = rnd.nextInt(srcRows);
        }
        float[] dst = poisoned(count * cols);
        float[] dst0 = dst.clone();
        assertTrue(e(IllegalArgumentException.class, () -> be.gatherRows(src, cols, idx, 3, count, dst))
                .contains("idx"), at("a range past idx"));
        assertTrue(e(IllegalArgumentException.class, () -> be.gatherRows(src, cols, idx, -1, count, dst))
                .contains("idx"), at("a negative from"));
        assertTrue(e(IllegalArgumentException.class, () -> be.gatherRows(src, cols, idx, 0, -1, dst))
                .contains("gatherRows"), at("a negative count"));
        assertTrue(e(IllegalArgumentException.class,
                () -> be.gatherRows(src, cols, idx, 0, count, Arrays.copyOf(dst, count * cols - 1)))
                .contains("gatherRows dst"), at("a short dst"));
        assertTrue(e(IllegalArgumentException.class, () -> be.gatherRows(null, cols, idx, 0, count, dst))
                .contains("gatherRows src"), at("a null src"));
        for (int bad : new int[] {srcRows, -1}) {
            int[] badIdx = idx.clone();
            int at = 1 + rnd.nextInt(count - 1);
            badIdx[at] = bad;
            String msg = e(IndexOutOfBoundsException.class, () -> be.gatherRows(src, cols, badIdx, 0, count, dst));
            assertTrue(msg.contains("idx[" + at + "] = " + bad), at("the message names idx[" + at + "]: " + msg));
        }
        // one value short of the largest indexed row
        int[] last = idx.clone();
        for (int i = 0; i < count - 1; i++) {
            last[i] = rnd.nextInt(srcRows - 1);
        }
        last[count - 1] = srcRows - 1;
        String msg = e(IndexOutOfBoundsException.class,
                () -> be.gatherRows(Arrays.copyOf(src, srcRows * cols - 1), cols, last, 0, count, dst));
        assertTrue(msg.contains("idx[" + (count - 1) + "]"), at("a source one value short: " + msg));
        assertTrue(Arrays.equals(dst0, dst), at("dst was written before a refusal"));
    }

    private String e(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable call) {
        return assertThrows(type, call, at(type.getSimpleName())).getMessage();
    }

    private String at(String what) {
        return "[" + be.name() + " seed=" + seed + " (replay: -Dmtlalign.test.seed=" + seed + ")] " + what;
    }

    // ------------------------------------------------------------------------------------------
    // gemm
    // ------------------------------------------------------------------------------------------

    private static final int[][] GEMM_SHAPES = {
        {7, 13, 31}, {33, 65, 17}, {65, 33, 13}, {1, 13, 7}, {13, 1, 7}, {1, 1, 1},
        {1, 31, 65}, {31, 1, 65}, {33, 33, 1}, {31, 7, 129},
    };

    @Test
    void gemmAllTransposesWithOffsetsAndPaddedLeadingDimensions() {
        for (boolean tA : BOOLS) {
            for (boolean tB : BOOLS) {
                for (int[] s : GEMM_SHAPES) {
                    gemmCase(tA, tB, s[0], s[1], s[2], randomScalar(), randomScalar(), false);
                }
            }
        }
    }

    /**
     * BLAS semantics: with beta = 0, C is not read, so NaN (or garbage) already in C must not
     * reach the result: C = alpha op(A) op(B) exactly as if C had been zero. (IEEE arithmetic
     * would give 0 * NaN = NaN; the contract follows BLAS instead, since callers reuse buffers.)
     */
    @Test
    void gemmBetaZeroIgnoresNaNInC() {
        for (boolean tA : BOOLS) {
            for (boolean tB : BOOLS) {
                for (int[] s : GEMM_SHAPES) {
                    gemmCase(tA, tB, s[0], s[1], s[2], randomScalar(), 0f, true);
                }
            }
        }
    }

    /** k = 0: op(A) op(B) is the empty sum, so C = beta C (and C = 0 when beta = 0, even from NaN). */
    @Test
    void gemmWithEmptyInnerDimensionScalesC() {
        int[][] shapes = {{7, 13}, {1, 1}, {33, 1}, {1, 65}};
        for (boolean tA : BOOLS) {
            for (boolean tB : BOOLS) {
                for (int[] s : shapes) {
                    gemmCase(tA, tB, s[0], s[1], 0, randomScalar(), randomScalar(), false);
                    gemmCase(tA, tB, s[0], s[1], 0, randomScalar(), 0f, true);
                }
            }
        }
    }

    private float randomScalar() {
        float x = 0.5f + rnd.nextFloat();
        if (x == 1f) {
            x = 1.25f;
        }
        return rnd.nextBoolean() ? x : -x;
    }

    /**
     * One gemm call with random offsets and padded leading dimensions; the padding of A and B is
     * NaN (reading it would poison C) and the padding of C is a sentinel (writing it is a bug).
     *
     * <p>Tolerance: the float32 dot-product bound |fl(x.y) - x.y| <= k eps sum|x_i y_i| with
     * about 100x slack, i.e. |C - ref| <= 1e-5 * max(k, 1) * max_ij (|alpha| sum_l |a_il b_lj|
     * + |beta c_ij|). The scale is max|ref| when there is no cancellation and stays fair
     * when there is.
     */
    private void gemmCase(boolean tA, boolean tB, int m, int n, int k, float alpha, float beta,
                          boolean poisonC) {
        int aRows = tA ? k : m;
        int aCols = tA ? m : k;
        int bRows = tB ? n : k;
        int bCols = tB ? k : n;
        int lda = Math.max(1, aCols) + 1 + rnd.nextInt(4);
        int ldb = Math.max(1, bCols) + 1 + rnd.nextInt(4);
        int ldc = n + 1 + rnd.nextInt(4);
        int aOff = 1 + rnd.nextInt(5);
        int bOff = 1 + rnd.nextInt(5);
        int cOff = 1 + rnd.nextInt(5);
        float[] a = strided(aRows, aCols, aOff, lda, Float.NaN);
        float[] b = strided(bRows, bCols, bOff, ldb, Float.NaN);
        float[] c = strided(m, n, cOff, ldc, SENTINEL);
        if (poisonC) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, Float.NaN);
            }
        }
        float[] c0 = c.clone();

        double[] ref = new double[m * n];
        double bound = 0;
        double refMax = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                double abs = 0;
                for (int l = 0; l < k; l++) {
                    double x = (double) (tA ? a[aOff + l * lda + i] : a[aOff + i * lda + l])
                            * (tB ? b[bOff + j * ldb + l] : b[bOff + l * ldb + j]);
                    sum += x;
                    abs += Math.abs(x);
                }
                double cij = beta == 0f ? 0.0 : (double) beta * c0[cOff + i * ldc + j];
                ref[i * n + j] = alpha * sum + cij;
                bound = Math.max(bound, Math.abs(alpha) * abs + Math.abs(cij));
                refMax = Math.max(refMax, Math.abs(ref[i * n + j]));
            }
        }

        be.gemm(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);

        String label = String.format("gemm transA=%b transB=%b m=%d n=%d k=%d alpha=%s beta=%s "
                + "offsets=(%d,%d,%d) ld=(%d,%d,%d)%s", tA, tB, m, n, k, alpha, beta, aOff, bOff, cOff,
                lda, ldb, ldc, poisonC ? " C poisoned with NaN" : "");
        double maxErr = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float got = c[cOff + i * ldc + j];
                if (!Float.isFinite(got)) {
                    fail(at(label + ": C[" + i + "," + j + "] = " + got));
                }
                maxErr = Math.max(maxErr, Math.abs(got - ref[i * n + j]));
            }
        }
        double tol = 1e-5 * Math.max(k, 1) * bound;
        assertTrue(maxErr <= tol, at(String.format("%s: max|C-ref| = %.3g, relative to max|ref| %.3g, "
                + "bound %.3g", label, maxErr, maxErr / refMax, tol)));
        for (int idx = 0; idx < c.length; idx++) {
            int r = (idx - cOff) / ldc;
            int col = (idx - cOff) % ldc;
            boolean inside = idx >= cOff && r < m && col < n;
            if (!inside && Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(c0[idx])) {
                fail(at(label + ": wrote outside C at index " + idx + " (" + c[idx] + ")"));
            }
        }
    }

    private float[] strided(int rows, int cols, int off, int ld, float pad) {
        return TestMatrices.strided(rnd, rows, cols, off, ld, pad);
    }

    // ------------------------------------------------------------------------------------------
    // gram
    // ------------------------------------------------------------------------------------------

    @Test
    void gramMatchesFloat64WithAndWithoutCentring() {
        // 16411 rows: more than one of the CPU backend's fixed row parts (8192 rows each).
        int[][] shapes = {{1, 1}, {1, 7}, {7, 1}, {2, 2}, {5, 13}, {13, 31}, {31, 65}, {65, 33}, {200, 31}, {16411, 9}};
        for (int[] s : shapes) {
            int m = s[0];
            int d = s[1];
            float[] x = new float[m * d];
            float[] offset = new float[d];
            for (int j = 0; j < d; j++) {
                offset[j] = 4f * rnd.nextFloat() - 2f;
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = offset[j] + gauss();
                }
            }
            for (boolean center : BOOLS) {
                gramCase(x, m, d, center, "");
            }
        }
    }

    /**
     * Column means of 1e3 with spread 1: X^T X - m mu mu^T in float32 would lose about
     * eps * 1e6 relative to the centred scale; the contract promises no such cancellation, so
     * the result must be accurate relative to the centred (not the raw) magnitudes.
     */
    @Test
    void gramCentringIsAccurateForLargeColumnMeans() {
        int[][] shapes = {{257, 13}, {1000, 7}, {33, 65}};
        for (int[] s : shapes) {
            int m = s[0];
            int d = s[1];
            float[] x = new float[m * d];
            double[] mean = new double[d];
            for (int j = 0; j < d; j++) {
                mean[j] = (rnd.nextBoolean() ? 1e3 : -1e3) * (1 + rnd.nextDouble());
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) (mean[j] + rnd.nextGaussian());
                }
            }
            gramCase(x, m, d, true, " (column means ~1e3, spread 1)");
        }
    }

    /**
     * Tolerance: |C - ref| <= 1e-5 * m * max_j ref_jj (the diagonal bounds every entry's
     * sum_r |x_ri x_rj| by Cauchy-Schwarz), with ref the float64 Gram of the (centred) input.
     */
    private void gramCase(float[] x, int m, int d, boolean center, String note) {
        float[] x0 = x.clone();
        double[] mu = new double[d];
        if (center) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    mu[j] += x[i * d + j];
                }
            }
            for (int j = 0; j < d; j++) {
                mu[j] /= m;
            }
        }
        double[] ref = new double[d * d];
        for (int r = 0; r < m; r++) {
            for (int i = 0; i < d; i++) {
                double xi = x[r * d + i] - mu[i];
                for (int j = 0; j < d; j++) {
                    ref[i * d + j] += xi * (x[r * d + j] - mu[j]);
                }
            }
        }
        double maxDiag = 0;
        for (int j = 0; j < d; j++) {
            maxDiag = Math.max(maxDiag, ref[j * d + j]);
        }
        float[] c = poisoned(d * d);

        be.gram(x, m, d, center, c);

        String label = "gram m=" + m + " d=" + d + " center=" + center + note;
        double maxErr = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                float got = c[i * d + j];
                if (!Float.isFinite(got)) {
                    fail(at(label + ": C[" + i + "," + j + "] = " + got));
                }
                if (Float.floatToIntBits(got) != Float.floatToIntBits(c[j * d + i])) {
                    fail(at(label + ": not exactly symmetric at (" + i + "," + j + "): " + got + " vs "
                            + c[j * d + i]));
                }
                maxErr = Math.max(maxErr, Math.abs(got - ref[i * d + j]));
            }
        }
        double tol = 1e-5 * m * maxDiag + Float.MIN_NORMAL;
        assertTrue(maxErr <= tol, at(String.format("%s: max|C-ref| = %.3g, relative to max diag %.3g, "
                + "bound %.3g", label, maxErr, maxErr / maxDiag, tol)));
        assertTail(c, d * d, label);
        assertTrue(Arrays.equals(x0, x), at(label + ": the input X was modified"));
    }

    // ------------------------------------------------------------------------------------------
    // elementwise: activation, its backward, column sums, gather
    // ------------------------------------------------------------------------------------------

    @Test
    void biasActivationIdentityAndReluWithAndWithoutBiasInPlaceOrNot() {
        int[][] shapes = {{1, 1}, {1, 31}, {13, 1}, {7, 13}, {33, 65}};
        for (Activation g : Activation.values()) {
            for (boolean withBias : BOOLS) {
                for (boolean inPlace : BOOLS) {
                    for (int[] s : shapes) {
                        int rows = s[0];
                        int cols = s[1];
                        int n = rows * cols;
                        float[] h = withTail(gaussians(n));
                        float[] bias = withBias ? gaussians(cols) : null;
                        float[] h0 = h.clone();
                        float[] out = inPlace ? h : poisoned(n);

                        be.biasActivation(g, h, rows, cols, bias, out);

                        String label = "biasActivation " + g + " bias=" + withBias + " inPlace=" + inPlace
                                + " rows=" + rows + " cols=" + cols;
                        for (int i = 0; i < rows; i++) {
                            for (int j = 0; j < cols; j++) {
                                double pre = (double) h0[i * cols + j] + (bias == null ? 0f : bias[j]);
                                float ref = (float) (g == Activation.RELU ? Math.max(pre, 0.0) : pre);
                                float got = out[i * cols + j];
                                // one float32 rounding of the sum: at most half an ulp
                                if (!(Math.abs(got - ref) <= EPS32 * Math.abs(ref))) {
                                    fail(at(label + ": out[" + i + "," + j + "] = " + got + ", expected " + ref));
                                }
                                if (g == Activation.RELU && !(got >= 0f)) {
                                    fail(at(label + ": negative ReLU output " + got));
                                }
                            }
                        }
                        assertTail(out, n, label);
                        if (!inPlace) {
                            assertTrue(Arrays.equals(h0, h), at(label + ": h was modified"));
                        }
                    }
                }
            }
        }
    }

    @Test
    void activationBackwardIdentityAndReluWithAndWithoutAliasing() {
        int[] sizes = {1, 7, 33, 13 * 65 + 2};
        for (Activation g : Activation.values()) {
            for (boolean alias : BOOLS) {
                for (int n : sizes) {
                    float[] pre = withTail(gaussians(n));
                    float[] dOut = withTail(gaussians(n));
                    float[] pre0 = pre.clone();
                    float[] dOut0 = dOut.clone();
                    float[] dPre = alias ? dOut : poisoned(n);

                    be.activationBackward(g, pre, dOut, dPre, n);

                    String label = "activationBackward " + g + " alias=" + alias + " n=" + n;
                    for (int i = 0; i < n; i++) {
                        float ref = g == Activation.IDENTITY || pre0[i] > 0f ? dOut0[i] : 0f;
                        assertEquals(ref, dPre[i], 0f, at(label + ": dPre[" + i + "] (pre=" + pre0[i] + ")"));
                    }
                    assertTail(dPre, n, label);
                    assertTrue(Arrays.equals(pre0, pre), at(label + ": pre was modified"));
                    if (!alias) {
                        assertTrue(Arrays.equals(dOut0, dOut), at(label + ": dOut was modified"));
                    }
                }
            }
        }
    }

    @Test
    void columnSumsOverwriteAndAccumulate() {
        int[][] shapes = {{1, 1}, {1, 31}, {31, 1}, {7, 13}, {65, 33}, {257, 7}};
        for (boolean accumulate : BOOLS) {
            for (int[] s : shapes) {
                int rows = s[0];
                int cols = s[1];
                float[] a = gaussians(rows * cols);
                float[] out = accumulate ? withTail(gaussians(cols)) : poisoned(cols);
                float[] out0 = out.clone();

                be.columnSums(a, rows, cols, out, accumulate);

                String label = "columnSums rows=" + rows + " cols=" + cols + " accumulate=" + accumulate;
                for (int j = 0; j < cols; j++) {
                    double ref = accumulate ? out0[j] : 0.0;
                    double abs = accumulate ? Math.abs(out0[j]) : 0.0;
                    for (int i = 0; i < rows; i++) {
                        ref += a[i * cols + j];
                        abs += Math.abs(a[i * cols + j]);
                    }
                    // float32 summation bound (rows + 1) eps sum|terms|, with slack 8
                    double tol = 1e-6 * (rows + 1) * abs;
                    double err = Math.abs(out[j] - ref);
                    assertTrue(err <= tol, at(String.format("%s: out[%d] = %s, ref %.9g, relative error %.3g",
                            label, j, out[j], ref, err / abs)));
                }
                assertTail(out, cols, label);
            }
        }
    }

    @Test
    void gatherRowsCopiesTheIndexedRows() {
        int srcRows = 41;
        for (int cols : new int[] {1, 7, 33}) {
            float[] src = gaussians(srcRows * cols);
            int[] idx = new int[31];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = rnd.nextInt(srcRows);
            }
            idx[5] = srcRows - 1;
            idx[6] = 0;
            idx[7] = idx[8]; // a repeat
            for (int[] fc : new int[][] {{5, 1}, {5, 13}, {0, 31}, {30, 1}, {3, 0}}) {
                int from = fc[0];
                int count = fc[1];
                float[] dst = poisoned(count * cols);
                be.gatherRows(src, cols, idx, from, count, dst);
                String label = "gatherRows cols=" + cols + " from=" + from + " count=" + count;
                for (int i = 0; i < count; i++) {
                    for (int j = 0; j < cols; j++) {
                        assertEquals(src[idx[from + i] * cols + j], dst[i * cols + j], 0f,
                                at(label + ": dst[" + i + "," + j + "] (source row " + idx[from + i] + ")"));
                    }
                }
                assertTail(dst, count * cols, label);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // losses
    // ------------------------------------------------------------------------------------------

    @Test
    void squaredLossMultiOutputMatchesFloat64AndFiniteDifferences() {
        int[][] shapes = {{1, 1}, {1, 5}, {7, 3}, {33, 1}, {65, 4}};
        for (int[] s : shapes) {
            int rows = s[0];
            int outputs = s[1];
            float[] out = gaussians(rows * outputs);
            float[] target = gaussians(rows * outputs);
            lossCase(Loss.SQUARED, out, rows, outputs, target, 0.3f + 3 * rnd.nextFloat());
        }
    }

    @Test
    void logisticLossMatchesFloat64AndStaysFiniteForHugeLogits() {
        for (int rows : new int[] {1, 4, 7, 33, 65}) {
            float[] out = new float[rows];
            float[] target = new float[rows];
            for (int i = 0; i < rows; i++) {
                out[i] = 3f * gauss();
                target[i] = rnd.nextBoolean() ? 1f : 0f;
            }
            if (rows >= 4) {
                // saturated logits, right and badly wrong
                out[0] = 80f;
                target[0] = 0f;
                out[1] = -80f;
                target[1] = 1f;
                out[2] = 80f;
                target[2] = 1f;
                out[3] = -80f;
                target[3] = 0f;
            }
            if (rows >= 7) {
                out[4] = 500f;
                target[4] = 0f;
                out[5] = -500f;
                target[5] = 1f;
            }
            lossCase(Loss.LOGISTIC, out, rows, 1, target, 0.3f + 3 * rnd.nextFloat());
        }
        // rows = 1 at the extremes
        for (float z : new float[] {80f, -80f}) {
            for (float y : new float[] {0f, 1f}) {
                lossCase(Loss.LOGISTIC, new float[] {z}, 1, 1, new float[] {y}, 1.5f);
            }
        }
    }

    @Test
    void softmaxLossMatchesFloat64AndFiniteDifferences() {
        int[][] shapes = {{1, 2}, {1, 7}, {7, 3}, {33, 10}, {65, 13}};
        for (int[] s : shapes) {
            int rows = s[0];
            int classes = s[1];
            float[] out = new float[rows * classes];
            for (int i = 0; i < out.length; i++) {
                out[i] = 3f * gauss();
            }
            float[] target = new float[rows];
            for (int i = 0; i < rows; i++) {
                target[i] = rnd.nextInt(classes);
            }
            if (rows >= 7) {
                // one row of huge logits, the target far below the maximum
                for (int j = 0; j < classes; j++) {
                    out[j] = (j % 2 == 0 ? 80f : -80f) + gauss();
                }
                target[0] = 1;
            }
            lossCase(Loss.SOFTMAX, out, rows, classes, target, 0.3f + 3 * rnd.nextFloat());
        }
    }

    /** The loss and its gradient are linear in weight; weight 0 gives exactly 0 and overwrites grad. */
    @Test
    void lossAndGradientScaleWithWeight() {
        for (Loss loss : Loss.values()) {
            for (int rows : new int[] {1, 13}) {
                int outputs = loss == Loss.LOGISTIC ? 1 : 5;
                float[] out = gaussians(rows * outputs);
                float[] target = new float[loss == Loss.SQUARED ? rows * outputs : rows];
                for (int i = 0; i < target.length; i++) {
                    target[i] = loss == Loss.SQUARED ? gauss()
                            : loss == Loss.LOGISTIC ? rnd.nextInt(2) : rnd.nextInt(outputs);
                }
                int n = rows * outputs;
                float[] g1 = poisoned(n);
                double l1 = be.lossAndGradient(loss, out, rows, outputs, target, 1f, g1);
                float w = 0.37f;
                float[] gw = poisoned(n);
                double lw = be.lossAndGradient(loss, out, rows, outputs, target, w, gw);
                String label = "lossAndGradient " + loss + " rows=" + rows + " weight scaling";
                assertTrue(l1 > 0, at(label + ": loss " + l1));
                assertEquals(w * l1, lw, 1e-6 * Math.abs(w * l1), at(label + ": loss"));
                for (int i = 0; i < n; i++) {
                    assertEquals(w * (double) g1[i], gw[i], 1e-6 * Math.abs(w * g1[i]) + 1e-12,
                            at(label + ": grad[" + i + "]"));
                }
                float[] g0 = poisoned(n);
                double l0 = be.lossAndGradient(loss, out, rows, outputs, target, 0f, g0);
                assertEquals(0.0, l0, 0.0, at(label + ": loss at weight 0"));
                for (int i = 0; i < n; i++) {
                    assertEquals(0f, g0[i], 0f, at(label + ": grad[" + i + "] at weight 0"));
                }
                assertTail(g0, n, label);
            }
        }
    }

    /**
     * Loss vs an independent float64 formula (relative error <= 1e-5) and gradient vs the central
     * difference (step 1e-4) of that float64 loss (|grad - fd| <= 2e-5 * max(max|fd|, w/rows)).
     */
    private void lossCase(Loss loss, float[] out, int rows, int outputs, float[] target, float weight) {
        String label = "lossAndGradient " + loss + " rows=" + rows + " outputs=" + outputs + " weight=" + weight;
        int n = rows * outputs;
        float[] out0 = out.clone();
        float[] target0 = target.clone();
        float[] grad = poisoned(n);

        double got = be.lossAndGradient(loss, out, rows, outputs, target, weight, grad);

        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = out0[i];
        }
        double ref = referenceLoss(loss, x, rows, outputs, target0, weight);
        assertTrue(Double.isFinite(got), at(label + ": loss " + got));
        assertTrue(Math.abs(got - ref) <= 1e-5 * Math.abs(ref) + 1e-12,
                at(String.format("%s: loss %.9g, float64 reference %.9g, relative error %.3g", label, got, ref,
                        Math.abs(got - ref) / Math.abs(ref))));

        double h = 1e-4;
        double[] fd = new double[n];
        double fdMax = 0;
        for (int i = 0; i < n; i++) {
            double keep = x[i];
            x[i] = keep + h;
            double up = referenceLoss(loss, x, rows, outputs, target0, weight);
            x[i] = keep - h;
            double down = referenceLoss(loss, x, rows, outputs, target0, weight);
            x[i] = keep;
            fd[i] = (up - down) / (2 * h);
            fdMax = Math.max(fdMax, Math.abs(fd[i]));
        }
        double tol = 2e-5 * Math.max(fdMax, Math.abs(weight) / rows);
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(grad[i])) {
                fail(at(label + ": grad[" + i + "] = " + grad[i]));
            }
            double err = Math.abs(grad[i] - fd[i]);
            assertTrue(err <= tol, at(String.format("%s: grad[%d] = %s, finite difference %.9g, error relative "
                    + "to max|fd| %.3g", label, i, grad[i], fd[i], err / Math.max(fdMax, 1e-300))));
        }
        assertTail(grad, n, label);
        assertTrue(Arrays.equals(out0, out) && Arrays.equals(target0, target),
                at(label + ": inputs were modified"));
    }

    /** The documented losses in float64, written independently of any implementation. */
    private static double referenceLoss(Loss loss, double[] out, int rows, int outputs, float[] target,
                                        double weight) {
        double total = 0;
        switch (loss) {
            case SQUARED:
                for (int i = 0; i < rows * outputs; i++) {
                    double r = out[i] - target[i];
                    total += 0.5 * r * r;
                }
                break;
            case LOGISTIC:
                for (int i = 0; i < rows; i++) {
                    // -[y log s(z) + (1 - y) log(1 - s(z))] = y softplus(-z) + (1 - y) softplus(z)
                    double y = target[i];
                    total += y * softplus(-out[i]) + (1 - y) * softplus(out[i]);
                }
                break;
            case SOFTMAX:
                for (int i = 0; i < rows; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < outputs; j++) {
                        max = Math.max(max, out[i * outputs + j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < outputs; j++) {
                        sum += Math.exp(out[i * outputs + j] - max);
                    }
                    total += max + Math.log(sum) - out[i * outputs + (int) target[i]];
                }
                break;
            default:
                throw new AssertionError(loss);
        }
        return weight * total / rows;
    }

    private static double softplus(double z) {
        return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    }

    // ------------------------------------------------------------------------------------------
    // optimisers
    // ------------------------------------------------------------------------------------------

    /** Several steps of v = mu v + (g + wd p); p -= lr v against the same update in float64. */
    @Test
    void sgdMomentumMatchesFloat64OverSeveralSteps() {
        for (int n : new int[] {1, 7, 33, 1031}) {
            for (float wd : new float[] {0f, 1e-2f}) {
                float lr = 0.01f + 0.1f * rnd.nextFloat();
                float mu = 0.9f;
                float[] p = withTail(gaussians(n));
                float[] v = withTail(gaussians(n));
                double[] pr = toDouble(p, n);
                double[] vr = toDouble(v, n);
                String label = "sgdMomentum n=" + n + " lr=" + lr + " momentum=" + mu + " wd=" + wd;
                for (int step = 1; step <= 7; step++) {
                    float[] g = withTail(gaussians(n));
                    float[] g0 = g.clone();
                    be.sgdMomentum(p, g, v, n, lr, mu, wd);
                    for (int i = 0; i < n; i++) {
                        vr[i] = mu * vr[i] + (g0[i] + (double) wd * pr[i]);
                        pr[i] -= lr * vr[i];
                    }
                    String l = label + " step " + step;
                    assertClose(pr, p, n, 1e-5, l + ": p");
                    assertClose(vr, v, n, 1e-5, l + ": v");
                    assertTail(p, n, l + ": p");
                    assertTail(v, n, l + ": v");
                    assertTrue(Arrays.equals(g0, g), at(l + ": g was modified"));
                }
            }
        }
    }

    /**
     * Adam as documented (Kingma and Ba, Algorithm 1, with bias correction) and AdamW decoupled
     * weight decay, in the form of CpuBackend.adam's javadoc and PyTorch's AdamW:
     * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; mhat = m / (1 - b1^t);
     * vhat = v / (1 - b2^t); p -= lr * (mhat / (sqrt(vhat) + eps) + wd * p).
     * (The folded form lr sqrt(1-b2^t)/(1-b1^t) m / (sqrt(v) + eps sqrt(1-b2^t)) is the same
     * number; an implementation may use either.)
     */
    @Test
    void adamMatchesFloat64OverSeveralSteps() {
        for (int n : new int[] {1, 7, 33, 1031}) {
            for (float wd : new float[] {0f, 0.1f}) {
                float lr = 1e-3f + 0.02f * rnd.nextFloat();
                float b1 = 0.9f;
                float b2 = 0.999f;
                float eps = 1e-8f;
                float[] p = withTail(gaussians(n));
                float[] m = withTail(new float[n]);
                float[] v = withTail(new float[n]);
                double[] pr = toDouble(p, n);
                double[] mr = new double[n];
                double[] vr = new double[n];
                String label = "adam n=" + n + " lr=" + lr + " wd=" + wd;
                for (int t = 1; t <= 6; t++) {
                    float[] g = withTail(gaussians(n));
                    float[] g0 = g.clone();
                    be.adam(p, g, m, v, n, lr, b1, b2, eps, wd, t);
                    for (int i = 0; i < n; i++) {
                        mr[i] = b1 * mr[i] + (1 - (double) b1) * g0[i];
                        vr[i] = b2 * vr[i] + (1 - (double) b2) * g0[i] * g0[i];
                        double mhat = mr[i] / (1 - Math.pow(b1, t));
                        double vhat = vr[i] / (1 - Math.pow(b2, t));
                        pr[i] -= lr * (mhat / (Math.sqrt(vhat) + eps) + wd * pr[i]);
                    }
                    String l = label + " t=" + t;
                    // p moves by about lr per step; its error is relative to |p| + lr
                    assertClose(pr, p, n, 1e-5, l + ": p");
                    assertClose(mr, m, n, 1e-5, l + ": m");
                    assertClose(vr, v, n, 1e-5, l + ": v");
                    assertTail(p, n, l + ": p");
                    assertTail(m, n, l + ": m");
                    assertTail(v, n, l + ": v");
                    assertTrue(Arrays.equals(g0, g), at(l + ": g was modified"));
                }
            }
        }
    }

    /** Bias correction: from m = v = 0 the first step moves every coordinate by lr (g >> eps). */
    @Test
    void adamFirstStepHasMagnitudeLr() {
        int n = 65;
        float lr = 0.01f;
        float[] p = gaussians(n);
        float[] p0 = p.clone();
        float[] g = gaussians(n);
        be.adam(p, g, new float[n], new float[n], n, lr, 0.9f, 0.999f, 1e-8f, 0f, 1);
        for (int i = 0; i < n; i++) {
            if (Math.abs(g[i]) > 1e-3) {
                assertEquals(-Math.signum(g[i]) * lr, (double) p[i] - p0[i], 1e-3 * lr,
                        at("adam first step, coordinate " + i + " (g=" + g[i] + ")"));
            }
        }
    }

    /**
     * Decoupled (AdamW) weight decay shrinks p by lr * wd * p on coordinates without gradient;
     * an L2 penalty folded into the gradient would instead move them by about lr.
     */
    @Test
    void adamWeightDecayIsDecoupled() {
        int n = 33;
        float lr = 0.01f;
        float wd = 0.5f;
        float[] p = gaussians(n);
        float[] p0 = p.clone();
        float[] g = gaussians(n);
        for (int i = 0; i < n; i += 2) {
            g[i] = 0f;
        }
        be.adam(p, g, new float[n], new float[n], n, lr, 0.9f, 0.999f, 1e-8f, wd, 1);
        for (int i = 0; i < n; i += 2) {
            assertEquals(p0[i] * (1 - (double) lr * wd), p[i], 1e-6 * Math.abs(p0[i]),
                    at("adamW decay, zero-gradient coordinate " + i));
        }
    }

    private void assertClose(double[] ref, float[] got, int n, double rel, String label) {
        for (int i = 0; i < n; i++) {
            double err = Math.abs(got[i] - ref[i]);
            if (!(err <= rel * (1 + Math.abs(ref[i])))) {
                fail(at(String.format("%s[%d] = %s, float64 reference %.9g, error %.3g", label, i, got[i], ref[i],
                        err)));
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // svd
    // ------------------------------------------------------------------------------------------

    @Test
    void svdOfAssortedShapes() {
        int[][] shapes = {{1, 1}, {1, 13}, {13, 1}, {2, 2}, {67, 13}, {200, 31}, {13, 67}, {31, 31}, {64, 64}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            svdBatch(new float[][] {gaussians(m * n)}, m, n, "random");
        }
    }

    @Test
    void svdOfRankDeficientMatrices() {
        int[][] shapes = {{40, 25}, {25, 40}, {33, 33}, {67, 13}};
        for (int[] s : shapes) {
            svdBatch(new float[][] {lowRank(s[0], s[1], 3)}, s[0], s[1], "rank 3");
        }
    }

    @Test
    void svdOfZeroMatrix() {
        int[][] shapes = {{1, 1}, {5, 3}, {3, 5}, {7, 7}};
        for (int[] s : shapes) {
            svdBatch(new float[][] {new float[s[0] * s[1]]}, s[0], s[1], "zero");
        }
    }

    /** Q1 diag(5, 5, 5, 1, 1, 1, 0.5, 0.25, ...) Q2^T with random orthonormal Q from EJML QR. */
    @Test
    void svdWithRepeatedSingularValues() {
        int[][] shapes = {{40, 20}, {20, 40}, {13, 13}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int p = Math.min(m, n);
            double[] sv = new double[p];
            for (int j = 0; j < p; j++) {
                sv[j] = j < 3 ? 5 : j < 6 ? 1 : Math.pow(0.5, j - 5);
            }
            float[] a = withSingularValues(m, n, sv);
            svdBatch(new float[][] {a}, m, n, "repeated singular values");
            // also against the singular values it was built from
            float[] u = new float[m * p];
            float[] sg = new float[p];
            float[] v = new float[n * p];
            be.svd(a, 1, m, n, u, sg, v);
            for (int j = 0; j < p; j++) {
                assertEquals(sv[j], sg[j], 30 * EPS32 * Math.max(m, n) * 5,
                        at("svd repeated m=" + m + " n=" + n + ": s[" + j + "]"));
            }
        }
    }

    /** Several matrices of different content and scale in one call, a zero matrix among them. */
    @Test
    void svdBatchOfDifferentMatrices() {
        int m = 33;
        int n = 7;
        float[] big = gaussians(m * n);
        float[] small = gaussians(m * n);
        for (int i = 0; i < m * n; i++) {
            big[i] *= 1e3f;
            small[i] *= 1e-3f;
        }
        svdBatch(new float[][] {gaussians(m * n), big, lowRank(m, n, 2), new float[m * n], small}, m, n,
                "batch of 5");
        svdBatch(new float[][] {gaussians(n * m), lowRank(n, m, 3), gaussians(n * m)}, n, m, "batch of 3");
        svdBatch(new float[][] {gaussians(1), gaussians(1), new float[1], gaussians(1)}, 1, 1, "batch of 1x1");
    }

    private void svdBatch(float[][] mats, int m, int n, String what) {
        int batch = mats.length;
        int p = Math.min(m, n);
        float[] a = new float[batch * m * n];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(mats[b], 0, a, b * m * n, m * n);
        }
        float[] u = poisoned(batch * m * p);
        float[] s = poisoned(batch * p);
        float[] v = poisoned(batch * n * p);

        be.svd(a, batch, m, n, u, s, v);

        for (int b = 0; b < batch; b++) {
            svdCheck(String.format("svd %s m=%d n=%d, matrix %d of %d", what, m, n, b, batch),
                    mats[b], m, n, u, b * m * p, s, b * p, v, b * n * p);
        }
        String label = "svd " + what + " m=" + m + " n=" + n + " batch=" + batch;
        assertTail(u, batch * m * p, label + ": u");
        assertTail(s, batch * p, label + ": s");
        assertTail(v, batch * n * p, label + ": v");
    }

    /**
     * Reconstruction ||A - U S V^T||_F / (||A||_F max(m, n)) <= 30 eps (absolute and tiny for
     * A = 0); S descending, non-negative and within 30 eps max(m, n) s_max of EJML's float64
     * values; for columns with nonzero singular value (above that tolerance): ||U^T U - I||_max
     * and ||V^T V - I||_max <= 30 eps max(m, n), and the first largest-magnitude entry of each
     * U column positive.
     */
    private void svdCheck(String label, float[] a, int m, int n, float[] u, int uOff, float[] s, int sOff,
                          float[] v, int vOff) {
        int p = Math.min(m, n);
        int big = Math.max(m, n);
        for (int i = 0; i < m * p; i++) {
            assertTrue(Float.isFinite(u[uOff + i]), at(label + ": U entry " + i + " = " + u[uOff + i]));
        }
        for (int i = 0; i < n * p; i++) {
            assertTrue(Float.isFinite(v[vOff + i]), at(label + ": V entry " + i + " = " + v[vOff + i]));
        }
        for (int j = 0; j < p; j++) {
            float sj = s[sOff + j];
            assertTrue(Float.isFinite(sj) && sj >= 0f, at(label + ": s[" + j + "] = " + sj));
            if (j > 0) {
                assertTrue(s[sOff + j - 1] >= sj, at(label + ": not descending at " + j + ": "
                        + s[sOff + j - 1] + " < " + sj));
            }
        }

        DMatrixRMaj am = new DMatrixRMaj(m, n);
        double normA = 0;
        for (int i = 0; i < m * n; i++) {
            am.data[i] = a[i];
            normA += (double) a[i] * a[i];
        }
        normA = Math.sqrt(normA);
        SingularValueDecomposition_F64<DMatrixRMaj> ref = DecompositionFactory_DDRM.svd(m, n, false, false, true);
        assertTrue(ref.decompose(am.copy()), at(label + ": EJML reference failed"));
        double[] sr = Arrays.copyOf(ref.getSingularValues(), ref.numberOfSingularValues());
        Arrays.sort(sr);
        double sMax = sr.length == 0 ? 0 : sr[sr.length - 1];
        double sTol = 30 * EPS32 * big * sMax;
        for (int j = 0; j < p; j++) {
            double want = sr[p - 1 - j];
            double err = Math.abs(s[sOff + j] - want);
            assertTrue(err <= sTol, at(String.format("%s: s[%d] = %s, float64 %.9g, error relative to s_max %.3g",
                    label, j, s[sOff + j], want, err / Math.max(sMax, Double.MIN_VALUE))));
        }

        double res = 0;
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < n; k++) {
                double x = 0;
                for (int j = 0; j < p; j++) {
                    x += (double) u[uOff + i * p + j] * s[sOff + j] * v[vOff + k * p + j];
                }
                double r = a[i * n + k] - x;
                res += r * r;
            }
        }
        res = Math.sqrt(res);
        if (normA == 0) {
            assertTrue(res <= Float.MIN_NORMAL, at(label + ": zero matrix reconstructed with ||U S V^T||_F = " + res));
        } else {
            double rel = res / (normA * big);
            assertTrue(rel <= 30 * EPS32, at(String.format("%s: ||A - U S V^T||_F / (||A||_F max(m,n)) = %.3g "
                    + "> 30 eps", label, rel)));
        }

        int rank = 0;
        while (rank < p && s[sOff + rank] > sTol) {
            rank++;
        }
        double oTol = 30 * EPS32 * big;
        double uErr = TestMatrices.orthonormalityError(u, uOff, m, p, rank);
        double vErr = TestMatrices.orthonormalityError(v, vOff, n, p, rank);
        assertTrue(uErr <= oTol, at(String.format("%s: ||U^T U - I||_max = %.3g over %d columns", label, uErr, rank)));
        assertTrue(vErr <= oTol, at(String.format("%s: ||V^T V - I||_max = %.3g over %d columns", label, vErr, rank)));
        assertSignConvention(u, uOff, m, p, rank, label + ": U");
    }



    /** In each of the first cols columns, the first entry of largest magnitude is positive. */
    private void assertSignConvention(float[] x, int off, int rows, int ld, int cols, String label) {
        for (int j = 0; j < cols; j++) {
            int best = TestMatrices.largestMagnitudeRow(x, off, rows, ld, j);
            float e = x[off + best * ld + j];
            assertTrue(e > 0f, at(label + " column " + j + ": largest-magnitude entry (row " + best + ") is " + e));
        }
    }

    private float[] lowRank(int m, int n, int r) {
        return TestMatrices.lowRank(rnd, m, n, r);
    }

    /** Q1 diag(sv) Q2^T rounded to float32, with Q1 (m x p), Q2 (n x p) orthonormal columns. */
    private float[] withSingularValues(int m, int n, double[] sv) {
        return TestMatrices.withSingularValues(rnd, m, n, sv, false);
    }


    // ------------------------------------------------------------------------------------------
    // symmetricEigen
    // ------------------------------------------------------------------------------------------

    @Test
    void symmetricEigenOfRandomSymmetricMatricesReadsOnlyTheUpperTriangle() {
        for (int n : new int[] {1, 2, 7, 33}) {
            float[] a = new float[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    a[i * n + j] = gauss();
                    a[j * n + i] = a[i * n + j];
                }
            }
            float[] w = eigenCheck("symmetricEigen n=" + n, a, a.clone(), n);
            float[] nanLower = a.clone();
            float[] garbageLower = a.clone();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < i; j++) {
                    nanLower[i * n + j] = Float.NaN;
                    garbageLower[i * n + j] = 1e6f * gauss();
                }
            }
            float[] wNan = eigenCheck("symmetricEigen n=" + n + " lower triangle NaN", a, nanLower, n);
            float[] wGarbage = eigenCheck("symmetricEigen n=" + n + " lower triangle garbage", a, garbageLower, n);
            double tol = 30 * EPS32 * n * Math.max(Math.abs(w[0]), Math.abs(w[n - 1]));
            for (int k = 0; k < n; k++) {
                assertEquals(w[k], wNan[k], tol, at("symmetricEigen n=" + n + ": w[" + k + "] changed with NaN lower"));
                assertEquals(w[k], wGarbage[k], tol,
                        at("symmetricEigen n=" + n + ": w[" + k + "] changed with garbage lower"));
            }
        }
    }

    /** A Gram matrix of rank 5 (n = 33): a repeated zero eigenvalue, as in the analyses. */
    @Test
    void symmetricEigenOfRankDeficientGram() {
        int n = 33;
        int r = 5;
        float[] x = gaussians(r * n);
        float[] a = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double dot = 0;
                for (int k = 0; k < r; k++) {
                    dot += (double) x[k * n + i] * x[k * n + j];
                }
                a[i * n + j] = (float) dot;
                a[j * n + i] = (float) dot;
            }
        }
        eigenCheck("symmetricEigen rank-5 Gram n=33", a, a.clone(), n);
    }

    /**
     * w descending and within 30 eps n max|w| of EJML's float64 eigenvalues; residual
     * max |A v - w v| within the same bound; ||V^T V - I||_max <= 30 eps n; the sign convention
     * of svd. {@code a} is the full symmetric matrix, {@code input} what the backend gets.
     */
    private float[] eigenCheck(String label, float[] a, float[] input, int n) {
        float[] w = poisoned(n);
        float[] vec = poisoned(n * n);

        be.symmetricEigen(input, n, w, vec);

        for (int i = 0; i < n * n; i++) {
            assertTrue(Float.isFinite(vec[i]), at(label + ": vectors entry " + i + " = " + vec[i]));
        }
        for (int k = 0; k < n; k++) {
            assertTrue(Float.isFinite(w[k]), at(label + ": w[" + k + "] = " + w[k]));
            if (k > 0) {
                assertTrue(w[k - 1] >= w[k], at(label + ": not descending at " + k + ": " + w[k - 1] + " < " + w[k]));
            }
        }
        DMatrixRMaj am = new DMatrixRMaj(n, n);
        for (int i = 0; i < n * n; i++) {
            am.data[i] = a[i];
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        assertTrue(eig.decompose(am.copy()), at(label + ": EJML reference failed"));
        double[] wr = new double[n];
        for (int k = 0; k < n; k++) {
            wr[k] = eig.getEigenvalue(k).real;
        }
        Arrays.sort(wr);
        double wMax = Math.max(Math.abs(wr[0]), Math.abs(wr[n - 1]));
        double tol = 30 * EPS32 * n * wMax;
        for (int k = 0; k < n; k++) {
            double want = wr[n - 1 - k];
            double err = Math.abs(w[k] - want);
            assertTrue(err <= tol, at(String.format("%s: w[%d] = %s, float64 %.9g, error relative to max|w| %.3g",
                    label, k, w[k], want, err / wMax)));
        }
        double res = 0;
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += (double) a[i * n + j] * vec[j * n + k];
                }
                res = Math.max(res, Math.abs(av - (double) w[k] * vec[i * n + k]));
            }
        }
        assertTrue(res <= tol, at(String.format("%s: max|A v - w v| = %.3g, relative to max|w| %.3g", label, res,
                res / wMax)));
        double oErr = TestMatrices.orthonormalityError(vec, 0, n, n, n);
        assertTrue(oErr <= 30 * EPS32 * n, at(String.format("%s: ||V^T V - I||_max = %.3g", label, oErr)));
        assertSignConvention(vec, 0, n, n, n, label + ": vectors");
        assertTail(w, n, label + ": w");
        assertTail(vec, n * n, label + ": vectors");
        return w;
    }

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    private float gauss() {
        return (float) rnd.nextGaussian();
    }

    private float[] gaussians(int n) {
        return TestMatrices.gaussians(rnd, n);
    }

    private static float[] poisoned(int n) {
        return TestMatrices.poisoned(n);
    }

    private static float[] withTail(float[] data) {
        return TestMatrices.withTail(data);
    }

    private static double[] toDouble(float[] x, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private void assertTail(float[] x, int from, String label) {
        int i = TestMatrices.firstOverwrittenTail(x, from);
        if (i >= 0) {
            fail(at(label + ": wrote past the end of its region at index " + i + " (" + x[i] + ")"));
        }
    }
}
