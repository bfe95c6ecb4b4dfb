package org.mtlalign.analysis;

import org.mtlalign.backend.Backend;
import org.mtlalign.backend.cpu.Lapack;

/**
 * How wide the shared module should be. Proposition 1: with r at least the sum of the
 * single-task capacities (the output counts c_i of linear heads), every task keeps its own
 * single-task optimum and nothing transfers. Below that the shared module must choose: we fit
 * a ridge single-task model W_i (d x c_i) per task, scale each to unit norm so tasks count
 * equally, and look at the singular values of [W_1 .. W_k].
 *
 * <p>The suggestion is validated, not read off the spectrum: each task's rows are split into
 * {@value #FOLDS} folds (seeded; fewer for tasks under 10 rows). For each fold, the fits on the
 * other folds give the shared directions U (each fit scaled to norm sqrt(R^2_i), its own
 * validated share of explained variance, so that tasks without signal barely count), and for
 * every width r each task is refitted (ridge) on its inputs projected onto the top r directions
 * and scored on the held-out fold (squared error over that of predicting the mean). The suggestion is the smallest r whose
 * error, averaged over tasks and folds, is within max({@value #ABSOLUTE_TOLERANCE},
 * {@value #RELATIVE_TOLERANCE} x best) of the best. The energy rule (the smallest r whose top
 * directions hold {@code energy} of the squared spectrum) is reported beside it; it was the
 * suggestion before, and with few rows per task (m_i below or near d, as with embeddings) every
 * fit is mostly noise spread over all directions, so it counted that noise floor up to the
 * no-transfer bound. With fewer than 4 rows in some task there is nothing to validate on, and
 * the energy rule is the suggestion.
 *
 * <p>Beside it come the best width, the fold-to-fold standard error of its error, and the widest
 * width that validates as well as the best within max(that margin, one standard error): where that
 * is above the suggestion, the curve is flat there and the linear fits cannot choose (see
 * {@link #choose}, which says why the smallest stays the suggestion).
 *
 * <p>Known limits (measured 2026-11-30 against trainings at several widths): the fits are
 * linear, and with ReLU a regression suite often trained best one width above the suggestion.
 */
public final class Capacity {
    /** Folds of the validation (2-fold, with an absolute 0.01 margin, chose too narrow modules). */
    static final int FOLDS = 5;

    /**
     * A width whose validated error is within max(ABSOLUTE, RELATIVE x best) of the best counts
     * as good as the best. The errors are in units of the targets' variance. The relative part
     * keeps a low floor from hiding a real gain (0.008 against 0.005 is 60% worse); the absolute
     * part keeps rounding from picking a wider module on a flat stretch.
     */
    static final double RELATIVE_TOLERANCE = 0.01;
    static final double ABSOLUTE_TOLERANCE = 0.001;

    /** Below this share of held-out variance explained at every width, a suggestion is weak. */
    public static final double WEAK_SHARE = 0.2;

    /** The least ridge (per row) of the folds' fits. */
    static final double FOLD_RIDGE = 1e-6;

    /** Ridge strengths tried per task, each ten times the last ({@link #ridgeGrid}). */
    static final int RIDGE_STEPS = 5;

    private final Backend backend;
    /** Whether a task with fewer rows than inputs is fitted through its m x m kernel (off only in tests). */
    boolean fitFromRows = true;

    public Capacity(Backend backend) {
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
    }

    /**
     * The suggestion and the numbers behind it.
     *
     * @param suggestedRank   the validated width (the energy rule's where validation is impossible)
     * @param noTransferRank  the sum of the output counts, capped at d (Proposition 1)
     * @param singularValues  of the normalised single-task fits on all rows, descending
     * @param energyRank      the smallest r holding {@code energy} of the squared spectrum
     * @param validationError for r = 1, 2, ...: held-out squared error over that of the mean,
     *                        averaged over tasks and folds; null where not validated
     * @param weak            validated, but no width explains {@value #WEAK_SHARE} of the held-out
     *                        variance: the linear fits see little signal, and the suggestion says little
     * @param bestRank        the width of the least held-out error (suggestedRank where not validated)
     * @param standardError   the standard error of the held-out error at bestRank between the folds
     *                        (the standard deviation of the folds' errors over the square root of their
     *                        number); null where not validated
     * @param widestAsGood    the widest r whose held-out error is within max(the margin of the
     *                        suggestion, standardError) of the best: the linear fits cannot tell the
     *                        widths from suggestedRank to it apart (suggestedRank where not validated)
     * @param ridge           each task's ridge strength per row, of its fits here and in the
     *                        validation: the caller's lambda, or a stronger one that validated better
     *                        on the folds ({@link #chooseRidge}); the caller's lambda where not validated
     */
    public record Suggestion(int suggestedRank, int noTransferRank, double[] singularValues, double energy,
                             int energyRank, double[] validationError, boolean weak, int bestRank,
                             Double standardError, int widestAsGood, double[] ridge) {
        /** Whether the suggestion was validated on held-out rows (else it is the energy rule's). */
        public boolean validated() {
            return validationError != null;
        }

        /**
         * How far above the best held-out error a width still counts as good as the best for
         * widestAsGood: max(the suggestion's margin, standardError); NaN where not validated.
         */
        public double asGoodTolerance() {
            if (!validated()) {
                return Double.NaN;
            }
            double best = validationError[bestRank - 1];
            return Math.max(Math.max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * best),
                    standardError == null ? 0 : standardError);
        }

