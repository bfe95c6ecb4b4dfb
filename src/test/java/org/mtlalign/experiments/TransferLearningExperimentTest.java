package org.mtlalign.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals("suite,seed,source,target,metric,stl,fine_tune,fine_tune_align", lines.get(0));
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
                && text.contains("transfer.png"), text);
        assertEquals(24, r.tableRows().size());
    }
}
