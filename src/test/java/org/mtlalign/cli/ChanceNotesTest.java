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

    /**
     * Where every task lifts or lowers all its pairs' similarity and, independently, all its pairs'
     * transfer, unrelated scores passed the level for independent pairs, 1.645 / sqrt(n - 1), about
     * 1 time in 6 over 6 tasks' 15 pairs (numpy: 17%); the level `mtl pairs` prints now, from the
     * similarities reassigned among the tasks, is passed about 1 time in 20.
     */
    @Test
    void spearmanLevelHoldsWhereTasksLiftAllTheirPairs() {
        int k = 6;
        int trials = 400;
        int[][] pairs = allPairs(k);
        Random rnd = new Random(20261202L);
        int overIndependent = 0;
        int overRelabelled = 0;
        for (int trial = 0; trial < trials; trial++) {
            double[] a = new double[k];
            double[] b = new double[k];
            for (int i = 0; i < k; i++) {
                a[i] = 3 * rnd.nextGaussian();
                b[i] = 3 * rnd.nextGaussian();
            }
            double[][] sim = new double[k][k];
            double[] x = new double[pairs.length];
            double[] transfer = new double[pairs.length];
            for (int q = 0; q < pairs.length; q++) {
                int i = pairs[q][0];
                int j = pairs[q][1];
                sim[i][j] = sim[j][i] = x[q] = a[i] + a[j] + rnd.nextGaussian();
                transfer[q] = b[i] + b[j] + rnd.nextGaussian();
            }
            double rho = Stats.spearman(x, transfer);
            overIndependent += rho > 1.645 / Math.sqrt(pairs.length - 1) ? 1 : 0;
            PairsCommand.SpearmanChance c = PairsCommand.spearmanChance(sim, pairs, transfer, trial);
            overRelabelled += Math.rint(rho * 1e9) / 1e9 >= c.upper() ? 1 : 0;
        }
        assertTrue(overIndependent > 0.10 * trials, "the independent-pairs level: " + overIndependent);
        assertTrue(overRelabelled > 0.02 * trials && overRelabelled < 0.08 * trials, "relabelled: " + overRelabelled);
    }

    /** Against a float64 reference (numpy and scipy's rankdata over all 120 relabellings of 5 tasks). */
    @Test
    void spearmanChanceMatchesAReference() {
        int k = 5;
        int[][] pairs = allPairs(k);
        double[] s = {0.31, 0.12, 0.27, 0.45, 0.22, 0.18, 0.40, 0.09, 0.35, 0.15};
        double[] transfer = {0.02, -0.01, 0.015, 0.03, 0.0, -0.005, 0.025, -0.02, 0.01, -0.015};
        double[][] sim = new double[k][k];
        for (int q = 0; q < pairs.length; q++) {
            sim[pairs[q][0]][pairs[q][1]] = sim[pairs[q][1]][pairs[q][0]] = s[q];
        }
        PairsCommand.SpearmanChance c = PairsCommand.spearmanChance(sim, pairs, transfer, 1);
        assertEquals(120, c.orders());
        assertTrue(c.all());
        assertEquals(0.781818182, c.upper(), 1e-9);
        assertEquals(-0.648484848, c.lower(), 1e-9);
        assertEquals(2 / 120.0, c.atOrAbove(), 1e-12);
        double rho = Stats.spearman(s, transfer);
        assertEquals(0.9515151515151514, rho, 1e-12);
        assertEquals("over 10 pairs, scores unrelated to the transfers reach +0.78 or more 1 time in 20 (and -0.65 or "
                + "less as often): the similarities reassigned among the 5 tasks, all 120 orders (pairs that share a task "
                + "move together); +0.95 or more came in 1.7% of them", c.describe(pairs.length, rho));

        // Three tasks: no level at 1 in 20 among 6 orders; the chance of the extremes instead.
        int[][] three = allPairs(3);
        double[][] sim3 = {{0, 0.3, 0.2}, {0.3, 0, 0.1}, {0.2, 0.1, 0}};
        PairsCommand.SpearmanChance c3 = PairsCommand.spearmanChance(sim3, three, new double[] {3, 2, 1}, 1);
        assertEquals("over 3 pairs, scores unrelated to the transfers give +1.00 1 time in 6 (and -1.00 as often): the "
                + "similarities reassigned among the 3 tasks, all 6 orders (pairs that share a task move together); "
                + "+1.00 or more came in 17% of them", c3.describe(3, 1.0));

        // A similarity that is not finite: a relabelled pair could land on it.
        sim[3][4] = sim[4][3] = Double.NaN;
        assertEquals(null, PairsCommand.spearmanChance(sim, pairs, transfer, 1));
    }

    /** Beyond 8 tasks, random relabellings from the seed: reproducible, and near the independent level without task effects. */
    @Test
    void spearmanChanceDrawsRelabellingsForManyTasks() {
        int k = 10;
        int[][] pairs = allPairs(k);
        Random rnd = new Random(7);
        double[][] sim = new double[k][k];
        double[] transfer = new double[pairs.length];
        for (int q = 0; q < pairs.length; q++) {
            sim[pairs[q][0]][pairs[q][1]] = sim[pairs[q][1]][pairs[q][0]] = rnd.nextDouble();
            transfer[q] = rnd.nextGaussian();
        }
        PairsCommand.SpearmanChance c = PairsCommand.spearmanChance(sim, pairs, transfer, 42);
        assertEquals(PairsCommand.RANDOM_ORDERS + 1, c.orders());
        assertFalse(c.all());
        assertEquals(c, PairsCommand.spearmanChance(sim, pairs, transfer, 42));
        double independent = 1.645 / Math.sqrt(pairs.length - 1);
        assertTrue(Math.abs(c.upper() - independent) < 0.08, c.upper() + " vs " + independent);
        assertTrue(Math.abs(-c.lower() - independent) < 0.08, c.lower() + " vs " + -independent);
    }

    private static int[][] allPairs(int k) {
        List<int[]> p = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                p.add(new int[] {i, j});
            }
        }
        return p.toArray(new int[0][]);
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

        List<String> pargs = new ArrayList<>(List.of("pairs", "--seeds", "3", "--epochs", "3", "--backend", "cpu"));
        pargs.addAll(tasks(k, 97, 6));
        CliTestSupport.Run p = CliTestSupport.run(pargs.toArray(new String[0]));
        assertEquals(0, p.code(), p.all());
        boolean listed = p.out().contains("helped in every seed:") || p.out().contains("hurt in every seed:");
        // k (k - 1) = 6 cells, each 1 in 4: 1.5 by chance (fewer where a cell printed as 0 in a seed).
        assertEquals(listed, p.out().contains("(of these 6 cells about 1.5 would be listed here with no real effect "
                + "anywhere)") || p.out().contains(" cells with a sign in every seed about "), p.out());
        if (p.out().contains("similarity vs transfer: Spearman ") && !p.out().contains("span only")) {
            assertTrue(p.out().contains("note: over 3 pairs, scores unrelated to the transfers give +1.00 1 time in 6"),
                    p.out());
        }
    }
}
