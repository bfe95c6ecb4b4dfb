package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.model.Loss;

/**
 * Every command's tables spell a metric alike, as the README does: AUC and MSE in capitals,
 * accuracy in lower case. mtl train printed 'auc' and 'mse' while mtl pairs and mtl sweep printed
 * 'AUC', 'MSE' and 'ACCURACY'. The JSON keeps its lower-case names.
 */
class MetricLabelsTest {
    @TempDir
    Path dir;

    @Test
    void labels() {
        assertEquals("AUC", Loss.metricLabel(Loss.LOGISTIC.metricName()));
        assertEquals("MSE", Loss.metricLabel(Loss.SQUARED.metricName()));
        assertEquals("accuracy", Loss.metricLabel(Loss.SOFTMAX.metricName()));
    }

    @Test
    void trainPairsAndSweepPrintTheSameNames() throws Exception {
        String bin = CliTestSupport.taskSpec(dir, "bin", 120, 4);
        int m = 120;
        int d = 4;
        Random rnd = new Random(3);
        float[] x = new float[m * d];
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            y[i] = x[i * d] - 0.5f * x[i * d + 1] + 0.1f * (float) rnd.nextGaussian();
        }
        String reg = CliTestSupport.writeTask(dir, "reg", "reg", x, m, d, y);

        CliTestSupport.Run t = CliTestSupport.run("train", "--task", bin, "--task", reg, "--rank", "1", "--epochs", "2",
                "--align", "none", "--reweight", "none", "--backend", "cpu");
        assertEquals(0, t.code(), t.all());
        assertTrue(t.out().lines().anyMatch(l -> l.matches("bin\\s+AUC\\s.*")), t.out());
        assertTrue(t.out().lines().anyMatch(l -> l.matches("reg\\s+MSE\\s.*")), t.out());
        assertFalse(t.out().contains(" auc "), t.out());

        CliTestSupport.Run p = CliTestSupport.run("pairs", "--task", bin, "--task", reg, "--seeds", "1", "--epochs", "2",
                "--backend", "cpu");
        assertEquals(0, p.code(), p.all());
        assertTrue(p.out().lines().anyMatch(l -> l.matches("bin\\s+AUC\\s.*")), p.out());
        assertTrue(p.out().contains("bin (AUC)") && p.out().contains("reg (MSE)"), p.out());

        CliTestSupport.Run s = CliTestSupport.run("sweep", "--task", bin, "--task", reg, "--seeds", "1", "--ranks", "1",
                "--epochs", "2", "--backend", "cpu");
        assertEquals(0, s.code(), s.all());
        assertTrue(s.out().contains("bin AUC") && s.out().contains("reg MSE"), s.out());
    }
}
