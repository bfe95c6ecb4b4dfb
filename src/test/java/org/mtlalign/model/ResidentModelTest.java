package org.mtlalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
}
