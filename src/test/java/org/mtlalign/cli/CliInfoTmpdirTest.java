package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A java.io.tmpdir that does not exist keeps netlib from unpacking its JNI library, so the pure-Java
 * BLAS runs with OpenBLAS installed; mtl info told the user to install OpenBLAS.
 */
class CliInfoTmpdirTest {
    @TempDir
    Path dir;

    @Test
    void aMissingTmpdirIsNamedAsTheReasonForTheJavaBlas() throws Exception {
        Path missing = dir.resolve("no such folder");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(javaBin, "--add-modules", "jdk.incubator.vector",
                "-Djava.io.tmpdir=" + missing, "-cp", System.getProperty("java.class.path"), "org.mtlalign.cli.Main",
                "info", "--backend", "cpu")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        String cpu = out.lines().filter(l -> l.startsWith("cpu backend:")).findFirst().orElseThrow();
        assertTrue(cpu.contains("(pure-Java BLAS fallback: java.io.tmpdir '" + missing + "' is not a writable folder"),
                cpu);
    }
}
