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
 * {@code Backend.svd} on a batch of m x n matrices (thin U, S, V; the CPU backend loops over
 * LAPACK sgesdd, one matrix at a time, with a transpose of V and a sign fix per matrix).
 * The shape is one parameter "BATCHxMxN". Work per matrix (m >= n): LAPACK's bidiagonalisation
 * is 4 m n^2 - 4 n^3 / 3 flops and applying its Householder vectors to form the thin U and V
 * about as much again, plus an O(n^3) divide-and-conquer step whose constant depends on
 * deflation; so the README normalises by 8 m n^2 flops per matrix:
 * effective GFLOP/s = batch * 8 m n^2 / (score in ms) / 1e6. LAPACK sees the transpose (the
 * backend hands it the row-major buffer as column-major n x m), which costs the same. For
 * m much larger than n LAPACK first factors A = QR and the true count nears 4 m n^2, so the
 * yardstick overstates the rate for 10x1024x256; it is for comparing runs, not peak.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SvdBench {
    @Param({"1000x32x32", "100x64x64", "10x256x256", "10x1024x256"})
    public String shape;

    private CpuBackend be;
    private int batch;
    private int m;
    private int n;
    private float[] a;  // batch x m x n
    private float[] u;  // batch x m x p
    private float[] s;  // batch x p
    private float[] v;  // batch x n x p

    @Setup
    public void setup() {
        String[] parts = shape.toLowerCase(java.util.Locale.ROOT).split("x");
        if (parts.length != 3) {
            throw new IllegalArgumentException("shape must be BATCHxMxN, got " + shape);
        }
        batch = Integer.parseInt(parts[0].trim());
        m = Integer.parseInt(parts[1].trim());
        n = Integer.parseInt(parts[2].trim());
        int p = Math.min(m, n);
        be = BenchSupport.cpuBackend();
        a = BenchSupport.gaussian(batch * m * n, new Random(BenchSupport.SEED));
        u = new float[batch * m * p];
        s = new float[batch * p];
        v = new float[batch * n * p];
    }

    @Benchmark
    public void svd(Blackhole bh) {
        be.svd(a, batch, m, n, u, s, v);
        bh.consume(u);
        bh.consume(s);
        bh.consume(v);
    }
}
