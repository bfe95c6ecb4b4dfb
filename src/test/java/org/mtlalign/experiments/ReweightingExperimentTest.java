package org.mtlalign.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.backend.cpu.CpuBackend;

/**
 * The reweighting experiment in --quick form with 2 seeds (the CLI's --quick uses 5). Asserts
 * the outputs and what is exact; the statistical claim (AUC gain) is reported, not forced.
 */
class ReweightingExperimentTest {
    @TempDir
    Path dir;

    @Test
    void quickRunWritesOutputsAndRespectsTheExactStatements() throws Exception {
        ReweightingExperiment e = new ReweightingExperiment();
        Report r = e.run(new ExperimentContext(new CpuBackend(), true, 2, 1, s -> { }));
        ResultWriter.write(dir, e, r, "test");
        for (String ext : new String[] {".csv", ".png", ".md"}) {
            assertTrue(Files.size(dir.resolve("reweighting" + ext)) > 1000, ext);
        }
        String md = Files.readString(dir.resolve("reweighting.md"));
        assertTrue(md.contains("Verdict: the claim"), md);
        assertTrue(md.contains("2.4"), "the paper's number is quoted");
        assertEquals(5, r.panels().size());

        List<String> h = r.csvHeader();
        int setting = h.indexOf("setting");
        int variant = h.indexOf("variant");
        int pair = h.indexOf("pair");
        int contains = h.indexOf("contains_noisy");
        int[] digitsCols = {h.indexOf("auc_a"), h.indexOf("auc_b"), h.indexOf("mean_auc"), h.indexOf("weight_a"),
            h.indexOf("weight_b")};
        int wa = h.indexOf("weight_a");
        int wb = h.indexOf("weight_b");
        int sd = h.indexOf("noisy_sd");
        int seedCol = h.indexOf("seed");
        int testMse = h.indexOf("clean_test_mse");
        int trainMse = h.indexOf("clean_train_mse");
        int wn = h.indexOf("weight_noisy");
        int wc = h.indexOf("mean_weight_clean");

        int digitsRows = 0;
        Set<Object> pairs = new HashSet<>();
        boolean noisyPair = false;
        // (setting, seed, sigma) -> variant -> clean training MSE
        Map<String, Map<String, Double>> train = new HashMap<>();
        for (List<Object> row : r.csvRows()) {
            String s = (String) row.get(setting);
            String v = (String) row.get(variant);
            if (s.equals(ReweightingExperiment.DIGITS)) {
                digitsRows++;
                pairs.add(row.get(pair));
                noisyPair |= (Boolean) row.get(contains);
                for (int c : digitsCols) {
                    double x = (Double) row.get(c);
                    assertTrue(Double.isFinite(x) && x >= 0, h.get(c) + " = " + x);
                }
                for (int c : new int[] {h.indexOf("auc_a"), h.indexOf("auc_b")}) {
                    assertTrue((Double) row.get(c) <= 1, "AUC <= 1");
                }
                if (v.equals("normalized")) {
                    inUnitInterval((Double) row.get(wa));
                    inUnitInterval((Double) row.get(wb));
                }
            } else {
                assertTrue(s.startsWith(ReweightingExperiment.SYNTH), s);
                double te = (Double) row.get(testMse);
                double tr = (Double) row.get(trainMse);
                double n = (Double) row.get(wn);
                double c = (Double) row.get(wc);
                assertTrue(Double.isFinite(te) && te > 0 && Double.isFinite(tr) && tr > 0, te + ", " + tr);
                assertTrue(Double.isFinite(n) && n >= 0 && Double.isFinite(c) && c >= 0, n + ", " + c);
                if (v.equals("normalized")) {
                    inUnitInterval(n);
                    inUnitInterval(c);
                }
                train.computeIfAbsent(s + "/" + row.get(seedCol) + "/" + row.get(sd), k -> new HashMap<>()).put(v, tr);
            }
        }
        // 6 quick pairs x 2 seeds x 3 variants, some pairs containing the noisy task.
        assertEquals(6, pairs.size());
        assertEquals(6 * 2 * 3, digitsRows);
        assertTrue(noisyPair, "some pairs contain the noisy task");

        // Exact (Proposition 3): the closed-form B under the weights (0, 1, ..., 1) minimises the
        // clean tasks' summed training error over all B of width r, so no other weighting (uniform,
        // either Algorithm 2 variant) gives the clean tasks a lower training MSE. Float32 SVD and
        // eigen-decomposition, hence the small relative slack.
        assertEquals(2 * 2 * ReweightingExperiment.SYN_SIGMAS.length, train.size());
        for (Map.Entry<String, Map<String, Double>> en : train.entrySet()) {
            Map<String, Double> m = en.getValue();
            double oracle = m.get("oracle");
            for (String v : new String[] {"uniform", "normalized", "paper"}) {
                assertTrue(oracle <= m.get(v) * (1 + 1e-4),
                        en.getKey() + ": oracle clean training MSE " + oracle + " > " + v + " " + m.get(v));
            }
        }
        // At the lowest noise level (sd 0.5, the clean tasks' own) every task is clean: all four
        // weightings fit close to the noise floor 0.25 on test rows (a sanity bound, not a claim).
        for (List<Object> row : r.csvRows()) {
            if (!row.get(setting).equals(ReweightingExperiment.DIGITS) && (Double) row.get(sd) == 0.5) {
                assertTrue((Double) row.get(testMse) < 0.4, "clean-task test MSE at sd 0.5: " + row);
            }
        }
    }

