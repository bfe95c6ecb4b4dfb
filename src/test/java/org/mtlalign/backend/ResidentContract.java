package org.mtlalign.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;

/**
 * The contract of a {@link Resident} session, run against every implementation: each operation
 * on handles gives what the reference backend's array method gives on the same seeded random
 * inputs (odd sizes: 1, primes, non-multiples of 32). Sessions on host arrays must match
 * bitwise; others state a tolerance per operation (|got - ref| <= bound, bounds below).
 * {@code -Dmtlalign.test.seed=N} replays a failure.
 */
public abstract class ResidentContract {
    private static final double EPS = 0x1p-23;
    private long seed;
    private Random rnd;

    /** A new session of the implementation under test. */
    protected abstract Resident open();

    /** The backend whose array methods are the reference. */
    protected abstract Backend reference();

    /** Whether results must equal the reference bitwise (sessions on host arrays). */
    protected abstract boolean bitwise();

    @BeforeEach
    public void seed() {
        seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        rnd = new Random(seed);
    }

    private String at(String what) {
        return "[seed=" + seed + "] " + what;
    }

    private float[] gauss(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    /** Uploads a copy: a wrapping session would otherwise let the operations change the inputs. */
    private static Resident.Floats up(Resident dev, float[] a) {
        return dev.upload(a.clone());
    }

    private static Resident.Ints up(Resident dev, int[] a) {
        return dev.upload(a.clone());
    }

    private float[] down(Resident dev, Resident.Floats h) {
        float[] a = new float[h.length()];
        dev.download(h, a);
        return a;
    }

    /** got == ref bitwise, or |got - ref| <= bound[i] when the session need not be bitwise. */
    private void check(float[] got, float[] ref, double[] bound, String what) {
        assertEquals(ref.length, got.length, at(what + ": length"));
        if (bitwise() || bound == null) {
            assertArrayEquals(ref, got, at(what));
            return;
        }
        for (int i = 0; i < ref.length; i++) {
            if (!(Math.abs((double) got[i] - ref[i]) <= bound[i])) {
                fail(at(what + ": element " + i + " is " + got[i] + ", reference " + ref[i] + ", bound " + bound[i]));
            }
        }
    }

    @Test
    public void transfersRoundTripAndNewArraysAreZero() {
        try (Resident dev = open()) {
            for (int n : new int[] {1, 37, 1031}) {
                float[] a = gauss(n);
                Resident.Floats h = up(dev, a);
                assertEquals(n, h.length());
                assertArrayEquals(a, down(dev, h), at("upload then download, n=" + n));
                float[] b = gauss(n);
                dev.upload(b, h);
                assertArrayEquals(b, down(dev, h), at("upload into a handle, n=" + n));
                assertArrayEquals(new float[n], down(dev, dev.floats(n)), at("floats(n) is zero"));
                float[] c = gauss(n + 4);
                Resident.Floats hc = up(dev, c);
                dev.copy(h, 0, hc, 3, n);
                float[] wantCopy = c.clone();
                System.arraycopy(b, 0, wantCopy, 3, n);
                assertArrayEquals(wantCopy, down(dev, hc), at("copy into an offset, n=" + n));
                dev.fill(h, -2.5f);
                float[] f = new float[n];
                java.util.Arrays.fill(f, -2.5f);
                assertArrayEquals(f, down(dev, h), at("fill"));
            }
            Resident.Floats small = dev.floats(3);
            assertThrows(IllegalArgumentException.class, () -> dev.download(small, new float[4]));
        }
    }

    @Test
    public void aClosedSessionRefusesWorkAndEmptyReadsAreFine() {
        Resident dev = open();
        Resident.Floats a = up(dev, gauss(5));
        Resident.LossSlots slots = dev.lossSlots(2);
        dev.readLosses(slots, 0, new double[0]);
        dev.close();
        dev.close();  // twice is harmless
        assertThrows(IllegalStateException.class, () -> dev.fill(a, 1f), at("fill after close"));
        assertThrows(IllegalStateException.class, () -> dev.download(a, new float[5]), at("download after close"));
        assertThrows(IllegalStateException.class, () -> dev.floats(3), at("floats after close"));
        assertThrows(IllegalStateException.class, () -> dev.readLosses(slots, 1, new double[1]),
                at("readLosses after close"));
    }

    @Test
    public void gemmFormsWithOffsetsAndLeadingDimensions() {
        Backend ref = reference();
        int[][] sizes = {{1, 1, 1}, {7, 13, 33}, {65, 3, 70}, {33, 31, 0}};
        try (Resident dev = open()) {
            for (int[] s : sizes) {
                int m = s[0], n = s[1], k = s[2];
                for (int form = 0; form < 4; form++) {
                    boolean ta = (form & 1) != 0, tb = (form & 2) != 0;
                    int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
                    int lda = aCols + 3, ldb = bCols + 1, ldc = n + 2, aOff = 5, bOff = 2, cOff = 1;
                    float[] a = gauss(aOff + Math.max(1, aRows) * lda);
                    float[] b = gauss(bOff + Math.max(1, bRows) * ldb);
                    float[] c = gauss(cOff + m * ldc);
                    float alpha = 1.25f, beta = form == 3 ? 0f : -0.5f;
                    Resident.Floats ha = up(dev, a), hb = up(dev, b), hc = up(dev, c);
                    dev.gemm(ta, tb, m, n, k, alpha, ha, aOff, lda, hb, bOff, ldb, beta, hc, cOff, ldc);
                    float[] want = c.clone();
                    ref.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, want, cOff, ldc);
                    double[] bound = new double[want.length];
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double sum = Math.abs(beta * c[cOff + i * ldc + j]);
                            for (int l = 0; l < k; l++) {
                                double av = a[aOff + (ta ? l * lda + i : i * lda + l)];
                                double bv = b[bOff + (tb ? j * ldb + l : l * ldb + j)];
                                sum += Math.abs(alpha * av * bv);
                            }
                            bound[cOff + i * ldc + j] = 2 * (k + 2) * EPS * sum + 1e-30;
                        }
                    }
                    check(down(dev, hc), want, bound, "gemm " + (ta ? "t" : "n") + (tb ? "t" : "n") + " " + m + "x"
                            + n + "x" + k + " (padding must be untouched)");
                }
            }
        }
    }

    @Test
    public void elementwiseOperationsMatchTheArrayMethods() {
        Backend ref = reference();
        try (Resident dev = open()) {
            for (int[] s : new int[][] {{1, 1}, {17, 3}, {41, 33}}) {
                int rows = s[0], cols = s[1], n = rows * cols;
                for (Activation g : Activation.values()) {
                    for (boolean withBias : new boolean[] {false, true}) {
                        float[] h = gauss(n), bias = gauss(cols);
                        h[0] = -0f;  // h + 0 is +0: an implementation that skips the add differs
                        Resident.Floats hh = up(dev, h), hb = up(dev, bias), out = dev.floats(n);
                        dev.biasActivation(g, hh, rows, cols, withBias ? hb : null, out);
                        dev.biasActivation(g, hh, rows, cols, withBias ? hb : null, hh);  // in place
                        float[] want = new float[n];
                        ref.biasActivation(g, h, rows, cols, withBias ? bias : null, want);
                        String what = "biasActivation " + g + " bias=" + withBias + " " + rows + "x" + cols;
                        assertArrayEquals(want, down(dev, out), at(what));
                        assertArrayEquals(want, down(dev, hh), at(what + " in place"));
                    }
                    for (boolean withBias : new boolean[] {false, true}) {
                        float[] h = gauss(n), bias = gauss(cols);
                        h[0] = -0f;
                        float[] wantPre = new float[n], wantOut = new float[n];
                        ref.biasActivation(Activation.IDENTITY, h, rows, cols, withBias ? bias : null, wantPre);
                        ref.biasActivation(g, wantPre, rows, cols, null, wantOut);
                        Resident.Floats hh = up(dev, h), hb = up(dev, bias), ho = dev.floats(n);
                        dev.biasActivationSplit(g, hh, rows, cols, withBias ? hb : null, hh, ho);
                        String what = "biasActivationSplit " + g + " bias=" + withBias + " " + rows + "x" + cols;
                        assertArrayEquals(wantPre, down(dev, hh), at(what + ": pre (in place)"));
                        assertArrayEquals(wantOut, down(dev, ho), at(what + ": out"));
                    }
                    float[] pre = gauss(n), d = gauss(n);
                    Resident.Floats hp = up(dev, pre), hd = up(dev, d), dp = dev.floats(n);
                    dev.activationBackward(g, hp, hd, dp, n);
                    dev.activationBackward(g, hp, hd, hd, n);
                    float[] want = new float[n];
                    ref.activationBackward(g, pre, d, want, n);
                    assertArrayEquals(want, down(dev, dp), at("activationBackward " + g + " n=" + n));
                    assertArrayEquals(want, down(dev, hd), at("activationBackward " + g + " in place n=" + n));
                }
            }
        }
    }

    @Test
    public void lossesLandInTheirSlotsAndMatch() {
        Backend ref = reference();
        try (Resident dev = open()) {
            int[] rowCounts = {1, 7, 300, 0};
            Resident.LossSlots slots = dev.lossSlots(3 * rowCounts.length);
            double[] want = new double[slots.capacity()];
            int slot = 0;
            for (int rows : rowCounts) {
                for (Loss loss : Loss.values()) {
                    int outputs = loss == Loss.LOGISTIC ? 1 : loss == Loss.SQUARED ? 3 : 5;
                    int n = rows * outputs;
                    float[] out = gauss(n);
                    float[] target = loss == Loss.SQUARED ? gauss(n) : new float[rows];
                    for (int i = 0; i < rows && loss != Loss.SQUARED; i++) {
                        target[i] = rnd.nextInt(loss == Loss.LOGISTIC ? 2 : outputs);
                    }
                    float weight = 0.5f + rnd.nextFloat();
                    Resident.Floats ho = up(dev, out), ht = up(dev, target), hg = dev.floats(n);
                    dev.lossAndGradient(loss, ho, rows, outputs, ht, weight, hg, slots, slot);
                    float[] grad = new float[n];
                    want[slot] = ref.lossAndGradient(loss, out, rows, outputs, target, weight, grad);
                    double[] bound = new double[n];
                    for (int i = 0; i < n; i++) {
                        bound[i] = 8 * EPS * Math.abs(grad[i]) + 1e-7 * weight / Math.max(1, rows);
                    }
                    check(down(dev, hg), grad, bound, "gradient of " + loss + " rows=" + rows);
                    slot++;
                }
            }
            // One read of all the slots, after all the work: each slot kept its own loss.
            double[] got = new double[slot];
            dev.readLosses(slots, slot, got);
            for (int i = 0; i < slot; i++) {
                double tol = bitwise() ? 0 : 1e-9 * Math.abs(want[i]) + 1e-300;
                if (!(Math.abs(got[i] - want[i]) <= tol)) {
                    fail(at("loss slot " + i + ": " + got[i] + ", reference " + want[i]));
                }
            }
        }
    }

    @Test
    public void columnSumsAndGatherMatch() {
        Backend ref = reference();
        try (Resident dev = open()) {
            for (int[] s : new int[][] {{1, 1}, {67, 5}, {300, 33}, {0, 4}}) {
                int rows = s[0], cols = s[1];
                float[] a = gauss(rows * cols), out0 = gauss(cols);
                for (boolean acc : new boolean[] {false, true}) {
                    Resident.Floats ha = up(dev, a), ho = up(dev, out0);
                    dev.columnSums(ha, rows, cols, ho, acc);
                    float[] want = out0.clone();
                    ref.columnSums(a, rows, cols, want, acc);
                    double[] bound = new double[cols];
                    for (int j = 0; j < cols; j++) {
                        double sum = acc ? Math.abs(out0[j]) : 0;
                        for (int i = 0; i < rows; i++) {
                            sum += Math.abs(a[i * cols + j]);
                        }
                        bound[j] = 2 * (rows + 1) * EPS * sum + 1e-30;
                    }
                    check(down(dev, ho), want, bound, "columnSums " + rows + "x" + cols + " accumulate=" + acc);
                }
                if (rows == 0) {
                    continue;
                }
                int[] idx = new int[rows + 3];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = rnd.nextInt(rows);
                }
                int from = 2, count = rows;
                Resident.Floats hs = up(dev, a), hd = dev.floats(count * cols);
                Resident.Ints hi = up(dev, idx);
                dev.gatherRows(hs, rows, cols, hi, from, count, hd);
                float[] want = new float[count * cols];
                ref.gatherRows(a, cols, idx, from, count, want);
                assertArrayEquals(want, down(dev, hd), at("gatherRows " + rows + "x" + cols + " from " + from));
                // Re-uploads queued back to back (as reshuffles are), each followed by a gather that
                // must see its own indices, not the previous or the next ones.
                int[] again = idx.clone();
                Resident.Floats[] got = new Resident.Floats[3];
                int[][] sent = new int[3][];
                for (int round = 0; round < 3; round++) {
                    again[from] = (again[from] + 1) % rows;
                    sent[round] = again.clone();
                    dev.upload(again, hi);
                    got[round] = dev.floats(cols);
                    dev.gatherRows(hs, rows, cols, hi, from, 1, got[round]);
                }
                for (int round = 0; round < 3; round++) {
                    float[] first = down(dev, got[round]);
                    for (int j = 0; j < cols; j++) {
                        assertEquals(a[sent[round][from] * cols + j], first[j],
                                at("gatherRows after re-upload " + round + " of the indices"));
                    }
                }
            }
        }
    }

    @Test
    public void optimisersMatchOverSeveralSteps() {
        Backend ref = reference();
        try (Resident dev = open()) {
            for (int n : new int[] {1, 33, 1000}) {
                float[] p = gauss(n), m = new float[n], v = new float[n];
                float[] q = p.clone(), w = new float[n];
                Resident.Floats hp = up(dev, p), hm = up(dev, m), hv = up(dev, v);
                Resident.Floats hq = up(dev, q), hw = up(dev, w);
                for (int t = 1; t <= 4; t++) {
                    float[] g = gauss(n);
                    Resident.Floats hg = up(dev, g);
                    dev.adam(hp, hg, hm, hv, n, 1e-2f, 0.9f, 0.999f, 1e-8f, 1e-3f, t);
                    ref.adam(p, g, m, v, n, 1e-2f, 0.9f, 0.999f, 1e-8f, 1e-3f, t);
                    dev.sgdMomentum(hq, hg, hw, n, 5e-2f, 0.9f, 1e-3f);
                    ref.sgdMomentum(q, g, w, n, 5e-2f, 0.9f, 1e-3f);
                }
                assertArrayEquals(p, down(dev, hp), at("adam parameters n=" + n));
                assertArrayEquals(m, down(dev, hm), at("adam first moment n=" + n));
                assertArrayEquals(v, down(dev, hv), at("adam second moment n=" + n));
                assertArrayEquals(q, down(dev, hq), at("sgd parameters n=" + n));
                assertArrayEquals(w, down(dev, hw), at("sgd velocity n=" + n));
            }
        }
    }
}
