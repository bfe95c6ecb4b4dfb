package org.mtlalign.bench;

import java.util.Random;
import org.mtlalign.backend.cpu.CpuBackend;

/** Helpers shared by the benchmarks: seeded inputs and a one-line note of which BLAS runs. */
final class BenchSupport {
    /** Seed of every random input, so runs compare like with like. */
    static final long SEED = 20240611L;

    private static volatile boolean described;

    private BenchSupport() {
    }

    /** Fills a with N(0, std^2) values from rnd. */
    static void fillGaussian(float[] a, double std, Random rnd) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (rnd.nextGaussian() * std);
        }
    }

    /** A new array of n N(0, 1) values. */
    static float[] gaussian(int n, Random rnd) {
        float[] a = new float[n];
        fillGaussian(a, 1.0, rnd);
        return a;
    }

    /**
     * A CPU backend, printing its description once per forked JVM so that every result file
     * says whether native OpenBLAS (JNIBLAS) or the pure-Java fallback (VectorBLAS/JavaBLAS) ran.
     */
    static CpuBackend cpuBackend() {
        CpuBackend be = new CpuBackend();
        if (!described) {
            described = true;
            System.out.println();
            System.out.println("# Backend: " + be.description() + (be.nativeBlas() ? " [native]" : " [pure Java]"));
        }
        return be;
    }
}
