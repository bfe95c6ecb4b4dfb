package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;

/**
 * Writing {@code .npy}: byte-identical to numpy's own output, round trips through the reader, and
 * the file-system behaviour (atomic replace, parent creation, errors).
 */
class NpyWriteTest {

    static final long SEED = NpyReadTest.SEED;

    @TempDir
    Path dir;

    // Byte-for-byte comparisons against files written by numpy 2.4 (see NpyReadTest for how the
    // fixtures directory is used):
    //   np.save('f4_c_3x4.npy', np.arange(12, dtype='<f4').reshape(3, 4) / 8)
    //   np.save('i4_c_7.npy', np.array([0, -1, 2, 2147483647, -2147483648, 5, 6], dtype='<i4'))
    //   np.save('f8_scalar.npy', np.array(2.5, dtype='<f8'))
    //   np.save('f4_c_1000x1.npy', np.zeros((1000, 1), dtype='<f4'))

    @Test
    void float32IsByteIdenticalToNumpy() throws IOException {
        float[] v = new float[12];
        for (int i = 0; i < 12; i++) {
            v[i] = i / 8f;
        }
        Path out = dir.resolve("f4.npy");
        Npy.write(out, new int[] {3, 4}, v);
        assertArrayEquals(Files.readAllBytes(NpyReadTest.fixture("f4_c_3x4.npy")), Files.readAllBytes(out));

        Npy.write(out, new int[] {1000, 1}, new float[1000]);
        assertArrayEquals(Files.readAllBytes(NpyReadTest.fixture("f4_c_1000x1.npy")), Files.readAllBytes(out));
    }

    @Test
    void int32IsByteIdenticalToNumpy() throws IOException {
        Path out = dir.resolve("i4.npy");
        Npy.writeInt(out, new int[] {7}, new int[] {0, -1, 2, Integer.MAX_VALUE, Integer.MIN_VALUE, 5, 6});
        assertArrayEquals(Files.readAllBytes(NpyReadTest.fixture("i4_c_7.npy")), Files.readAllBytes(out));
    }

    @Test
    void float64ScalarIsByteIdenticalToNumpy() throws IOException {
        Path out = dir.resolve("f8.npy");
        Npy.writeDouble(out, new int[0], new double[] {2.5});
        assertArrayEquals(Files.readAllBytes(NpyReadTest.fixture("f8_scalar.npy")), Files.readAllBytes(out));
    }

    static final int[][] SHAPES = {
        {}, {0}, {1}, {7}, {1, 1}, {7, 13}, {13, 7}, {0, 5}, {2, 3, 5}, {100003}, {31, 1, 17, 2},
    };

    @Test
    void roundTripFloat32() {
        Random r = new Random(SEED);
        for (int[] shape : SHAPES) {
            float[] v = new float[count(shape)];
            for (int i = 0; i < v.length; i++) {
                // Arbitrary bit patterns: NaN, infinities, subnormals and -0 must all survive.
                v[i] = r.nextBoolean() ? Float.intBitsToFloat(r.nextInt()) : (float) r.nextGaussian();
            }
            Path file = dir.resolve("rt/f4.npy");
            Npy.write(file, shape, v);
            NpyArray a = Npy.read(file);
            Supplier<String> ctx = () -> "seed=" + SEED + " shape=" + Arrays.toString(shape);
            assertArrayEquals(shape, a.shape(), ctx);
            assertEquals("<f4", a.dtype(), ctx);
            assertFalse(a.integral(), ctx);
            assertArrayEquals(v, a.data(), ctx);
            assertHeaderLikeNumpy(file, "<f4", shape);
        }
    }