        /**
         * The margin that chose the suggestion: max({@value #ABSOLUTE_TOLERANCE}, {@value #RELATIVE_TOLERANCE}
         * x the best held-out error); NaN where not validated.
         */
        public double suggestionMargin() {
            return validated() ? Math.max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * validationError[bestRank - 1])
                    : Double.NaN;
        }

        /**
         * The narrowest r from which every width up to the suggestion validates within
         * {@link #asGoodTolerance} of the best: below suggestedRank where the standard error between
         * the folds exceeds the suggestion's margin and the curve is flat below it too
         * (suggestedRank where not validated).
         */
        public int narrowestAsGood() {
            int n = suggestedRank;
            if (validated()) {
                double limit = validationError[bestRank - 1] + asGoodTolerance();
                while (n > 1 && validationError[n - 2] <= limit) {
                    n--;
                }
            }
            return n;
        }

        /** Validated, and some width above the suggestion validates as well (see widestAsGood). */
        public boolean flat() {
            return validated() && widestAsGood > suggestedRank;
        }
    }

    /**
     * @param xs each task's inputs (rows[i] x d, row-major), e.g. its training rows
     * @param ys each task's targets (rows[i] x cols[i]: regression values or one-hot classes)
     * @param lambda the ridge strength per row (> 0 when a task has fewer rows than d; the
     *               validation's fits on a task's other folds use at least {@value #FOLD_RIDGE})
     * @param energy the share of the squared spectrum to keep, in (0, 1]
     */
    public Suggestion suggest(float[][] xs, int[] rows, int d, float[][] ys, int[] cols, double lambda, double energy) {
        int k = xs.length;
        if (!(energy > 0 && energy <= 1) || !(lambda >= 0) || Double.isInfinite(lambda) || d < 1) {
            throw new IllegalArgumentException("capacity: energy must be in (0, 1], lambda finite and >= 0, d >= 1; got "
                    + energy + ", " + lambda + ", " + d);
        }
        // Inputs: their Gram matrices are checked where they are formed.
        TaskArrays.check("capacity", xs, rows, d, ys, cols, false);
        float[][] scaled = exactlyRescaled(ys, rows, cols);
        int total = 0;
        for (int c : cols) {
            total += c;
        }
        int p = Math.min(d, total);
        Curve curve = validationError(xs, rows, d, scaled, cols, total, lambda);
        double[] ridges = new double[k];
        java.util.Arrays.fill(ridges, lambda);
        if (curve != null) {
            ridges = curve.ridges();
        }
        float[] w = normalisedFits(k, i -> xs[i], rows, d, i -> scaled[i], cols, total, ridges);
        float[] s = new float[p];
        float[] u = new float[d * p];
        backend.svd(w, 1, d, total, u, s, new float[total * p]);
        double sum = 0;
        for (float x : s) {
            sum += (double) x * x;
        }
        int r = 0;
        double acc = 0;
        while (r < p && acc < energy * sum * (1 - 1e-12)) {
            acc += (double) s[r] * s[r];
            r++;
        }
        double[] sv = new double[p];
        for (int i = 0; i < p; i++) {
            sv[i] = s[i];
        }
        int energyRank = Math.max(1, r);
        if (curve == null) {
            return new Suggestion(energyRank, Math.min(total, d), sv, energy, energyRank, null, false, energyRank,
                    null, energyRank, ridges);
        }
        double[] err = curve.mean();
        Choice c = choose(err, curve.foldMeans());
        boolean weak = err[c.bestRank() - 1] > 1 - WEAK_SHARE;
        return new Suggestion(c.suggestedRank(), Math.min(total, d), sv, energy, energyRank, err, weak, c.bestRank(),
                c.standardError(), c.widestAsGood(), ridges);
    }

    /**
     * The held-out error by width: the mean over tasks and folds, and each fold's mean over its
     * tasks; ridges: each task's ridge strength per row, chosen on the same folds ({@link #chooseRidge}).
     */
    record Curve(double[] mean, double[][] foldMeans, double[] ridges) {
    }

    /**
     * The ridge strengths per row a task's own fit is validated at: lambda (at least
     * {@value #FOLD_RIDGE}) times 1, 10, ..., 10^4.
     */
    static double[] ridgeGrid(double lambda) {
        double base = Math.max(lambda, FOLD_RIDGE);
        double[] grid = new double[RIDGE_STEPS];
        for (int j = 0; j < RIDGE_STEPS; j++) {
            grid[j] = base * Math.pow(10, j);
        }
        return grid;
    }

    /**
     * The index into the ridge grid of a task's ridge strength, from its own fit's held-out error at
     * each (NaN where not scored): the first (the caller's lambda) unless a stronger ridge validates
     * better by more than the width rule's margin, max({@value #ABSOLUTE_TOLERANCE},
     * {@value #RELATIVE_TOLERANCE} x best), then the best. Why: with fewer rows than inputs
     * (embeddings) a weak ridge nearly interpolates the training rows, and its fit is mostly noise
     * (measured 2026-12-02 on 1200 rows of 768-d inputs shared by a binary, a 10-class and a
     * regression task on separate directions: held-out error 2.1 of the variance for the 10-class
     * task's own fit at 1e-3, 0.91 at 10, in a float64 re-implementation; with 1e-3 the suggestion
     * was r = 1, where MTL scored the binary task's AUC 0.68 against 0.93 alone). Where rows are plenty the ridge barely matters and the margin keeps
     * the caller's lambda; with noisy labels shrinking can validate better there too (on the 28
     * suites of docs/results/capacity-suggestion.md the curves moved and 5 suggestions changed).
     */
    static int chooseRidge(double[] error) {
        int best = -1;
        for (int j = 0; j < error.length; j++) {
            if (!Double.isNaN(error[j]) && (best < 0 || error[j] < error[best])) {
                best = j;
            }
        }
        if (best <= 0 || Double.isNaN(error[0])) {
            return Math.max(best, 0);
        }
        double margin = Math.max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * error[best]);
        return error[0] <= error[best] + margin ? 0 : best;
    }

    /** What {@link #choose} reads off a curve (see {@link Suggestion} for the fields). */
    record Choice(int suggestedRank, int bestRank, Double standardError, int widestAsGood) {
    }

    /**
     * The suggestion from the held-out curve err (r = 1, 2, ...) and each fold's own curve (a row
     * per fold; a row of NaN for a fold that scored no task): the smallest width within
     * max({@value #ABSOLUTE_TOLERANCE}, {@value #RELATIVE_TOLERANCE} x best) of the best, and, to say
     * how much that choice rests on, the best width, the standard error of its error between folds
     * and the widest width within max(that margin, one standard error) of the best.
     *
     * <p>Why the smallest stays the suggestion on a flat curve (measured 2026-12-01): on the
     * anisotropic embedding example at d = 768 (docs/examples/anisotropic_embeddings.py) the curve
     * falls to 0.516 at r = 3 and stays within 0.005 of its best (0.514) up to r = 23, with a
     * fold-to-fold standard error of 0.005; at d = 1024 it falls to 0.544 at r = 6 and then slowly,
     * by 0.011 to r = 15, and the 1% margin ends at 13. The one-standard-error rule (the smallest
     * width within one standard error of the best) picks the same widths (3 and 13; 15 at d = 512,
     * as now), since the standard error is about 1% of the error there, so it would not have
     * changed what the user saw. Taking the best width instead (22, 15 and 18) follows the noise of
     * a flat stretch. The linear fits simply cannot tell those widths apart, while ReLU trainings
     * at r = 3, 6, 13 and 23 on the same data were best at 13, 23 and 13: so the flat range is
     * reported (widestAsGood, printed as a note that names a sweep over it) instead of being hidden
     * behind one number.
     */
    static Choice choose(double[] err, double[][] foldMeans) {
        int p = err.length;
        int bestIndex = 0;
        for (int j = 1; j < p; j++) {
            if (err[j] < err[bestIndex]) {
                bestIndex = j;
            }
        }
        double best = err[bestIndex];
        double margin = Math.max(ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE * best);
        int suggested = 1;
        while (suggested < p && !(err[suggested - 1] <= best + margin)) {
            suggested++;
        }
        // The fold-to-fold spread at the best width: the standard error of a mean over the folds.
        double sum = 0;
        int n = 0;
        for (double[] f : foldMeans) {
            if (!Double.isNaN(f[bestIndex])) {
                sum += f[bestIndex];
                n++;
            }
        }
        Double se = null;
        if (n >= 2) {
            double mean = sum / n;
            double ss = 0;
            for (double[] f : foldMeans) {
                if (!Double.isNaN(f[bestIndex])) {
                    ss += (f[bestIndex] - mean) * (f[bestIndex] - mean);
                }
            }
            se = Math.sqrt(ss / (n - 1) / n);
        }
        double tolerance = Math.max(margin, se == null ? 0 : se);
        int widest = bestIndex + 1;
        for (int j = p - 1; j > bestIndex; j--) {
            if (err[j] <= best + tolerance) {
                widest = j + 1;
                break;
            }
        }
        return new Choice(suggested, bestIndex + 1, se, Math.max(widest, suggested));
    }

    /**
     * Targets far from unit scale, brought near it by a power of two (exact in float, so the
     * scale-free result is unchanged): squared errors of labels around 1e20 overflow float32, and
     * of labels around 1e-25 underflow to zero, and one such task made every width's held-out
     * error NaN. Tasks already within 2^-32..2^32 are passed as they are.
     */
    static float[][] exactlyRescaled(float[][] ys, int[] rows, int[] cols) {
        float[][] out = ys;
        for (int i = 0; i < ys.length; i++) {
            int n = rows[i] * cols[i];
            float max = 0;
            for (int j = 0; j < n; j++) {
                max = Math.max(max, Math.abs(ys[i][j]));
            }
            if (max == 0 || (max >= 0x1p-32f && max <= 0x1p32f)) {
                continue;
            }
            int e = Math.getExponent(max);
            float[] y = new float[n];
            for (int j = 0; j < n; j++) {
                y[j] = Math.scalb(ys[i][j], -e);
            }
            if (out == ys) {
                out = ys.clone();
            }
            out[i] = y;
        }
        return out;
    }

    /**
     * [W_1 .. W_k] (d x total): each task's ridge fit on centred data, scaled to unit norm. Task
     * i's inputs and targets come from xs/ys when asked (one task's copy at a time when they are gathered).
     */
    private float[] normalisedFits(int k, java.util.function.IntFunction<float[]> xs, int[] rows, int d,
                                   java.util.function.IntFunction<float[]> ys, int[] cols, int total, double[] lambda) {
        float[] g = new float[d * d];
        float[] ev = new float[d];
        float[] vec = new float[d * d];
        float[][] fits = new float[k][];
        for (int i = 0; i < k; i++) {
            fits[i] = fitOne(xs.apply(i), rows[i], d, ys.apply(i), cols[i], lambda[i], i, g, ev, vec);
        }
        double[] unit = new double[k];
        java.util.Arrays.fill(unit, 1);
        return stack(fits, unit, d, cols, total);
    }

    /** [W_1 .. W_k] (d x total), each fit scaled to norm scale[i] (a zero fit stays zero). */
    private static float[] stack(float[][] fits, double[] scale, int d, int[] cols, int total) {
        float[] w = new float[d * total];
        int off = 0;
        for (int i = 0; i < fits.length; i++) {
            int c = cols[i];
            float[] wi = fits[i];
            double norm = 0;
            for (float v : wi) {
                norm += (double) v * v;
            }
            norm = Math.sqrt(norm);
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < c; b++) {
                    w[a * total + off + b] = norm > 0 ? (float) (scale[i] * wi[a * c + b] / norm) : 0f;
                }
            }
            off += c;
        }
        return w;
    }

    /** Task i's ridge fit W (d x c) on centred inputs and targets; g, ev and vec are scratch. */
    private float[] fitOne(float[] xi, int m, int d, float[] y, int c, double lambda, int i, float[] g, float[] ev,
                           float[] vec) {
        return fitMany(xi, m, d, y, c, new double[] {lambda}, i, g, ev, vec)[0];
    }

    /**
     * Task i's ridge fits W (d x c), one per ridge strength in lambdas, from one Gram matrix (or,
     * with fewer rows than inputs, one kernel matrix); g, ev and vec are scratch.
     */
    private float[][] fitMany(float[] xi, int m, int d, float[] y, int c, double[] lambdas, int i, float[] g,
                              float[] ev, float[] vec) {
        // Labels are centred below (an intercept model), so the inputs must be too: with an
        // uncentred Gram matrix an input offset leaks into W_i as a spurious direction. So does it
        // through X^T y_c: y_c sums to zero only up to float32 rounding, and offset x sum(y_c) made a
        // constant task's zero fit a unit-norm noise direction once normalised; X_c^T y_c it is.
        int n = lambdas.length;
        float[][] out = new float[n][];
        float[] yc = centred(y, m, c);
        boolean positive = true;
        for (double l : lambdas) {
            positive &= l * m > 0;
        }
        if (fitFromRows && m < d && positive) {
            float[][] w = ridgeFromRows(xi, m, d, yc, c, lambdas);
            if (w != null) {
                return w;
            }
        }
        backend.gram(xi, m, d, true, g);
        CovarianceSimilarity.requireFiniteGram(g, xi, m, d);
        // (X_c^T X_c + shift I) W = X_c^T y_c by a float64 Cholesky factorisation (a d^3 / 3 LAPACK
        // call: the validation fits every task once per fold); the eigen-decomposition, four
        // times the work or more, only where the factorisation fails.
        float[] xty = centredCross(backend, xi, m, d, yc, c);
        boolean eigen = false;
        for (int j = 0; j < n; j++) {
            double shift = lambdas[j] * m;
            out[j] = choleskySolve(g, d, shift, xty, c);
            if (out[j] == null) {
                if (!eigen) {
                    backend.symmetricEigen(g, d, ev, vec);
                    eigen = true;
                }
                if (shift == 0 && !(ev[d - 1] > 0)) {
                    throw new IllegalArgumentException("capacity: task " + i + "'s X^T X is singular (" + m
                            + " rows for d = " + d + ", or dependent columns); the ridge needs lambda > 0");
                }
                out[j] = ridge(xty, d, c, ev, vec, shift);
            }
        }
        return out;
    }

    /**
     * The held-out error of every width r = 1..min(d, total) (see the class comment), or null
     * when a task has fewer than 4 rows or no task has varying targets.
     */
    private Curve validationError(float[][] xs, int[] rows, int d, float[][] ys, int[] cols, int total,
                                  double lambda) {
        int k = xs.length;
        int p = Math.min(d, total);
        for (int m : rows) {
            if (m < 4) {
                return null;
            }
        }
        int[][] order = new int[k][];
        for (int i = 0; i < k; i++) {
            order[i] = permutation(rows[i], new java.util.Random(0x5EEDCAFEL + 1_000_003L * i));
        }
        double[] err = new double[p];
        int scored = 0;
        int minRows = Integer.MAX_VALUE;
        for (int m : rows) {
            minRows = Math.min(minRows, m);
        }
        int folds = Math.max(2, Math.min(FOLDS, minRows / 2));
        int[][][] inA = new int[folds][k][];
        int[][][] inB = new int[folds][k][];
        for (int fold = 0; fold < folds; fold++) {
            for (int i = 0; i < k; i++) {
                // Fold f holds out rows [f m / F, (f + 1) m / F) of the task's shuffled order.
                int from = (int) ((long) fold * rows[i] / folds);
                int to = (int) ((long) (fold + 1) * rows[i] / folds);
                inB[fold][i] = java.util.Arrays.copyOfRange(order[i], from, to);
                int[] rest = new int[rows[i] - (to - from)];
                System.arraycopy(order[i], 0, rest, 0, from);
                System.arraycopy(order[i], to, rest, from, rows[i] - to);
                inA[fold][i] = rest;
            }
        }
        // Pass 1: every task's own ridge fit per fold (fewer rows can make X^T X singular where
        // all of them did not, so the folds' fits always get a little ridge), and how much of its
        // held-out targets' variance it explains on its own. One task's rows at a time: copies
        // of every task's rows at once would double the heap of large suites.
        // Each task's own fit is validated at every strength of the ridge grid, and the task keeps
        // the one chooseRidge picks, for these fits, the widths' refits and the fits on all rows.
        double[] grid = ridgeGrid(lambda);
        float[][][] fits = new float[folds][k][];
        double[] ownError = new double[k];
        int[] ownScored = new int[k];
        double[] ridges = new double[k];
        float[] g = new float[d * d];
        float[] ev = new float[d];
        float[] vec = new float[d * d];
        for (int i = 0; i < k; i++) {
            // One task's fits at every strength at a time (folds x grid x d x c floats), not all tasks'.
            float[][][] fitsAt = new float[folds][][];
            double[] gridError = new double[grid.length];
            int[] gridScored = new int[grid.length];
            for (int fold = 0; fold < folds; fold++) {
                float[] xa = gather(xs[i], inA[fold][i], d);
                float[] ya = gather(ys[i], inA[fold][i], cols[i]);
                fitsAt[fold] = fitMany(xa, xa.length / d, d, ya, cols[i], grid, i, g, ev, vec);
                float[] xb = gather(xs[i], inB[fold][i], d);
                float[] yb = gather(ys[i], inB[fold][i], cols[i]);
                double[] heldOut = ownHeldOut(xa, ya, xb, yb, d, cols[i], fitsAt[fold]);
                for (int j = 0; j < grid.length; j++) {
                    double e = heldOut[j];
                    if (!Double.isNaN(e)) {
                        gridError[j] += e;
                        gridScored[j]++;
                    }
                }
            }
            double[] mean = new double[grid.length];
            for (int j = 0; j < grid.length; j++) {
                mean[j] = gridScored[j] == 0 ? Double.NaN : gridError[j] / gridScored[j];
            }
            int chosen = chooseRidge(mean);
            // The caller's lambda itself where it is kept (the grid starts at FOLD_RIDGE or above).
            ridges[i] = chosen == 0 ? lambda : grid[chosen];
            ownError[i] = gridError[chosen];
            ownScored[i] = gridScored[chosen];
            for (int fold = 0; fold < folds; fold++) {
                fits[fold][i] = fitsAt[fold][chosen];
            }
        }
        // Each task's fit enters the shared directions with weight sqrt(R^2), its validated share of
        // explained variance, instead of all at unit norm: a task without signal (pure-noise
        // labels) would otherwise add a random direction of full weight and pull the width down.
        double[] weight = new double[k];
        boolean anySignal = false;
        for (int i = 0; i < k; i++) {
            double r2 = ownScored[i] == 0 ? 0 : 1 - ownError[i] / ownScored[i];
            weight[i] = Math.sqrt(Math.max(0, r2));
            anySignal |= weight[i] > 0;
        }
        if (!anySignal) {
            java.util.Arrays.fill(weight, 1);
        }
        // Pass 2: per fold, the shared directions of the weighted fits, and every width scored.
        double[][] foldMeans = new double[folds][p];
        for (int fold = 0; fold < folds; fold++) {
            int foldScored = 0;
            float[] w = stack(fits[fold], weight, d, cols, total);
            float[] u = new float[d * p];
            backend.svd(w, 1, d, total, u, new float[p], new float[total * p]);
            for (int i = 0; i < k; i++) {
                int[] a = inA[fold][i];
                int[] b = inB[fold][i];
                double[] taskErr = heldOut(gather(xs[i], a, d), gather(ys[i], a, cols[i]), a.length,
                        gather(xs[i], b, d), gather(ys[i], b, cols[i]), b.length, d, cols[i], u, p, ridges[i]);
                if (taskErr != null) {
                    for (int j = 0; j < p; j++) {
                        err[j] += taskErr[j];
                        foldMeans[fold][j] += taskErr[j];
                    }
                    scored++;
                    foldScored++;
                }
            }
            for (int j = 0; j < p; j++) {
                foldMeans[fold][j] = foldScored == 0 ? Double.NaN : foldMeans[fold][j] / foldScored;
            }
        }
        if (scored == 0) {
            return null;
        }
        for (int j = 0; j < p; j++) {
            err[j] /= scored;
        }
        return new Curve(err, foldMeans, ridges);
    }

    /**
     * A task's own fits W (d x c each, on centred rows a) scored on rows b: for each, squared error
     * over that of predicting a's mean, or NaN when b's targets do not vary. xb is centred in place
     * (the caller's copy).
     */
    private double[] ownHeldOut(float[] xa, float[] ya, float[] xb, float[] yb, int d, int c, float[][] fits) {
        int ma = xa.length / d;
        int mb = xb.length / d;
        double[] muY = columnMeans(ya, ma, c);
        subtractColumns(xb, mb, d, columnMeans(xa, ma, d));
        double[] err = new double[fits.length];
        float[] pred = new float[mb * c];
        for (int j = 0; j < fits.length; j++) {
            backend.gemm(false, false, mb, c, d, 1f, xb, 0, d, fits[j], 0, c, 0f, pred, 0, c);
            double sse = 0;
            double sst = 0;
            for (int t = 0; t < mb; t++) {
                for (int o = 0; o < c; o++) {
                    double centred = yb[t * c + o] - muY[o];
                    double e = centred - pred[t * c + o];
                    sse += e * e;
                    sst += centred * centred;
                }
            }
            err[j] = sst > 0 ? sse / sst : Double.NaN;
        }
        return err;
    }

    /**
     * One task's held-out error for r = 1..p: ridge on (X_a - mean) U_r fitted to the centred
     * targets of the fitting rows a, scored on the held-out rows b (with a's means), over the error of a's mean.
     * With L L^T = U^T X_a^T X_a U + lambda m_a I, the fit on the first r directions uses the
     * leading r x r block of L, so all widths come from one factorisation: the prediction for r
     * adds the r-th column of (X_b U) L^{-T} times the r-th row of L^{-1} U^T X_a^T y_a.
     */
    private double[] heldOut(float[] xa, float[] ya, int ma, float[] xb, float[] yb, int mb, int d, int c, float[] u,
                             int p, double lambda) {
        double[] muX = columnMeans(xa, ma, d);
        double[] muY = columnMeans(ya, ma, c);
        double sst = 0;
        for (int t = 0; t < mb; t++) {
            for (int o = 0; o < c; o++) {
                double e = yb[t * c + o] - muY[o];
                sst += e * e;
            }
        }
        if (!(sst > 0)) {
            return null;  // constant targets on the held-out rows: nothing to score
        }
        // xa, xb, ya and yb are this call's own copies: centred in place by a's means.
        subtractColumns(xa, ma, d, muX);
        subtractColumns(xb, mb, d, muX);
        float[] za = new float[ma * p];
        float[] zb = new float[mb * p];
        backend.gemm(false, false, ma, p, d, 1f, xa, 0, d, u, 0, p, 0f, za, 0, p);
        backend.gemm(false, false, mb, p, d, 1f, xb, 0, d, u, 0, p, 0f, zb, 0, p);
        // Then h = Za^T (ya - muY) by BLAS (m_a p c: the bulk with many classes) and
        // G = Za^T Za + ridge in float64.
        subtractColumns(ya, ma, c, muY);
        subtractColumns(yb, mb, c, muY);
        float[] hf = new float[p * c];
        backend.gemm(true, false, p, c, ma, 1f, za, 0, p, ya, 0, c, 0f, hf, 0, c);
        double[] h = new double[p * c];
        for (int i = 0; i < p * c; i++) {
            h[i] = hf[i];
        }
        double[] g = new double[p * p];
        for (int t = 0; t < ma; t++) {
            for (int a = 0; a < p; a++) {
                double za1 = za[t * p + a];
                for (int b = 0; b <= a; b++) {
                    g[a * p + b] += za1 * za[t * p + b];
                }
            }
        }
        // A small ridge relative to the data's own scale keeps the factorisation defined when
        // some direction carries no variance in these rows.
        double trace = 0;
        for (int a = 0; a < p; a++) {
            trace += g[a * p + a];
        }
        double ridge = Math.max(lambda * ma, 1e-9 * trace / p) + 1e-300;
        for (int a = 0; a < p; a++) {
            g[a * p + a] += ridge;
        }
        // Cholesky, lower triangle in place.
        for (int j = 0; j < p; j++) {
            double diag = g[j * p + j];
            for (int l = 0; l < j; l++) {
                diag -= g[j * p + l] * g[j * p + l];
            }
            double lj = Math.sqrt(Math.max(diag, 1e-300));
            g[j * p + j] = lj;
            for (int i = j + 1; i < p; i++) {
                double v = g[i * p + j];
                for (int l = 0; l < j; l++) {
                    v -= g[i * p + l] * g[j * p + l];
                }
                g[i * p + j] = v / lj;
            }
        }
        // z = L^{-1} h (forward substitution).
        for (int a = 0; a < p; a++) {
            for (int o = 0; o < c; o++) {
                double v = h[a * c + o];
                for (int l = 0; l < a; l++) {
                    v -= g[a * p + l] * h[l * c + o];
                }
                h[a * c + o] = v / g[a * p + a];
            }
        }
        // The prediction for width r is pred_r = sum_{j <= r} q_j z_j, with z_j the rows of
        // L^{-1} h and q = L^{-1} zb_t per held-out row; its error ||y - pred_r||^2 expands to
        // ||y||^2 - 2 sum_j q_j (z_j . y) + ||pred_r||^2, where the dot products z_j . y (m_b p c)
        // and z_j . z_i (p^2 c) are BLAS products and the rest is O(p^2) per row, whatever c is.
        float[] zf = new float[p * c];
        for (int i = 0; i < p * c; i++) {
            zf[i] = (float) h[i];
        }
        float[] zz = new float[p * p];
        backend.gemm(false, true, p, p, c, 1f, zf, 0, c, zf, 0, c, 0f, zz, 0, p);
        float[] zy = new float[mb * p];
        backend.gemm(false, true, mb, p, c, 1f, yb, 0, c, zf, 0, c, 0f, zy, 0, p);
        double[] err = new double[p];
        double[] q = new double[p];
        for (int t = 0; t < mb; t++) {
            for (int a = 0; a < p; a++) {
                double v = zb[t * p + a];
                for (int l = 0; l < a; l++) {
                    v -= g[a * p + l] * q[l];
                }
                q[a] = v / g[a * p + a];
            }
            double yy = 0;
            for (int o = 0; o < c; o++) {
                yy += (double) yb[t * c + o] * yb[t * c + o];
            }
            double cross = 0;
            double norm = 0;
            for (int r = 0; r < p; r++) {
                cross += q[r] * zy[t * p + r];
                double mixed = 0;
                for (int j = 0; j < r; j++) {
                    mixed += q[j] * zz[r * p + j];
                }
                norm += q[r] * (2 * mixed + q[r] * zz[r * p + r]);
                err[r] += yy - 2 * cross + norm;
            }
        }
        for (int r = 0; r < p; r++) {
            err[r] = Math.max(0, err[r]) / sst;  // rounding could take a near-perfect fit below 0
        }
        return err;
    }

    /**
     * X_c^T y (d x c) with X_c the column-centred inputs, formed from centred blocks of rows so that
     * only a block is copied (also Algorithm 2's theta: {@link SvdReweighting}).
     */
    static float[] centredCross(org.mtlalign.backend.Backend backend, float[] x, int rows, int d, float[] y, int c) {
        double[] mu = columnMeans(x, rows, d);
        int block = Math.max(1, Math.min(rows, (1 << 16) / d));
        float[] xb = new float[block * d];
        float[] xty = new float[d * c];
        for (int start = 0; start < rows; start += block) {
            int n = Math.min(block, rows - start);
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < d; j++) {
                    xb[t * d + j] = (float) (x[(start + t) * d + j] - mu[j]);
                }
            }
            backend.gemm(true, false, d, c, n, 1f, xb, 0, d, y, start * c, c, start == 0 ? 0f : 1f, xty, 0, c);
        }
        return xty;
    }

    /**
     * Z (n x c, row-major) solving (S + shift I) Z = B for the symmetric n x n matrix S and the
     * n x c right-hand side B, by a float64 Cholesky factorisation; null when S + shift I is not
     * positive definite to working precision or S holds a non-finite value.
     */
    private static float[] choleskySolve(float[] sym, int n, double shift, float[] rhs, int c) {
        double[] a = new double[n * n];
        for (int i = 0; i < n * n; i++) {
            if (!Float.isFinite(sym[i])) {
                return null;
            }
            a[i] = sym[i];
        }
        for (int j = 0; j < n; j++) {
            a[j * n + j] += shift;
        }
        org.netlib.util.intW info = new org.netlib.util.intW(0);
        // Symmetric, so row-major is column-major: the lower triangle either way.
        Lapack.call(l -> l.dpotrf("L", n, a, 0, n, info));
        if (info.val != 0) {
            return null;
        }
        double[] b = new double[n * c];  // column-major n x c
        for (int r = 0; r < n; r++) {
            for (int o = 0; o < c; o++) {
                b[r + o * n] = rhs[r * c + o];
            }
        }
        Lapack.call(l -> l.dpotrs("L", n, c, a, 0, n, b, 0, n, info));
        if (info.val != 0) {
            return null;
        }
        float[] z = new float[n * c];
        for (int r = 0; r < n; r++) {
            for (int o = 0; o < c; o++) {
                z[r * c + o] = (float) b[r + o * n];
            }
        }
        return z;
    }

    /**
     * The same ridge fit for fewer rows than inputs (embeddings), in the dual form
     * W = X_c^T (X_c X_c^T + shift I)^{-1} y: an m x m Cholesky factorisation instead of a d x d
     * one (d = 3000 and a few hundred rows: a few milliseconds instead of seconds per fit). Null
     * when a factorisation fails or the kernel overflows (the caller then takes the d x d way,
     * which reports the overflow).
     */
    private float[][] ridgeFromRows(float[] x, int m, int d, float[] yc, int c, double[] lambdas) {
        float[] xc = x.clone();
        subtractColumns(xc, m, d, columnMeans(x, m, d));
        float[] k = new float[m * m];
        backend.gemm(false, true, m, m, d, 1f, xc, 0, d, xc, 0, d, 0f, k, 0, m);
        float[][] out = new float[lambdas.length][];
        for (int j = 0; j < lambdas.length; j++) {
            float[] z = choleskySolve(k, m, lambdas[j] * m, yc, c);
            if (z == null) {
                return null;
            }
            out[j] = new float[d * c];
            backend.gemm(true, false, d, c, m, 1f, xc, 0, d, z, 0, c, 0f, out[j], 0, c);
        }
        return out;
    }

    /** The ridge fit V diag(1 / (w + shift)) V^T xty (d x c) from X_c^T X_c = V diag(w) V^T. */
    private float[] ridge(float[] xty, int d, int c, float[] ev, float[] vec, double shift) {
        float[] tmp = new float[d * c];
        backend.gemm(true, false, d, c, d, 1f, vec, 0, d, xty, 0, c, 0f, tmp, 0, c);
        for (int a = 0; a < d; a++) {
            float f = (float) (1.0 / (Math.max(ev[a], 0f) + shift));
            for (int b = 0; b < c; b++) {
                tmp[a * c + b] *= f;
            }
        }
        float[] wi = new float[d * c];
        backend.gemm(false, false, d, c, d, 1f, vec, 0, d, tmp, 0, c, 0f, wi, 0, c);
        return wi;
    }



    /** The column means of the rows x cols matrix a, in float64. */
    private static double[] columnMeans(float[] a, int rows, int cols) {
        double[] mu = new double[cols];
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < cols; j++) {
                mu[j] += a[t * cols + j];
            }
        }
        for (int j = 0; j < cols; j++) {
            mu[j] /= rows;
        }
        return mu;
    }

    /** a[t, j] -= mu[j] for the rows x cols matrix a (rounded to float32). */
    private static void subtractColumns(float[] a, int rows, int cols, double[] mu) {
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < cols; j++) {
                a[t * cols + j] = (float) (a[t * cols + j] - mu[j]);
            }
        }
    }

    /** Rows idx of the rows x cols matrix a, as a new dense array. */
    private static float[] gather(float[] a, int[] idx, int cols) {
        float[] out = new float[idx.length * cols];
        for (int t = 0; t < idx.length; t++) {
            System.arraycopy(a, idx[t] * cols, out, t * cols, cols);
        }
        return out;
    }

    private static int[] permutation(int n, java.util.Random rnd) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }

    /** y (rows x c, row-major) minus its column means, the means in float64. */
    static float[] centred(float[] y, int rows, int c) {
        float[] out = new float[rows * c];
        for (int j = 0; j < c; j++) {
            double mean = 0;
            for (int t = 0; t < rows; t++) {
                mean += y[t * c + j];
            }
            mean /= rows;
            for (int t = 0; t < rows; t++) {
                out[t * c + j] = (float) (y[t * c + j] - mean);
            }
        }
        return out;
    }
}
