// Diagnostic (not part of the build): times CovarianceSimilarity's factors (one eigendecomposition
// per task) and its k x k matrix on a folder of task folders DIR/NAME/X.npy, as mtl analyze and
// mtl train compute them. Run from the repository root after `mvn -q -DskipTests package`:
//   OPENBLAS_NUM_THREADS=1 java --add-modules jdk.incubator.vector \
//     -cp target/classes:$(ls target/lib/*.jar | tr '\n' ':') benchmarks/peers/SimilarityMatrixProbe.java DIR [workers]
// (data: python3 docs/examples/embedding_suite.py DIR 24 768 1500 1500 2)
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.mtlalign.analysis.CovarianceSimilarity;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Npy;
import org.mtlalign.data.NpyArray;

public class SimilarityMatrixProbe {
    public static void main(String[] args) throws Exception {
        List<Path> tasks;
        try (Stream<Path> s = Files.list(Path.of(args[0]))) {
            tasks = s.filter(p -> Files.isRegularFile(p.resolve("X.npy"))).sorted().toList();
        }
        int k = tasks.size();
        float[][] xs = new float[k][];
        int[] rows = new int[k];
        int d = 0;
        for (int i = 0; i < k; i++) {
            NpyArray x = Npy.read(tasks.get(i).resolve("X.npy"));
            xs[i] = x.data();
            rows[i] = x.dim(0);
            d = x.dim(1);
        }
        try (CpuBackend be = new CpuBackend(args.length > 1 ? Integer.parseInt(args[1]) : 2)) {
            CovarianceSimilarity cs = new CovarianceSimilarity(be, 0.99);
            CovarianceSimilarity.Factor[] f = cs.factors(xs, rows, d);
            System.out.printf("k = %d, d = %d, rank of task 0: %d%n", k, d, f[0].rank());
            for (int rep = 0; rep < 4; rep++) {
                long t0 = System.nanoTime();
                cs.factors(xs, rows, d);
                long t1 = System.nanoTime();
                double[][] m = cs.matrix(f);
                long t2 = System.nanoTime();
                System.out.printf("factors %.2f s, matrix %.2f s (score 0-1: %.8f)%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                        k > 1 ? m[0][1] : m[0][0]);
            }
        }
    }
}
