package org.mtlalign.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.backend.cpu.CpuBackend;

/**
 * The transfer experiment in its quick form: files and their shape. Whether fine-tune +
 * alignment beats fine-tune (or STL) is the experiment's measurement and verdict, not an
 * assertion here: no theorem fixes it on held-out data.
 */
class TransferLearningExperimentTest {
    @Test
    void quickRunWritesResults(@TempDir Path dir) throws Exception {
        TransferLearningExperiment e = new TransferLearningExperiment();
        // Two seeds keep the test short; the CLI's --quick uses the default 5.
        Report r = e.run(new ExperimentContext(new CpuBackend(), true, 2, 1, s -> { }));
        ResultWriter.write(dir, e, r, "mtl reproduce transfer --quick --seeds 2");

        Path csv = dir.resolve("transfer.csv");
        Path png = dir.resolve("transfer.png");
        Path md = dir.resolve("transfer.md");
        assertTrue(Files.exists(csv) && Files.exists(png) && Files.exists(md));
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertEquals("suite,seed,source,target,metric,stl,fine_tune,fine_tune_align,stl_best_epoch,"
                + "fine_tune_best_epoch,fine_tune_align_best_epoch,trainings_at_epoch_cap", lines.get(0));
        // 2 seeds x (4 synthetic targets of one source + 5 x 4 digits source/target pairs).
        assertEquals(1 + 2 * (4 + 20), lines.size());
        Set<String> combos = new HashSet<>();
        for (List<Object> row : r.csvRows()) {
            assertTrue(!row.get(2).equals(row.get(3)), "source equals target: " + row);
            assertEquals("auc", row.get(4));
            for (int c = 5; c <= 7; c++) {
                double v = (Double) row.get(c);
                assertTrue(v >= 0 && v <= 1, row.toString());
            }
            for (int c = 8; c <= 10; c++) {
                int best = (Integer) row.get(c);
                assertTrue(best >= 0 && best <= 1000, "best epoch within the --quick cap: " + row);
            }
            int capped = (Integer) row.get(11);
            assertTrue(capped >= 0 && capped <= 3, row.toString());
            combos.add(row.get(0) + "/" + row.get(1) + "/" + row.get(2) + "/" + row.get(3));
        }
        assertEquals(48, combos.size(), "one row per suite, seed, source and target");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertTrue(img.getWidth() >= 2 * 640 && img.getHeight() >= 440, img.getWidth() + "x" + img.getHeight());
        assertEquals(2, r.panels().size());
        for (Report.Panel p : r.panels()) {
            assertEquals(3, p.series().size());
        }
        String text = Files.readString(md, StandardCharsets.UTF_8);
        assertTrue(text.contains("**Verdict: the claim") && text.contains("fine-tune + align")
                && text.contains("transfer.png") && text.contains("Verdict rule:") && text.contains("Convergence:")
                && text.contains("start at zero"), text);
        assertEquals(24, r.tableRows().size());
        assertEquals(8, r.tableHeader().size());
    }

    @Test
    void pairedGainCountsOnlyGainsBeyondTwiceTheirStandardError() {
        double[] ft = {0.5, 0.6, 0.7, 0.8, 0.9};
        // Exact ties (AUC 1 vs 1, or equal values) are neither better nor worse.
        TransferLearningExperiment.PairedGain tie = TransferLearningExperiment.PairedGain.of(ft, ft.clone(), true);
        assertEquals(0, tie.mean());
        assertFalse(tie.clearlyBetter() || tie.clearlyWorse());
        // The same gain on every seed: standard error 0, clearly better.
        double[] up = {0.6, 0.7, 0.8, 0.9, 1.0};
        TransferLearningExperiment.PairedGain g = TransferLearningExperiment.PairedGain.of(ft, up, true);
        assertEquals(0.1, g.mean(), 1e-12);
        assertEquals(0, g.stdError(), 1e-12);
        assertTrue(g.clearlyBetter() && !g.clearlyWorse());
        // For a lower-is-better metric the same numbers are a loss.
        assertTrue(TransferLearningExperiment.PairedGain.of(ft, up, false).clearlyWorse());
        // Gains +0.1, -0.1, +0.1, -0.1, +0.1: mean 0.02, standard error 0.049; within noise.
        double[] mixed = {0.6, 0.5, 0.8, 0.7, 1.0};
        TransferLearningExperiment.PairedGain n = TransferLearningExperiment.PairedGain.of(ft, mixed, true);
        assertEquals(0.02, n.mean(), 1e-12);
        assertEquals(Math.sqrt(0.012) / Math.sqrt(5), n.stdError(), 1e-12);
        assertFalse(n.clearlyBetter() || n.clearlyWorse());
        // One seed has no standard error: never clear.
        assertFalse(TransferLearningExperiment.PairedGain.of(new double[] {0.5}, new double[] {0.9}, true)
                .clearlyBetter());
    }
}
