package org.mtlalign.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.mtlalign.backend.cpu.CpuBackend;

/** The capacity suggestion: smallest r holding the energy of the normalised single-task optima. */
class CapacityTest {
    private final CpuBackend be = new CpuBackend();
    private final Capacity cap = new Capacity(be);

    private record Suite(float[][] xs, int[] rows, int d, float[][] ys, int[] cols) {
    }

    /** Own, column-centred X_i per task; Y_i = X_i W_i + noise for the given optima W_i (d x c_i). */
    private static Suite suite(Random rnd, int d, int[] rows, double[][][] optima, double noise) {
        int k = rows.length;
        float[][] xs = new float[k][];
        float[][] ys = new float[k][];
        int[] cols = new int[k];
        for (int i = 0; i < k; i++) {
            int m = rows[i];
            int c = optima[i][0].length;
            cols[i] = c;
            float[] x = TestData.gaussian(rnd, m * d, 1.0);
            for (int j = 0; j < d; j++) {
                double mu = 0;
                for (int a = 0; a < m; a++) {
                    mu += x[a * d + j];
                }
                mu /= m;
                for (int a = 0; a < m; a++) {
                    x[a * d + j] -= (float) mu;
                }
            }
            float[] y = new float[m * c];
            for (int a = 0; a < m; a++) {
                for (int o = 0; o < c; o++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) {
                        s += x[a * d + j] * optima[i][j][o];
                    }
                    y[a * c + o] = (float) (s + noise * rnd.nextGaussian());
                }
            }
            xs[i] = x;
            ys[i] = y;
        }
        return new Suite(xs, rows, d, ys, cols);
    }

    private static double[][] column(double[] v) {
        double[][] w = new double[v.length][1];
        for (int j = 0; j < v.length; j++) {
            w[j][0] = v[j];
        }
        return w;
    }

    private Capacity.Suggestion suggest(Suite s, double lambda, double energy) {
        return cap.suggest(s.xs(), s.rows(), s.d(), s.ys(), s.cols(), lambda, energy);
    }

    /** Five tasks whose optima are spread over one plane: suggested rank 2. */
    @Test
    void optimaInATwoDimensionalSubspaceSuggestRankTwo() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 8;
        DMatrixRMaj q = TestData.randomOrthogonal(rnd, d);
        int[] rows = {41, 53, 37, 61, 47};
        double[][][] optima = new double[rows.length][][];
        for (int i = 0; i < rows.length; i++) {
            double phi = Math.PI * (i + 0.3 * rnd.nextDouble()) / rows.length;
            double scale = 0.5 + 2 * rnd.nextDouble(); // scales must not matter (unit-normalised)
            double[] beta = new double[d];
            for (int j = 0; j < d; j++) {
                beta[j] = scale * (Math.cos(phi) * q.get(j, 0) + Math.sin(phi) * q.get(j, 1));
            }
            optima[i] = column(beta);
        }
        Suite s = suite(rnd, d, rows, optima, 0.01);
        Capacity.Suggestion sg = suggest(s, 1e-6, 0.99);
        String ctx = "seed=" + seed + " singular values " + Arrays.toString(sg.singularValues());
        System.out.println("[Capacity] plane: suggested " + sg.suggestedRank() + ", " + ctx);
        assertEquals(2, sg.suggestedRank(), ctx);
        assertEquals(5, sg.noTransferRank(), ctx);
        assertEquals(0.99, sg.energy(), 0.0);
        compareWithFloat64(s, 1e-6, sg, ctx);
    }

    /**
     * Label scale does not matter to the suggestion (fits are unit-normalised, errors relative to
     * the targets' variance), also where squares leave float32: one task's labels times 2^70
     * (about 1e21) or 2^-90 (about 1e-27) give bitwise the suggestion of the unscaled suite; times
     * 1e30, the same within float rounding. Before, such a task made every width's error NaN.
     */
    @Test
    void labelsFarFromUnitScaleGiveTheSameSuggestion() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 7;
        DMatrixRMaj q = TestData.randomOrthogonal(rnd, d);
        int[] rows = {43, 59, 31};
        double[][][] optima = new double[rows.length][][];
        for (int i = 0; i < rows.length; i++) {
            double[] beta = new double[d];
            for (int j = 0; j < d; j++) {
                beta[j] = q.get(j, i % 2) + 0.3 * rnd.nextGaussian();
            }
            optima[i] = column(beta);
        }
        Suite s = suite(rnd, d, rows, optima, 0.1);
        Capacity.Suggestion base = suggest(s, 1e-6, 0.99);
        assertTrue(base.validated(), "seed=" + seed);
        for (float factor : new float[] {0x1p70f, 0x1p-90f, 1e30f}) {
            int t = rnd.nextInt(rows.length);
            float[][] ys = s.ys().clone();
            ys[t] = s.ys()[t].clone();
            for (int a = 0; a < ys[t].length; a++) {
                ys[t][a] *= factor;
            }
            float[] given = ys[t].clone();
            Capacity.Suggestion scaled = suggest(new Suite(s.xs(), rows, d, ys, s.cols()), 1e-6, 0.99);
            assertTrue(Arrays.equals(given, ys[t]), "the caller's labels are left as they were");
            String ctx = "seed=" + seed + " task " + t + " x " + factor + ": " + Arrays.toString(base.validationError())
                    + " vs " + Arrays.toString(scaled.validationError());
            assertEquals(base.suggestedRank(), scaled.suggestedRank(), ctx);
            if (factor == 1e30f) {
                assertTrue(TestData.relErr(scaled.validationError(), base.validationError()) < 1e-4, ctx);
                assertTrue(TestData.relErr(scaled.singularValues(), base.singularValues()) < 1e-4, ctx);
            } else {
                assertTrue(Arrays.equals(base.validationError(), scaled.validationError()), ctx);
                assertTrue(Arrays.equals(base.singularValues(), scaled.singularValues()), ctx);
            }
        }
    }

    /**
     * The single-task fits centre the labels (an intercept model), so an input offset must not
     * change them: with y = X beta + noise and X shifted by a per-task constant, the intercept
     * model's slope is still beta. Optima in a plane: still rank 2.
     */
    @Test
    void inputOffsetsDoNotChangeTheSuggestion() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 8;
        DMatrixRMaj q = TestData.randomOrthogonal(rnd, d);
        int[] rows = {41, 53, 37, 61, 47};
        double[][][] optima = new double[rows.length][][];
        for (int i = 0; i < rows.length; i++) {
            double phi = Math.PI * (i + 0.3 * rnd.nextDouble()) / rows.length;
            double[] beta = new double[d];
            for (int j = 0; j < d; j++) {
                beta[j] = Math.cos(phi) * q.get(j, 0) + Math.sin(phi) * q.get(j, 1);
            }
            optima[i] = column(beta);
        }
        Suite s = suite(rnd, d, rows, optima, 0.01);
        // Shift every task's inputs by its own offset vector; labels keep y = X beta (+ const).
        float[][] shifted = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            shifted[i] = s.xs()[i].clone();
            for (int j = 0; j < d; j++) {
                float off = (float) (2 + rnd.nextGaussian());
                for (int a = 0; a < rows[i]; a++) {
                    shifted[i][a * d + j] += off;
                }
            }
        }
        Suite t = new Suite(shifted, s.rows(), d, s.ys(), s.cols());
        Capacity.Suggestion centred = suggest(s, 1e-6, 0.99);
        Capacity.Suggestion offset = suggest(t, 1e-6, 0.99);
        String ctx = "seed=" + seed + " centred X " + Arrays.toString(centred.singularValues()) + ", offset X "
                + Arrays.toString(offset.singularValues());
        System.out.println("[Capacity] input offsets: " + ctx);
        assertEquals(2, offset.suggestedRank(), ctx);
        double err = TestData.relErr(offset.singularValues(), centred.singularValues());
        assertTrue(err < 1e-3, ctx + ": singular values moved by " + err);
    }

    /**
     * Inputs far from their own mean (as global standardisation leaves a task whose inputs sit
     * apart from the pooled mean): the fits must be those of the centred inputs, and a task whose
     * inputs are constant has a zero fit, not a unit-norm one. X^T y_c was formed from the
     * uncentred inputs, where y_c sums to zero only up to float32 rounding: offset x sum(y_c) leaked
     * into W_i (singular values off by up to 0.33 of the largest on d = 13 tasks, and a constant
     * task's three one-hot columns came out as three unit-norm noise directions).
     */
    @Test
    void fitsOfInputsFarFromTheirMeanMatchTheCentredFloat64Fits() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 11;
        int[] rows = {37, 53, 7, 29};
        double[][][] optima = new double[rows.length][][];
        for (int i = 0; i < rows.length; i++) {
            optima[i] = new double[d][i == 1 ? 2 : 1];
            for (int j = 0; j < d; j++) {
                for (int o = 0; o < optima[i][j].length; o++) {
                    optima[i][j][o] = rnd.nextGaussian();
                }
            }
        }
        Suite s = suite(rnd, d, rows, optima, 0.1);
        float[][] xs = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            xs[i] = s.xs()[i].clone();
            for (int j = 0; j < d; j++) {
                float off = (float) (300 * (1 + rnd.nextDouble()));
                for (int a = 0; a < rows[i]; a++) {
                    xs[i][a * d + j] += off;
                }
            }
        }
        // The last task's inputs are one row repeated: nothing to fit, whatever its labels.
        int last = rows.length - 1;
        for (int a = 1; a < rows[last]; a++) {
            System.arraycopy(xs[last], 0, xs[last], a * d, d);
        }
        Suite t = new Suite(xs, rows, d, s.ys(), s.cols());
        Capacity.Suggestion sg = suggest(t, 1e-3, 0.99);
        String ctx = "seed=" + seed + " " + Arrays.toString(sg.singularValues());
        // Three tasks with signal, four label columns: the fifth singular value is the constant task's.
        assertEquals(5, sg.singularValues().length, ctx);
        assertTrue(sg.singularValues()[4] < 1e-6, ctx + ": the constant task's fit is not zero");
        double[] ref = centredFits(t, sg.ridge());
        double err = TestData.relErr(sg.singularValues(), ref);
        System.out.printf("[Capacity] offset inputs: singular values rel err vs float64 %.2e%n", err);
        assertTrue(err < 1e-4, ctx + ": singular values vs float64 " + Arrays.toString(ref) + " rel err " + err);
    }

    /** Singular values of the float64 fits W_i = (X_c^T X_c + lambda_i m I)^{-1} X_c^T y_c, unit norm (a zero fit stays 0). */
    private static double[] centredFits(Suite s, double[] lambda) {
        int d = s.d();
        int total = Arrays.stream(s.cols()).sum();
        DMatrixRMaj w = new DMatrixRMaj(d, total);
        int off = 0;
        for (int i = 0; i < s.xs().length; i++) {
            int m = s.rows()[i];
            int c = s.cols()[i];
            DMatrixRMaj xc = TestData.mat(s.xs()[i], m, d);
            DMatrixRMaj yc = TestData.mat(s.ys()[i], m, c);
            for (DMatrixRMaj a : new DMatrixRMaj[] {xc, yc}) {
                for (int j = 0; j < a.numCols; j++) {
                    double mu = 0;
                    for (int t = 0; t < m; t++) {
                        mu += a.get(t, j);
                    }
                    mu /= m;
                    for (int t = 0; t < m; t++) {
                        // a constant column is exactly 0 once centred (its float values are equal)
                        a.set(t, j, a.get(t, j) == a.get(0, j) && allEqual(a, j) ? 0 : a.get(t, j) - mu);
                    }
                }
            }
            DMatrixRMaj g = TestData.multTransA(xc, xc);
            for (int j = 0; j < d; j++) {
                g.add(j, j, lambda[i] * m);
            }
            DMatrixRMaj wi = new DMatrixRMaj(d, c);
            CommonOps_DDRM.solve(g, TestData.multTransA(xc, yc), wi);
            double n = TestData.norm(wi.data);
            for (int j = 0; j < d; j++) {
                for (int o = 0; o < c; o++) {
                    w.set(j, off + o, n > 0 ? wi.get(j, o) / n : 0);
                }
            }
            off += c;
        }
        return TestData.svd(w).s();
    }

    private static boolean allEqual(DMatrixRMaj a, int col) {
        for (int t = 1; t < a.numRows; t++) {
            if (a.get(t, col) != a.get(0, col)) {
                return false;
            }
        }
        return true;
    }

    /** Orthogonal optima: every direction holds 1/k of the energy, so 0.99 keeps all k, 0.6 keeps 3 of 4. */
    @Test
    void orthogonalOptimaNeedFullRank() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 7;
        DMatrixRMaj q = TestData.randomOrthogonal(rnd, d);
        int[] rows = {29, 31, 23, 43};
        double[][][] optima = new double[rows.length][][];
        for (int i = 0; i < rows.length; i++) {
            double[] beta = new double[d];
            for (int j = 0; j < d; j++) {
                beta[j] = (1 + i) * q.get(j, i);
            }
            optima[i] = column(beta);
        }
        Suite s = suite(rnd, d, rows, optima, 0.01);
        Capacity.Suggestion full = suggest(s, 1e-6, 0.99);
        Capacity.Suggestion part = suggest(s, 1e-6, 0.6);
        String ctx = "seed=" + seed + " singular values " + Arrays.toString(full.singularValues()) + " validated "
                + Arrays.toString(full.validationError());
        System.out.println("[Capacity] orthogonal: " + full.suggestedRank() + " at 0.99, " + part.suggestedRank()
                + " at 0.6; " + ctx);
        assertEquals(4, full.energyRank(), ctx);
        assertEquals(3, part.energyRank(), ctx);
        // Validated: each task needs its own direction, so every width below 4 loses a task.
        assertEquals(4, full.suggestedRank(), ctx);
        assertEquals(4, part.suggestedRank(), ctx);
        assertTrue(full.validated() && full.validationError()[2] > 0.1 && full.validationError()[3] < 0.01, ctx);
        assertEquals(4, full.noTransferRank(), ctx);
        compareWithFloat64(s, 1e-6, full, ctx);
    }

    /**
     * Embedding-like tasks with fewer rows than inputs (m < d) that share directions: every
     * single-task fit is mostly noise spread over all d directions, so the energy rule counts the
     * noise floor (up to the no-transfer bound, k); the validated width finds the shared ones.
     */
    @Test
    void fewRowsPerTaskSuggestTheSharedWidthNotTheNoiseFloor() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 96;
        // 16 tasks, not 12: each fit leaves its own share of noise off the shared directions. With
        // 12, the top shared + 2 = 5 directions held 0.852 +- 0.014 of the squared spectrum for
        // shared 3 (3.3 deviations below 0.9), and the energy rule stopped at 5 for seed
        // 40001432004296. With 16 they hold 0.821 +- 0.014 (at most 0.865 in 2574 seeds, energy
        // rule 7 or more), and the shared directions, found from more tasks, validate as well.
        int k = 16;
        for (int shared : new int[] {1, 3}) {
            DMatrixRMaj q = TestData.randomOrthogonal(rnd, d);
            int[] rows = new int[k];
            double[][][] optima = new double[k][][];
            for (int i = 0; i < k; i++) {
                rows[i] = 60 + rnd.nextInt(20);
                double[] mix = new double[shared];
                for (int j = 0; j < shared; j++) {
                    mix[j] = rnd.nextGaussian();
                }
                double[] beta = new double[d];
                for (int a = 0; a < d; a++) {
                    for (int j = 0; j < shared; j++) {
                        beta[a] += mix[j] * q.get(a, j);
                    }
                }
                optima[i] = column(beta);
            }
            Suite s = suite(rnd, d, rows, optima, 0.1);
            Capacity.Suggestion sg = suggest(s, 1e-3, 0.9);
            String ctx = "seed=" + seed + " shared " + shared + ": suggested " + sg.suggestedRank() + ", energy rule "
                    + sg.energyRank() + ", singular values " + Arrays.toString(sg.singularValues()) + ", validated "
                    + Arrays.toString(sg.validationError());
            System.out.println("[Capacity] m < d: " + ctx);
            // Held-out errors from 60-79 rows per task are noisy near the shared width: over 60
            // seeds (2026-11-30) shared 1 gave 1 every time and shared 3 gave 3 in 59 and 4 in 1
            // (with 40-59 rows: 2 to 5), while the energy rule gave 6 or more. With 16 tasks, over
            // 2574 seeds: shared 1 gave 1 (2 in 4), shared 3 gave 3 (4 in 3), the energy rule 7 to
            // 11. So: at most one off the shared width, never the noise floor.
            assertTrue(sg.suggestedRank() >= Math.max(1, shared - 1) && sg.suggestedRank() <= shared + 1, ctx);
            assertTrue(sg.energyRank() > shared + 2, ctx);

            // The fits come from the m x m kernels here (m < d). With lambda = 1e-3 the d x d way is
            // well conditioned too and gives the same spectrum; the folds' fits (ridge 1e-6) are
            // not compared: there the float32 d x d Gram matrix is the less accurate of the two.
            Capacity primal = new Capacity(be);
            primal.fitFromRows = false;
            Capacity.Suggestion p = primal.suggest(s.xs(), s.rows(), s.d(), s.ys(), s.cols(), 1e-3, 0.9);
            for (int j = 0; j < p.singularValues().length; j++) {
                assertEquals(p.singularValues()[j], sg.singularValues()[j], 1e-3 * p.singularValues()[0], ctx);
            }
        }
    }

    /**
     * Tasks whose labels are pure noise: with every fit at unit norm each added a random direction
     * of full weight to the shared ones and pulled the width below the signal's; weighted by their
     * validated share of explained variance they barely count.
     */
    @Test
    void pureNoiseTasksDoNotPullTheWidthDown() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 32;
        int k = 10;
        DMatrixRMaj q = TestData.randomOrthogonal(rnd, d);
        int[] rows = new int[k];
        double[][][] optima = new double[k][][];
        for (int i = 0; i < k; i++) {
            rows[i] = 300;
            double[] beta = new double[d];
            if (i < 6) {  // tasks 6..9: no signal, only the noise below
                for (int j = 0; j < 3; j++) {
                    // Each of the 3 directions strong in two tasks: with random mixes alone the third
                    // could be weak enough that width 2 is within the 1% tolerance (seed 50313957265367).
                    // So was 1.5 + 0.5 N(0, 1) for the strong part: seed 40001064003192 drew 0.07 and
                    // 0.39 for direction 1, and width 2 came within 0.4% of width 3. Strong parts of
                    // 1.25 to 1.75 (either sign) and others of at most 0.3 keep the 6 x 3 mix's third
                    // singular value above 1.25 sqrt(2) - sqrt(4 * 0.3 * 2 * 0.3) = 0.92: width 2 leaves
                    // at least 0.92^2 of the six tasks' signal (each under 3.5 with the noise), 0.024
                    // of the mean validated error, well beyond the 1% tolerance.
                    double mix = i % 3 == j ? (rnd.nextBoolean() ? 1 : -1) * (1.25 + 0.5 * rnd.nextDouble())
                            : 0.3 * (2 * rnd.nextDouble() - 1);
                    for (int a = 0; a < d; a++) {
                        beta[a] += mix * q.get(a, j);
                    }
                }
            }
            optima[i] = column(beta);
        }
        Capacity.Suggestion sg = suggest(suite(rnd, d, rows, optima, 0.5), 1e-3, 0.9);
        String ctx = "seed=" + seed + " suggested " + sg.suggestedRank() + " validated "
                + Arrays.toString(sg.validationError());
        System.out.println("[Capacity] noise tasks: " + ctx);
        // 3 or 4 is allowed (one run gave 4 with random mixes); without the weights the suggestion
        // wandered (7, 2 and 6 in three runs).
        assertTrue(sg.suggestedRank() == 3 || sg.suggestedRank() == 4, ctx);
        assertTrue(!sg.weak(), ctx);
        // Only noise: validated, and flagged weak (printed, and in the JSON as "weak").
        double[][][] none = new double[k][][];
        for (int i = 0; i < k; i++) {
            none[i] = column(new double[d]);
        }
        Capacity.Suggestion noise = suggest(suite(rnd, d, rows, none, 0.5), 1e-3, 0.9);
        assertTrue(noise.validated() && noise.weak(), "seed=" + seed + " " + Arrays.toString(noise.validationError()));
    }

    /** Too few rows to hold any out: the energy rule is the suggestion, and it says so. */
    @Test
    void tasksTooSmallToValidateFallBackToTheEnergyRule() {
        float[][] xs = {{1, 0, 0, 1, 2, 1}, {0, 1, 1, 0, 3, 1, 1, 2}};
        float[][] ys = {{1, 2, 4}, {1, 0, 2, 1}};
        Capacity.Suggestion sg = cap.suggest(xs, new int[] {3, 4}, 2, ys, new int[] {1, 1}, 1e-3, 0.9);
        assertTrue(!sg.validated() && sg.validationError() == null);
        assertEquals(sg.energyRank(), sg.suggestedRank());
    }

    /** noTransferRank = sum of output counts, capped at d (Proposition 1's no-transfer width). */
    @Test
    void noTransferRankIsTheSumOfOutputsCappedAtD() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int[] rows = {19, 13, 17};
        int[] outputs = {1, 3, 2};
        for (int d : new int[] {8, 5}) {
            double[][][] optima = new double[rows.length][][];
            for (int i = 0; i < rows.length; i++) {
                optima[i] = new double[d][outputs[i]];
                for (int j = 0; j < d; j++) {
                    for (int o = 0; o < outputs[i]; o++) {
                        optima[i][j][o] = rnd.nextGaussian();
                    }
                }
            }
            Suite s = suite(rnd, d, rows, optima, 0.1);
            Capacity.Suggestion sg = suggest(s, 1e-3, 0.99);
            String ctx = "seed=" + seed + " d=" + d + " " + Arrays.toString(sg.singularValues());
            assertEquals(Math.min(6, d), sg.noTransferRank(), ctx);
            assertEquals(Math.min(6, d), sg.singularValues().length, ctx);
            assertTrue(sg.suggestedRank() >= 1 && sg.suggestedRank() <= sg.noTransferRank(), ctx);
            compareWithFloat64(s, 1e-3, sg, ctx);
        }
        // One single-output task: rank 1 either way.
        double[][][] one = {column(new double[] {1, -2, 0.5})};
        Capacity.Suggestion sg = suggest(suite(rnd, 3, new int[] {11}, one, 0.1), 1e-3, 0.99);
        assertEquals(1, sg.suggestedRank(), "seed=" + seed);
        assertEquals(1, sg.noTransferRank(), "seed=" + seed);
    }

    /**
     * The singular values against a float64 ridge fit of the intercept model:
     * W_i = (X_c^T X_c + lambda m I)^{-1} X^T (y - mean y), each scaled to unit norm.
     */
    private static void compareWithFloat64(Suite s, double lambda, Capacity.Suggestion sg, String ctx) {
        int d = s.d();
        int total = 0;
        for (int c : s.cols()) {
            total += c;
        }
        DMatrixRMaj w = new DMatrixRMaj(d, total);
        int off = 0;
        for (int i = 0; i < s.xs().length; i++) {
            int m = s.rows()[i];
            int c = s.cols()[i];
            DMatrixRMaj x = TestData.mat(s.xs()[i], m, d);
            DMatrixRMaj y = TestData.mat(s.ys()[i], m, c);
            for (int o = 0; o < c; o++) {
                double mu = 0;
                for (int a = 0; a < m; a++) {
                    mu += y.get(a, o);
                }
                mu /= m;
                for (int a = 0; a < m; a++) {
                    y.set(a, o, y.get(a, o) - mu);
                }
            }
            DMatrixRMaj xc = x.copy();
            for (int j = 0; j < d; j++) {
                double mu = 0;
                for (int a = 0; a < m; a++) {
                    mu += x.get(a, j);
                }
                mu /= m;
                for (int a = 0; a < m; a++) {
                    xc.set(a, j, x.get(a, j) - mu);
                }
            }
            DMatrixRMaj g = TestData.multTransA(xc, xc);
            // The task's ridge as the suggestion reports it (lambda unless a stronger one validated better).
            assertTrue(sg.ridge()[i] == lambda || sg.ridge()[i] > lambda, ctx + ": ridge " + Arrays.toString(sg.ridge()));
            for (int j = 0; j < d; j++) {
                g.add(j, j, sg.ridge()[i] * m);
            }
            DMatrixRMaj wi = new DMatrixRMaj(d, c);
            CommonOps_DDRM.solve(g, TestData.multTransA(x, y), wi);
            double n = TestData.norm(wi.data);
            for (int j = 0; j < d; j++) {
                for (int o = 0; o < c; o++) {
                    w.set(j, off + o, wi.get(j, o) / n);
                }
            }
            off += c;
        }
        double[] ref = TestData.svd(w).s();
        double err = TestData.relErr(sg.singularValues(), ref);
        System.out.printf("[Capacity] singular values rel err vs float64 %.2e%n", err);
        assertTrue(err < 1e-4, ctx + ": singular values vs float64 " + Arrays.toString(ref) + " rel err " + err);
    }

    /**
     * A flat, noisy curve like the one of eight anisotropic embedding tasks at d = 768 (held-out
     * error 0.516 at r = 3, 0.521 at 4, the best 0.514 at 22, and within 0.005 of it up to 23;
     * fold-to-fold standard error 0.005): the smallest width within the 1% margin is suggested, and
     * the curve is reported as flat up to the widest width as good as the best. The same curve with
     * its noise moved (r = 3 just above the margin) moves the suggestion to 6; both
     * report the same flat range, which is what the user is told to sweep. Failed before
     * (Suggestion had no bestRank, standardError or widestAsGood).
     */
    @Test
    void aFlatNoisyCurveIsReportedAsFlatUpToTheWidestWidthAsGoodAsTheBest() {
        double[] err = {0.621, 0.570, 0.516, 0.521, 0.520, 0.519, 0.518, 0.517, 0.5165, 0.5144, 0.5148, 0.5151, 0.5153,
                0.515, 0.5146, 0.515, 0.515, 0.5152, 0.515, 0.5155, 0.5145, 0.5144, 0.5148};
        // Five folds, each the mean curve shifted by one of these offsets (their sd is 0.0106, so
        // the standard error is 0.0106 / sqrt(5) = 0.00474).
        double[] shift = {-0.002, 0.002, -0.017, 0.010, 0.007};
        double[][] folds = new double[5][err.length];
        for (int f = 0; f < 5; f++) {
            for (int j = 0; j < err.length; j++) {
                folds[f][j] = err[j] + shift[f];
            }
        }
        double mean = Arrays.stream(shift).average().orElseThrow();
        double sd = Math.sqrt(Arrays.stream(shift).map(x -> (x - mean) * (x - mean)).sum() / 4);
        Capacity.Choice c = Capacity.choose(err, folds);
        assertEquals(3, c.suggestedRank());
        assertEquals(10, c.bestRank());  // 0.5144 at r = 10 and 22: the first
        assertEquals(sd / Math.sqrt(5), c.standardError(), 1e-12);
        assertEquals(23, c.widestAsGood());

        // r = 3 at 0.5200, just above 0.5144 + 0.005144: the smallest within the margin is r = 6.
        double[] moved = err.clone();
        moved[2] = 0.5200;
        Capacity.Choice m = Capacity.choose(moved, folds);
        assertEquals(6, m.suggestedRank());
        assertEquals(23, m.widestAsGood());

        // A curve with a clear minimum, rising after it: not flat.
        double[] sharp = {0.5, 0.2, 0.1, 0.15, 0.3};
        Capacity.Choice s = Capacity.choose(sharp, new double[][] {sharp, sharp});
        assertEquals(3, s.suggestedRank());
        assertEquals(3, s.bestRank());
        assertEquals(0, s.standardError(), 0);
        assertEquals(3, s.widestAsGood());
    }

    /**
     * The standard error widens the flat range, not the suggestion: with folds that disagree
     * (standard error 0.02 against a margin of 0.005 of the best 0.5), a width 0.015 above the best
     * counts as good as the best for widestAsGood, but the suggestion stays the smallest within the
     * margin. The one-standard-error rule for the suggestion itself picked the same widths as the
     * margin on the embedding examples (d = 512, 768, 1024), and one width fewer than the margin on
     * 12 mixed embedding tasks (4 instead of 7; 8 planted directions), where ReLU MTL trained worse
     * at 4 (validation loss 17.8) than at 7 (14.1). A fold that scored no task (NaN) is left out.
     */
    @Test
    void theStandardErrorWidensTheFlatRangeNotTheSuggestion() {
        double[] err = {0.9, 0.515, 0.5, 0.512, 0.515, 0.6};
        double[][] folds = new double[5][];
        double[] shift = {0.02, -0.02, 0.02, -0.02, 0};
        for (int f = 0; f < 4; f++) {
            folds[f] = new double[err.length];
            for (int j = 0; j < err.length; j++) {
                folds[f][j] = err[j] + shift[f] * Math.sqrt(5);
            }
        }
        folds[4] = new double[err.length];
        Arrays.fill(folds[4], Double.NaN);
        Capacity.Choice c = Capacity.choose(err, folds);
        // Four folds of +-0.0447: sd 0.0516, standard error 0.0258.
        assertEquals(0.02 * Math.sqrt(5) * Math.sqrt(4.0 / 3) / 2, c.standardError(), 1e-12);
        assertEquals(3, c.suggestedRank());
        assertEquals(3, c.bestRank());
        assertEquals(5, c.widestAsGood());
        // One fold alone has no spread to measure: no standard error, the margin alone.
        double[][] one = {err.clone(), folds[4]};
        Capacity.Choice o = Capacity.choose(err, one);
        assertEquals(null, o.standardError());
        assertEquals(3, o.widestAsGood());
    }

    /**
     * End to end: tasks sharing one direction with many rows each, so every width above 1 adds
     * only noise and validates within the margin. Flat: suggested 1, the best and the widest as
     * good above it, and the Suggestion's tolerance covers the widest width's error. Not validated:
     * the three fields fall back to the suggestion (standard error null).
     */
    @Test
    void aSuiteWithOneSharedDirectionAndManyRowsIsFlatAboveIt() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 12;
        int k = 6;
        DMatrixRMaj q = TestData.randomOrthogonal(rnd, d);
        int[] rows = new int[k];
        double[][][] optima = new double[k][][];
        for (int i = 0; i < k; i++) {
            rows[i] = 3000;
            double[] beta = new double[d];
            double scale = (rnd.nextBoolean() ? 1 : -1) * (0.8 + 0.4 * rnd.nextDouble());
            for (int a = 0; a < d; a++) {
                beta[a] = scale * q.get(a, 0);
            }
            optima[i] = column(beta);
        }
        // Noise of variance 1 against a signal of about 1: held-out error about 0.5, so the 1%
        // margin (0.005) is far above what a noise direction adds with 2400 fitting rows (1/2400).
        Capacity.Suggestion sg = suggest(suite(rnd, d, rows, optima, 1.0), 1e-3, 0.9);
        String ctx = "seed=" + seed + " " + Arrays.toString(sg.validationError()) + " best " + sg.bestRank() + " se "
                + sg.standardError() + " widest " + sg.widestAsGood();
        System.out.println("[Capacity] flat: " + ctx);
        assertEquals(1, sg.suggestedRank(), ctx);
        assertTrue(sg.flat() && sg.widestAsGood() >= 4, ctx);
        assertTrue(sg.bestRank() >= 1 && sg.bestRank() <= sg.widestAsGood(), ctx);
        assertTrue(sg.standardError() != null && sg.standardError() > 0 && sg.standardError() < 0.05, ctx);
        double best = sg.validationError()[sg.bestRank() - 1];
        assertTrue(sg.validationError()[sg.widestAsGood() - 1] <= best + sg.asGoodTolerance(), ctx);
        assertTrue(sg.asGoodTolerance() >= 0.01 * best, ctx);

        float[][] xs = {{1, 0, 0, 1, 2, 1}, {0, 1, 1, 0, 3, 1, 1, 2}};
        float[][] ys = {{1, 2, 4}, {1, 0, 2, 1}};
        Capacity.Suggestion none = cap.suggest(xs, new int[] {3, 4}, 2, ys, new int[] {1, 1}, 1e-3, 0.9);
        assertEquals(none.suggestedRank(), none.bestRank());
        assertEquals(none.suggestedRank(), none.widestAsGood());
        assertEquals(null, none.standardError());
        assertTrue(!none.flat() && Double.isNaN(none.asGoodTolerance()));
    }

    /** The ridge rule: the caller's lambda unless a stronger one validates better by more than the margin. */
    @Test
    void theRidgeStaysTheCallersUnlessAStrongerOneValidatesBetterByTheMargin() {
        double nan = Double.NaN;
        // best 0.490, margin 1% of it: 0.494 is as good (kept), 0.500 is not.
        assertEquals(0, Capacity.chooseRidge(new double[] {0.494, 0.490, 0.6, 0.7, 0.9}));
        assertEquals(1, Capacity.chooseRidge(new double[] {0.500, 0.490, 0.491, 0.6, 0.9}));
        assertEquals(3, Capacity.chooseRidge(new double[] {2.1, 1.6, 1.05, 0.917, 0.918}));
        assertEquals(2, Capacity.chooseRidge(new double[] {nan, 0.9, 0.8, nan, 0.95}));
        assertEquals(0, Capacity.chooseRidge(new double[] {nan, nan, nan, nan, nan}));
        assertEquals(0, Capacity.chooseRidge(new double[] {0.0004, 0.0001, 0.0, 0.0, 0.0}));  // within the 0.001 floor
        assertArrayEquals(new double[] {1e-3, 1e-2, 1e-1, 1, 10}, Capacity.ridgeGrid(1e-3), 1e-15);
        assertArrayEquals(new double[] {1e-6, 1e-5, 1e-4, 1e-3, 1e-2}, Capacity.ridgeGrid(0), 1e-18);
    }

    /**
     * Embedding-like tasks (more inputs than rows, each task on its own direction, noisy labels):
     * a ridge of 1e-3 per row nearly interpolates the training rows, the fits are mostly noise, and
     * the validation suggested r = 1 for three tasks on three separate directions (the case of
     * 2026-12-02: 768-d inputs, MTL at r = 1 lost 0.25 AUC to the single-task model). With the ridge chosen on the folds the
     * directions are found; tasks with many rows per input and little noise keep the caller's lambda.
     */
    @Test
    void tasksWithFewerRowsThanInputsGetAStrongerRidgeAndTheirOwnDirections() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 311;
        int k = 3;
        double[][][] optima = orthonormalOptima(rnd, d, k);
        int[] rows = new int[k];
        for (int i = 0; i < k; i++) {
            rows[i] = 157 + 41 * i;
        }
        Suite s = suite(rnd, d, rows, optima, 0.7);
        Capacity.Suggestion sg = suggest(s, 1e-3, 0.9);
        String ctx = "seed=" + seed + ": suggested " + sg.suggestedRank() + ", ridge " + Arrays.toString(sg.ridge())
                + ", validated " + Arrays.toString(sg.validationError());
        System.out.println("[Capacity] fewer rows than inputs: " + ctx);
        // At this signal-to-noise ratio a task's 1e-3 fit is sometimes within the 1% margin of the
        // best (seed 4458277844222: the 157-row task kept it), so not every task changes ridge.
        assertTrue(Arrays.stream(sg.ridge()).anyMatch(r -> r > 1e-3), ctx);
        // Over 60 seeds (2026-12-02) the suggestion was 3 in 58 and 2 in 2 (the third direction's gain
        // within the 1% margin), and the held-out error fell by 0.033 to 0.20 from r = 1 to r = 3;
        // with the ridge fixed at 1e-3 the suggestion was 1 in 35 seeds, 2 in 20 and 3 in 5, and the
        // error changed by -0.12 to +0.09 (median 0: the directions were noise).
        assertTrue(sg.suggestedRank() >= k - 1 && sg.suggestedRank() <= k, ctx);
        assertTrue(sg.validationError()[0] - sg.validationError()[k - 1] > 0.015, ctx);
        compareWithFloat64(s, 1e-3, sg, ctx);

        // Three directions with 50 rows per input and little noise: shrinking cannot help, and the
        // ridge stays 1e-3. (With noisy labels a stronger ridge can validate better with many rows too.)
        int dSmall = 13;
        double[][][] opt2 = orthonormalOptima(rnd, dSmall, k);
        int[] many = new int[k];
        for (int i = 0; i < k; i++) {
            many[i] = 50 * dSmall + 7 * i;
        }
        Capacity.Suggestion plenty = suggest(suite(rnd, dSmall, many, opt2, 0.1), 1e-3, 0.9);
        assertArrayEquals(new double[] {1e-3, 1e-3, 1e-3}, plenty.ridge(), 0, "seed=" + seed);
        assertEquals(k, plenty.suggestedRank(), "seed=" + seed);
    }

    /** k single-output optima along the first k columns of a random orthogonal d x d matrix. */
    private static double[][][] orthonormalOptima(Random rnd, int d, int k) {
        DMatrixRMaj q = TestData.randomOrthogonal(rnd, d);
        double[][][] optima = new double[k][][];
        for (int i = 0; i < k; i++) {
            double[] beta = new double[d];
            for (int a = 0; a < d; a++) {
                beta[a] = q.get(a, i);
            }
            optima[i] = column(beta);
        }
        return optima;
    }
}
