package org.mtlalign.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The paper's synthetic task generators. All are deterministic functions of their seed. A teacher
 * width below 1, a noise level that is negative or not finite, or a kappa that is not a positive
 * number is refused (IllegalArgumentException); sizes as {@link Task} checks them.
 */
public final class Synthetic {
    private Synthetic() {
    }

    /**
     * A teacher of width 0 gave labels of pure noise, and a negative noise level was taken as its
     * size, without a word; NaN noise failed as "every label is missing".
     */
    private static void requireWidth(String what, int width) {
        if (width < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + width);
        }
    }

    private static void requireNoise(double noise) {
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("noise must be a finite number >= 0, got " + noise);
        }
    }

    /**
     * Linear teacher tasks: y_i = X_i beta_i + noise, with the k teachers beta_i drawn from a
     * common {@code teacherRank}-dimensional subspace (so a shared module of that width fits
     * all of them). X_i is standard Gaussian; with {@code sharedX} every task uses one X.
     */
    public static TaskSuite linear(int k, int m, int d, int teacherRank, double noise, boolean sharedX, long seed) {
        requireWidth("teacherRank", teacherRank);
        requireNoise(noise);
        Random rnd = new Random(seed);
        float[] basis = gaussian(rnd, d * teacherRank, 1.0 / Math.sqrt(d));
        List<Task> tasks = new ArrayList<>();
        float[] shared = sharedX ? gaussian(rnd, m * d, 1.0) : null;
        for (int i = 0; i < k; i++) {
            float[] z = gaussian(rnd, teacherRank, 1.0);
            float[] beta = new float[d];
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < teacherRank; b++) {
                    beta[a] += basis[a * teacherRank + b] * z[b];
                }
            }
            float[] x = sharedX ? shared : gaussian(rnd, m * d, 1.0);
            tasks.add(new Task("linear-" + i, x, m, d, linearLabels(x, m, d, beta, noise, rnd), 1, false,
                    "synthetic:linear"));
        }
        return new TaskSuite("synthetic-linear", tasks, sharedX);
    }

    /**
     * ReLU teacher tasks: y_i = relu(X_i B*) a_i + noise with one shared teacher module B*
     * (d x hidden) and a random head a_i per task.
     */
    public static TaskSuite relu(int k, int m, int d, int hidden, double noise, long seed) {
        requireWidth("hidden", hidden);
        requireNoise(noise);
        Random rnd = new Random(seed);
        float[] teacher = gaussian(rnd, d * hidden, 1.0 / Math.sqrt(d));
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            float[] head = gaussian(rnd, hidden, 1.0);
            float[] x = gaussian(rnd, m * d, 1.0);
            float[] y = new float[m];
            for (int row = 0; row < m; row++) {
                double out = 0;
                for (int h = 0; h < hidden; h++) {
                    double s = 0;
                    for (int a = 0; a < d; a++) {
                        s += x[row * d + a] * teacher[a * hidden + h];
                    }
                    out += Math.max(s, 0) * head[h];
                }
                y[row] = (float) (out + noise * rnd.nextGaussian());
            }
            tasks.add(new Task("relu-" + i, x, m, d, y, 1, false, "synthetic:relu"));
        }
        return new TaskSuite("synthetic-relu", tasks, false);
    }

    /**
     * The task-covariance generator of the paper's Section 2.3: every task shares one linear
     * teacher beta, and task i draws X_i = G_i D_i Q_i (G_i Gaussian, D_i diagonal with kappa on
     * the coordinate set S_i and 1 elsewhere, Q_i orthogonal), so tasks differ only in their
     * input covariance Q_i^T D_i^2 Q_i. Tasks: "target" (S_0 = first half, Q = I);
     * "same-cov" (the target's covariance); "other-coords" (kappa on the second half); and
     * "rotated" (the target's D with a random rotation Q). The target has {@code mTarget} rows,
     * the sources {@code mSource}.
     */
    public static TaskSuite taskCovariance(int mTarget, int mSource, int d, double kappa, double noise, long seed) {
        if (!(kappa > 0) || Double.isInfinite(kappa)) {
            throw new IllegalArgumentException("kappa must be a positive number, got " + kappa);
        }
        requireNoise(noise);
        Random rnd = new Random(seed);
        float[] beta = gaussian(rnd, d, 1.0 / Math.sqrt(d));
        double[] dFirst = new double[d];
        double[] dSecond = new double[d];
        for (int a = 0; a < d; a++) {
            dFirst[a] = a < d / 2 ? kappa : 1.0;
            dSecond[a] = a < d / 2 ? 1.0 : kappa;
        }
        double[] rotation = randomOrthogonal(d, rnd);
        List<Task> tasks = new ArrayList<>();
        String[] names = {"target", "same-cov", "other-coords", "rotated"};
        for (int i = 0; i < 4; i++) {
            int m = i == 0 ? mTarget : mSource;
            double[] diag = i == 2 ? dSecond : dFirst;
            double[] q = i == 3 ? rotation : null;
            float[] x = new float[m * d];
            double[] g = new double[d];
            for (int row = 0; row < m; row++) {
                // Scale first, then rotate: x = g D Q has covariance Q^T D^2 Q. (Rotating an
                // isotropic g first would give D^2 whatever Q is.)
                for (int a = 0; a < d; a++) {
                    g[a] = rnd.nextGaussian() * diag[a];
                }
                for (int b = 0; b < d; b++) {
                    double s;
                    if (q == null) {
                        s = g[b];
                    } else {
                        s = 0;
                        for (int a = 0; a < d; a++) {
                            s += g[a] * q[a * d + b];
                        }
                    }
                    x[row * d + b] = (float) s;
                }
            }
            tasks.add(new Task(names[i], x, m, d, linearLabels(x, m, d, beta, noise, rnd), 1, false,
                    "synthetic:task-covariance"));
        }
        return new TaskSuite("task-covariance", tasks, false);
    }

    static float[] linearLabels(float[] x, int m, int d, float[] beta, double noise, Random rnd) {
        float[] y = new float[m];
        for (int row = 0; row < m; row++) {
            double s = 0;
            for (int a = 0; a < d; a++) {
                s += x[row * d + a] * beta[a];
            }
            y[row] = (float) (s + noise * rnd.nextGaussian());
        }
        return y;
    }

    static float[] gaussian(Random rnd, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * std);
        }
        return a;
    }

    /** A Haar-random orthogonal d x d matrix (Gram-Schmidt on Gaussian columns), row-major. */
    public static double[] randomOrthogonal(int d, Random rnd) {
        double[] q = new double[d * d];
        for (int j = 0; j < d; j++) {
            double[] v = new double[d];
            for (int a = 0; a < d; a++) {
                v[a] = rnd.nextGaussian();
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < j; p++) {
                    double dot = 0;
                    for (int a = 0; a < d; a++) {
                        dot += v[a] * q[a * d + p];
                    }
                    for (int a = 0; a < d; a++) {
                        v[a] -= dot * q[a * d + p];
                    }
                }
            }
            double n = 0;
            for (double e : v) {
                n += e * e;
            }
            n = Math.sqrt(n);
            for (int a = 0; a < d; a++) {
                q[a * d + j] = v[a] / n;
            }
        }
        return q;
    }
}