    @Test
    void pairsAreSeededDistinctAndStartWithTheNoisyTask() {
        int[][] a = ReweightingExperiment.drawPairs(20, 3, 10, 1);
        int[][] b = ReweightingExperiment.drawPairs(20, 3, 10, 1);
        assertEquals(20, a.length);
        Set<String> seen = new HashSet<>();
        int withNoisy = 0;
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i][0], b[i][0]);
            assertEquals(a[i][1], b[i][1]);
            assertTrue(a[i][0] < a[i][1], "ordered pair");
            assertTrue(seen.add(a[i][0] + "-" + a[i][1]), "distinct pairs");
            boolean has = a[i][0] == 3 || a[i][1] == 3;
            withNoisy += has ? 1 : 0;
            assertEquals(i < 9, has, "the noisy pairs come first, at most 9 of them");
        }
        assertEquals(9, withNoisy);
        int[][] q = ReweightingExperiment.drawPairs(6, 3, 10, 1);
        int n = 0;
        for (int[] p : q) {
            n += p[0] == 3 || p[1] == 3 ? 1 : 0;
        }
        assertEquals(3, n);
    }

    @Test
    void tableMarksTheNoisyTaskWhereverItStandsInThePair() {
        // Pairs are ordered by task index: some base seed puts a partner of lower index first.
        boolean second = false;
        for (long seed = 1; seed <= 40 && !second; seed++) {
            for (int[] p : ReweightingExperiment.drawPairs(6, 3, 10, seed)) {
                second |= p[1] == 3;
            }
        }
        assertTrue(second, "some seed draws a pair with the noisy task second");
        String n = ReweightingExperiment.NOISY;
        String first = ReweightingExperiment.pairLabel(1, n, "7-vs-rest");
        String last = ReweightingExperiment.pairLabel(2, "2-vs-rest", n);
        String clean = ReweightingExperiment.pairLabel(3, "0-vs-rest", "5-vs-rest");
        assertTrue(first.contains(n + " [noisy]") && !first.contains("7-vs-rest [noisy]"), first);
        assertTrue(last.contains(n + " [noisy]") && !last.contains("2-vs-rest [noisy]"), last);
        assertTrue(last.startsWith("pair 2: 2-vs-rest + "), last);
        assertTrue(!clean.contains("[noisy]"), clean);
    }

    private static void inUnitInterval(double w) {
        assertTrue(Double.isFinite(w) && w >= 0 && w <= 1 + 1e-5, "normalized weight in [0, 1]: " + w);
    }
}
