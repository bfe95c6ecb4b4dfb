package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
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
        return launcher("repo", javaScript);
    }

    private ProcessBuilder launcher(String repoName, String javaScript) throws Exception {
        Path repo = dir.resolve(repoName);
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

    private static final String PRINT_ARGS = "for a in \"$@\"; do echo \"$a\"; done";

    private List<String> javaArgs(String mtlJavaOpts) throws Exception {
        return run(launcher(PRINT_ARGS), mtlJavaOpts);
    }

    private static List<String> run(ProcessBuilder pb, String mtlJavaOpts) throws Exception {
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
     * MTL_JAVA_OPTS is split as a shell splits words: a quoted option keeps its space (unquoted
     * splitting cut '-Djava.io.tmpdir=/my scratch' in two), a word with '*' reaches java as written
     * even where it matches files, and an unmatched quote is a one-line error (exit 2).
     */
    @Test
    void quotedJavaOptionsKeepTheirSpaces() throws Exception {
        Files.writeString(dir.resolve("repo-gc.log"), "");
        ProcessBuilder pb = launcher(PRINT_ARGS);
        pb.directory(dir.toFile());
        List<String> args = run(pb, "-Xmx1g '-Djava.io.tmpdir=/my scratch'  \"-Dq=it's\" repo-*");
        int at = args.indexOf("-Xmx1g");
        assertTrue(at >= 0, args.toString());
        assertEquals(List.of("-Xmx1g", "-Djava.io.tmpdir=/my scratch", "-Dq=it's", "repo-*"),
                args.subList(at, at + 4));

        ProcessBuilder bad = launcher(PRINT_ARGS);
        bad.environment().put("MTL_JAVA_OPTS", "-Xmx1g '-Dx=a b");
        Process p = bad.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertEquals("mtl: MTL_JAVA_OPTS: cannot split it into options (an unmatched quote?): -Xmx1g '-Dx=a b",
                out.strip());
    }

    /**
     * The split is xargs's, which is not quite a shell's: a backslash inside quotes stays as
     * written (a shell reads "a\\b" as a\b and "a\"b" as a"b), outside quotes it
     * escapes the next character as a shell's does. The README and the launcher said "as the
     * shell would" without this; this pins what they now say.
     */
    @Test
    void backslashesAreKeptInsideQuotesAndEscapeOutsideThem() throws Exception {
        // printf, not PRINT_ARGS: dash's echo would itself turn a double backslash into one.
        List<String> args = run(launcher("printf '%s\\n' \"$@\""), "'-Da=x\\y' \"-Db=x\\\\y\" -Dc=x\\y -Dd=x\\ y");
        int at = args.indexOf("-Da=x\\y");
        assertTrue(at >= 0, args.toString());
        assertEquals(List.of("-Da=x\\y", "-Db=x\\\\y", "-Dc=xy", "-Dd=x y"), args.subList(at, at + 4));
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

    /**
     * Debian keeps ldconfig in /sbin, which a normal user's PATH lacks; the launcher then found no
     * BLAS and added the Vector API module, whose "WARNING: Using incubator modules" every run
     * printed beside a native OpenBLAS.
     */
    @Test
    void findsTheNativeBlasWithoutSbinOnThePath() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ldconfig")) && !Files.exists(Path.of("/usr/bin/ldconfig")),
                "ldconfig in /usr/sbin only, as on Debian");
        Process probe = new ProcessBuilder("/usr/sbin/ldconfig", "-p").start();
        String cache = new String(probe.getInputStream().readAllBytes());
        probe.waitFor();
        Assumptions.assumeTrue(cache.contains("libblas.so.3"), "needs a native BLAS installed");
        ProcessBuilder pb = launcher(PRINT_ARGS);
        pb.environment().put("PATH", dir.resolve("bin") + ":/usr/bin:/bin");
        List<String> args = run(pb, null);
        assertFalse(args.contains("--add-modules"), args.toString());
    }

    /** A checkout whose target/ cannot be written (read-only, another user's) runs its jar in place. */
    @Test
    void runsTheJarInPlaceWhenNoSnapshotCanBeMade() throws Exception {
        ProcessBuilder pb = launcher(PRINT_ARGS);
        Files.writeString(dir.resolve("repo/target/run"), "a file where the snapshot folder would be");
        List<String> args = run(pb, null);
        assertEquals(dir.resolve("repo/target/mtl-align-0.1.0.jar").toString(), args.get(args.indexOf("-jar") + 1), args.toString());
    }

    /** macOS has BSD's stat, whose -c is an error: the snapshot is named with stat -f there. */
    @Test
    void namesTheSnapshotWithBsdStat() throws Exception {
        ProcessBuilder pb = launcher(PRINT_ARGS);
        Path stat = dir.resolve("bin/stat");
        Files.writeString(stat, "#!/bin/sh\n[ \"$1\" = -f ] || { echo 'stat: illegal option -- c' >&2; exit 1; }\n"
                + "exec /usr/bin/stat -c %Y-%s \"$3\"\n");
        Files.setPosixFilePermissions(stat, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> args = run(pb, null);
        String jar = args.get(args.indexOf("-jar") + 1);
        assertTrue(jar.matches(".*/target/run/mtl-align-0\\.1\\.0-[0-9]+-9\\.jar"), jar);
    }

    /**
     * In the C locale (LANG unset, as in many containers, or LANG=C) Java read a task folder named
     * caf\u00e9 as caf??; as Python does (PEP 538) the launcher takes the character type as C.UTF-8,
     * unless LC_ALL sets the locale on purpose or LC_CTYPE names another.
     */
    @Test
    void theCLocaleIsTakenAsCUtf8UnlessLcAllSaysOtherwise() throws Exception {
        Assumptions.assumeTrue(new ProcessBuilder("sh", "-c", "[ \"$(LC_ALL= LC_CTYPE=C.UTF-8 locale charmap)\" = UTF-8 ]")
                .start().waitFor() == 0, "this system has no C.UTF-8 locale");
        String printCtype = "echo \"ctype=${LC_CTYPE:-unset} all=${LC_ALL:-unset}\"";
        String[][] cases = {
            {null, null, null, "ctype=C.UTF-8 all=unset"},
            {"C", null, null, "ctype=C.UTF-8 all=unset"},
            {"POSIX", null, null, "ctype=C.UTF-8 all=unset"},
            {"C", null, "C", "ctype=unset all=C"},
            {"C", "fr_FR.ISO-8859-1", null, "ctype=fr_FR.ISO-8859-1 all=unset"},
            {"en_US.UTF-8", null, null, "ctype=unset all=unset"},
        };
        for (String[] c : cases) {
            ProcessBuilder pb = launcher(printCtype);
            java.util.Map<String, String> env = pb.environment();
            env.remove("LANG");
            env.remove("LC_CTYPE");
            env.remove("LC_ALL");
            if (c[0] != null) {
                env.put("LANG", c[0]);
            }
            if (c[1] != null) {
                env.put("LC_CTYPE", c[1]);
            }
            if (c[2] != null) {
                env.put("LC_ALL", c[2]);
            }
            List<String> out = run(pb, null);
            assertTrue(out.contains(c[3]), String.join(",", java.util.Arrays.asList(c)) + ": " + out);
        }
    }

    /**
     * Under LANG=C the JVM decodes file names as ASCII and could not open a jar in a checkout whose
     * path goes beyond it, saying only "An unexpected error occurred while trying to open file".
     */
    @Test
    void aNonAsciiCheckoutUnderLangCSaysToUseAUtf8Locale() throws Exception {
        Assumptions.assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")), "the test names a folder beyond ASCII");
        ProcessBuilder pb = launcher("d\u00e9p\u00f4t", "echo java-ran");
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.startsWith("mtl: ") && out.contains("LC_ALL=C.UTF-8"), out);
    }

    /**
     * The same checkout without a jar (a fresh clone): the check came after the build, whose smoke
     * test ('java -jar JAR --version') then failed under LANG=C, so the new jar was deleted and the
     * run ended with "the freshly built jar does not start (was another build running ...?)";
     * every later run rebuilt and deleted it again, and the hint to use a UTF-8 locale never showed.
     */
    @Test
    void aNonAsciiCheckoutWithoutAJarSaysToUseAUtf8LocaleBeforeBuilding() throws Exception {
        Assumptions.assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")), "the test names a folder beyond ASCII");
        // A stand-in java that, as Java does under LANG=C, cannot open a jar whose path goes beyond ASCII.
        ProcessBuilder pb = launcher("d\u00e9p\u00f4t", "if printf '%s' \"$*\" | LC_ALL=C grep -q '[^ -~]'; then "
                + "echo 'Error: An unexpected error occurred while trying to open file'; exit 1; fi; echo java-ran");
        Path repo = dir.resolve("d\u00e9p\u00f4t");
        Files.delete(repo.resolve("target/mtl-align-0.1.0.jar"));
        Path built = dir.resolve("mvn-ran");
        Path mvn = dir.resolve("bin/mvn");
        Files.writeString(mvn, "#!/bin/sh\ntouch '" + built + "'\necho jar > target/mtl-align-0.1.0.jar\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.startsWith("mtl: ") && out.contains("LC_ALL=C.UTF-8"), out);
        assertFalse(Files.exists(built), "built under a locale whose jar Java cannot open: " + out);
    }

    /**
     * macOS's Java decodes file names as UTF-8 whatever the locale (its sun.jnu.encoding is fixed),
     * and there 'locale charmap' under LANG=C says US-ASCII: the launcher refused a checkout beyond
     * ASCII (exit 2) that Java opens. A stand-in uname says Darwin.
     */
    @Test
    void aNonAsciiCheckoutUnderLangCRunsOnMacOs() throws Exception {
        Assumptions.assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")), "the test names a folder beyond ASCII");
        ProcessBuilder pb = launcher("d\u00e9p\u00f4t-mac", "echo java-ran");
        Path uname = dir.resolve("bin/uname");
        Files.writeString(uname, "#!/bin/sh\necho Darwin\n");
        Files.setPosixFilePermissions(uname, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path locale = dir.resolve("bin/locale");
        Files.writeString(locale, "#!/bin/sh\necho US-ASCII\n");
        Files.setPosixFilePermissions(locale, PosixFilePermissions.fromString("rwxr-xr-x"));
        pb.environment().put("LC_ALL", "C");
        assertEquals(List.of("java-ran"), run(pb, null));
    }
}
