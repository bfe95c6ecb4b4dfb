package org.mtlalign.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The chance level of Spearman's rho between pairs' similarities and their transfers, shared by
 * {@code mtl pairs} and {@code mtl reproduce similarity-vs-transfer}: where rho falls among the rho
 * of the same transfers against the similarities with the tasks relabelled (a Mantel permutation
 * test): {@code orders} relabellings, all of them or the observed one and {@link #RANDOM_ORDERS}
 * random ones; {@code upper} the lowest rho that at most 1 in 20 of them reach ({@code lower} the
 * highest that at most 1 in 20 stay at or under; NaN where none does, as with 3 tasks' 6 orders);
 * {@code atOrAbove} the share at or above the observed rho, {@code top} and {@code topShare} the
 * highest rho and its share.
 *
 * <p>A level for pairs drawn independently (1.645 / sqrt(n - 1)) held at 5% only without task
 * effects: where a task lifts or lowers all its pairs' similarity and another all its pairs'
 * transfer, unrelated scores passed it 10% (4 tasks) to 22% (10 tasks) of the time (numpy,
 * simulated); relabelling the tasks keeps those effects and holds at 5%.
 */
public record SpearmanChance(int tasks, int orders, boolean all, double upper, double lower, double atOrAbove,
                             double top, double topShare, double bottom, double bottomShare) {

    /** Task relabellings enumerated in full up to this many tasks (8! = 40320); beyond, drawn at random. */
    static final int ALL_ORDERS_UP_TO = 8;
    /** Random relabellings drawn beyond {@link #ALL_ORDERS_UP_TO} tasks (the observed labelling makes 10000). */
    static final int RANDOM_ORDERS = 9999;

    /**
     * The level for the similarities sim (k x k) and the transfers of these pairs of task indices;
     * the seed draws the relabellings beyond {@link #ALL_ORDERS_UP_TO} tasks. Null where a
     * similarity is not finite, as a relabelled pair could land on it.
     */
    public static SpearmanChance of(double[][] sim, int[][] pairs, double[] transfer, long seed) {
        int k = sim.length;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if (i != j && !Double.isFinite(sim[i][j])) {
                    return null;
                }
            }
        }
        int[] perm = new int[k];
        for (int i = 0; i < k; i++) {
            perm[i] = i;
        }
        double[] x = new double[pairs.length];
        List<Double> rhos = new ArrayList<>();
        Consumer<int[]> score = p -> {
            for (int q = 0; q < pairs.length; q++) {
                x[q] = sim[p[pairs[q][0]]][p[pairs[q][1]]];
            }
            rhos.add(grid(Stats.spearman(x, transfer)));
        };
        boolean all = k <= ALL_ORDERS_UP_TO;
        if (all) {
            permute(perm, 0, score);
        } else {
            score.accept(perm); // the observed labelling, as a permutation test counts it
            SplittableRandom rnd = new SplittableRandom(seed ^ 0x5EA4_3A4EL);
            for (int b = 0; b < RANDOM_ORDERS; b++) {
                for (int i = k - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    int t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                }
                score.accept(perm);
            }
        }
        double observed = rhos.get(0); // the first order either way is the observed labelling
        double[] v = rhos.stream().mapToDouble(Double::doubleValue).filter(r -> !Double.isNaN(r)).sorted().toArray();
        int n = v.length;
        if (n == 0) {
            return null;
        }
        double upper = Double.NaN;
        for (int i = 0; i < n; i++) {
            // The first value whose share at or above it (ties included) is at most 1 in 20.
            if ((i == 0 || v[i] != v[i - 1]) && 20L * (n - i) <= n) {
                upper = v[i];
                break;
            }
        }
        double lower = Double.NaN;
        for (int i = n - 1; i >= 0; i--) {
            if ((i == n - 1 || v[i] != v[i + 1]) && 20L * (i + 1) <= n) {
                lower = v[i];
                break;
            }
        }
        int atOrAbove = 0;
        int top = 0;
        int bottom = 0;
        for (double r : v) {
            atOrAbove += r >= observed ? 1 : 0;
            top += r == v[n - 1] ? 1 : 0;
            bottom += r == v[0] ? 1 : 0;
        }
        return new SpearmanChance(k, n, all, upper, lower, atOrAbove / (double) n, v[n - 1], top / (double) n, v[0],
                bottom / (double) n);
    }

    /**
     * Whether rho (the observed labelling's) is at or above {@link #upper}: at most 1 in 20 of the
     * relabellings reach it. False where no level exists (3 or 4 tasks' 6 or 24 orders).
     */
    public boolean above(double rho) {
        return !Double.isNaN(upper) && grid(rho) >= upper;
    }

    /** Whether rho is at or below {@link #lower}, the mirror of {@link #above}. */
    public boolean below(double rho) {
        return !Double.isNaN(lower) && grid(rho) <= lower;
    }

    /** What the level says of rho over this many pairs, one sentence for a note or a report. */
    public String describe(int pairs, double rho) {
        String how = "the similarities reassigned among the " + tasks + " tasks, " + (all ? "all " + orders
                + " orders" : orders - 1 + " random orders and this one") + " (pairs that share a task move together)";
        if (Double.isNaN(upper) || Double.isNaN(lower)) {
            return String.format(Locale.ROOT, "over %d pairs, scores unrelated to the transfers give %+.2f %s (and "
                    + "%+.2f %s): %s; %+.2f or more came in %s of them", pairs, top, timesIn(topShare), bottom,
                    bottomShare == topShare ? "as often" : timesIn(bottomShare), how, rho, percent(atOrAbove));
        }
        return String.format(Locale.ROOT, "over %d pairs, scores unrelated to the transfers reach %+.2f or more 1 time "
                + "in 20 (and %+.2f or less as often): %s; %+.2f or more came in %s of them", pairs, upper, lower,
                how, rho, percent(atOrAbove));
    }

    private String timesIn(double share) {
        long count = Math.round(share * orders);
        return orders % count == 0 ? "1 time in " + orders / count : count + " times in " + orders;
    }

    private static String percent(double share) {
        return share >= 0.1 ? String.format(Locale.ROOT, "%.0f%%", 100 * share)
                : String.format(Locale.ROOT, "%.2g%%", 100 * share);
    }

    /** On a grid of 1e-9: two orders that give one rho by different sums must tie. */
    private static double grid(double rho) {
        return Math.rint(rho * 1e9) / 1e9;
    }

    /** Every order of p[from..], each passed to f (p is restored after). */
    private static void permute(int[] p, int from, Consumer<int[]> f) {
        if (from == p.length) {
            f.accept(p);
            return;
        }
        for (int i = from; i < p.length; i++) {
            int t = p[from];
            p[from] = p[i];
            p[i] = t;
            permute(p, from + 1, f);
            p[i] = p[from];
            p[from] = t;
        }
    }
}
