package org.mtlalign.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.cpu.CpuBackend;

/** The task-covariance experiment in --quick form (2 seeds here; the CLI's --quick uses 5). */
class TaskCovarianceExperimentTest {
    @TempDir
    Path dir;

    @Test
    void quickRunWritesResultsAndSameCovarianceHelpsTheLinearTarget() throws Exception {
        TaskCovarianceExperiment e = new TaskCovarianceExperiment();
        Report r = e.run(new ExperimentContext(new CpuBackend(), true, 2, 1, s -> { }));
        ResultWriter.write(dir, e, r, "mtl reproduce task-covariance --quick --seeds 2");

        List<String> csv = Files.readAllLines(dir.resolve("task-covariance.csv"), StandardCharsets.UTF_8);
        assertEquals("variant,seed,source,m_source,metric,stl,mtl,difference", csv.get(0));
        // 3 variants x 2 seeds x 3 sources x 5 source sizes.
        assertEquals(1 + 3 * 2 * 3 * 5, csv.size());
        BufferedImage png = ImageIO.read(dir.resolve("task-covariance.png").toFile());
        assertNotNull(png);
        assertTrue(png.getWidth() >= 640 && png.getHeight() >= 400, png.getWidth() + "x" + png.getHeight());
        assertEquals(3, r.panels().size());
        String md = Files.readString(dir.resolve("task-covariance.md"), StandardCharsets.UTF_8);
        assertTrue(md.contains("Paper's claim") && md.contains("Verdict") && md.contains("same-cov"), md);
        assertTrue(r.measured().contains("linear") && r.measured().contains("classification"), r.measured());
        for (List<Object> row : r.csvRows()) {
            assertTrue(Double.isFinite((Double) row.get(5)) && Double.isFinite((Double) row.get(6)), row.toString());
        }

        // The linear variant trains to the optimum of a well-posed least-squares problem, where a
        // source with the target's covariance pools rows on the coordinates the teachers share:
        // at the largest source size, MTL beats STL on the target (mean over seeds).
        double stl = 0;
        double mtl = 0;
        int n = 0;
        for (List<Object> row : r.csvRows()) {
            if (row.get(0).equals("linear") && row.get(2).equals("same-cov") && ((Integer) row.get(3)) == 400) {
                stl += (Double) row.get(5);
                mtl += (Double) row.get(6);
                n++;
            }
        }
        assertEquals(2, n);
        assertTrue(mtl / n < stl / n, "linear, same-cov, m_source = 400: MTL " + mtl / n + " vs STL " + stl / n);
    }

    /**
     * The verdict judged by the means alone: in the committed --quick run (5 seeds) the ReLU
     * variant's same-cov source beat the other-cov one by 1.04 +- 1.49 MSE at the largest source
     * (per-seed leads -0.985, -2.871, -0.294, -1.998, +0.961 as same - other), and "holds" followed.
     * Now a lead within the seeds' spread does not count, a lead beyond it does, on fresh draws.
     */
    @Test
    void verdictNeedsTheSameCovLeadBeyondTheSeedSpread() {
        double[] same = {-3.5, -4.1, -2.2, -3.6, -1.9};
        double[] other = new double[5];
        double[] lead = {0.985, 2.871, 0.294, 1.998, -0.961};
        for (int s = 0; s < 5; s++) {
            other[s] = same[s] + lead[s];
        }
        assertTrue(Stats.mean(other) > Stats.mean(same), "the means alone favour same-cov");
        assertTrue(!TaskCovarianceExperiment.leadsBeyondSpread(same, other), "a lead of 1.04 +- 1.49 is within the spread");
        assertTrue(TaskCovarianceExperiment.transfersPositively(same));
        java.util.Random rnd = new java.util.Random(org.mtlalign.analysis.TestData.seed());
        for (int trial = 0; trial < 100; trial++) {
            int n = 3 + rnd.nextInt(5);
            double shift = rnd.nextGaussian() * 2;
            double[] a = new double[n];
            double[] b = new double[n];
            double mean = 0;
            for (int s = 0; s < n; s++) {
                a[s] = rnd.nextGaussian() * 3;
                b[s] = a[s] + shift + rnd.nextGaussian();
                mean += b[s] - a[s];
            }
            mean /= n;
            double var = 0;
            for (int s = 0; s < n; s++) {
                var += Math.pow(b[s] - a[s] - mean, 2);
            }
            boolean want = mean - Math.sqrt(var / (n - 1)) > 0;
            assertEquals(want, TaskCovarianceExperiment.leadsBeyondSpread(a, b), "trial " + trial);
        }
    }

    @Test
    void badOptionsAreUserErrors() {
        UserInputException a = assertThrows(UserInputException.class, () -> new TaskCovarianceExperiment(0, 3.0));
        assertTrue(a.getMessage().contains("r must be >= 1"), a.getMessage());
        UserInputException b = assertThrows(UserInputException.class, () -> new TaskCovarianceExperiment(1, 1.0));
        assertTrue(b.getMessage().contains("kappa"), b.getMessage());
        assertThrows(UserInputException.class, () -> new TaskCovarianceExperiment(1, Double.NaN));
    }

    @Test
    void generatorIsDeterministicAndRotationChangesTheCovariance() {
        TaskCovarianceExperiment.Sizes z = TaskCovarianceExperiment.Sizes.of(true);
        TaskCovarianceExperiment.Generated a = TaskCovarianceExperiment.generate("linear", z, 3.0, 42);
        TaskCovarianceExperiment.Generated b = TaskCovarianceExperiment.generate("linear", z, 3.0, 42);
        assertTrue(java.util.Arrays.equals(a.target().x(), b.target().x()));
        assertTrue(java.util.Arrays.equals(a.sources()[1].x(), b.sources()[1].x()));
        // Second moments of coordinate 0 (in A) and the last (in B): kappa^2 vs 1 for same-cov,
        // the reverse for other-cov, and in between for the rotated source.
        int d = z.d();
        double[] same = moments(a.sources()[0].x(), d);
        double[] other = moments(a.sources()[2].x(), d);
        double[] rotated = moments(a.sources()[1].x(), d);
        assertTrue(same[0] > 6 && same[1] < 1.5, java.util.Arrays.toString(same));
        assertTrue(other[0] < 1.5 && other[1] > 6, java.util.Arrays.toString(other));
        assertTrue(Math.abs(rotated[2] - rotated[3]) < 0.5 * (rotated[2] + rotated[3]),
                "rotated: mean second moment on A " + rotated[2] + ", on B " + rotated[3]);
    }

    /** {E x_0^2, E x_{d-1}^2, mean over A of E x_a^2, mean over B}. */
    private static double[] moments(float[] x, int d) {
        int rows = x.length / d;
        double[] m = new double[4];
        for (int r = 0; r < rows; r++) {
            m[0] += x[r * d] * x[r * d];
            m[1] += x[r * d + d - 1] * x[r * d + d - 1];
            for (int a = 0; a < d; a++) {
                m[a < d / 2 ? 2 : 3] += x[r * d + a] * x[r * d + a] / (d / 2.0);
            }
        }
        for (int i = 0; i < 4; i++) {
            m[i] /= rows;
        }
        return m;
    }
}
