package org.mtlalign.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mtlalign.backend.TestMatrices;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;

/**
 * Every kernel against its CPU twin ({@link CpuBackend}) on the same seeded random inputs, with
 * odd sizes (1, primes, non-multiples of the 32-wide tiles) and the differing row counts m_i of
 * real tasks. Outputs are poisoned (NaN) before each launch and followed by a sentinel tail that
 * must survive. The tolerance is stated per kernel as |gpu - cpu| <= atol + rtol |cpu| (or the
 * per-element bound named there); a failure lists the first mismatches. The seed is printed on
 * failure; {@code -Dmtlalign.test.seed=N} replays it.
 */
@GpuTest
class CudaParityTest {
    private static final double EPS = 0x1p-23;
    private static final float SENTINEL = TestMatrices.SENTINEL;
    private static final int TAIL = TestMatrices.TAIL;

    private static CudaBackend gpu;
    private static CpuBackend cpu;

    private long seed;
    private Random rnd;

    @BeforeAll
    static void open() {
        if (CudaProbe.usable()) {  // tests are disabled otherwise (see GpuTest)
            gpu = new CudaBackend();
            cpu = new CpuBackend();
            System.out.println("[CudaParityTest] " + gpu.description());
        }
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
            gpu = null;
        }
    }

    @BeforeEach
    void seed() {
        seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        rnd = new Random(seed);
    }

    private String at(String what) {
        return "[seed=" + seed + " (replay: -Dmtlalign.test.seed=" + seed + ")] " + what;
    }

    // ------------------------------------------------------------------------------------------
    // shared layer
    // ------------------------------------------------------------------------------------------

    /**
     * The three products of the shared layer for tasks of differing m_i (forward H = X B: nn;
     * dB = X^T dH: tn; dX = dH B^T: nt) plus tt, with alpha/beta, offsets and padded leading
     * dimensions. Tolerance per element: |gpu - cpu| <= 2 k eps S_ij + tiny, where
     * S_ij = |alpha| sum_l |a_il b_lj| + |beta c_ij| (each result is within k eps S_ij of the
     * exact value, so they are within twice that of each other).
     */
    @Test
    void gemmLayerFormsOverDifferingTaskSizes() {
        int[] mi = {1, 7, 31, 33, 97, 257, 1000};
        int[][] dr = {{1, 1}, {13, 5}, {64, 32}, {65, 33}, {129, 7}};
        for (int m : mi) {
            for (int[] x : dr) {
                int d = x[0];
                int r = x[1];
                float beta = rnd.nextBoolean() ? 0f : 1f;
                gemmCase(false, false, m, r, d, 1f, beta);          // H = X B
                gemmCase(true, false, d, r, m, 1f, beta);           // dB = X^T dH
                gemmCase(false, true, m, d, r, 1f, 0f);             // dX = dH B^T
                gemmCase(true, true, r, m, d, -0.75f, 0.5f);
            }
        }
        gemmCase(false, false, 1031, 257, 129, 1.5f, -0.5f);
        gemmCase(true, false, 257, 129, 1031, 1f, 1f);
        gemmCase(false, true, 1031, 129, 257, 1f, 0f);
    }

    /** k = 0 (C = beta C, or exactly 0 from NaN when beta = 0) and m beyond one grid's rows. */
    @Test
    void gemmEdgeCasesEmptyInnerDimensionAndRowChunking() {
        gemmCase(false, false, 7, 13, 0, 1f, 0f);
        gemmCase(true, true, 33, 1, 0, 1f, 0.5f);
        // 65535 * 32 rows per launch: this needs two launches.
        gemmCase(false, false, 65535 * 32 + 5, 3, 2, 1f, 0f);
        gemmCase(true, false, 65535 * 32 + 5, 2, 3, 1f, 0f);
    }

    private void gemmCase(boolean tA, boolean tB, int m, int n, int k, float alpha, float beta) {
        int aRows = tA ? k : m;
        int aCols = tA ? m : k;
        int bRows = tB ? n : k;
        int bCols = tB ? k : n;
        int lda = Math.max(1, aCols) + rnd.nextInt(3);
        int ldb = Math.max(1, bCols) + rnd.nextInt(3);
        int ldc = n + rnd.nextInt(3);
        int aOff = rnd.nextInt(4);
        int bOff = rnd.nextInt(4);
        int cOff = rnd.nextInt(4);
        float[] a = strided(aRows, aCols, aOff, lda, Float.NaN);
        float[] b = strided(bRows, bCols, bOff, ldb, Float.NaN);
        float[] c = strided(m, n, cOff, ldc, SENTINEL);
        if (beta == 0f) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, Float.NaN);
            }
        }
        float[] cg = c.clone();
        float[] cc = c.clone();
        gpu.gemm(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, cg, cOff, ldc);
        cpu.gemm(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, cc, cOff, ldc);
        String label = String.format(Locale.ROOT, "gemm%s%s m=%d n=%d k=%d alpha=%s beta=%s ld=(%d,%d,%d) off=(%d,%d,%d)",
                tA ? "T" : "N", tB ? "T" : "N", m, n, k, alpha, beta, lda, ldb, ldc, aOff, bOff, cOff);
        Mismatches mm = new Mismatches(label);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int l = 0; l < k; l++) {
                    s += Math.abs((double) (tA ? a[aOff + l * lda + i] : a[aOff + i * lda + l])
                            * (tB ? b[bOff + j * ldb + l] : b[bOff + l * ldb + j]));
                }
                double cij = beta == 0f ? 0 : Math.abs(beta * c[cOff + i * ldc + j]);
                double tol = 2 * Math.max(k, 1) * EPS * (Math.abs(alpha) * s + cij) + Float.MIN_NORMAL;
                int idx = cOff + i * ldc + j;
                mm.check(idx, cg[idx], cc[idx], tol);
            }
        }
        mm.done();
        assertOnlyRegionWritten(cg, c, cOff, m, n, ldc, label);
    }

    /** Exact (atol = rtol = 0): one float addition and a comparison, in the twin's order. */
    @Test
    void biasActivationIsBitwiseTheTwin() {
        int[][] shapes = {{1, 1}, {1, 33}, {13, 1}, {7, 13}, {97, 65}, {1000, 257}};
        for (Activation g : Activation.values()) {
            for (boolean withBias : new boolean[] {false, true}) {
                for (int[] s : shapes) {
                    int n = s[0] * s[1];
                    float[] h = gaussians(n + TAIL);
                    h[0] = -0f;  // the twin turns -0 + 0 into +0
                    float[] bias = withBias ? gaussians(s[1]) : null;
                    float[] og = poisoned(n);
                    float[] oc = poisoned(n);
                    gpu.biasActivation(g, h, s[0], s[1], bias, og);
                    cpu.biasActivation(g, h, s[0], s[1], bias, oc);
                    exact(og, oc, n + TAIL, "biasActivation " + g + " bias=" + withBias + " " + s[0] + "x" + s[1]);
                    float[] inPlace = h.clone();
                    gpu.biasActivation(g, inPlace, s[0], s[1], bias, inPlace);
                    exact(Arrays.copyOf(inPlace, n), Arrays.copyOf(oc, n), n, "biasActivation in place " + g);
                    exact(Arrays.copyOfRange(inPlace, n, n + TAIL), Arrays.copyOfRange(h, n, n + TAIL), TAIL,
                            "biasActivation in place, tail");
                }
            }
        }
    }

    /** Exact: a mask. */
    @Test
    void reluBackwardIsBitwiseTheTwin() {
        for (int n : new int[] {1, 31, 33, 65 * 13 + 2, 100003}) {
            float[] pre = gaussians(n);
            pre[0] = 0f;
            float[] dOut = gaussians(n);
            for (Activation g : Activation.values()) {
                float[] dg = poisoned(n);
                float[] dc = poisoned(n);
                gpu.activationBackward(g, pre, dOut, dg, n);
                cpu.activationBackward(g, pre, dOut, dc, n);
                exact(dg, dc, n + TAIL, "activationBackward " + g + " n=" + n);
                float[] alias = dOut.clone();
                gpu.activationBackward(g, pre, alias, alias, n);
                exact(alias, Arrays.copyOf(dc, n), n, "activationBackward aliased " + g + " n=" + n);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // losses
    // ------------------------------------------------------------------------------------------

    /**
     * Loss: rtol 1e-10 (both sum the same non-negative float64 terms, in different orders).
     * Gradient: squared exact (same float operations); logistic and softmax atol 2^-23 |scale|,
     * rtol 2^-22 (the float64 exp of the device and of Java may differ by an ulp, which can move
     * the rounded float probability by one float ulp). Also: the device result is bitwise
     * reproducible (two calls, same bits) over sizes that use many blocks.
     */
    @Test
    void lossesMatchTheTwinAndAreDeterministic() {
        int[] rowsList = {1, 7, 33, 257, 1000, 100003};
        for (int rows : rowsList) {
            lossCase(Loss.SQUARED, rows, 3);
            lossCase(Loss.SQUARED, rows, 1);
            lossCase(Loss.LOGISTIC, rows, 1);
            lossCase(Loss.SOFTMAX, rows, 2);
            lossCase(Loss.SOFTMAX, rows, 10);
        }
        lossCase(Loss.SOFTMAX, 13, 47);
    }

    private void lossCase(Loss loss, int rows, int outputs) {
        int n = rows * outputs;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = 3f * (float) rnd.nextGaussian();
        }
        if (rows >= 7) {
            out[0] = 80f;
            out[n - 1] = -500f;
        }
        float[] target = new float[loss == Loss.SQUARED ? n : rows];
        for (int i = 0; i < target.length; i++) {
            target[i] = loss == Loss.SQUARED ? (float) rnd.nextGaussian()
                    : loss == Loss.LOGISTIC ? rnd.nextInt(2) : rnd.nextInt(outputs);
        }
        float weight = 0.3f + 3 * rnd.nextFloat();
        float[] gg = poisoned(n);
        float[] gc = poisoned(n);
        double lg = gpu.lossAndGradient(loss, out, rows, outputs, target, weight, gg);
        double lc = cpu.lossAndGradient(loss, out, rows, outputs, target, weight, gc);
        String label = "lossAndGradient " + loss + " rows=" + rows + " outputs=" + outputs + " weight=" + weight;
        assertTrue(Math.abs(lg - lc) <= 1e-10 * Math.abs(lc) + 1e-300,
                at(String.format(Locale.ROOT, "%s: loss %.17g, twin %.17g", label, lg, lc)));
        if (loss == Loss.SQUARED) {
            exact(gg, gc, n + TAIL, label + ": grad");
        } else {
            double scale = Math.abs(weight / rows);
            near(gg, gc, n, 0x1p-23 * scale, 0x1p-22, label + ": grad");
            assertTail(gg, n, label + ": grad");
        }
        float[] again = poisoned(n);
        double lg2 = gpu.lossAndGradient(loss, out, rows, outputs, target, weight, again);
        assertEquals(Double.doubleToRawLongBits(lg), Double.doubleToRawLongBits(lg2),
                at(label + ": loss not reproducible: " + lg + " then " + lg2));
        exact(again, gg, n + TAIL, label + ": grad not reproducible");
    }

    @Test
    void softmaxRejectsTargetsOutsideTheClasses() {
        float[] out = gaussians(6);
        assertThrows(IllegalArgumentException.class,
                () -> gpu.lossAndGradient(Loss.SOFTMAX, out, 2, 3, new float[] {0, 3}, 1f, new float[6]));
    }

    // ------------------------------------------------------------------------------------------
    // reductions
    // ------------------------------------------------------------------------------------------

    /** |gpu - cpu| <= 2 (rows + 1) eps sum_i |a_ij| (+ |out_j| when accumulating). */
    @Test
    void columnSumsMatchTheTwin() {
        int[][] shapes = {{1, 1}, {1, 33}, {33, 1}, {7, 13}, {97, 65}, {1000, 257}, {100003, 3}, {0, 5}};
        for (boolean acc : new boolean[] {false, true}) {
            for (int[] s : shapes) {
                int rows = s[0];
                int cols = s[1];
                float[] a = gaussians(rows * cols);
                float[] init = gaussians(cols);
                float[] og = acc ? withTail(init) : poisoned(cols);
                float[] oc = acc ? withTail(init) : poisoned(cols);
                gpu.columnSums(a, rows, cols, og, acc);
                cpu.columnSums(a, rows, cols, oc, acc);
                String label = "columnSums " + rows + "x" + cols + " accumulate=" + acc;
                Mismatches mm = new Mismatches(label);
                for (int j = 0; j < cols; j++) {
                    double abs = acc ? Math.abs(init[j]) : 0;
                    for (int i = 0; i < rows; i++) {
                        abs += Math.abs(a[i * cols + j]);
                    }
                    mm.check(j, og[j], oc[j], 2 * (rows + 1) * EPS * abs);
                }
                mm.done();
                assertTail(og, cols, label);
            }
        }
    }

    /** Exact: a copy. */
    @Test
    void gatherRowsIsACopy() {
        for (int cols : new int[] {1, 7, 33, 257}) {
            int srcRows = 1001;
            float[] src = gaussians(srcRows * cols);
            int[] idx = new int[600];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = rnd.nextInt(srcRows);
            }
            idx[3] = srcRows - 1;
            idx[4] = 0;
            for (int[] fc : new int[][] {{0, 600}, {3, 1}, {5, 257}, {599, 1}}) {
                float[] dg = poisoned(fc[1] * cols);
                float[] dc = poisoned(fc[1] * cols);
                gpu.gatherRowsOnDevice(src, cols, idx, fc[0], fc[1], dg);
                cpu.gatherRows(src, cols, idx, fc[0], fc[1], dc);
                exact(dg, dc, dg.length, "gatherRows cols=" + cols + " from=" + fc[0] + " count=" + fc[1]);
            }
        }
        assertThrows(IndexOutOfBoundsException.class,
                () -> gpu.gatherRowsOnDevice(new float[10], 5, new int[] {0, 2}, 0, 2, new float[10]));
    }

    // ------------------------------------------------------------------------------------------
    // covariance
    // ------------------------------------------------------------------------------------------

    /**
     * |gpu - cpu| <= 2 (m + 1) eps max_j C_jj (the twin accumulates in float: within m eps of
     * sum_r |x_ri x_rj| <= max diag; the device in float64). The device result is exactly
     * symmetric. Column means of 1e3 are included (centring must not cancel).
     */
    @Test
    void gramMatchesTheTwinWithAndWithoutCentring() {
        int[][] shapes = {{1, 1}, {7, 1}, {1, 7}, {13, 31}, {100, 33}, {257, 65}, {1000, 64}, {3001, 129}};
        for (int[] s : shapes) {
            for (double meanScale : new double[] {0, 2, 1e3}) {
                int m = s[0];
                int d = s[1];
                float[] x = new float[m * d];
                double[] mu = new double[d];
                for (int j = 0; j < d; j++) {
                    mu[j] = meanScale * (rnd.nextDouble() * 2 - 1);
                }
                for (int i = 0; i < m * d; i++) {
                    x[i] = (float) (mu[i % d] + rnd.nextGaussian());
                }
                for (boolean center : new boolean[] {false, true}) {
                    float[] cg = poisoned(d * d);
                    float[] cc = poisoned(d * d);
                    gpu.gram(x, m, d, center, cg);
                    cpu.gram(x, m, d, center, cc);
                    String label = "gram " + m + "x" + d + " center=" + center + " means~" + meanScale;
                    double maxDiag = 0;
                    for (int j = 0; j < d; j++) {
                        maxDiag = Math.max(maxDiag, Math.abs(cc[j * d + j]));
                    }
                    Mismatches mm = new Mismatches(label);
                    for (int i = 0; i < d * d; i++) {
                        mm.check(i, cg[i], cc[i], 2 * (m + 1) * EPS * maxDiag + Float.MIN_NORMAL);
                    }
                    mm.done();
                    for (int i = 0; i < d; i++) {
                        for (int j = 0; j < i; j++) {
                            if (Float.floatToRawIntBits(cg[i * d + j]) != Float.floatToRawIntBits(cg[j * d + i])) {
                                fail(at(label + ": not exactly symmetric at (" + i + "," + j + ")"));
                            }
                        }
                    }
                    assertTail(cg, d * d, label);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // optimisers
    // ------------------------------------------------------------------------------------------

    /** Exact over 7 steps (atol = rtol = 0): the kernels use the twin's IEEE operations in order. */
    @Test
    void optimisersAreBitwiseTheTwinOverSeveralSteps() {
        for (int n : new int[] {1, 7, 33, 1031, 100003}) {
            for (float wd : new float[] {0f, 1e-2f}) {
                float[] p = gaussians(n + TAIL);
                float[] v = gaussians(n + TAIL);
                float[] pg = p.clone();
                float[] vg = v.clone();
                float lr = 0.01f + 0.1f * rnd.nextFloat();
                for (int step = 1; step <= 7; step++) {
                    float[] g = gaussians(n);
                    gpu.sgdMomentum(pg, g, vg, n, lr, 0.9f, wd);
                    cpu.sgdMomentum(p, g, v, n, lr, 0.9f, wd);
                    exact(pg, p, n + TAIL, "sgdMomentum n=" + n + " wd=" + wd + " step " + step + ": p");
                    exact(vg, v, n + TAIL, "sgdMomentum n=" + n + " wd=" + wd + " step " + step + ": v");
                }
                p = gaussians(n + TAIL);
                float[] m = new float[n + TAIL];
                v = new float[n + TAIL];
                pg = p.clone();
                float[] mg = m.clone();
                vg = v.clone();
                lr = 1e-3f + 0.02f * rnd.nextFloat();
                for (int t = 1; t <= 7; t++) {
                    float[] g = gaussians(n);
                    if (t == 3) {
                        g[0] = 0f;
                    }
                    gpu.adam(pg, g, mg, vg, n, lr, 0.9f, 0.999f, 1e-8f, wd * 10, t);
                    cpu.adam(p, g, m, v, n, lr, 0.9f, 0.999f, 1e-8f, wd * 10, t);
                    String l = "adam n=" + n + " wd=" + wd * 10 + " t=" + t;
                    exact(pg, p, n + TAIL, l + ": p");
                    exact(mg, m, n + TAIL, l + ": m");
                    exact(vg, v, n + TAIL, l + ": v");
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // svd
    // ------------------------------------------------------------------------------------------

    /** Every square size 1..64 (the shared-memory path up to 32, the global one above). */
    @Test
    void svdSquareSizesOneToSixtyFour() {
        for (int n = 1; n <= 64; n++) {
            svdCase(gaussians(n * n), 1, n, n, "random square");
        }
    }

    @Test
    void svdRectangularTallWideAndLarge() {
        int[][] shapes = {{1, 7}, {7, 1}, {2, 3}, {33, 5}, {5, 33}, {67, 13}, {13, 67}, {100, 31}, {31, 100},
            {200, 31}, {40, 40}, {97, 33}, {33, 97}};
        for (int[] s : shapes) {
            svdCase(gaussians(s[0] * s[1]), 1, s[0], s[1], "random");
        }
        long t0 = System.nanoTime();
        svdCase(gaussians(1024 * 64), 1, 1024, 64, "tall");
        long t1 = System.nanoTime();
        svdCase(gaussians(256 * 256), 1, 256, 256, "large square");
        long t2 = System.nanoTime();
        svdCase(gaussians(64 * 1024), 1, 64, 1024, "wide");
        System.out.printf(Locale.ROOT, "[CudaParityTest] svd 1024x64 %.1f ms, 256x256 %.1f ms (incl. twin and checks)%n",
                (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    }

    @Test
    void svdRankDeficientZeroColumnsAndZeroMatrices() {
        int[][] shapes = {{40, 25}, {25, 40}, {64, 64}, {67, 13}, {256, 256}, {1024, 64}};
        for (int[] s : shapes) {
            svdCase(lowRank(s[0], s[1], 3), 1, s[0], s[1], "rank 3");
        }
        float[] a = gaussians(33 * 9);
        for (int i = 0; i < 33; i++) {
            a[i * 9 + 2] = 0f;
            a[i * 9 + 7] = 0f;
        }
        svdCase(a, 1, 33, 9, "two zero columns");
        svdCase(new float[1], 1, 1, 1, "zero 1x1");
        svdCase(new float[5 * 3], 1, 5, 3, "zero 5x3");
        svdCase(new float[40 * 40], 1, 40, 40, "zero 40x40 (global path)");
    }

    /** Q1 diag(5,5,5,1,1,1,0.5,0.25,...) Q2^T: repeated values, vectors compared only where separated. */
    @Test
    void svdRepeatedSingularValues() {
        int[][] shapes = {{40, 20}, {20, 40}, {13, 13}, {64, 64}, {100, 50}};
        for (int[] s : shapes) {
            int p = Math.min(s[0], s[1]);
            double[] sv = new double[p];
            for (int j = 0; j < p; j++) {
                sv[j] = j < 3 ? 5 : j < 6 ? 1 : Math.pow(0.5, j - 5);
            }
            svdCase(withSingularValues(s[0], s[1], sv), 1, s[0], s[1], "repeated values");
        }
    }

    /** A batch of different content and scale in one call, on both paths. */
    @Test
    void svdBatches() {
        for (int[] s : new int[][] {{33, 7}, {7, 33}, {65, 40}}) {
            int m = s[0];
            int n = s[1];
            int mn = m * n;
            float[] a = new float[6 * mn];
            System.arraycopy(gaussians(mn), 0, a, 0, mn);
            float[] big = gaussians(mn);
            float[] small = gaussians(mn);
            for (int i = 0; i < mn; i++) {
                big[i] *= 1e3f;
                small[i] *= 1e-3f;
            }
            System.arraycopy(big, 0, a, mn, mn);
            System.arraycopy(lowRank(m, n, 2), 0, a, 2 * mn, mn);
            // matrix 3 stays zero
            System.arraycopy(small, 0, a, 4 * mn, mn);
            System.arraycopy(gaussians(mn), 0, a, 5 * mn, mn);
            svdCase(a, 6, m, n, "batch of 6");
        }
    }

    /**
     * Against the twin and on its own: singular values |s - s_twin| <= 30 eps max(m,n) s_max;
     * reconstruction ||A - U S V^T||_F <= 30 eps max(m,n) ||A||_F; ||U^T U - I||_max and
     * ||V^T V - I||_max <= 30 eps max(m,n) over the columns with s_j above that value tolerance;
     * every U column's first largest-magnitude entry positive; columns of U and V whose singular
     * value is separated by a gap g_j >= 0.01 s_max agree with the twin's up to sign within
     * 30 eps max(m,n) s_max / g_j.
     */
    private void svdCase(float[] a, int batch, int m, int n, String what) {
        int p = Math.min(m, n);
        float[] ug = poisoned(batch * m * p);
        float[] sg = poisoned(batch * p);
        float[] vg = poisoned(batch * n * p);
        float[] uc = new float[batch * m * p];
        float[] sc = new float[batch * p];
        float[] vc = new float[batch * n * p];
        float[] a0 = a.clone();
        gpu.svd(a, batch, m, n, ug, sg, vg);
        cpu.svd(a, batch, m, n, uc, sc, vc);
        String label0 = "svd " + what + " " + m + "x" + n + (CudaKernels.svdUsesShared(m, n) ? " (shared)" : " (global)");
        assertTrue(Arrays.equals(a0, a), at(label0 + ": input modified"));
        assertTail(ug, batch * m * p, label0 + ": u");
        assertTail(sg, batch * p, label0 + ": s");
        assertTail(vg, batch * n * p, label0 + ": v");
        int big = Math.max(m, n);
        for (int b = 0; b < batch; b++) {
            String label = label0 + (batch > 1 ? " matrix " + b : "");
            int uo = b * m * p;
            int so = b * p;
            int vo = b * n * p;
            double sMax = sc[so];
            double sTol = 30 * EPS * big * sMax;
            for (int j = 0; j < p; j++) {
                float s = sg[so + j];
                assertTrue(Float.isFinite(s) && s >= 0 && (j == 0 || sg[so + j - 1] >= s),
                        at(label + ": s[" + j + "] = " + s + " (finite, >= 0, descending)"));
                assertTrue(Math.abs(s - sc[so + j]) <= sTol, at(String.format(Locale.ROOT,
                        "%s: s[%d] = %s, twin %s, tolerance %.3g", label, j, s, sc[so + j], sTol)));
            }
            for (int i = 0; i < m * p; i++) {
                assertTrue(Float.isFinite(ug[uo + i]), at(label + ": U entry " + i + " = " + ug[uo + i]));
            }
            for (int i = 0; i < n * p; i++) {
                assertTrue(Float.isFinite(vg[vo + i]), at(label + ": V entry " + i + " = " + vg[vo + i]));
            }
            double res = 0;
            double normA = 0;
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < n; k++) {
                    double x = 0;
                    for (int j = 0; j < p; j++) {
                        x += (double) ug[uo + i * p + j] * sg[so + j] * vg[vo + k * p + j];
                    }
                    double aik = a[b * m * n + i * n + k];
                    res += (aik - x) * (aik - x);
                    normA += aik * aik;
                }
            }
            res = Math.sqrt(res);
            normA = Math.sqrt(normA);
            assertTrue(res <= 30 * EPS * big * normA + Float.MIN_NORMAL, at(String.format(Locale.ROOT,
                    "%s: ||A - U S V^T||_F = %.3g, ||A||_F = %.3g, relative %.3g eps max(m,n)", label, res, normA,
                    res / Math.max(normA, Double.MIN_VALUE) / EPS / big)));
            int rank = 0;
            while (rank < p && sg[so + rank] > sTol) {
                rank++;
            }
            double oTol = 30 * EPS * big;
            double uErr = orthonormality(ug, uo, m, p, rank);
            double vErr = orthonormality(vg, vo, n, p, rank);
            assertTrue(uErr <= oTol, at(String.format(Locale.ROOT, "%s: ||U^T U - I||_max = %.3g over %d columns",
                    label, uErr, rank)));
            assertTrue(vErr <= oTol, at(String.format(Locale.ROOT, "%s: ||V^T V - I||_max = %.3g over %d columns",
                    label, vErr, rank)));
            signConvention(ug, uo, m, p, rank, label + ": U");
            for (int j = 0; j < rank; j++) {
                double gap = Double.MAX_VALUE;
                for (int l = 0; l < p; l++) {
                    if (l != j) {
                        gap = Math.min(gap, Math.abs(sc[so + j] - sc[so + l]));
                    }
                }
                if (gap < 0.01 * sMax) {
                    continue;
                }
                double vecTol = 30 * EPS * big * sMax / Math.min(gap, sMax);
                compareColumnUpToSign(ug, uc, uo, m, p, j, vecTol, label + ": U");
                compareColumnUpToSign(vg, vc, vo, n, p, j, vecTol, label + ": V");
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // symmetric eigen
    // ------------------------------------------------------------------------------------------

    /**
     * Random symmetric (negative eigenvalues included), rank-deficient Gram and repeated
     * eigenvalues; lower triangle garbage (must not be read). Eigenvalues |w - w_twin| <= 16 eps
     * max|w| (both factor in float64 and round once); residual max|A v - w v| and
     * ||V^T V - I||_max as the contract (30 eps n max|w|, 30 eps n); sign convention; vectors of
     * eigenvalues separated by g_j >= 0.01 max|w| agree with the twin's up to sign within
     * 30 eps n max|w| / g_j.
     */
    @Test
    void symmetricEigenMatchesTheTwin() {
        for (int n : new int[] {1, 2, 3, 5, 7, 16, 31, 32, 33, 64, 100, 257}) {
            float[] a = new float[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    a[i * n + j] = (float) rnd.nextGaussian();
                    a[j * n + i] = a[i * n + j];
                }
            }
            eigenCase(a, n, "random symmetric");
            int r = Math.max(1, n / 6);
            float[] x = gaussians(r * n);
            float[] gram = new float[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    double dot = 0;
                    for (int k = 0; k < r; k++) {
                        dot += (double) x[k * n + i] * x[k * n + j];
                    }
                    gram[i * n + j] = (float) dot;
                    gram[j * n + i] = (float) dot;
                }
            }
            eigenCase(gram, n, "Gram of rank " + r);
            double[] w = new double[n];
            for (int j = 0; j < n; j++) {
                w[j] = j < 3 ? 4 : j < 5 ? -2 : Math.pow(0.5, j - 4);
            }
            float[] rep = withSingularValues(n, n, w, true);
            eigenCase(rep, n, "repeated eigenvalues");
        }
    }

    private void eigenCase(float[] full, int n, String what) {
        String label = "symmetricEigen " + what + " n=" + n + (CudaKernels.eigUsesShared(n) ? " (shared)" : " (global)");
        float[] input = full.clone();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                input[i * n + j] = (i + j) % 3 == 0 ? Float.NaN : 1e6f * (float) rnd.nextGaussian();
            }
        }
        float[] wg = poisoned(n);
        float[] vg = poisoned(n * n);
        float[] wc = new float[n];
        float[] vc = new float[n * n];
        gpu.symmetricEigen(input, n, wg, vg);
        cpu.symmetricEigen(full, n, wc, vc);
        assertTail(wg, n, label + ": w");
        assertTail(vg, n * n, label + ": vectors");
        double wMax = Math.max(Math.abs(wc[0]), Math.abs(wc[n - 1]));
        for (int k = 0; k < n; k++) {
            assertTrue(Float.isFinite(wg[k]) && (k == 0 || wg[k - 1] >= wg[k]),
                    at(label + ": w[" + k + "] = " + wg[k] + " (finite, descending)"));
            assertTrue(Math.abs(wg[k] - wc[k]) <= 16 * EPS * wMax + Float.MIN_NORMAL, at(String.format(Locale.ROOT,
                    "%s: w[%d] = %s, twin %s (tolerance 16 eps max|w| = %.3g)", label, k, wg[k], wc[k], 16 * EPS * wMax)));
        }
        double tol = 30 * EPS * n * wMax + Float.MIN_NORMAL;
        double res = 0;
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += (double) full[i * n + j] * vg[j * n + k];
                }
                res = Math.max(res, Math.abs(av - (double) wg[k] * vg[i * n + k]));
            }
        }
        assertTrue(res <= tol, at(String.format(Locale.ROOT, "%s: max|A v - w v| = %.3g > %.3g", label, res, tol)));
        double oErr = orthonormality(vg, 0, n, n, n);
        assertTrue(oErr <= 30 * EPS * n, at(String.format(Locale.ROOT, "%s: ||V^T V - I||_max = %.3g", label, oErr)));
        signConvention(vg, 0, n, n, n, label + ": vectors");
        for (int j = 0; j < n; j++) {
            double gap = Double.MAX_VALUE;
            for (int l = 0; l < n; l++) {
                if (l != j) {
                    gap = Math.min(gap, Math.abs(wc[j] - wc[l]));
                }
            }
            if (n > 1 && gap >= 0.01 * wMax) {
                compareColumnUpToSign(vg, vc, 0, n, n, j, 30 * EPS * n * wMax / Math.min(gap, wMax), label);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // pool, debug mode, errors
    // ------------------------------------------------------------------------------------------

    /** After one warm-up, repeating the same calls allocates no device or pinned memory. */
    @Test
    void repeatedCallsAllocateNothingNew() {
        float[] x = gaussians(257 * 33);
        float[] bm = gaussians(33 * 7);
        float[] h = new float[257 * 7];
        float[] c = new float[33 * 33];
        float[] a = gaussians(40 * 40);
        float[] u = new float[40 * 40];
        float[] s = new float[40];
        float[] v = new float[40 * 40];
        float[] out = gaussians(257 * 3);
        float[] target = new float[257];
        float[] grad = new float[257 * 3];
        Runnable work = () -> {
            gpu.gemm(false, false, 257, 7, 33, 1f, x, 0, 33, bm, 0, 7, 0f, h, 0, 7);
            gpu.gram(x, 257, 33, true, c);
            gpu.svd(a, 1, 40, 40, u, s, v);
            gpu.svd(a, 1, 20, 20, u, s, v);
            gpu.lossAndGradient(Loss.SOFTMAX, out, 257, 3, target, 1f, grad);
        };
        work.run();
        long dev = gpu.deviceAllocations();
        long pinned = gpu.pinnedAllocations();
        for (int i = 0; i < 5; i++) {
            work.run();
        }
        assertEquals(dev, gpu.deviceAllocations(), "device allocations after warm-up");
        assertEquals(pinned, gpu.pinnedAllocations(), "pinned allocations after warm-up");
    }

    @Test
    void outOfMemoryNamesTheBytesAskedFor() {
        long bytes = 1L << 42;  // 4 TiB: more than any single GPU has
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> gpu.acquire(bytes));
        assertTrue(e.getMessage().contains(bytes + " bytes") && !e.getMessage().contains("\n"), e.getMessage());
        assertEquals(bytes, e.requestedBytes());
        float[] c = new float[4];
        gpu.gemm(false, false, 2, 2, 1, 1f, new float[] {1, 2}, 0, 1, new float[] {3, 4}, 0, 2, 0f, c, 0, 2);
        assertEquals(8f, c[3], 0f, "the backend still works after an out-of-memory error");
    }

    @Test
    void debugModeChecksEveryLaunch() {
        String key = "mtlalign.cuda.debug";
        String old = System.getProperty(key);
        System.setProperty(key, "true");
        try (CudaBackend dbg = new CudaBackend()) {
            assertTrue(dbg.description().contains("debug"), dbg.description());
            float[] c = new float[4];
            dbg.gemm(false, false, 2, 2, 1, 1f, new float[] {1, 2}, 0, 1, new float[] {3, 4}, 0, 2, 0f, c, 0, 2);
            assertEquals(8f, c[3], 0f);
            float[] u = new float[9];
            dbg.svd(gaussians(9), 1, 3, 3, u, new float[3], new float[9]);
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }

    @Test
    void badShapesAreRejectedInJavaBeforeAnyLaunch() {
        assertThrows(IllegalArgumentException.class,
                () -> gpu.gemm(false, false, 3, 3, 3, 1f, new float[8], 0, 3, new float[9], 0, 3, 0f, new float[9], 0, 3));
        assertThrows(IllegalArgumentException.class,
                () -> gpu.gemm(false, false, 3, 3, 3, 1f, new float[9], 0, 2, new float[9], 0, 3, 0f, new float[9], 0, 3));
        assertThrows(IllegalArgumentException.class, () -> gpu.svd(new float[5], 1, 2, 3, new float[4], new float[2],
                new float[6]));
    }

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    /** Collects elementwise mismatches and fails with the first few. */
    private final class Mismatches {
        private final String label;
        private final List<String> first = new ArrayList<>();
        private int count;
        private double worst;

        Mismatches(String label) {
            this.label = label;
        }

        void check(int idx, float got, float ref, double tol) {
            double err = Math.abs((double) got - ref);
            boolean ok = Float.isFinite(got) == Float.isFinite(ref) && (err <= tol || got == ref);
            if (!ok) {
                count++;
                worst = Math.max(worst, err / Math.max(tol, Double.MIN_VALUE));
                if (first.size() < 5) {
                    first.add(String.format(Locale.ROOT, "[%d] gpu %s cpu %s |diff| %.3g tol %.3g", idx, got, ref, err, tol));
                }
            }
        }

        /** A bitwise difference (NaNs of any payload count as equal). */
        void bits(int idx, float got, float ref) {
            if (Float.floatToIntBits(got) != Float.floatToIntBits(ref)) {
                count++;
                worst = Double.POSITIVE_INFINITY;
                if (first.size() < 5) {
                    first.add(String.format(Locale.ROOT, "[%d] gpu %s (0x%08x) cpu %s (0x%08x)", idx, got,
                            Float.floatToRawIntBits(got), ref, Float.floatToRawIntBits(ref)));
                }
            }
        }

        void done() {
            if (count > 0) {
                fail(at(String.format(Locale.ROOT, "%s: %d mismatches (worst %.3g x tolerance), first: %s", label, count,
                        worst, String.join("; ", first))));
            }
        }
    }

    private void exact(float[] got, float[] ref, int n, String label) {
        Mismatches mm = new Mismatches(label + " (bitwise)");
        for (int i = 0; i < n; i++) {
            mm.bits(i, got[i], ref[i]);
        }
        mm.done();
    }

    private void near(float[] got, float[] ref, int n, double atol, double rtol, String label) {
        Mismatches mm = new Mismatches(label);
        for (int i = 0; i < n; i++) {
            mm.check(i, got[i], ref[i], atol + rtol * Math.abs(ref[i]));
        }
        mm.done();
    }

    private void compareColumnUpToSign(float[] got, float[] ref, int off, int rows, int ld, int j, double tol,
                                       String label) {
        double plus = 0;
        double minus = 0;
        for (int i = 0; i < rows; i++) {
            double g = got[off + i * ld + j];
            double r = ref[off + i * ld + j];
            plus = Math.max(plus, Math.abs(g - r));
            minus = Math.max(minus, Math.abs(g + r));
        }
        double err = Math.min(plus, minus);
        assertTrue(err <= tol, at(String.format(Locale.ROOT, "%s column %d differs from the twin's by %.3g (tolerance "
                + "%.3g)", label, j, err, tol)));
    }

    private void assertOnlyRegionWritten(float[] got, float[] before, int off, int rows, int cols, int ld,
                                         String label) {
        for (int idx = 0; idx < got.length; idx++) {
            int r = (idx - off) / Math.max(ld, 1);
            int col = (idx - off) % Math.max(ld, 1);
            boolean inside = idx >= off && r < rows && col < cols;
            if (!inside && Float.floatToRawIntBits(got[idx]) != Float.floatToRawIntBits(before[idx])) {
                fail(at(label + ": wrote outside C at index " + idx + " (" + got[idx] + ")"));
            }
        }
    }

    private static double orthonormality(float[] x, int off, int rows, int ld, int cols) {
        return TestMatrices.orthonormalityError(x, off, rows, ld, cols);
    }

    private void signConvention(float[] x, int off, int rows, int ld, int cols, String label) {
        for (int j = 0; j < cols; j++) {
            int best = TestMatrices.largestMagnitudeRow(x, off, rows, ld, j);
            assertTrue(x[off + best * ld + j] > 0f, at(label + " column " + j + ": largest-magnitude entry (row " + best
                    + ") is " + x[off + best * ld + j]));
        }
    }

    private float[] gaussians(int n) {
        return TestMatrices.gaussians(rnd, n);
    }

    private float[] strided(int rows, int cols, int off, int ld, float pad) {
        return TestMatrices.strided(rnd, rows, cols, off, ld, pad);
    }

    private static float[] poisoned(int n) {
        return TestMatrices.poisoned(n);
    }

    private static float[] withTail(float[] data) {
        return TestMatrices.withTail(data);
    }

    private void assertTail(float[] x, int from, String label) {
        int i = TestMatrices.firstOverwrittenTail(x, from);
        if (i >= 0) {
            fail(at(label + ": wrote past the end of its region at index " + i + " (" + x[i] + ")"));
        }
    }

    private float[] lowRank(int m, int n, int r) {
        return TestMatrices.lowRank(rnd, m, n, r);
    }

    private float[] withSingularValues(int m, int n, double[] sv) {
        return TestMatrices.withSingularValues(rnd, m, n, sv, false);
    }

    /** Q1 diag(sv) Q2^T in float32 (Q2 = Q1 when symmetric, so sv are then eigenvalues). */
    private float[] withSingularValues(int m, int n, double[] sv, boolean symmetric) {
        return TestMatrices.withSingularValues(rnd, m, n, sv, symmetric);
    }


}
