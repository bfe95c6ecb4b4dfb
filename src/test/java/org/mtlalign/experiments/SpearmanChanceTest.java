package org.mtlalign.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The chance level of Spearman(similarity, transfer) from the tasks relabelled, which `mtl pairs`
 * prints and `mtl reproduce similarity-vs-transfer` decides by (moved here from ChanceNotesTest
 * with the code it tests).
 */
class SpearmanChanceTest {
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
            SpearmanChance c = SpearmanChance.of(sim, pairs, transfer, trial);
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
        SpearmanChance c = SpearmanChance.of(sim, pairs, transfer, 1);
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
        SpearmanChance c3 = SpearmanChance.of(sim3, three, new double[] {3, 2, 1}, 1);
        assertEquals("over 3 pairs, scores unrelated to the transfers give +1.00 1 time in 6 (and -1.00 as often): the "
                + "similarities reassigned among the 3 tasks, all 6 orders (pairs that share a task move together); "
                + "+1.00 or more came in 17% of them", c3.describe(3, 1.0));

        // A similarity that is not finite: a relabelled pair could land on it.
        sim[3][4] = sim[4][3] = Double.NaN;
        assertEquals(null, SpearmanChance.of(sim, pairs, transfer, 1));
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
        SpearmanChance c = SpearmanChance.of(sim, pairs, transfer, 42);
        assertEquals(SpearmanChance.RANDOM_ORDERS + 1, c.orders());
        assertFalse(c.all());
        assertEquals(c, SpearmanChance.of(sim, pairs, transfer, 42));
        double independent = 1.645 / Math.sqrt(pairs.length - 1);
        assertTrue(Math.abs(c.upper() - independent) < 0.08, c.upper() + " vs " + independent);
        assertTrue(Math.abs(-c.lower() - independent) < 0.08, c.lower() + " vs " + -independent);
    }

    /** above and below compare on the 1e-9 grid the relabellings are scored on, ties included. */
    @Test
    void aboveAndBelowAreTheLevelsTails() {
        int k = 5;
        int[][] pairs = allPairs(k);
        double[] s = {0.31, 0.12, 0.27, 0.45, 0.22, 0.18, 0.40, 0.09, 0.35, 0.15};
        double[] transfer = {0.02, -0.01, 0.015, 0.03, 0.0, -0.005, 0.025, -0.02, 0.01, -0.015};
        double[][] sim = new double[k][k];
        for (int q = 0; q < pairs.length; q++) {
            sim[pairs[q][0]][pairs[q][1]] = sim[pairs[q][1]][pairs[q][0]] = s[q];
        }
        SpearmanChance c = SpearmanChance.of(sim, pairs, transfer, 1);
        assertTrue(c.above(0.781818182) && c.above(0.7818181818181818 - 1e-12) && !c.above(0.78));
        assertTrue(c.below(-0.648484848) && !c.below(-0.64));
        // 3 tasks: no level, so nothing is beyond chance, not even +1.00.
        SpearmanChance c3 = SpearmanChance.of(new double[][] {{0, 0.3, 0.2}, {0.3, 0, 0.1}, {0.2, 0.1, 0}},
                allPairs(3), new double[] {3, 2, 1}, 1);
        assertFalse(c3.above(1.0) || c3.below(-1.0));
    }

    static int[][] allPairs(int k) {
        List<int[]> p = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) {
                p.add(new int[] {i, j});
            }
        }
        return p.toArray(new int[0][]);
    }
}
