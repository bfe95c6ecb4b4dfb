package org.mtlalign.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mtlalign.analysis.TestData;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.Resident;
import org.mtlalign.backend.ResidentContract;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.model.Activation;
import org.mtlalign.model.Loss;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.TaskHead;
import org.mtlalign.train.TrainConfig;
import org.mtlalign.train.TrainResult;
import org.mtlalign.train.Trainer;

/**
 * {@link ResidentContract} for device sessions ({@link CudaResident}), with the tolerances the
 * contract states for sessions that are not bitwise, and training on the device against the
 * CPU path.
 */
@GpuTest
class CudaResidentContractTest extends ResidentContract {
    private static CudaBackend gpu;
    private static CpuBackend cpu;

    @BeforeAll
    static void openBackend() {
        if (CudaProbe.usable()) {  // tests are disabled otherwise (see GpuTest)
            gpu = new CudaBackend();
            cpu = new CpuBackend();
        }
    }

    @AfterAll
    static void closeBackend() {
        if (gpu != null) {
            gpu.close();
            gpu = null;
        }
    }

    @Override
    protected Resident open() {
        return gpu.resident();
    }

    @Override
    protected Backend reference() {
        return cpu;
    }

    @Override
    protected boolean bitwise() {
        return false;
    }

    private static List<PreparedTask> tasks(Random rnd, int d) {
        List<PreparedTask> tasks = new ArrayList<>();
        for (int m : new int[] {301, 157}) {
            float[] x = TestData.gaussian(rnd, m * d, 1.0);
            float[] y = new float[m];
            for (int a = 0; a < m; a++) {
                double s = 0.3 * rnd.nextGaussian();
                for (int j = 0; j < d; j++) {
                    s += x[a * d + j] * ((j % 3) - 1);
                }
                y[a] = (float) s;
            }
            int split = m * 4 / 5;
            tasks.add(TestData.regression("reg" + m, x, m, d, y, 1, TestData.range(split), TestData.range(split, m),
                    new int[0]));
        }
        int m = 211;
        float[] x = TestData.gaussian(rnd, m * d, 1.0);
        float[] cls = new float[m];
        for (int a = 0; a < m; a++) {
            cls[a] = x[a * d] > 0.5f ? 2f : x[a * d] > -0.5f ? 1f : 0f;
        }
        tasks.add(TestData.classification("three", x, m, d, cls, Loss.SOFTMAX));
        return tasks;
    }

    private static MtlModel model(List<PreparedTask> tasks, long seed) {
        List<TaskHead> heads = new ArrayList<>();
        for (PreparedTask t : tasks) {
            heads.add(t.head());
        }
        MtlModel m = new MtlModel(tasks.get(0).dim(), 5, Activation.RELU, true, heads);
        m.initialize(seed);
        m.enableAlignment();
        return m;
    }

    /**
     * A few epochs of Adam with alignment on the device and on the CPU from the same start: the
     * same number of steps, parameters within 1e-3 relative (Frobenius) of each other (float32
     * sums in another order, amplified a little by training), and a second run of the same shapes
     * allocates no device memory at all: the steps reuse what the first run took from the pool.
     */
    @Test
    void trainingOnTheDeviceMatchesTheCpuAndAllocatesNothingPerStep() {
        long seed = TestData.seed();
        List<PreparedTask> tasks = tasks(new Random(seed), 37);
        TrainConfig cfg = new TrainConfig(3, 32, TrainConfig.Optimizer.ADAM, 3e-3f, 0.9f, 1e-4f,
                TrainConfig.Sampling.ROUND_ROBIN, 100, seed, false);
        MtlModel onGpu = model(tasks, seed);
        MtlModel onCpu = model(tasks, seed);
        TrainResult rg = new Trainer(gpu, cfg).train(onGpu, tasks, null);
        TrainResult rc = new Trainer(cpu, cfg).train(onCpu, tasks, null);
        assertEquals(rc.steps(), rg.steps(), "seed=" + seed);
        assertEquals(rc.bestValidationLoss(), rg.bestValidationLoss(), 1e-4 * Math.abs(rc.bestValidationLoss()),
                "seed=" + seed);
        for (int i = 0; i < onCpu.parameters().size(); i++) {
            float[] a = onGpu.parameters().get(i).value();
            float[] b = onCpu.parameters().get(i).value();
            double num = 0;
            double den = 0;
            for (int j = 0; j < a.length; j++) {
                num += ((double) a[j] - b[j]) * ((double) a[j] - b[j]);
                den += (double) b[j] * b[j];
            }
            double rel = Math.sqrt(num / Math.max(den, 1e-300));
            assertTrue(rel <= 1e-3, "seed=" + seed + ": " + onCpu.parameters().get(i).name() + " relative difference "
                    + rel);
        }
        long before = gpu.deviceAllocations();
        new Trainer(gpu, cfg.withEpochs(6)).train(model(tasks, seed), tasks, null);
        assertEquals(before, gpu.deviceAllocations(), "a second training of the same shapes allocated device memory");
    }
}
