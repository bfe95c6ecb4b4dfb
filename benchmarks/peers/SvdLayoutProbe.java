// Diagnostic (not part of the build): times LAPACK sgesdd through the same dev.ludovic.netlib
// JNI binding CpuBackend uses, on a batch of row-major m x n matrices, two ways:
//   wide : what CpuBackend.svd does now: the row-major buffer handed over as column-major n x m
//          (LAPACK sees M = n < N = m, the LQ-first path), then V transposed, as in CpuBackend;
//   tall : transpose-copy into column-major m x n first (LAPACK sees M = m >= N = n, the
//          QR-first path, as NumPy and torch do), then U and V transposed back to row-major.
// Sign fixing (identical in both) is left out. Run from the repository root:
//   java -cp benchmarks/target/benchmarks.jar benchmarks/peers/SvdLayoutProbe.java 10 1024 256
// (single-file source launch, Java 11+; OPENBLAS_NUM_THREADS=1 for one thread).
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.Arrays;
import java.util.Random;
import org.netlib.util.intW;

public class SvdLayoutProbe {
    static final LAPACK L = LAPACK.getInstance();

    public static void main(String[] args) {
        int batch = Integer.parseInt(args[0]);
        int m = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        int p = Math.min(m, n);
        Random rnd = new Random(20240611L);
        float[] a = new float[batch * m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        float[] u = new float[batch * m * p];
        float[] s = new float[batch * p];
        float[] v = new float[batch * n * p];
        System.out.println("# " + L.getClass().getSimpleName() + ", OPENBLAS_NUM_THREADS="
                + System.getenv("OPENBLAS_NUM_THREADS") + ", shape " + batch + "x" + m + "x" + n);
        for (String mode : new String[] {"wide", "tall", "wide", "tall"}) {
            Runnable r = mode.equals("wide") ? () -> wide(a, batch, m, n, u, s, v) : () -> tall(a, batch, m, n, u, s, v);
            long end = System.nanoTime() + 3_000_000_000L;  // warm-up
            while (System.nanoTime() < end) {
                r.run();
            }
            double[] t = new double[7];
            for (int k = 0; k < t.length; k++) {
                long t0 = System.nanoTime();
                r.run();
                t[k] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(t);
            System.out.printf("%-5s median %.2f ms  (min %.2f, max %.2f)  s0=%.4f%n", mode, t[3], t[0], t[6], s[0]);
        }
    }

    /** As CpuBackend.svd (without fixSigns). */
    static void wide(float[] a, int batch, int m, int n, float[] u, float[] s, float[] v) {
        int p = Math.min(m, n);
        float[] work1 = new float[m * n];
        float[] w = new float[n * p];
        int[] iwork = new int[8 * p];
        intW info = new intW(0);
        float[] q = new float[1];
        L.sgesdd("S", n, m, work1, 0, n, s, 0, w, 0, n, u, 0, p, q, 0, -1, iwork, 0, info);
        float[] work = new float[Math.max(1, (int) q[0])];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(a, b * m * n, work1, 0, m * n);
            L.sgesdd("S", n, m, work1, 0, n, s, b * p, w, 0, n, u, b * m * p, p, work, 0, work.length, iwork, 0, info);
            check(info);
            int vOff = b * n * p;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < p; j++) {
                    v[vOff + i * p + j] = w[i + j * n];
                }
            }
        }
    }

    /** Column-major m x n copy first, so LAPACK factors A itself (tall when m > n). */
    static void tall(float[] a, int batch, int m, int n, float[] u, float[] s, float[] v) {
        int p = Math.min(m, n);
        float[] ac = new float[m * n];   // column-major m x n, lda = m
        float[] uc = new float[m * p];   // column-major m x p
        float[] vt = new float[p * n];   // column-major p x n (V^T)
        int[] iwork = new int[8 * p];
        intW info = new intW(0);
        float[] q = new float[1];
        L.sgesdd("S", m, n, ac, 0, m, s, 0, uc, 0, m, vt, 0, p, q, 0, -1, iwork, 0, info);
        float[] work = new float[Math.max(1, (int) q[0])];
        for (int b = 0; b < batch; b++) {
            int aOff = b * m * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    ac[i + j * m] = a[aOff + i * n + j];
                }
            }
            L.sgesdd("S", m, n, ac, 0, m, s, b * p, uc, 0, m, vt, 0, p, work, 0, work.length, iwork, 0, info);
            check(info);
            int uOff = b * m * p;
            for (int i = 0; i < m; i++) {
                for (int k = 0; k < p; k++) {
                    u[uOff + i * p + k] = uc[i + k * m];
                }
            }
            int vOff = b * n * p;
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < p; k++) {
                    v[vOff + j * p + k] = vt[k + j * p];
                }
            }
        }
    }

    static void check(intW info) {
        if (info.val != 0) {
            throw new ArithmeticException("sgesdd info=" + info.val);
        }
    }
}
