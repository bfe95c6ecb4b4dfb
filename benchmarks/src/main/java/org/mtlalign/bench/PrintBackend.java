package org.mtlalign.bench;

import org.mtlalign.backend.cpu.CpuBackend;

/**
 * Prints which BLAS/LAPACK implementation the CPU backend picked up, e.g.
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar org.mtlalign.bench.PrintBackend}.
 */
public final class PrintBackend {
    private PrintBackend() {
    }

    public static void main(String[] args) {
        CpuBackend be = new CpuBackend();
        System.out.println(be.description());
        System.out.println(be.nativeBlas()
                ? "native BLAS: yes (OpenBLAS or another libblas.so.3 through JNI)"
                : "native BLAS: no (pure-Java fallback; install libopenblas0-pthread for native speed)");
    }
}
