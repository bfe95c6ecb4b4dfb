package org.mtlalign.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
     * A suite supported the claim on any Spearman above 0. Now only beyond the one-sided 5% level
     * for unrelated scores: on shuffled rankings (fresh seed) of 6, 10 and 15 pairs, about 5% pass
     * (a bare rho > 0 passes half of them).
     */
    @Test
    void aSuiteSupportsTheClaimOnlyBeyondChance() {
        assertTrue(SimilarityVsTransferExperiment.beyondChance(0.725, 15));
        assertTrue(!SimilarityVsTransferExperiment.beyondChance(0.3, 10), "rho 0.3 over 10 pairs is within chance");
        assertTrue(!SimilarityVsTransferExperiment.beyondChance(-0.515, 10));
        assertTrue(!SimilarityVsTransferExperiment.beyondChance(1.0, 2));
        java.util.Random rnd = new java.util.Random(org.mtlalign.analysis.TestData.seed());
        for (int n : new int[] {6, 10, 15}) {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = i;
            }
            int trials = 20000;
            int passed = 0;
            for (int t = 0; t < trials; t++) {
                double[] y = x.clone();
                for (int i = n - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    double v = y[i];
                    y[i] = y[j];
                    y[j] = v;
                }
                passed += SimilarityVsTransferExperiment.beyondChance(Stats.spearman(x, y), n) ? 1 : 0;
            }
            double rate = passed / (double) trials;
            // About 5% (the normal approximation is conservative for small n), never the 50% of rho > 0.
            assertTrue(rate > 0.02 && rate < 0.075, "n = " + n + ": unrelated rankings pass " + rate);
        }
    }
}
