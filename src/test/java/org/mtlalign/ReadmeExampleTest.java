package org.mtlalign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;

/**
 * The README's library example, as printed: extracted from README.md, compiled against the
 * classes under test and run on two generated tasks, so that a renamed method or a changed
 * signature breaks the build instead of the first user who copies it.
 */
class ReadmeExampleTest {
    /** What a user adds above the block (the README leaves imports out). */
    private static final String IMPORTS = String.join("\n",
            "import java.nio.file.Path;",
            "import java.util.Arrays;",
            "import java.util.List;",
            "import org.mtlalign.analysis.CovarianceSimilarity;",
            "import org.mtlalign.backend.Backend;",
            "import org.mtlalign.backend.Backends;",
            "import org.mtlalign.data.*;",
            "import org.mtlalign.model.ModelIO;",
            "import org.mtlalign.train.*;",
            "");

    @Test
    void theLibraryExampleCompilesAndRuns(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf("## Using it as a library");
        assertTrue(section >= 0, "README has no library section");
        int start = readme.indexOf("```java\n", section);
        int end = readme.indexOf("```\n", start + 8);
        assertTrue(start > 0 && end > start, "no java block in the library section");
        String block = readme.substring(start + 8, end);
        // The example names files in the working directory; here they are in dir.
        String code = block.replace("Path.of(\"", "Path.of(\"" + dir.toString().replace("\\", "\\\\") + "/");
        Path src = dir.resolve("Example.java");
        Files.writeString(src, IMPORTS + "public class Example {\n    public static void main(String[] args) throws Exception {\n"
                + code + "\n    }\n}\n");
        Random rnd = new Random(TestDataSeed.SEED);
        for (String t : List.of("a", "b")) {
            int m = 80;
            int d = 6;
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) rnd.nextGaussian();
                    s += (j + 1) * x[i * d + j];
                }
                y[i] = s > 0 ? 1 : 0;
            }
            Npy.write(dir.resolve("X_" + t + ".npy"), new int[] {m, d}, x);
            Npy.write(dir.resolve("y_" + t + ".npy"), new int[] {m}, y);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, null, diagnostics, "-classpath", System.getProperty("java.class.path"), "-d",
                dir.toString(), src.toString());
        assertEquals(0, rc, "the README example does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8)
                + "\n" + block);
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass("Example").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(stdout);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.println("[ReadmeExample] seed=" + TestDataSeed.SEED + "\n" + printed);
        assertTrue(printed.contains("a auc: STL") && printed.contains("b auc: STL") && printed.contains("covariance similarity of a and b: ")
                && printed.contains("P(a = 1) of the first row: "),
                printed);
    }

    /** A fresh seed per run, printed with the output (-Dmtlalign.test.seed=N replays). */
    private static final class TestDataSeed {
        static final long SEED = Long.getLong("mtlalign.test.seed", System.nanoTime());
    }
}
