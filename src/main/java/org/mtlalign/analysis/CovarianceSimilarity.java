package org.mtlalign.analysis;

import org.mtlalign.backend.Backend;

/**
 * The paper's covariance similarity score (eq. 5). For each task, X^T X = U D U^T is cut to the
 * smallest rank holding {@code energy} (0.99 in the paper) of the sum of its singular values,
 * and with M = U D^{1/2}: score(1, 2) = ||M1^T M2||_F / (||M1||_F ||M2||_F), which lies in
 * [0, 1], is symmetric, and is 1 for identical rank-1 covariances. Note that the score of a task
 * with itself is ||D||_F / trace(D), below 1 for higher ranks, and that it rewards concentrated
 * spectra: two tasks with the same flat (isotropic) covariance can score below two tasks whose
 * different covariances share a few dominant directions. Compare pairs with each other rather
 * than with 1, best pairs that share a task (the row of one task in {@link #matrix}), and read
 * the diagonal (each task's self-score) as the ceiling of its row.
 */
public final class CovarianceSimilarity {
    private final Backend backend;
    private final double energy;

    /**
     * @param energy the share of each task's spectrum its factor keeps, in (0, 1] (0.99 in the paper)
     * @throws org.mtlalign.UserInputException for an energy outside (0, 1] (worded for --energy)
     */
    public CovarianceSimilarity(Backend backend, double energy) {
        if (!(energy > 0 && energy <= 1)) {
            throw new org.mtlalign.UserInputException("--energy: must be in (0, 1], got " + energy);
        }
        this.backend = java.util.Objects.requireNonNull(backend, "backend");
        this.energy = energy;
    }

    /** The truncated factor M = U_k D_k^{1/2} of one task's X^T X. */
    public record Factor(float[] m, int d, int rank, double frobenius) {
    }

    /**
     * A Gram matrix of finite inputs that overflowed float32 (|x| around 1e19 and beyond) is a
     * user's scaling problem, not ours: say so in one line instead of failing in the eigensolver.
     */
    static void requireFiniteGram(float[] gram, float[] x, int rows, int d) {
        for (float v : gram) {
            if (!Float.isFinite(v)) {
                float max = 0;
                for (int i = 0; i < rows * d; i++) {
                    if (!Float.isFinite(x[i])) {
                        // Files are checked when read; this is a library caller's array.
                        throw new IllegalArgumentException("input [" + i / d + ", " + i % d + "] is " + x[i]
                                + "; inputs must be finite");
                    }
                    max = Math.max(max, Math.abs(x[i]));
                }
                throw new org.mtlalign.UserInputException(String.format(java.util.Locale.ROOT,
                        "inputs too large for float32: X^T X overflows (largest |x| = %.3g over %d rows); "
                                + "standardise them (--standardize global or per-task) or rescale", max, rows));
            }
        }
    }

    /**
     * Factor of X (rows x d). With fewer rows than inputs (embeddings: d = 3000, a few hundred
     * rows) it comes from the rows x rows matrix X X^T, whose eigenvalues are those of X^T X and
     * whose eigenvectors U give M = X^T U_k directly: m^2 d + m^3 work instead of d^3.
     */
    public Factor factor(float[] x, int rows, int d) {
        // Exactly rows x d: a longer array (a row count from another task) was cut without a word.
        if (d < 1 || rows < 0 || x.length != (long) rows * d) {
            throw new IllegalArgumentException(x.length + " values are not " + rows + " rows of d = " + d
                    + " inputs (d >= 1)");
        }
        return rows >= 1 && rows < d ? factorFromRows(x, rows, d) : factorFromColumns(x, rows, d);
    }

    /** The factor from the d x d matrix X^T X (package-private: the tests compare both ways). */
    Factor factorFromColumns(float[] x, int rows, int d) {
        float[] c = new float[d * d];
        backend.gram(x, rows, d, false, c);
        requireFiniteGram(c, x, rows, d);
        float[] w = new float[d];
        float[] v = new float[d * d];
        backend.symmetricEigen(c, d, w, v);
        int rank = rank(w);
        float[] m = new float[d * Math.max(rank, 1)];
        double fro = 0;
        for (int j = 0; j < rank; j++) {
            float s = (float) Math.sqrt(Math.max(w[j], 0f));
            fro += Math.max(w[j], 0f);
            for (int i = 0; i < d; i++) {
                m[i * rank + j] = v[i * d + j] * s;
            }
        }
        return new Factor(m, d, rank, Math.sqrt(fro));
    }

