package org.mtlalign.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.cpu.CpuBackend;

/**
 * The similarity-vs-transfer experiment in --quick form (2 seeds here; the CLI's --quick uses 5).
 * The correlation is a statistical claim: it is reported, not asserted.
 */
class SimilarityVsTransferExperimentTest {
    @TempDir
    Path dir;

    @Test
    void quickRunWritesResultsWithValidScoresAndAFiniteCorrelation() throws Exception {
        SimilarityVsTransferExperiment e = new SimilarityVsTransferExperiment();
        Report r = e.run(new ExperimentContext(new CpuBackend(), true, 2, 1, s -> { }));
        ResultWriter.write(dir, e, r, "mtl reproduce similarity-vs-transfer --quick --seeds 2");

        List<String> csv = Files.readAllLines(dir.resolve("similarity-vs-transfer.csv"), StandardCharsets.UTF_8);
        assertEquals("suite,seed,pair,similarity,metric,stl_mean,mtl_mean,transfer", csv.get(0));
        // digits-pairs: 10 pairs, synthetic: 15 pairs, 2 seeds each.
        assertEquals(1 + (10 + 15) * 2, csv.size());
        assertNotNull(ImageIO.read(dir.resolve("similarity-vs-transfer.png").toFile()));
        assertTrue(Files.size(dir.resolve("similarity-vs-transfer.png")) > 5000);
        String md = Files.readString(dir.resolve("similarity-vs-transfer.md"), StandardCharsets.UTF_8);
        assertTrue(md.contains("Paper's claim") && md.contains("Spearman") && md.contains("digits-pairs"), md);

        for (List<Object> row : r.csvRows()) {
            double score = (Double) row.get(3);
            assertTrue(score >= 0 && score <= 1, "score " + score + " in " + row);
            assertTrue(Double.isFinite((Double) row.get(7)), row.toString());
        }
        assertEquals(2, r.panels().size());
        for (Report.Panel p : r.panels()) {
            Report.Series s = p.series().get(0);
            for (int i = 0; i < s.x().length; i++) {
                assertTrue(s.x()[i] >= 0 && s.x()[i] <= 1, p.title());
                assertTrue(i == 0 || s.x()[i] >= s.x()[i - 1], "x sorted ascending: " + p.title());
            }
            double rho = Stats.spearman(s.x(), s.mean());
            assertTrue(Double.isFinite(rho), p.title() + ": rank correlation " + rho);
            assertTrue(p.title().contains(String.format(java.util.Locale.ROOT, "%.2f", rho)), p.title() + " vs " + rho);
        }
        assertTrue(r.verdict() != Report.Verdict.INCONCLUSIVE);
    }

    @Test
    void syntheticSuiteSimilarityFallsWithTheWindowShift() {
        // By construction: overlapping windows give higher scores than disjoint ones.
        SimilarityVsTransferExperiment.Sizes z = SimilarityVsTransferExperiment.Sizes.of(true);
        org.mtlalign.data.TaskSuite suite = SimilarityVsTransferExperiment.synthetic(z, 3);
        assertEquals(6, suite.size());
        float[][] xs = new float[6][];
        int[] rows = new int[6];
        for (int i = 0; i < 6; i++) {
            xs[i] = suite.tasks().get(i).x();
            rows[i] = suite.tasks().get(i).rows();
        }
        double[][] s = new org.mtlalign.analysis.CovarianceSimilarity(new CpuBackend(), 0.99).matrix(xs, rows, z.d());
        assertTrue(s[0][1] > s[0][3] && s[0][3] > s[0][5], s[0][1] + " " + s[0][3] + " " + s[0][5]);
    }

    @Test
    void badOptionIsAUserError() {
        UserInputException e = assertThrows(UserInputException.class, () -> new SimilarityVsTransferExperiment(0));
        assertTrue(e.getMessage().contains("r must be >= 1"), e.getMessage());
    }

    /**
     * A suite supported the claim on any Spearman above 0, then above 1.645 / sqrt(n - 1), the level
     * for independent pairs. Where every task lifts or lowers all its pairs' similarity and,
     * independently, all its pairs' transfer, unrelated scores passed that level in 14.5% and 16.1% of
     * 1000 trials over the suites' 5 and 6 tasks; the rule now, from the tasks relabelled, in 5.2% and
     * 5.1%.
     */
    @Test
    void aSuiteSupportsTheClaimOnlyBeyondTheRelabelledLevel() {
        // A fixed seed: the two rates are 1000 trials' estimates, and a fresh seed would put them near the bounds
        // now and then.
        Random rnd = new Random(20261202L);
        for (int k : new int[] {5, 6}) {
            int n = k * (k - 1) / 2;
            int trials = 1000;
            int overIndependent = 0;
            int overRule = 0;
            for (int t = 0; t < trials; t++) {
                double[] a = new double[k];
                double[] b = new double[k];
                for (int i = 0; i < k; i++) {
                    a[i] = 3 * rnd.nextGaussian();
                    b[i] = 3 * rnd.nextGaussian();
                }
                double[] score = new double[n];
                double[] transfer = new double[n];
                int q = 0;
                for (int i = 0; i < k; i++) {
                    for (int j = i + 1; j < k; j++) {
                        score[q] = a[i] + a[j] + rnd.nextGaussian();
                        transfer[q++] = b[i] + b[j] + rnd.nextGaussian();
                    }
                }
                double rho = Stats.spearman(score, transfer);
                overIndependent += rho > 1.645 / Math.sqrt(n - 1) ? 1 : 0;
                SpearmanChance c = SimilarityVsTransferExperiment.chance(k, score, transfer, t);
                overRule += SimilarityVsTransferExperiment.beyondChance(c, rho) ? 1 : 0;
            }
            assertTrue(overIndependent > 0.10 * trials, k + " tasks, the independent-pairs level: " + overIndependent);
            assertTrue(overRule > 0.02 * trials && overRule < 0.07 * trials, k + " tasks, the rule: " + overRule);
        }
    }

    /**
     * The committed quick run's synthetic suite (docs/results, 6 tasks' 15 pairs): +0.725 is beyond
     * the relabelled level, as it was beyond 0.44; the digits suite's -0.515 over 10 pairs is not.
     * Task order w0..w5, pairs i < j.
     */
    @Test
    void theRuleOnTheCommittedSuites() {
        double[] score = {0.2559, 0.2129, 0.1825, 0.1593, 0.1453, 0.2406, 0.2044, 0.1769, 0.1590, 0.2297, 0.2067,
            0.1855, 0.2389, 0.2170, 0.2521};
        double[] transfer = {0.2737, 0.1922, -0.8838, -0.3551, -1.0461, 0.0922, -0.0935, -0.3121, -1.5381, 0.1624,
            0.3657, -0.0195, -0.2145, -0.7247, 0.2485};
        double rho = Stats.spearman(score, transfer);
        assertEquals(0.725, rho, 5e-4);
        SpearmanChance c = SimilarityVsTransferExperiment.chance(6, score, transfer, 1);
        assertEquals(720, c.orders());
        assertTrue(SimilarityVsTransferExperiment.beyondChance(c, rho), c.toString());
        assertFalse(SimilarityVsTransferExperiment.beyondChance(c, c.upper() - 1e-6), c.toString());
        assertFalse(SimilarityVsTransferExperiment.beyondChance(null, 1.0));
        assertThrows(IllegalArgumentException.class,
                () -> SimilarityVsTransferExperiment.chance(5, score, transfer, 1));
    }
}
