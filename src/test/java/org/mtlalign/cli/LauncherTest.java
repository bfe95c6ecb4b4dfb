package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ./mtl launcher's JVM options, read from a stand-in {@code java} on the PATH that prints its
 * arguments (the launcher copied beside a jar newer than any source, so nothing is built).
 */
class LauncherTest {
    @TempDir
    Path dir;

    private List<String> javaArgs(String mtlJavaOpts) throws Exception {
        Path repo = dir.resolve("repo");
        Files.createDirectories(repo.resolve("target/lib"));
        Path launcher = repo.resolve("mtl");
        Files.copy(Path.of("mtl"), launcher, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        launcher.toFile().setExecutable(true);
        Files.writeString(repo.resolve("target/mtl-align-0.1.0.jar"), "not a jar");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("bash", launcher.toString(), "info").redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        if (mtlJavaOpts == null) {
            pb.environment().remove("MTL_JAVA_OPTS");
        } else {
            pb.environment().put("MTL_JAVA_OPTS", mtlJavaOpts);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    /**
     * The JVM's default heap (a quarter of the memory) ran out on 4 GiB of embedding inputs on a
     * 24 GiB machine; the launcher allows three quarters, and the user's own options come after it,
     * so an -Xmx or another percentage in MTL_JAVA_OPTS decides.
     */
    @Test
    void heapIsThreeQuartersOfTheMemoryUnlessTheUserSaysOtherwise() throws Exception {
        List<String> plain = javaArgs(null);
        assertTrue(plain.contains("-XX:MaxRAMPercentage=75"), plain.toString());
        assertEquals("info", plain.get(plain.size() - 1), plain.toString());

        List<String> own = javaArgs("-Xmx3g -XX:MaxRAMPercentage=50");
        int ours = own.indexOf("-XX:MaxRAMPercentage=75");
        assertTrue(own.indexOf("-Xmx3g") > ours && own.indexOf("-XX:MaxRAMPercentage=50") > ours, own.toString());
    }
}
