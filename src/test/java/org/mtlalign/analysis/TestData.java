package org.mtlalign.analysis;

import java.util.Arrays;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.mtlalign.data.EncodedLabels;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.Task;
import org.mtlalign.model.Loss;

/**
 * Shared helpers for the numerical tests: random data, PreparedTask construction and float64
 * reference linear algebra (EJML) used as the oracle.
 */
public final class TestData {
    private TestData() {
    }

    /** A fresh seed per call, printed by the tests with their failures; -Dmtlalign.test.seed=N replays one. */
    public static long seed() {
        Long fixed = Long.getLong("mtlalign.test.seed");
        return fixed != null ? fixed : System.nanoTime();
    }

    public static float[] gaussian(Random rnd, int n, double std) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * std);
        }
        return a;
    }

    public static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    public static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = from; i < to; i++) {
            r[i - from] = i;
        }
        return r;
    }

    /** A regression task (squared loss, {@code cols} outputs) with the given split. */
    public static PreparedTask regression(String name, float[] x, int rows, int d, float[] y, int cols,
                                          int[] train, int[] validation, int[] test) {
        Task t = new Task(name, x, rows, d, y, cols, false, "test");
        return new PreparedTask(name, x, rows, d, EncodedLabels.encode(t, Loss.SQUARED), train, validation, test);
    }

    /** A regression task whose rows are all training rows. */
    public static PreparedTask regression(String name, float[] x, int rows, int d, float[] y, int cols) {
        return regression(name, x, rows, d, y, cols, range(rows), new int[0], new int[0]);
    }

    /** A classification task from raw labels (one column), all rows training rows. */
    public static PreparedTask classification(String name, float[] x, int rows, int d, float[] labels, Loss loss) {
        Task t = new Task(name, x, rows, d, labels, 1, true, "test");
        return new PreparedTask(name, x, rows, d, EncodedLabels.encode(t, loss), range(rows), new int[0], new int[0]);
    }

    // ----- float64 linear algebra (EJML) -----

    public static DMatrixRMaj mat(float[] a, int rows, int cols) {
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < rows * cols; i++) {
            m.data[i] = a[i];
        }
        return m;
    }

    public static DMatrixRMaj mat(double[] a, int rows, int cols) {
        return new DMatrixRMaj(rows, cols, true, Arrays.copyOf(a, rows * cols));
    }

    public static float[] toFloat(DMatrixRMaj m) {
        float[] a = new float[m.getNumElements()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) m.data[i];
        }
        return a;
    }

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    public static DMatrixRMaj mult(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numRows, b.numCols);
        CommonOps_DDRM.mult(a, b, c);
        return c;
    }

    public static DMatrixRMaj multTransA(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = new DMatrixRMaj(a.numCols, b.numCols);
        CommonOps_DDRM.multTransA(a, b, c);
        return c;
    }

    public static DMatrixRMaj transpose(DMatrixRMaj a) {
        return CommonOps_DDRM.transpose(a, null);
    }

    /** Columns [from, to) of a. */
    public static DMatrixRMaj columns(DMatrixRMaj a, int from, int to) {
        DMatrixRMaj c = new DMatrixRMaj(a.numRows, to - from);
        CommonOps_DDRM.extract(a, 0, a.numRows, from, to, c, 0, 0);
        return c;
    }

    /** Least squares (X^T X)^{-1} X^T y in float64 (X of full column rank). */
    public static DMatrixRMaj leastSquares(DMatrixRMaj x, DMatrixRMaj y) {
        DMatrixRMaj g = multTransA(x, x);
        DMatrixRMaj xty = multTransA(x, y);
        DMatrixRMaj sol = new DMatrixRMaj(x.numCols, y.numCols);
        if (!CommonOps_DDRM.solve(g, xty, sol)) {
            throw new IllegalStateException("singular X^T X");
        }
        return sol;
    }

    /** Symmetric eigen-decomposition: values descending, vectors as columns of the matrix. */
    public record Eigen(double[] values, DMatrixRMaj vectors) {
    }

    public static Eigen symmetricEigen(DMatrixRMaj a) {
        int n = a.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(a.copy())) {
            throw new IllegalStateException("eigen-decomposition failed");
        }
        Integer[] order = new Integer[n];
        double[] vals = new double[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            vals[i] = eig.getEigenvalue(i).getReal();
        }
        Arrays.sort(order, (p, q) -> Double.compare(vals[q], vals[p]));
        double[] sorted = new double[n];
        DMatrixRMaj vec = new DMatrixRMaj(n, n);
        for (int j = 0; j < n; j++) {
            sorted[j] = vals[order[j]];
            DMatrixRMaj v = eig.getEigenVector(order[j]);
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += v.get(i, 0) * v.get(i, 0);
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                vec.set(i, j, v.get(i, 0) / norm);
            }
        }
        return new Eigen(sorted, vec);
    }

    /** Thin SVD with singular values descending: a = u diag(s) v^T. */
    public record Svd(DMatrixRMaj u, double[] s, DMatrixRMaj v) {
    }

    public static Svd svd(DMatrixRMaj a) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd =
                DecompositionFactory_DDRM.svd(a.numRows, a.numCols, true, true, true);
        if (!svd.decompose(a.copy())) {
            throw new IllegalStateException("svd failed");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj w = svd.getW(null);
        DMatrixRMaj v = svd.getV(null, false);
        SingularOps_DDRM.descendingOrder(u, false, w, v, false);
        int p = Math.min(a.numRows, a.numCols);
        double[] s = new double[p];
        for (int i = 0; i < p; i++) {
            s[i] = w.get(i, i);
        }
        return new Svd(columns(u, 0, p), s, columns(v, 0, p));
    }

    /** Orthonormal basis (n x rank) of the column space of a (full column rank assumed). */
    public static DMatrixRMaj orthonormalBasis(DMatrixRMaj a) {
        return svd(a).u();
    }

    /** Principal angles (radians, ascending) between the column spaces of a and b, in float64. */
    public static double[] principalAngles(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj c = multTransA(orthonormalBasis(a), orthonormalBasis(b));
        double[] s = svd(c).s();
        double[] angles = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            // acos is coarse near 1 (small angles): use sinMaxAngle for those.
            double cos = Math.min(1.0, Math.max(-1.0, s[i]));
            angles[i] = Math.acos(cos);
        }
        Arrays.sort(angles);
        return angles;
    }

    public static double maxAngle(double[] angles) {
        double m = 0;
        for (double a : angles) {
            m = Math.max(m, a);
        }
        return m;
    }

    /** sin of the largest principal angle, computed as ||(I - P_a) Q_b||_2 (accurate for small angles). */
    public static double sinMaxAngle(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj qa = orthonormalBasis(a);
        DMatrixRMaj qb = orthonormalBasis(b);
        DMatrixRMaj proj = mult(qa, multTransA(qa, qb));
        DMatrixRMaj res = qb.copy();
        CommonOps_DDRM.subtractEquals(res, proj);
        return svd(res).s()[0];
    }

    // ----- error measures -----

    public static double norm(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    /** ||a - ref|| / ||ref|| (Euclidean / Frobenius). */
    public static double relErr(double[] a, double[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            num += (a[i] - ref[i]) * (a[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    public static double relErr(float[] a, double[] ref) {
        return relErr(toDouble(a), ref);
    }

    public static double relErr(DMatrixRMaj a, DMatrixRMaj ref) {
        return relErr(a.data, ref.data);
    }

    /** An m x d matrix with mean-zero orthogonal columns of squared norm m (X^T X = m I). */
    public static float[] whitened(Random rnd, int m, int d) {
        DMatrixRMaj g = new DMatrixRMaj(m, d);
        for (int j = 0; j < d; j++) {
            double mean = 0;
            for (int i = 0; i < m; i++) {
                g.set(i, j, rnd.nextGaussian());
                mean += g.get(i, j);
            }
            mean /= m;
            for (int i = 0; i < m; i++) {
                g.set(i, j, g.get(i, j) - mean);
            }
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(m, d);
        if (!qr.decompose(g)) {
            throw new IllegalStateException("qr failed");
        }
        DMatrixRMaj q = qr.getQ(null, true);
        CommonOps_DDRM.scale(Math.sqrt(m), q);
        return toFloat(q);
    }

    /** A random d x d orthogonal matrix. */
    public static DMatrixRMaj randomOrthogonal(Random rnd, int d) {
        DMatrixRMaj g = new DMatrixRMaj(d, d);
        for (int i = 0; i < d * d; i++) {
            g.data[i] = rnd.nextGaussian();
        }
        return orthonormalBasis(g);
    }
}
