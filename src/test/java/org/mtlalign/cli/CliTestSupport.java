package org.mtlalign.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.mtlalign.data.Npy;

/** Runs the CLI in-process and makes input files. */
final class CliTestSupport {
    private CliTestSupport() {
    }

    record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8), args);
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** A binary classification task with a linear signal, written as X.npy / y.npy. */
    static Path[] binaryTask(Path dir, String name, int m, int d, long seed) throws IOException {
        Random rnd = new Random(seed);
        float[] x = new float[m * d];
        float[] y = new float[m];
        float[] w = new float[d];
        for (int j = 0; j < d; j++) {
            w[j] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
                s += x[i * d + j] * w[j];
            }
            y[i] = s + 0.3 * rnd.nextGaussian() > 0 ? 1f : 0f;
        }
        Path td = dir.resolve(name);
        Files.createDirectories(td);
        Npy.write(td.resolve("X.npy"), new int[] {m, d}, x);
        Npy.write(td.resolve("y.npy"), new int[] {m}, y);
        return new Path[] {td.resolve("X.npy"), td.resolve("y.npy")};
    }

    /** Specs of two binary tasks, 'pa' and 'pb', of 61-90 and 53-82 rows and a common d in 3..6. */
    static String[] randomPair(Path dir, java.util.Random rnd) throws IOException {
        int d = 3 + rnd.nextInt(4);
        return new String[] {taskSpec(dir, "pa", 61 + rnd.nextInt(30), d), taskSpec(dir, "pb", 53 + rnd.nextInt(30), d)};
    }

    /** {@link #binaryTask} written under dir, as a --task NAME=X:Y spec (seeded by the name). */
    static String taskSpec(Path dir, String name, int m, int d) throws IOException {
        Path[] p = binaryTask(dir, name, m, d, name.hashCode());
        return name + "=" + p[0] + ":" + p[1];
    }

    /**
     * Writes X (m x d) and y (m) as dir/folder/X.npy and y.npy and returns the --task spec
     * NAME=X:y for them.
     */
    static String writeTask(Path dir, String folder, String name, float[] x, int m, int d, float[] y)
            throws IOException {
        Path td = dir.resolve(folder);
        Files.createDirectories(td);
        Npy.write(td.resolve("X.npy"), new int[] {m, d}, x);
        Npy.write(td.resolve("y.npy"), new int[] {m}, y);
        return name + "=" + td.resolve("X.npy") + ":" + td.resolve("y.npy");
    }

    /** Writes X (m x d) and y (m) as one deflated .npz archive with arrays X and y, as np.savez_compressed does. */
    static Path npzTask(Path file, float[] x, int m, int d, float[] y) throws IOException {
        Path tmp = Files.createTempDirectory(file.toAbsolutePath().getParent(), "npz");
        Npy.write(tmp.resolve("X.npy"), new int[] {m, d}, x);
        Npy.write(tmp.resolve("y.npy"), new int[] {m}, y);
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
            for (String n : new String[] {"X.npy", "y.npy"}) {
                zip.putNextEntry(new java.util.zip.ZipEntry(n));
                zip.write(Files.readAllBytes(tmp.resolve(n)));
                zip.closeEntry();
                Files.delete(tmp.resolve(n));
            }
        }
        Files.delete(tmp);
        return file;
    }

    /** A raw .npy file with the given header dict and data bytes. */
    static Path rawNpy(Path file, String dict, byte[] data) throws IOException {
        String h = dict;
        int total = 10 + h.length() + 1;
        int pad = (64 - total % 64) % 64;
        h = h + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + h.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) h.length());
        b.put(h.getBytes(StandardCharsets.US_ASCII));
        b.put(data);
        Files.write(file, b.array());
        return file;
    }
}