    @Test
    void roundTripInt32() {
        Random r = new Random(SEED + 1);
        for (int[] shape : SHAPES) {
            int[] v = new int[count(shape)];
            float[] expected = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextBoolean() ? r.nextInt() : r.nextInt(10);
                expected[i] = v[i];
            }
            Path file = dir.resolve("i4.npy");
            Npy.writeInt(file, shape, v);
            NpyArray a = Npy.read(file);
            Supplier<String> ctx = () -> "seed=" + SEED + " shape=" + Arrays.toString(shape);
            assertArrayEquals(shape, a.shape(), ctx);
            assertEquals("<i4", a.dtype(), ctx);
            assertTrue(a.integral(), ctx);
            assertArrayEquals(expected, a.data(), ctx);
            assertHeaderLikeNumpy(file, "<i4", shape);
        }
    }

    @Test
    void roundTripFloat64() throws IOException {
        Random r = new Random(SEED + 2);
        for (int[] shape : SHAPES) {
            double[] v = new double[count(shape)];
            float[] expected = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextGaussian() * 1e3;
                expected[i] = (float) v[i];
            }
            Path file = dir.resolve("f8.npy");
            Npy.writeDouble(file, shape, v);
            NpyArray a = Npy.read(file);
            Supplier<String> ctx = () -> "seed=" + SEED + " shape=" + Arrays.toString(shape);
            assertEquals("<f8", a.dtype(), ctx);
            assertArrayEquals(expected, a.data(), ctx);
            // The doubles themselves are stored exactly.
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            int start = b.capacity() - v.length * 8;
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i], b.getDouble(start + 8 * i), ctx);
            }
            assertHeaderLikeNumpy(file, "<f8", shape);
        }
    }

    @Test
    void headerLayoutForManyShapes() {
        Random r = new Random(SEED + 3);
        for (int trial = 0; trial < 500; trial++) {
            int rank = r.nextInt(9);
            int[] shape = new int[rank];
            for (int k = 0; k < rank; k++) {
                // Include huge dimensions: the header must handle 10-digit numbers even if the
                // data would not fit (Npy.header is only about the text).
                shape[k] = r.nextInt(4) == 0 ? r.nextInt(Integer.MAX_VALUE) : r.nextInt(20);
            }
            byte[] h = Npy.header("<f4", shape);
            String ctx = "seed=" + SEED + " shape=" + Arrays.toString(shape);
            assertEquals(0, h.length % 64, ctx);
            assertEquals('\n', h[h.length - 1], ctx);
            int len = (h[8] & 0xFF) | (h[9] & 0xFF) << 8;
            assertEquals(h.length - 10, len, ctx);
            assertEquals(expectedNumpyHeader("<f4", shape), new String(h, 10, len, StandardCharsets.ISO_8859_1), ctx);
        }
    }

    /**
     * numpy's _write_array_header, transcribed: sorted-key dict repr with trailing ", ", then
     * 21 - len(repr(shape[0])) spaces of growth room, then padding to 64 incl. the 10-byte prefix.
     */
    private static String expectedNumpyHeader(String descr, int[] shape) {
        String shapeRepr = shape.length == 1 ? "(" + shape[0] + ",)"
                : Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(", ")"));
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeRepr + ", }";
        if (shape.length > 0) {
            header += " ".repeat(21 - String.valueOf(shape[0]).length());
        }
        int hlen = header.length() + 1;
        int padlen = 64 - ((10 + hlen) % 64);
        return header + " ".repeat(padlen) + "\n";
    }

    private static void assertHeaderLikeNumpy(Path file, String descr, int[] shape) {
        try {
            byte[] all = Files.readAllBytes(file);
            assertEquals(1, all[6]);
            assertEquals(0, all[7]);
            int len = (all[8] & 0xFF) | (all[9] & 0xFF) << 8;
            assertEquals(0, (10 + len) % 64);
            assertEquals(expectedNumpyHeader(descr, shape), new String(all, 10, len, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void createsParentsReplacesAtomicallyAndLeavesNoTempFiles() throws IOException {
        Path file = dir.resolve("a/b/c/out.npy");
        Npy.write(file, new int[] {2}, new float[] {1, 2});
        Npy.write(file, new int[] {3}, new float[] {3, 4, 5});
        assertArrayEquals(new float[] {3, 4, 5}, Npy.read(file).data());
        try (Stream<Path> s = Files.list(file.getParent())) {
            List<String> names = s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
            assertEquals(List.of("out.npy"), names);
        }
    }

    @Test
    void relativePathWithoutParent() throws IOException {
        // A relative path: the directory to create and to hold the temp file comes from the
        // absolute form, and messages still use the path as given.
        Path cwdFile = Path.of("target", "npy-write-test-" + SEED + ".npy");
        try {
            Npy.write(cwdFile, new int[] {1}, new float[] {7});
            assertArrayEquals(new float[] {7}, Npy.read(cwdFile).data());
        } finally {
            Files.deleteIfExists(cwdFile);
        }
    }

    @Test
    void shapeMismatchIsAProgrammingError() {
        Path file = dir.resolve("x.npy");
        assertThrows(IllegalArgumentException.class, () -> Npy.write(file, new int[] {2, 3}, new float[5]));
        assertThrows(IllegalArgumentException.class, () -> Npy.writeInt(file, new int[] {-1}, new int[0]));
        assertThrows(IllegalArgumentException.class, () -> Npy.writeDouble(file, new int[0], new double[0]));
        assertFalse(Files.exists(file));
    }

    @Test
    void unwritableTargets() throws IOException {
        Path blocker = dir.resolve("plainfile");
        Files.writeString(blocker, "x");
        Path underFile = blocker.resolve("out.npy");
        UserInputException e = assertThrows(UserInputException.class,
                () -> Npy.write(underFile, new int[] {1}, new float[] {1}));
        NpyReadTest.assertMessage(e, underFile.toString(), "cannot write");

        Path isDir = dir.resolve("adir");
        Files.createDirectory(isDir);
        e = assertThrows(UserInputException.class, () -> Npy.write(isDir, new int[] {1}, new float[] {1}));
        NpyReadTest.assertMessage(e, isDir.toString(), "directory");
    }

    private static int count(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
