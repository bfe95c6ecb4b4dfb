package org.mtlalign.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ludovic.netlib.lapack.JavaLAPACK;
import dev.ludovic.netlib.lapack.LAPACK;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The pure-Java LAPACK (what runs without OpenBLAS) called from several threads at once, as the
 * CPU workers call it. f2j's lazily computed machine constants raced there: dsyevd then spun
 * without end or failed (info=162) now and then in {@code mtl analyze}. Each round re-arms that
 * lazy initialisation and starts all threads together; every thread must get, bit for bit, what
 * one thread alone gets, and that must be an eigendecomposition (checked in float64).
 */
class JavaLapackConcurrencyTest {
    private static final int THREADS = 4;

    private static void rearmMachineConstants() {
        org.netlib.lapack.Dlamch.first = true;
        org.netlib.lapack.Dlamc1.first = true;
        org.netlib.lapack.Dlamc2.first = true;
        org.netlib.lapack.Slamch.first = true;
        org.netlib.lapack.Slamc1.first = true;
        org.netlib.lapack.Slamc2.first = true;
    }

    private static float[] symmetric(Random rnd, int n) {
        float[] a = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                float v = (float) rnd.nextGaussian();
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        return a;
    }

    /**
     * Threads calling the Java LAPACK through {@link Lapack#call} (with a sleep inside, so overlapping
     * calls would overlap) enter it one at a time. The race itself needs a cold JVM to show (its
     * window is the first computation of the machine constants), so these tests check the lock.
     */
    @Test
    void callsOnTheJavaLapackRunOneAtATime() throws Exception {
        LAPACK java = JavaLAPACK.getInstance();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int rep = 0; rep < 5; rep++) {
                        Lapack.call(java, l -> {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            try {
                                Thread.sleep(3);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            inside.decrementAndGet();
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, most.get(), "threads inside the Java LAPACK at once");
    }

    /** The backend's decompositions go through that lock: while it is held elsewhere they wait. */
    @Test
    void theBackendsDecompositionsWaitForTheJavaLapackLock() throws Exception {
        LAPACK java = JavaLAPACK.getInstance();
        CpuBackend be = new CpuBackend(2, java);
        Random rnd = new Random();
        int n = 13;
        float[] sym = symmetric(rnd, n);
        float[] a = new float[3 * 8 * 5];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        List<Runnable> decompositions = List.of(
                () -> be.symmetricEigen(sym.clone(), n, new float[n], new float[n * n]),
                () -> be.svd(a, 3, 8, 5, new float[3 * 8 * 5], new float[3 * 5], new float[3 * 5 * 5]));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            for (Runnable r : decompositions) {
                r.run();  // warm: the waiting below is the lock's, not class loading's
                Future<?> f;
                synchronized (Lapack.javaLapackLock()) {
                    f = pool.submit(r);
                    Thread.sleep(300);
                    assertFalse(f.isDone(), "a decomposition ran on the Java LAPACK while its lock was held");
                }
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void everyThreadGetsWhatOneThreadAloneGets() throws Exception {
        LAPACK java = JavaLAPACK.getInstance();
        assertFalse(Lapack.reentrant(java), "the Java LAPACK is the one that needs the lock");
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        int n = 41;
        CpuBackend be = new CpuBackend(1, java);
        float[][] inputs = new float[THREADS][];
        float[][] values = new float[THREADS][n];
        float[][] vectors = new float[THREADS][n * n];
        for (int t = 0; t < THREADS; t++) {
            inputs[t] = symmetric(rnd, n);
            be.symmetricEigen(inputs[t].clone(), n, values[t], vectors[t]);
            assertEigen(inputs[t], n, values[t], vectors[t], "seed " + seed + ", matrix " + t);
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
                for (int round = 0; round < 25; round++) {
                    rearmMachineConstants();
                    CyclicBarrier start = new CyclicBarrier(THREADS);
                    List<Future<float[][]>> results = new ArrayList<>();
                    for (int t = 0; t < THREADS; t++) {
                        float[] a = inputs[t];
                        results.add(pool.submit(() -> {
                            float[] w = new float[n];
                            float[] v = new float[n * n];
                            start.await();
                            be.symmetricEigen(a.clone(), n, w, v);
                            return new float[][] {w, v};
                        }));
                    }
                    for (int t = 0; t < THREADS; t++) {
                        float[][] got = results.get(t).get();
                        String where = "seed " + seed + ", round " + round + ", thread " + t;
                        assertArrayEquals(values[t], got[0], where + ": eigenvalues");
                        assertArrayEquals(vectors[t], got[1], where + ": eigenvectors");
                    }
                }
            }, "Java LAPACK on " + THREADS + " threads did not finish (seed " + seed + ")");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBatchedSvdOnTheJavaLapackDoesNotDependOnTheWorkers() {
        LAPACK java = JavaLAPACK.getInstance();
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        int batch = 7;
        for (int[] shape : new int[][] {{53, 13}, {11, 29}, {1, 5}}) {
            int m = shape[0];
            int n = shape[1];
            int p = Math.min(m, n);
            float[] a = new float[batch * m * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextGaussian();
            }
            float[][] u = new float[2][batch * m * p];
            float[][] s = new float[2][batch * p];
            float[][] v = new float[2][batch * n * p];
            int[] workers = {1, THREADS};
            assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
                for (int k = 0; k < 2; k++) {
                    rearmMachineConstants();
                    new CpuBackend(workers[k], java).svd(a, batch, m, n, u[k], s[k], v[k]);
                }
            }, "seed " + seed);
            String where = "seed " + seed + ", " + m + " x " + n;
            assertArrayEquals(s[0], s[1], where + ": singular values");
            assertArrayEquals(u[0], u[1], where + ": U");
            assertArrayEquals(v[0], v[1], where + ": V");
            for (int b = 0; b < batch; b++) {
                double err = 0;
                double norm = 0;
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double sum = 0;
                        for (int l = 0; l < p; l++) {
                            sum += (double) u[0][b * m * p + i * p + l] * s[0][b * p + l] * v[0][b * n * p + j * p + l];
                        }
                        double x = a[b * m * n + i * n + j];
                        err += (sum - x) * (sum - x);
                        norm += x * x;
                    }
                }
                assertTrue(Math.sqrt(err / norm) < 1e-5, where + ", matrix " + b + ": relative error " + Math.sqrt(err / norm));
            }
        }
    }

    /** ||A v_k - w_k v_k|| relative to ||A||, in float64, and descending values. */
    private static void assertEigen(float[] a, int n, float[] w, float[] vec, String where) {
        double norm = 0;
        for (float x : a) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                assertTrue(w[k] <= w[k - 1], where + ": eigenvalues not descending at " + k);
            }
            double r = 0;
            for (int i = 0; i < n; i++) {
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    sum += (double) a[i * n + j] * vec[j * n + k];
                }
                sum -= (double) w[k] * vec[i * n + k];
                r += sum * sum;
            }
            assertTrue(Math.sqrt(r) / norm < 1e-5, where + ": residual of eigenpair " + k + " is " + Math.sqrt(r) / norm);
        }
    }
}
