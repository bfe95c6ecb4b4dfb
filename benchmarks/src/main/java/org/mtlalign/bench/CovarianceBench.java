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
 * {@code Backend.gram}: the d x d Gram matrix X^T X of a task's m x d inputs (the covariance
 * that covariance alignment and the similarity analyses factor). The CPU backend calls ssyrk
 * (one triangle, m * d * (d + 1) flops) and mirrors it; with {@code center} it first allocates
 * and fills a centred copy of X (two extra passes over X, float64 means), which is part of
 * what is measured. GFLOP/s = m * d * (d + 1) / (score in us) / 1e3.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class CovarianceBench {
    @Param({"2048", "20000"})
    public int m;

    @Param({"64", "256"})
    public int d;

    @Param({"false", "true"})
    public boolean center;

    private CpuBackend be;
    private float[] x;  // m x d
    private float[] c;  // d x d

    @Setup
    public void setup() {
        be = BenchSupport.cpuBackend();
        Random rnd = new Random(BenchSupport.SEED);
        x = new float[m * d];
        // Non-zero column means, as in raw (unstandardised) features, so centring does real work.
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) (rnd.nextGaussian() + 0.5 * (j % 7));
            }
        }
        c = new float[d * d];
    }

    @Benchmark
    public void gram(Blackhole bh) {
        be.gram(x, m, d, center, c);
        bh.consume(c);
    }
}
