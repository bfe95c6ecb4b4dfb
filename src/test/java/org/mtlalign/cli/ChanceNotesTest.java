package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.analysis.TestData;
import org.mtlalign.experiments.Stats;

/**
 * What the claims of `mtl train` and `mtl pairs` say about chance (docs/results/false-positives.md):
 * one seed's sign, and how many of a table's "same sign in every seed" marks chance alone gives.
 */
class ChanceNotesTest {
    @TempDir
    Path dir;

    /** The expected count of chance marks: each difference measured in n >= 2 seeds adds 1 / 2^(n - 1). */
    @Test
    void byChanceCountsEachDifferenceByItsSeeds() {
        Random rnd = new Random(TestData.seed());
        for (int trial = 0; trial < 50; trial++) {
            int rows = 1 + rnd.nextInt(7);
            int cols = 1 + rnd.nextInt(5);
            int[][] measured = new int[rows][cols];
            int cells = 0;
            double expected = 0;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    measured[i][j] = rnd.nextInt(7);
                    if (measured[i][j] >= 2) {
                        cells++;
                        expected += Math.pow(0.5, measured[i][j] - 1);
                    }
                }
            }
            String s = TrainSeeds.byChance(measured, "differences");
            if (cells < 2) {
                assertEquals("", s);
                continue;
            }
            assertTrue(s.startsWith("of these " + cells + " differences about "), s);
            double printed = Double.parseDouble(s.replaceAll("^of these \\d+ differences about ([0-9.]+) .*$", "$1"));
            assertEquals(expected, printed, expected >= 10 ? 0.5 + 1e-9 : 0.05 + 1e-9, s);
        }
        // 12 differences in 3 seeds each: 3 by chance, printed as a whole number.
        int[][] twelve = new int[3][4];
        for (int[] r : twelve) {
            java.util.Arrays.fill(r, 3);
        }
        assertEquals("of these 12 cells about 3 would be marked so with no real effect anywhere",
                TrainSeeds.byChance(twelve, "cells"));
    }

    /**
     * The Spearman level `mtl pairs` prints: over n pairs of scores unrelated to the transfers (every
     * order of the ranks alike), rho reaches it about 1 time in 20; checked against all n! orders.
     */
    @Test
    void spearmanLevelIsWhatUnrelatedScoresReachOneTimeInTwenty() {
        assertTrue(PairsCommand.spearmanByChance(3).contains("+1.00 1 time in 6"));
        for (int n = 4; n <= 8; n++) {
            String s = PairsCommand.spearmanByChance(n);
            assertTrue(s.startsWith("over " + n + " pairs, scores unrelated to the transfers reach +"), s);
            double level = Double.parseDouble(s.replaceAll("^.* reach ([+0-9.]+) or more.*$", "$1"));
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            long[] counts = new long[2]; // all orders, orders at or above the level
            permute(perm, 0, level, counts);
            double tail = counts[1] / (double) counts[0];
            assertTrue(tail > 0.03 && tail < 0.06, n + " pairs: " + tail + " at " + level);
        }
    }

    private static void permute(int[] p, int from, double level, long[] counts) {
        int n = p.length;
        if (from == n) {
            double d2 = 0;
            for (int i = 0; i < n; i++) {
                d2 += (i - p[i]) * (double) (i - p[i]);
            }
            counts[0]++;
            counts[1] += 1 - 6 * d2 / (n * ((double) n * n - 1)) >= level - 0.005 ? 1 : 0; // the level is printed to 0.01
            return;
        }
        for (int i = from; i < n; i++) {
            int t = p[from];
            p[from] = p[i];
            p[i] = t;
            permute(p, from + 1, level, counts);
            p[i] = p[from];
            p[from] = t;
        }
    }

    private List<String> tasks(int k, int m, int d) throws Exception {
        List<String> args = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            Path[] p = CliTestSupport.binaryTask(dir, "t" + t, m + 7 * t, d, TestData.seed() + t);
            args.addAll(List.of("--task", "t" + t + "=" + p[0] + ":" + p[1]));
        }
        return args;
    }

    @Test
    void oneSeedSaysItsSignsMayBeNoise() throws Exception {
        List<String> args = new ArrayList<>(List.of("train", "--rank", "1", "--epochs", "4", "--backend", "cpu"));
        args.addAll(tasks(3, 111, 5));
        CliTestSupport.Run r = CliTestSupport.run(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.all());
        boolean signed = r.out().contains(" positive\n") || r.out().contains(" negative\n");
        assertEquals(signed, r.out().contains("note: one seed and split: a transfer's sign may be noise; mtl train "
                + "--seeds 5 marks the differences that keep their sign in every seed"), r.out());
        assertTrue(signed, "unrelated tasks at r = 1 after 4 epochs: some transfer is not 0\n" + r.out());
    }

    @Test
    void seedsSayHowManyMarksChanceAloneGives() throws Exception {
        int k = 3;
        Path json = dir.resolve("seeds.json");
        List<String> args = new ArrayList<>(List.of("train", "--seeds", "3", "--rank", "1", "--epochs", "3",
                "--backend", "cpu", "--json", json.toString()));
        args.addAll(tasks(k, 301, 6));
        CliTestSupport.Run r = CliTestSupport.run(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.all());
        // 4 differences per task, each measured in all 3 seeds: 1 in 4 each by chance, counting those
        // with a sign in every seed (an AUC difference is 0 or at least 1 / (positives x negatives)).
        com.google.gson.JsonObject j = com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(json))
                .getAsJsonObject();
        int signed = 0;
        for (var task : j.getAsJsonArray("summary")) {
            for (String key : List.of("mtl_minus_stl", "align_minus_mtl", "reweight_minus_mtl", "align_minus_stl")) {
                boolean all = true;
                for (var v : task.getAsJsonObject().getAsJsonObject(key).getAsJsonArray("per_seed")) {
                    all &= Math.abs(v.getAsDouble()) >= 5e-5;
                }
                signed += all ? 1 : 0;
            }
        }
        String expected = signed / 4.0 == Math.rint(signed / 4.0) ? Integer.toString(signed / 4)
                : String.format(Locale.ROOT, "%.1f", signed / 4.0);
        if (signed < 2) {
            assertTrue(r.out().contains("by chance 1 time in 4\n"), signed + "\n" + r.out());
        } else {
            assertTrue(r.out().contains("by chance 1 time in 4; of these " + signed + " differences"
                    + (signed < 4 * k ? " with a sign in every seed" : "") + " about " + expected
                    + " would be marked so with no real effect anywhere"), signed + "\n" + r.out());
        }
        assertFalse(r.out().contains("one seed and split"), r.out());

        // An alignment phase that cannot move R_i leaves align - MTL at 0 in every seed: those k
        // differences cannot be marked, and the count leaves them out (it counted them before).
        List<String> still = new ArrayList<>(args);
        still.addAll(List.of("--align-lr-factor", "1e-12"));
        CliTestSupport.Run z = CliTestSupport.run(still.toArray(new String[0]));
        assertEquals(0, z.code(), z.all());
        assertTrue(z.out().matches("(?s).*by chance 1 time in 4; of these ([0-9]|1[0-2]) differences with a sign in "
                + "every seed about [0-9.]+ would be marked so.*"), z.out());
        assertFalse(z.out().contains("of these " + 4 * k + " differences"), z.out());

        Path pjson = dir.resolve("pairs.json");
        List<String> pargs = new ArrayList<>(List.of("pairs", "--seeds", "3", "--epochs", "3", "--backend", "cpu",
                "--json", pjson.toString()));
        pargs.addAll(tasks(k, 97, 6));
        CliTestSupport.Run p = CliTestSupport.run(pargs.toArray(new String[0]));
        assertEquals(0, p.code(), p.all());
        boolean listed = p.out().contains("helped in every seed:") || p.out().contains("hurt in every seed:");
        // k (k - 1) = 6 cells, each 1 in 4: 1.5 by chance. A cell that printed as 0 in a seed (both
        // metrics equal, as for two models that learned nothing) is left out, and with fewer than two
        // cells left no count is given: the fresh data of some runs train so.
        int countable = 0;
        for (com.google.gson.JsonElement pair : com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(pjson))
                .getAsJsonObject().getAsJsonArray("pairs")) {
            for (java.util.Map.Entry<String, com.google.gson.JsonElement> to : pair.getAsJsonObject()
                    .getAsJsonObject("transfer_to").entrySet()) {
                int measured = 0;
                boolean zero = false;
                for (com.google.gson.JsonElement run : to.getValue().getAsJsonObject().getAsJsonArray("runs")) {
                    if (!run.isJsonNull()) {
                        measured++;
                        zero |= Math.abs(run.getAsDouble()) < 5e-5;
                    }
                }
                countable += measured >= 2 && !zero ? 1 : 0;
            }
        }
        boolean counted = p.out().contains("(of these 6 cells about 1.5 would be listed here with no real effect "
                + "anywhere)") || p.out().contains(" cells with a sign in every seed about ");
        assertEquals(listed && countable >= 2, counted, countable + " countable cells\n" + p.out());
        if (p.out().contains("similarity vs transfer: Spearman ") && !p.out().contains("span only")) {
            assertTrue(p.out().contains("note: over 3 pairs, scores unrelated to the transfers give +1.00 1 time in 6"),
                    p.out());
        }
    }
}