    /** The factor from the rows x rows matrix X X^T = U L U^T: M = X^T U_k (its columns have norms sqrt(L)). */
    Factor factorFromRows(float[] x, int rows, int d) {
        float[] xt = new float[d * rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < d; j++) {
                xt[j * rows + i] = x[i * d + j];
            }
        }
        float[] g = new float[rows * rows];
        backend.gram(xt, d, rows, false, g);
        requireFiniteGram(g, x, rows, d);
        float[] w = new float[rows];
        float[] u = new float[rows * rows];
        backend.symmetricEigen(g, rows, w, u);
        int rank = rank(w);
        double fro = 0;
        for (int j = 0; j < rank; j++) {
            fro += Math.max(w[j], 0f);
        }
        float[] m = new float[d * Math.max(rank, 1)];
        if (rank > 0) {
            // M (d x rank) = X^T U_k, U's first rank columns read in place (leading dimension rows).
            backend.gemm(true, false, d, rank, rows, 1f, x, 0, d, u, 0, rows, 0f, m, 0, rank);
        }
        return new Factor(m, d, rank, Math.sqrt(fro));
    }

    /**
     * The smallest rank holding {@link #energy} of the sum of the (descending) eigenvalues w, where
     * eigenvalues at or below n * eps_fp32 of the largest (n = w.length) count as zero: a float32
     * Gram matrix cannot resolve them, and without the cut {@code --energy 1} counted the rounding
     * noise of a rank-deficient X (about 1e-7 of the largest) as rank. Their weight in the score is
     * below n * eps_fp32 of the total, so the score itself hardly moves.
     */
    static int rank(float[] w, double energy) {
        double largest = w.length == 0 ? 0 : Math.max(w[0], 0f);
        double floor = largest * w.length * Math.ulp(1f);
        double total = 0;
        for (float e : w) {
            total += e > floor ? e : 0;
        }
        int rank = 0;
        double acc = 0;
        if (total > 0) {
            while (rank < w.length && w[rank] > floor && acc < energy * total * (1 - 1e-12)) {
                acc += w[rank];
                rank++;
            }
        }
        return rank;
    }

    private int rank(float[] w) {
        return rank(w, energy);
    }

    /**
     * The score of two factors; 0 when either task has a zero covariance.
     *
     * @throws IllegalArgumentException for factors of different input dimensions
     */
    public double score(Factor a, Factor b) {
        requireSameDim(a, b);
        if (a.rank() == 0 || b.rank() == 0 || a.frobenius() == 0 || b.frobenius() == 0) {
            return 0.0;
        }
        float[] p = new float[a.rank() * b.rank()];
        backend.gemm(true, false, a.rank(), b.rank(), a.d(), 1f, a.m(), 0, a.rank(), b.m(), 0, b.rank(), 0f, p, 0, b.rank());
        double s = 0;
        for (float x : p) {
            s += (double) x * x;
        }
        return Math.min(1.0, Math.sqrt(s) / (a.frobenius() * b.frobenius()));
    }

    /**
     * Factors of tasks with inputs xs[i] (rows[i] x d, exactly that many values), computed in
     * parallel where the backend allows. An array given for several tasks (tasks of a shared X
     * with the same training rows: {@link org.mtlalign.data.TrainingRows}) is factored once and
     * its factor given to each: the same bits as factoring it again, at 1/k of the work.
     */
    public Factor[] factors(float[][] xs, int[] rows, int d) {
        if (rows.length != xs.length) {
            throw new IllegalArgumentException(xs.length + " inputs but " + rows.length + " row counts (d = " + d + ")");
        }
        if (d < 1) {
            throw new IllegalArgumentException("d must be >= 1, got " + d);
        }
        for (int i = 0; i < xs.length; i++) {
            if (rows[i] < 0 || xs[i].length != (long) rows[i] * d) {
                throw new IllegalArgumentException("task " + i + ": " + xs[i].length + " values are not " + rows[i]
                        + " rows of d = " + d);
            }
        }
        int[] owner = owners(xs);
        int[] distinct = java.util.stream.IntStream.range(0, xs.length).filter(i -> owner[i] == i).toArray();
        Factor[] f = new Factor[xs.length];
        backend.forEachIndependent(distinct.length, q -> f[distinct[q]] = factor(xs[distinct[q]], rows[distinct[q]], d));
        for (int i = 0; i < xs.length; i++) {
            f[i] = f[owner[i]];
        }
        return f;
    }

    /** Per item, the index of the first item that is the same object (itself when none before it is). */
    static int[] owners(Object[] items) {
        int[] owner = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            owner[i] = i;
            for (int j = 0; j < i; j++) {
                if (items[j] == items[i]) {
                    owner[i] = j;
                    break;
                }
            }
        }
        return owner;
    }

    /**
     * The k x k matrix of scores for tasks with inputs xs[i] (rows[i] x d).
     *
     * @throws IllegalArgumentException for arrays that are not exactly rows[i] x d, or that hold NaN or an infinity
     */
    public double[][] matrix(float[][] xs, int[] rows, int d) {
        return matrix(factors(xs, rows, d));
    }

    /**
     * The k x k matrix of scores of the given factors. The k(k + 1)/2 scores (each a rank_i x
     * rank_j x d product, about 0.4 G multiply-adds for near-isotropic tasks at d = 768) are
     * independent and computed in parallel where the backend allows; each is the same product
     * whichever worker computes it, so the matrix does not depend on the number of workers. Nor
     * does it depend on the heap: which pairs are scored by trace is decided by the ranks alone
     * ({@link #byTrace}), and when their d x d matrices do not fit in {@link #traceBytes()} at
     * once they are formed block by block, each the same bits as when all fit.
     */
    public double[][] matrix(Factor[] f) {
        return matrix(f, traceBytes());
    }

    /**
     * Factors of different input dimensions were multiplied as if they had the first one's d: a
     * score of 0.74 for tasks of d = 2 and d = 3, without a word (found calling the API).
     */
    private static void requireSameDim(Factor a, Factor b) {
        if (a.d() != b.d()) {
            throw new IllegalArgumentException("factors of inputs of d = " + a.d() + " and d = " + b.d()
                    + ": tasks must share the input dimension to be compared");
        }
    }

    /** {@link #matrix(Factor[])} holding at most {@code budget} bytes of C matrices (but at least two) at once. */
    double[][] matrix(Factor[] f, long budget) {
        int k = f.length;
        for (int i = 1; i < k; i++) {
            requireSameDim(f[0], f[i]);
        }
        double[][] s = new double[k][k];
        // Pairs i <= j, split by how they are scored; the split depends on the ranks alone.
        int pairs = k * (k + 1) / 2;
        int[] direct = new int[pairs];
        int[] traced = new int[pairs];
        int nd = 0;
        int nt = 0;
        boolean[] need = new boolean[k];
        for (int i = 0; i < k; i++) {
            for (int j = i; j < k; j++) {
                if (byTrace(f[i], f[j])) {
                    traced[nt++] = i * k + j;
                    need[i] = true;
                    need[j] = true;
                } else {
                    direct[nd++] = i * k + j;
                }
            }
        }
        final int[] dp = direct;
        backend.forEachIndependent(nd, p -> {
            int i = dp[p] / k;
            int j = dp[p] % k;
            // Not 1 on the diagonal in general: a task's score with itself is ||D||_F / trace(D), 1 only at rank 1.
            double v = score(f[i], f[j]);
            s[i][j] = v;
            s[j][i] = v;
        });
        if (nt == 0) {
            return s;
        }
        // The tasks whose C = M M^T some pair needs, in index order, in blocks of h: block a's C
        // matrices are held while each later block b >= a is formed in turn, so at most 2h at once.
        int[] tasks = new int[k];
        int n = 0;
        long per = 1;
        for (int i = 0; i < k; i++) {
            if (need[i]) {
                tasks[n++] = i;
                per = Math.max(per, 4L * f[i].d() * f[i].d());
            }
        }
        long fit = Math.max(2, budget / per);
        int h = fit >= n ? n : (int) Math.max(1, fit / 2);
        int[] block = new int[k];
        for (int t = 0; t < n; t++) {
            block[tasks[t]] = t / h;
        }
        int blocks = (n + h - 1) / h;
        float[][] cov = new float[k][];
        for (int a = 0; a < blocks; a++) {
            formCovariances(f, tasks, a * h, Math.min(n, (a + 1) * h), cov);
            for (int b = a; b < blocks; b++) {
                if (b != a) {
                    formCovariances(f, tasks, b * h, Math.min(n, (b + 1) * h), cov);
                }
                int[] now = new int[nt];
                int nn = 0;
                for (int p = 0; p < nt; p++) {
                    int i = traced[p] / k;
                    int j = traced[p] % k;
                    if (block[i] == a && block[j] == b) {
                        now[nn++] = traced[p];
                    }
                }
                final int[] np = now;
                backend.forEachIndependent(nn, p -> {
                    int i = np[p] / k;
                    int j = np[p] % k;
                    double v = scoreByTrace(f[i], f[j], cov[i], cov[j]);
                    s[i][j] = v;
                    s[j][i] = v;
                });
                if (b != a) {
                    for (int t = b * h; t < Math.min(n, (b + 1) * h); t++) {
                        cov[tasks[t]] = null;
                    }
                }
            }
            for (int t = a * h; t < Math.min(n, (a + 1) * h); t++) {
                cov[tasks[t]] = null;
            }
        }
        return s;
    }

    /**
     * Whether the pair's score is cheaper from the tasks' d x d matrices C = M M^T than from the
     * rank_a x rank_b product M_a^T M_b: ||M_a^T M_b||_F^2 = trace(C_a C_b), d^2 / 2 multiply-adds
     * against rank_a rank_b d. Embedding-like inputs keep most of their rank under the 99% rule
     * (690 of 768): the product then costs 0.37 G multiply-adds a pair, the trace 0.3 M.
     */
    static boolean byTrace(Factor a, Factor b) {
        return (long) a.rank() * b.rank() > 4L * a.d();
    }

    /**
     * Memory for the C = M M^T matrices of one similarity matrix (float32, d x d each): 512 MiB,
     * or a quarter of the heap if that is less (-Xmx1g at d = 4000: four at a time). When the
     * matrices that the trace pairs need take more, they are formed in blocks (see
     * {@link #matrix(Factor[])}), never fewer than two at once.
     */
    static long traceBytes() {
        return Math.min(512L << 20, Runtime.getRuntime().maxMemory() / 4);
    }

    /**
     * cov[tasks[t]] = M M^T (d x d) for t in [from, to), in parallel where the backend allows; a
     * factor shared by several of these tasks (see {@link #factors}) is multiplied out once.
     */
    private void formCovariances(Factor[] f, int[] tasks, int from, int to, float[][] cov) {
        Factor[] here = new Factor[to - from];
        for (int q = 0; q < here.length; q++) {
            here[q] = f[tasks[from + q]];
        }
        int[] owner = owners(here);
        int[] distinct = java.util.stream.IntStream.range(0, here.length).filter(q -> owner[q] == q).toArray();
        backend.forEachIndependent(distinct.length, n -> {
            int q = distinct[n];
            Factor x = here[q];
            int d = x.d();
            int r = x.rank();
            float[] mt = new float[r * d]; // M^T (rank x d): gram forms (M^T)^T M^T = M M^T
            for (int a = 0; a < d; a++) {
                for (int j = 0; j < r; j++) {
                    mt[j * d + a] = x.m()[a * r + j];
                }
            }
            float[] out = new float[d * d];
            backend.gram(mt, r, d, false, out);
            cov[tasks[from + q]] = out;
        });
        for (int q = 0; q < here.length; q++) {
            cov[tasks[from + q]] = cov[tasks[from + owner[q]]];
        }
    }

    /** {@link #score} as sqrt(trace(C_a C_b)) / (||M_a||_F ||M_b||_F), C symmetric, summed in float64. */
    static double scoreByTrace(Factor a, Factor b, float[] ca, float[] cb) {
        if (a.rank() == 0 || b.rank() == 0 || a.frobenius() == 0 || b.frobenius() == 0) {
            return 0.0;
        }
        int d = a.d();
        double diag = 0;
        double off = 0;
        for (int i = 0; i < d; i++) {
            int row = i * d;
            diag += (double) ca[row + i] * cb[row + i];
            double sum = 0;
            for (int j = i + 1; j < d; j++) {
                sum += (double) ca[row + j] * cb[row + j];
            }
            off += sum;
        }
        double t = Math.max(0, diag + 2 * off);
        return Math.min(1.0, Math.sqrt(t) / (a.frobenius() * b.frobenius()));
    }

    /**
     * Scores of the tasks' inputs with each task's rows resampled with replacement, {@code resamples}
     * times ({@link #resample}): how far sampling alone moves the scores. On tasks whose inputs share
     * one distribution, 60 training rows a task gave pairs' scores spanning 3.6-6.3% (the 1% rule of
     * {@link #indistinct} named pairs in every such suite); their order was noise.
     *
     * @param scores per resample, the k x k matrix of scores
     */
    public record Resampled(double[][][] scores) {
        public int resamples() {
            return scores.length;
        }

        /** The 5% point of pair (i, j)'s resampled scores (their lowest for 19 resamples). */
        public double low(int i, int j) {
            return sorted(i, j)[(scores.length - 1) / 20];
        }

        /** The 95% point of pair (i, j)'s resampled scores (their highest for 19 resamples). */
        public double high(int i, int j) {
            return sorted(i, j)[(int) ((19L * (scores.length - 1) + 19) / 20)];
        }

        private double[] sorted(int i, int j) {
            if (scores.length == 0) {
                throw new IllegalStateException("no resamples");
            }
            checkTask("i", i, scores[0].length);
            checkTask("j", j, scores[0].length);
            double[] v = new double[scores.length];
            for (int b = 0; b < v.length; b++) {
                v[b] = scores[b][i][j];
            }
            java.util.Arrays.sort(v);
            return v;
        }

        /**
         * The observed scores s (k x k) and the pairs (two task indices each) checked against the k
         * tasks before they index anything: an index error from inside named neither the pair nor
         * which array it came from.
         */
        private void checkPairs(double[][] s, java.util.List<int[]> pairs) {
            java.util.Objects.requireNonNull(s, "s (the observed scores)");
            java.util.Objects.requireNonNull(pairs, "pairs");
            if (scores.length == 0) {
                throw new IllegalStateException("no resamples");
            }
            int k = scores[0].length;
            if (s.length != k) {
                throw new IllegalArgumentException("s: " + s.length + " rows, the scores of these resamples are " + k
                        + " x " + k);
            }
            for (int i = 0; i < k; i++) {
                if (s[i] == null || s[i].length != k) {
                    throw new IllegalArgumentException("s: row " + i + " has " + (s[i] == null ? "no" : s[i].length)
                            + " values, the scores of these resamples are " + k + " x " + k);
                }
            }
            for (int q = 0; q < pairs.size(); q++) {
                int[] p = pairs.get(q);
                if (p == null || p.length != 2) {
                    throw new IllegalArgumentException("pair " + q + ": " + (p == null ? "null" : p.length + " values")
                            + ", a pair is two task indices");
                }
                for (int index : p) {
                    if (index < 0 || index >= k) {
                        throw new IndexOutOfBoundsException("pair " + q + ": task index " + index + " is outside 0.."
                                + (k - 1) + " (" + k + " task" + (k == 1 ? "" : "s") + ")");
                    }
                }
            }
        }

        /** A task index outside the k tasks is named, not an array index error. */
        private static void checkTask(String name, int index, int k) {
            if (index < 0 || index >= k) {
                throw new IndexOutOfBoundsException("task index " + name + " = " + index + " is outside 0.." + (k - 1)
                        + " (" + k + " task" + (k == 1 ? "" : "s") + ")");
            }
        }

        /**
         * How far apart noise puts two of these pairs: per resample, the range over the pairs of
         * (resampled score - score s), and of those ranges the ceil(0.95 (B + 1))-th smallest (the
         * largest for B = 19). Two pairs whose scores differ by more are told apart at about the
         * 1-in-20 level for every two of the pairs at once (the range is the largest of all their
         * differences), so picking the top pair out of many does not make noise look like a lead.
         * Deviations, not the resampled scores themselves, so a shift common to all pairs (a
         * resample's duplicated rows concentrate every spectrum) is no noise between them. On
         * N(0, I) inputs (k = 4; 60 rows at d = 20 and 50, 200 rows at d = 50) the median range of
         * resamples was 1.5 to 1.8 times that of fresh samples, so the rule errs toward naming none.
         *
         * @param s the observed k x k scores
         * @param pairs pairs of task indices (i, j); none: 0
         * @throws IndexOutOfBoundsException for a task index outside the k tasks, naming the pair
         * @throws IllegalArgumentException for an s that is not k x k or a pair that is not two indices
         * @throws IllegalStateException for no resamples
         */
        public double noise(double[][] s, java.util.List<int[]> pairs) {
            double[] range = ranges(s, pairs);
            java.util.Arrays.sort(range);
            return range[level(range.length) - 1];
        }

        /**
         * Whether these resamples, the first of {@code planned}, already put {@link #noise} of all
         * planned above {@code lead} (enough of their ranges exceed it, whatever the others are), so
         * that a lead of that size cannot be told from noise and the rest need not be drawn.
         * Arguments as {@link #noise}; {@code planned} fewer than these resamples is refused.
         */
        public boolean noiseExceeds(double[][] s, java.util.List<int[]> pairs, double lead, int planned) {
            if (planned < scores.length) {
                throw new IllegalArgumentException("planned = " + planned + " resamples, fewer than the "
                        + scores.length + " drawn");
            }
            int above = 0;
            for (double r : ranges(s, pairs)) {
                above += r > lead ? 1 : 0;
            }
            return above >= planned - level(planned) + 1;
        }

        /** ceil(0.95 (B + 1)), at most B: the rank, from the smallest, of the range that {@link #noise} takes. */
        private static int level(int b) {
            // In long: at --resamples near 2^31 the int product wrapped negative, and noiseExceeds
            // then stopped after the first resample whatever the lead.
            return (int) Math.min(b, (19 * (b + 1L) + 19) / 20);
        }

        private double[] ranges(double[][] s, java.util.List<int[]> pairs) {
            checkPairs(s, pairs);
            double[] range = new double[scores.length];
            for (int b = 0; b < scores.length; b++) {
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                for (int[] p : pairs) {
                    double dev = scores[b][p[0]][p[1]] - s[p[0]][p[1]];
                    lo = Math.min(lo, dev);
                    hi = Math.max(hi, dev);
                }
                range[b] = pairs.isEmpty() ? 0 : hi - lo;
            }
            return range;
        }
    }

    /**
     * The score matrix of {@code resamples} resamples of the inputs xs[i] (rows[i] x d): each task's
     * rows drawn with replacement, as many as it has, from a generator of (seed, resample, task), so
     * the result depends on the seed alone. A resample's X^T C X (C the draw counts) is the Gram
     * matrix of its drawn rows scaled by sqrt(count), formed once and factored as {@link #factor}
     * does (from rows x rows when fewer distinct rows than d remain, about 63% of them); tasks that
     * share an array (see {@link #factors}) share its resample. Each task's drawn rows exist only
     * while it is factored.
     */
    public Resampled resample(float[][] xs, int[] rows, int d, int resamples, long seed) {
        return resample(xs, rows, d, resamples, seed, r -> false);
    }

    /**
     * {@link #resample(float[][], int[], int, int, long)}, stopped after the first resamples for
     * which {@code enough} holds: the eigendecompositions of every resample are the cost (all 19
     * took mtl analyze from 10 to 59 CPU seconds at k = 40, d = 768, 1000 rows a task), and once
     * the ranges so far show that no lead stands out of the noise, the rest cannot change that.
     */
    public Resampled resample(float[][] xs, int[] rows, int d, int resamples, long seed,
                              java.util.function.Predicate<Resampled> enough) {
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be >= 1, got " + resamples);
        }
        if (rows.length != xs.length) {
            throw new IllegalArgumentException(xs.length + " inputs but " + rows.length + " row counts (d = " + d + ")");
        }
        int k = xs.length;
        int[] owner = owners(xs);
        int[] distinct = java.util.stream.IntStream.range(0, k).filter(i -> owner[i] == i).toArray();
        // Grown as drawn, not sized by the plan: most runs stop early, and 'mtl analyze --resamples
        // 2147483647' ran out of heap on the array alone before its first resample.
        java.util.List<double[][]> out = new java.util.ArrayList<>();
        for (int b = 0; b < resamples; b++) {
            final int rb = b;
            Factor[] f = new Factor[k];
            backend.forEachIndependent(distinct.length, q -> {
                int t = distinct[q];
                int m = rows[t];
                if (xs[t].length != (long) m * d) {
                    throw new IllegalArgumentException("task " + t + ": " + xs[t].length + " values are not " + m
                            + " rows of d = " + d);
                }
                int[] count = counts(seed, rb, t, m);
                int kept = 0;
                for (int c : count) {
                    kept += c > 0 ? 1 : 0;
                }
                float[] x = new float[kept * d];
                int at = 0;
                for (int r = 0; r < m; r++) {
                    if (count[r] > 0) {
                        float w = (float) Math.sqrt(count[r]);
                        for (int j = 0; j < d; j++) {
                            x[at * d + j] = xs[t][r * d + j] * w;
                        }
                        at++;
                    }
                }
                f[t] = factor(x, kept, d);
            });
            for (int i = 0; i < k; i++) {
                f[i] = f[owner[i]];
            }
            out.add(matrix(f));
            Resampled sofar = new Resampled(out.toArray(new double[0][][]));
            if (b + 1 == resamples || enough.test(sofar)) {
                return sofar;
            }
        }
        throw new AssertionError("unreachable: the last resample returns");
    }

    /** How often each of a task's m rows is drawn in resample b: m draws with replacement. */
    static int[] counts(long seed, int b, int task, int m) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(
                seed * 0x9E3779B97F4A7C15L + b * 0xC2B2AE3D27D4EB4FL + task * 0x165667B19E3779F9L);
        int[] count = new int[m];
        for (int r = 0; r < m; r++) {
            count[rnd.nextInt(m)]++;
        }
        return count;
    }

    /**
     * Similarity scores within 1% of each other cannot rank pairs: near-isotropic inputs (embeddings
     * often are) score alike for every pair, since a task scores 1/sqrt(d) against an isotropic one
     * whatever its own covariance.
     */
    public static boolean indistinct(double lowest, double highest) {
        return highest - lowest < 0.01 * highest;
    }

    /** "the pairs' similarities span only 0.0360 to 0.0361 (less than 1%): the score cannot tell these inputs apart". */
    public static String spread(double lowest, double highest) {
        return String.format(java.util.Locale.ROOT, "the pairs' similarities span only %.4f to %.4f (less than 1%%): the "
                + "score cannot tell these inputs apart", lowest, highest);
    }

    /**
     * "covariance similarity: 40 task covariances (d = 768) and 780 pair scores", the progress line
     * of the step (mtl analyze, mtl train), for tasks with inputs xs as {@link #factors} takes them:
     * tasks that share an array are counted as the one covariance computed for them ("10 tasks
     * sharing one input covariance"; it said "10 task covariances" of a shared X).
     */
    public static String progressLine(float[][] xs, int d) {
        int k = xs.length;
        long distinct = java.util.Arrays.stream(owners(xs)).distinct().count();
        long pairs = (long) k * (k - 1) / 2;
        String covariances = distinct == k ? k + " task covariance" + (k == 1 ? "" : "s")
                : distinct == 1 ? k + " tasks sharing one input covariance"
                : k + " tasks with " + distinct + " distinct input covariances";
        return "covariance similarity: " + covariances + " (d = " + d + ") and " + pairs + " pair score"
                + (pairs == 1 ? "" : "s");
    }

    public double energy() {
        return energy;
    }
}
