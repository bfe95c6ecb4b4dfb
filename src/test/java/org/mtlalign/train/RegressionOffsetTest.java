package org.mtlalign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.analysis.TestData;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.MtlModel;

/**
 * Regression labels far from zero (kelvin, prices): the head's bias starts at the training
 * mean, so an offset changes nothing but the offset. From zero, a 290 +- 5 task took the whole
 * epoch budget to reach its level, and MTL wrecked the other tasks of the run meanwhile.
 */
class RegressionOffsetTest {
    private final CpuBackend be = new CpuBackend();

    private static List<PreparedTask> suite(long seed, float offset) {
        Random rnd = new Random(seed);
        int d = 6;
        int m = 160;
        float[] xa = TestData.gaussian(rnd, m * d, 1.0);
        float[] ya = new float[m];
        float[] xb = TestData.gaussian(rnd, m * d, 1.0);
        float[] yb = new float[m];
        for (int i = 0; i < m; i++) {
            ya[i] = offset + (float) (5 * (xa[i * d] - xa[i * d + 1]) + 0.5 * rnd.nextGaussian());
            yb[i] = xb[i * d] - xb[i * d + 1] + 0.2 * rnd.nextGaussian() > 0 ? 1 : 0;
        }
        TaskSuite s = new TaskSuite("offset", List.of(new Task("kelvin", xa, m, d, ya, 1, false, "memory"),
                new Task("binary", xb, m, d, yb, 1, true, "memory")), false);
        return Preparation.prepare(s, Preparation.Config.defaults(seed)).tasks();
    }

    @Test
    void anOffsetInRegressionLabelsChangesOnlyTheOffset() {
        long seed = TestData.seed();
        ExperimentConfig cfg = ExperimentConfig.defaults(2).withTrain(TrainConfig.defaults(3).withEpochs(40))
                .withAlignment(ExperimentConfig.AlignMode.NONE).withReweighting(null, 0).withStlBaselines(false);
        double[] mse = new double[2];
        double[] auc = new double[2];
        float[] offsets = {0f, 290f};
        for (int v = 0; v < 2; v++) {
            List<PreparedTask> tasks = suite(seed, offsets[v]);
            MtlExperiment e = new MtlExperiment(be, cfg);
            MtlModel start = e.newModel(tasks);
            double mean = 0;
            for (int r : tasks.get(0).train()) {
                mean += tasks.get(0).target()[r];
            }
            mean /= tasks.get(0).train().length;
            assertEquals(mean, start.headBias(0).value()[0], 1e-3 * (1 + Math.abs(mean)), "seed=" + seed);
            ExperimentResult res = e.run(tasks, null);
            mse[v] = res.tasks().get(0).mtl();
            auc[v] = res.tasks().get(1).mtl();
        }
        String ctx = "seed=" + seed + " MSE " + mse[0] + " vs " + mse[1] + ", AUC " + auc[0] + " vs " + auc[1];
        System.out.println("[RegressionOffset] " + ctx);
        // The same training up to float rounding at the offset's scale.
        assertTrue(Math.abs(mse[1] - mse[0]) <= 0.05 * mse[0], ctx);
        assertTrue(Math.abs(auc[1] - auc[0]) <= 0.02, ctx);
    }
}
