package org.mtlalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.analysis.TestData;
import org.mtlalign.backend.HostResident;
import org.mtlalign.backend.Resident;
import org.mtlalign.backend.cpu.CpuBackend;

/** ResidentModel's gradient bookkeeping: started gradients overwrite, unwritten ones are zero. */
class ResidentModelTest {

    /**
     * A step whose gradients were started but that ran no backward must not apply the previous
     * step's gradients: with Adam from fresh moments, a zero gradient moves nothing.
     */
    @Test
    void aStartedGradientThatNoBackwardWroteIsZero() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 6;
        int rows = 9;
        MtlModel m = new MtlModel(d, 3, Activation.RELU, true,
                List.of(new TaskHead("a", Loss.SQUARED, 1), new TaskHead("b", Loss.SQUARED, 2)));
        m.initialize(seed);
        try (Resident dev = new HostResident(new CpuBackend(), true)) {
            ResidentModel rm = ResidentModel.upload(m, dev, rows);
            Resident.Floats x = dev.upload(TestData.gaussian(rnd, rows * d, 1.0));
            Resident.Floats y = dev.upload(TestData.gaussian(rnd, rows, 1.0));
            Resident.LossSlots slots = dev.lossSlots(1);
            rm.startGradients(0);
            rm.forward(0, x, rows);
            rm.backward(0, x, rows, y, 1f, slots, 0);
            rm.sgdMomentum(0, 0.1f, 0f, 0f);
            rm.download();
            float[] before = m.shared().value().clone();
            assertFalse(java.util.Arrays.equals(before, new float[before.length]), "seed=" + seed);
            // Started, never written: plain SGD without momentum must leave B where it is.
            rm.startGradients(0);
            rm.sgdMomentum(0, 0.1f, 0f, 0f);
            rm.download();
            assertArrayEquals(before, m.shared().value(), "seed=" + seed + ": a stale gradient was applied");
        }
    }

    /**
     * Weight decay pulls B, heads and biases toward 0 and an alignment matrix R_i toward the
     * identity it starts from (toward 0 it shrank the frozen module's inputs): with a zero
     * gradient, one step from fresh moments moves p by lr wd p and R by lr wd (R - I), for Adam
     * (decoupled) and for SGD. Odd d, R off the identity; float64 reference, relative error.
     */
    @Test
    void weightDecayPullsAlignmentTowardTheIdentity() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        float lr = 0.05f;
        float wd = 0.3f;
        for (int d : new int[] {1, 7}) {
            for (String opt : new String[] {"adam", "sgd"}) {
                MtlModel m = new MtlModel(d, Math.min(3, d), Activation.RELU, true,  // r <= d
                        List.of(new TaskHead("a", Loss.SQUARED, 1), new TaskHead("b", Loss.LOGISTIC, 1)));
                m.initialize(seed);
                m.enableAlignment();
                float[] r0 = m.alignment(1).value();
                for (int i = 0; i < r0.length; i++) {
                    r0[i] = (float) (rnd.nextGaussian() + (i % (d + 1) == 0 ? 1.5 : 0));
                }
                r0 = r0.clone();
                float[] b0 = m.shared().value().clone();
                try (Resident dev = new HostResident(new CpuBackend(), true)) {
                    ResidentModel rm = ResidentModel.upload(m, dev, 4);
                    rm.startGradients(1);
                    if (opt.equals("adam")) {
                        rm.adam(1, lr, 0.9f, 0.999f, 1e-8f, wd);
                    } else {
                        rm.sgdMomentum(1, lr, 0.9f, wd);
                    }
                    rm.download();
                }
                float[] r1 = m.alignment(1).value();
                double worst = 0;
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        double eye = i == j ? 1 : 0;
                        double want = r0[i * d + j] - (double) lr * wd * (r0[i * d + j] - eye);
                        worst = Math.max(worst, Math.abs(r1[i * d + j] - want) / Math.max(1e-3, Math.abs(want)));
                    }
                }
                assertTrue(worst < 1e-6, opt + " d=" + d + " seed=" + seed + ": R off by " + worst);
                float[] b1 = m.shared().value();
                for (int i = 0; i < b0.length; i++) {
                    double want = b0[i] * (1 - (double) lr * wd);
                    assertTrue(Math.abs(b1[i] - want) <= 1e-6 * Math.max(1e-3, Math.abs(want)),
                            opt + " d=" + d + " seed=" + seed + ": B[" + i + "] " + b1[i] + " vs " + want);
                }
            }
        }
    }

    /**
     * A step on an aligned task multiplies through R B (d x r) when r is below the batch's rows,
     * not through X R (rows x d): about 2 d^2 r multiply-adds instead of 2 rows d^2. At d = 768,
     * r = 3 and batch 32 the alignment phase took 6 s an epoch before. Counted at the backend's
     * gemm, for fixed-b (B frozen) and joint; GradientCheckTest checks the values of both paths.
     */
    @Test
    void anAlignedStepCostsDSquaredRNotRowsDSquared() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 61 + rnd.nextInt(9);
        int r = 2 + rnd.nextInt(3);
        int rows = 30 + rnd.nextInt(5);
        long[] madds = {0};
        org.mtlalign.backend.Backend cpu = new CpuBackend();
        org.mtlalign.backend.Backend counting = (org.mtlalign.backend.Backend) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {org.mtlalign.backend.Backend.class}, (p, method, a) -> {
                    if (method.getName().equals("gemm")) {
                        madds[0] += (long) (int) a[2] * (int) a[3] * (int) a[4];
                    }
                    try {
                        return method.invoke(cpu, a);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        for (boolean fixB : new boolean[] {true, false}) {
            MtlModel m = new MtlModel(d, r, Activation.RELU, true,
                    List.of(new TaskHead("a", Loss.SOFTMAX, 5), new TaskHead("b", Loss.SQUARED, 1)));
            m.initialize(seed);
            m.enableAlignment();
            m.shared().setTrainable(!fixB);
            try (Resident dev = new HostResident(counting, true)) {
                ResidentModel rm = ResidentModel.upload(m, dev, rows);
                Resident.Floats x = dev.upload(TestData.gaussian(rnd, rows * d, 1.0));
                float[] labels = new float[rows];
                for (int i = 0; i < rows; i++) {
                    labels[i] = rnd.nextInt(5);
                }
                Resident.Floats y = dev.upload(labels);
                Resident.LossSlots slots = dev.lossSlots(1);
                madds[0] = 0;
                rm.startGradients(0);
                rm.forward(0, x, rows);
                rm.backward(0, x, rows, y, 1f, slots, 0);
                // The X R path takes 2 rows d^2 (over 223000 here), this one about 2 d^2 r + 2 rows d r.
                long bound = 3L * d * d * r + 3L * rows * d * (r + 5);
                assertTrue(madds[0] <= bound, "fixB=" + fixB + " d=" + d + " r=" + r
                        + " rows=" + rows + " seed=" + seed + ": " + madds[0] + " multiply-adds, over " + bound);
            }
        }
    }
}
