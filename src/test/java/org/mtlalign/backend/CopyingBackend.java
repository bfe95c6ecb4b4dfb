package org.mtlalign.backend;

import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;

/**
 * The CPU backend whose {@link #resident()} sessions copy on every upload and download and read
 * losses back in windows, as a GPU does: code that trains through it must make every transfer
 * it needs, or it computes on stale arrays and the comparison with the plain CPU path fails.
 */
public final class CopyingBackend implements Backend {
    private final CpuBackend cpu = new CpuBackend();

    @Override
    public Resident resident() {
        return new HostResident(this, true);
    }

    @Override
    public String name() {
        return "cpu-copying";
    }

    @Override
    public String description() {
        return "CPU backend with copying resident sessions (tests)";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        cpu.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public void gram(float[] x, int m, int d, boolean center, float[] c) {
        cpu.gram(x, m, d, center, c);
    }

    @Override
    public void biasActivation(Activation g, float[] h, int rows, int cols, float[] bias, float[] out) {
        cpu.biasActivation(g, h, rows, cols, bias, out);
    }

    @Override
    public void activationBackward(Activation g, float[] pre, float[] dOut, float[] dPre, int n) {
        cpu.activationBackward(g, pre, dOut, dPre, n);
    }

    @Override
    public double lossAndGradient(Loss loss, float[] out, int rows, int outputs, float[] target, float weight,
                                  float[] grad) {
        return cpu.lossAndGradient(loss, out, rows, outputs, target, weight, grad);
    }

    @Override
    public void columnSums(float[] a, int rows, int cols, float[] out, boolean accumulate) {
        cpu.columnSums(a, rows, cols, out, accumulate);
    }

    @Override
    public void gatherRows(float[] src, int cols, int[] idx, int from, int count, float[] dst) {
        cpu.gatherRows(src, cols, idx, from, count, dst);
    }

    @Override
    public void sgdMomentum(float[] p, float[] g, float[] v, int n, float lr, float momentum, float weightDecay) {
        cpu.sgdMomentum(p, g, v, n, lr, momentum, weightDecay);
    }

    @Override
    public void adam(float[] p, float[] g, float[] m, float[] v, int n, float lr, float beta1, float beta2, float eps,
                     float weightDecay, int t) {
        cpu.adam(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, t);
    }

    @Override
    public void svd(float[] a, int batch, int m, int n, float[] u, float[] s, float[] v) {
        cpu.svd(a, batch, m, n, u, s, v);
    }

    @Override
    public void symmetricEigen(float[] a, int n, float[] w, float[] vectors) {
        cpu.symmetricEigen(a, n, w, vectors);
    }

    @Override
    public void close() {
        cpu.close();
    }
}
