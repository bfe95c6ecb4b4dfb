// Diagnostic (not part of the build): times TaskLoader.fromDirectory, as mtl reads --tasks DIR,
// N times in one JVM (the first read is the one a command makes; later ones are warm). Run from
// the repository root after `mvn -q -DskipTests package`:
//   java -Xmx6g -Xlog:gc:file=/tmp/gc.log -cp target/mtl-align-0.1.0.jar:target/lib/* \
//     benchmarks/peers/LoadProbe.java DIR N
// (data: python3 benchmarks/peers/embedding_tasks.py DIR; benchmarks/NOTES.md, 2026-12-01)
import org.mtlalign.data.Task;
import org.mtlalign.data.TaskLoader;
import org.mtlalign.data.TaskSuite;

public class LoadProbe {
    public static void main(String[] a) {
        for (int r = 0; r < Integer.parseInt(a[1]); r++) {
            long t = System.nanoTime();
            TaskSuite s = TaskLoader.fromDirectory(java.nio.file.Path.of(a[0]));
            double sec = (System.nanoTime() - t) / 1e9;
            long n = 0;
            for (Task k : s.tasks()) {
                n += k.x().length;
            }
            System.out.printf("load %d: %.2f s, %d tasks, %d floats%n", r, sec, s.size(), n);
            s = null;
            System.gc();
        }
    }
}
