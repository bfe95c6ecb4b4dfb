package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;

/**
 * Results on standard output that cannot be written (a full disk: /dev/full here) are an error:
 * 'mtl train --json - > r.json' exited 0 and left r.json empty, and a pipeline went on with it.
 * A reader that stops early (| head) stays no error.
 */
class CliStdoutFailureTest {
    @TempDir
    Path dir;

    private static Process start(List<String> args, ProcessBuilder.Redirect out, File err) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(javaBin, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), "org.mtlalign.cli.Main"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
    }

    private static String mtlLines(Path err) throws Exception {
        return String.join("\n", Files.readAllLines(err, StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith("mtl:") || l.contains("Exception")).toList());
    }

    @Test
    void aFullDiskUnderStandardOutputIsExit2WithOneLine() throws Exception {
        File full = new File("/dev/full");
        Assumptions.assumeTrue(full.exists() && full.canWrite(), "needs /dev/full (Linux)");
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        String a = CliTestSupport.taskSpec(dir, "a", 61 + rnd.nextInt(30), 3 + rnd.nextInt(4));
        String b = CliTestSupport.taskSpec(dir, "b", 61 + rnd.nextInt(30), taskD(a));
        List<List<String>> commands = List.of(
                List.of("info"),
                List.of("train", "--task", a, "--task", b, "--rank", "1", "--epochs", "2", "--no-stl", "--align", "none",
                        "--reweight", "none", "--json", "-"),
                List.of("analyze", "--task", a, "--task", b, "--resamples", "0"));
        for (List<String> c : commands) {
            Path err = dir.resolve("err.txt");
            Process p = start(c, ProcessBuilder.Redirect.to(full), err.toFile());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not end: " + c);
            String lines = mtlLines(err);
            assertEquals(2, p.exitValue(), "seed " + seed + ", " + c + ": " + Files.readString(err));
            assertEquals("mtl: standard output: cannot write (No space left on device); the results printed there are "
                    + "incomplete", lines, "seed " + seed + ", " + c);
        }
    }

    /** The summary line said "wrote standard output" before the run ended on the write error. */
    @Test
    void predictionsToAFullDiskAreNotSaidWritten() throws Exception {
        File full = new File("/dev/full");
        Assumptions.assumeTrue(full.exists() && full.canWrite(), "needs /dev/full (Linux)");
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        int d = 2 + rnd.nextInt(5);
        Path model = modelOfTaskA(rnd, 53 + rnd.nextInt(30), d);
        Path in = inputs(rnd, 1 + rnd.nextInt(40), d);
        Path err = dir.resolve("err.txt");
        Process p = start(List.of("predict", "--model", model.toString(), "--task", "a", "--in", in.toString(), "--out",
                "-"), ProcessBuilder.Redirect.to(full), err.toFile());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not end");
        String all = Files.readString(err);
        assertEquals(2, p.exitValue(), "seed " + seed + ": " + all);
        assertFalse(all.contains("wrote"), "seed " + seed + ": " + all);
        assertEquals("mtl: standard output: cannot write (No space left on device); the results printed there are "
                + "incomplete", mtlLines(err), "seed " + seed);
    }

    /** An MTL model saved by mtl train of one binary task 'a' (m x d), two epochs. */
    private Path modelOfTaskA(Random rnd, int m, int d) throws Exception {
        String a = CliTestSupport.taskSpec(dir, "a", m, d);
        Path model = dir.resolve("m");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", a, "--rank", "1", "--epochs", "2", "--no-stl",
                "--align", "none", "--reweight", "none", "--out", model.toString());
        assertEquals(0, t.code(), t.all());
        return model;
    }

    /** dir/in.npy: m x d Gaussian inputs. */
    private Path inputs(Random rnd, int m, int d) throws Exception {
        float[] x = new float[m * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        Path in = dir.resolve("in.npy");
        Npy.write(in, new int[] {m, d}, x);
        return in;
    }

    /** The d of a --task spec written by CliTestSupport.taskSpec. */
    private static int taskD(String spec) {
        String x = spec.substring(spec.indexOf('=') + 1, spec.indexOf(".npy:") + 4);
        return Npy.read(Path.of(x)).shape()[1];
    }

    @Test
    void aReaderThatStopsEarlyIsNoError() throws Exception {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        int d = 3 + rnd.nextInt(4);
        Path model = modelOfTaskA(rnd, 71 + rnd.nextInt(30), d);
        // Far more CSV than a pipe buffers, so the writes after the reader has gone fail (EPIPE).
        Path in = inputs(rnd, 50_001, d);
        Path err = dir.resolve("err.txt");
        Process p = start(List.of("predict", "--model", model.toString(), "--task", "a", "--in", in.toString(), "--out",
                "-"), ProcessBuilder.Redirect.PIPE, err.toFile());
        byte[] head = p.getInputStream().readNBytes(100);
        p.getInputStream().close();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not end");
        assertTrue(new String(head, StandardCharsets.UTF_8).startsWith("\"p(y = 1)\""), "seed " + seed);
        assertEquals(0, p.exitValue(), "seed " + seed + ": " + Files.readString(err));
        assertFalse(mtlLines(err).contains("standard output"), Files.readString(err));
    }
}
