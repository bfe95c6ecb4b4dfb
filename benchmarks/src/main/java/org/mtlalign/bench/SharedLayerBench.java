package org.mtlalign.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mtlalign.backend.cpu.CpuBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The three matrix products of the shared layer H = X B (MtlModel.forward/backward) on the CPU
 * backend, for one mini-batch X (batch x d) and the shared module B (d x r):
 * <ul>
 *   <li>{@link #forward}: H = X B, batch x r (gemm m=batch, n=r, k=d);</li>
 *   <li>{@link #weightGradient}: dB = X^T dH, d x r (gemm m=d, n=r, k=batch, transA);</li>
 *   <li>{@link #inputGradient}: dX = dH B^T, batch x d (gemm m=batch, n=d, k=r, transB), the
 *       product the alignment matrices R_i need.</li>
 * </ul>
 * Each is 2 * batch * d * r flops. GFLOP/s = 2 * batch * d * r / (score in us) / 1e3, e.g.
 * batch=4096, d=256, r=16 is 33.55 MFLOP, so a score of 1000 us/op is 33.6 GFLOP/s.
 * The model accumulates dB (beta = 1) into a zeroed gradient; here beta = 0 so the output
 * stays bounded however many calls JMH makes (the cost differs by reading a d x r block).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SharedLayerBench {
    @Param({"256", "4096"})
    public int batch;

    @Param({"64", "256"})
    public int d;

    @Param({"16"})
    public int r;

    private CpuBackend be;
    private float[] x;      // batch x d
    private float[] b;      // d x r
    private float[] dH;     // batch x r
    private float[] h;      // batch x r  (forward output)
    private float[] dB;     // d x r      (weight gradient)
    private float[] dX;     // batch x d  (input gradient)

    @Setup
    public void setup() {
        be = BenchSupport.cpuBackend();
        Random rnd = new Random(BenchSupport.SEED);
        x = BenchSupport.gaussian(batch * d, rnd);
        b = new float[d * r];
        BenchSupport.fillGaussian(b, Math.sqrt(2.0 / d), rnd);
        dH = BenchSupport.gaussian(batch * r, rnd);
        h = new float[batch * r];
        dB = new float[d * r];
        dX = new float[batch * d];
    }

    /** H = X B. */
    @Benchmark
    public void forward(Blackhole bh) {
        be.gemm(false, false, batch, r, d, 1f, x, 0, d, b, 0, r, 0f, h, 0, r);
        bh.consume(h);
    }

    /** dB = X^T dH. */
    @Benchmark
    public void weightGradient(Blackhole bh) {
        be.gemm(true, false, d, r, batch, 1f, x, 0, d, dH, 0, r, 0f, dB, 0, r);
        bh.consume(dB);
    }

    /** dX = dH B^T. */
    @Benchmark
    public void inputGradient(Blackhole bh) {
        be.gemm(false, true, batch, d, r, 1f, dH, 0, r, b, 0, r, 0f, dX, 0, d);
        bh.consume(dX);
    }
}
