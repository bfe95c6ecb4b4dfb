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

    /** The launcher in a repo whose jar is up to date, with a stand-in java running {@code javaScript}. */
    private ProcessBuilder launcher(String javaScript) throws Exception {
        Path repo = dir.resolve("repo");
        Files.createDirectories(repo.resolve("target/lib"));
        Path launcher = repo.resolve("mtl");
        Files.copy(Path.of("mtl"), launcher, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        launcher.toFile().setExecutable(true);
        Files.writeString(repo.resolve("target/mtl-align-0.1.0.jar"), "not a jar");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\n" + javaScript + "\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("bash", launcher.toString(), "info").redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        return pb;
    }

    private List<String> javaArgs(String mtlJavaOpts) throws Exception {
        ProcessBuilder pb = launcher("for a in \"$@\"; do echo \"$a\"; done");
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

    /**
     * Maven writes the jar before it copies the dependencies to target/lib, so a launcher that
     * found the new jar up to date in the middle of another launcher's build ran it without
     * picocli (NoClassDefFoundError). An up-to-date jar now waits for the build's lock: with the
     * lock held by a stand-in build that leaves a mark as it ends, the stand-in java sees the mark.
     */
    @Test
    void anUpToDateJarWaitsForABuildInProgress() throws Exception {
        assertTrue(new ProcessBuilder("sh", "-c", "command -v flock").start().waitFor() == 0, "flock is part of util-linux");
        Path done = dir.resolve("build-done");
        Path held = dir.resolve("lock-held");
        ProcessBuilder pb = launcher("if [ -e '" + done + "' ]; then echo after-build; else echo during-build; fi");
        Path lock = dir.resolve("repo/target/.mtl-build.lock");
        Process build = new ProcessBuilder("flock", lock.toString(), "sh", "-c",
                "touch '" + held + "'; sleep 2; touch '" + done + "'").start();
        for (int i = 0; i < 600 && !Files.exists(held); i++) {
            Thread.sleep(10);
        }
        assertTrue(Files.exists(held), "the stand-in build never took the lock");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals(List.of("after-build"), out.lines().toList());
        assertTrue(build.waitFor(60, TimeUnit.SECONDS));
    }
}
