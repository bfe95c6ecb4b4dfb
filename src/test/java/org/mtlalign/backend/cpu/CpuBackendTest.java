package org.mtlalign.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.junit.jupiter.api.Test;

/** Facts about the CPU backend beyond the shared {@code BackendContractTest} suite. */
class CpuBackendTest {

    /**
     * description() names the BLAS and LAPACK implementations that dev.ludovic.netlib picked.
     * Whether that is native (OpenBLAS through JNI) depends on the machine, so it is reported,
     * not asserted.
     */
    @Test
    void descriptionNamesTheBlasImplementation() {
        try (CpuBackend cpu = new CpuBackend()) {
            String blas = BLAS.getInstance().getClass().getSimpleName();
            String lapack = LAPACK.getInstance().getClass().getSimpleName();
            System.out.println("CpuBackend: " + cpu.description() + "; native BLAS: " + cpu.nativeBlas()
                    + (cpu.nativeBlas() ? "" : " (pure-Java fallback: no libblas.so.3 found or JNI disabled)"));
            assertEquals("cpu", cpu.name());
            assertTrue(cpu.description().contains("BLAS: " + blas), cpu.description());
            assertTrue(cpu.description().contains("LAPACK: " + lapack), cpu.description());
            assertEquals(blas.startsWith("JNI"), cpu.nativeBlas(), blas);
            assertTrue(cpu.description().contains(CpuBackend.cores(Runtime.getRuntime().availableProcessors()) + ", "),
                    cpu.description());
        }
    }

    /** On one core the provenance and mtl info said "1 cores". */
    @Test
    void coresAreCountedInEnglish() {
        assertEquals("1 core", CpuBackend.cores(1));
        assertEquals("2 cores", CpuBackend.cores(2));
        assertEquals("16 cores", CpuBackend.cores(16));
    }

    /**
     * Results must not depend on the worker count (only sizes decide how work is split), so a
     * run is reproducible across machines with different core counts: bitwise equality of the
     * Gram matrix over several row parts, with and without centring, and of a batched SVD.
     */
    @Test
    void resultsAreBitwiseIndependentOfTheWorkerCount() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int m = 2 * CpuBackend.GRAM_PART_ROWS + 77;
        int d = 13;
        float[] x = new float[m * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (3 + rnd.nextGaussian());
        }
        int batch = 7;
        int rows = 29;
        int cols = 11;
        float[] a = new float[batch * rows * cols];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        float[][] ref = null;
        for (int workers : new int[] {1, 2, 3, 8}) {
            try (CpuBackend cpu = new CpuBackend(workers)) {
                float[] g = new float[d * d];
                float[] gc = new float[d * d];
                cpu.gram(x, m, d, false, g);
                cpu.gram(x, m, d, true, gc);
                float[] u = new float[batch * rows * cols];
                float[] s = new float[batch * cols];
                float[] v = new float[batch * cols * cols];
                cpu.svd(a, batch, rows, cols, u, s, v);
                float[][] got = {g, gc, u, s, v};
                if (ref == null) {
                    ref = got;
                } else {
                    for (int q = 0; q < got.length; q++) {
                        assertArrayEquals(ref[q], got[q], "output " + q + " with " + workers
                                + " workers differs from 1 worker (seed " + seed + ")");
                    }
                }
            }
        }
    }

    /** Independent tasks all run, exceptions surface, and nesting (an SVD inside a task) works. */
    @Test
    void forEachIndependentRunsEveryTaskAndNests() {
        try (CpuBackend cpu = new CpuBackend(2)) {
            int n = 9;
            float[][] s = new float[n][3];
            cpu.forEachIndependent(n, i -> {
                float[] a = new float[5 * 3];
                for (int j = 0; j < a.length; j++) {
                    a[j] = (float) Math.sin(i + 7 * j);
                }
                cpu.svd(a, 1, 5, 3, new float[15], s[i], new float[9]);
            });
            for (int i = 0; i < n; i++) {
                assertTrue(s[i][0] > 0f, "task " + i + " did not run");
            }
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> cpu.forEachIndependent(4, i -> {
                        if (i == 2) {
                            throw new IllegalStateException("task two");
                        }
                    }));
            assertEquals("task two", e.getMessage());
        }
    }

    /** The sign rule takes the first entry of largest magnitude; V follows U's flips. */
    @Test
    void fixSignsUsesTheFirstLargestMagnitudeEntry() {
        // U is 3 x 2: column 0 ties between rows 0 (+0.6) and 2 (-0.6): row 0 wins, no flip;
        // column 1 ties between rows 0 (-0.6) and 1 (+0.6): row 0 wins, flipped.
        float[] u = {0.6f, -0.6f, 0.2f, 0.6f, -0.6f, 0.1f};
        float[] v = {1f, 2f, 3f, 4f};
        CpuBackend.fixSigns(u, 0, 3, v, 0, 2, 2);
        assertArrayEquals(new float[] {0.6f, 0.6f, 0.2f, -0.6f, -0.6f, -0.1f}, u);
        assertArrayEquals(new float[] {1f, -2f, 3f, -4f}, v);
    }

    /**
     * symmetricEigen factors in float64, so eigenvalues far below max|w| keep float32 relative
     * accuracy (a float32 solver would only get them to about eps * max|w|): spectrum 1 .. 1e-7.
     */
    @Test
    void symmetricEigenResolvesSmallEigenvaluesInFloat64() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int n = 13;
        DMatrixRMaj g = new DMatrixRMaj(n, n);
        for (int i = 0; i < g.data.length; i++) {
            g.data[i] = rnd.nextGaussian();
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(n, n);
        assertTrue(qr.decompose(g));
        DMatrixRMaj q = qr.getQ(null, false);
        DMatrixRMaj qd = q.copy();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                qd.set(i, j, q.get(i, j) * Math.pow(10, -7.0 * j / (n - 1)));
            }
        }
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(qd, q, a);
        float[] af = new float[n * n];
        DMatrixRMaj rounded = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                // symmetric after rounding: take the upper triangle for both
                float x = (float) a.get(Math.min(i, j), Math.max(i, j));
                af[i * n + j] = x;
                rounded.set(i, j, x);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        assertTrue(eig.decompose(rounded));
        double[] ref = new double[n];
        for (int k = 0; k < n; k++) {
            ref[k] = eig.getEigenvalue(k).real;
        }
        java.util.Arrays.sort(ref);
        float[] w = new float[n];
        float[] vec = new float[n * n];
        try (CpuBackend cpu = new CpuBackend()) {
            cpu.symmetricEigen(af, n, w, vec);
        }
        for (int k = 0; k < n; k++) {
            double want = ref[n - 1 - k];
            // float32 rounding of a float64 result, plus the float64 solver's ~1e-15 * max|w|
            assertEquals(want, w[k], 4 * 0x1p-23 * Math.abs(want) + 1e-13,
                    "seed=" + seed + " w[" + k + "]");
        }
    }
}
