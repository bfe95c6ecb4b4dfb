package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mtlalign.UserInputException;

/**
 * Reading {@code .npy}: every dtype x byte order x memory order x rank on hand-built files, real
 * numpy output (fixtures), header syntax variations, and every error path.
 *
 * <p>Random values are seeded from {@code System.nanoTime()} per run; every assertion message
 * carries the seed. Reproduce a failure with {@code -Dmtlalign.test.seed=SEED}.
 */
class NpyReadTest {

    static final long SEED = Long.getLong("mtlalign.test.seed", System.nanoTime());

    /**
     * One directory for the whole class (tests reuse file names, and run sequentially): a fresh one
     * per test would also be created for each of the ~900 parameterized cases that never use it.
     */
    @TempDir
    static Path dir;

    // ------------------------------------------------------------------------------------------
    // A hand-rolled .npy writer, independent of Npy.write, so the reader is tested against bytes
    // laid out by a second implementation.
    // ------------------------------------------------------------------------------------------

    /** Assembles .npy files from parts, so tests can break any one of them. */
    static final class NpyBytes {
        private NpyBytes() {
        }

        /** The dict numpy writes (minus its padding), for a given descr, order and shape. */
        static String dict(String descr, boolean fortran, int[] shape) {
            return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False")
                    + ", 'shape': " + Npy.pyShape(shape) + ", }";
        }

        /**
         * magic + version + header length + header (space-padded so the data is 64-aligned, then
         * '\n', as numpy does) + data.
         */
        static byte[] file(int major, String header, byte[] data) {
            byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            int lenBytes = major == 1 ? 2 : 4;
            int unpadded = 8 + lenBytes + h.length + 1;
            int pad = (64 - unpadded % 64) % 64;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
            ByteBuffer len = ByteBuffer.allocate(lenBytes).order(ByteOrder.LITTLE_ENDIAN);
            if (major == 1) {
                len.putShort((short) (h.length + pad + 1));
            } else {
                len.putInt(h.length + pad + 1);
            }
            out.writeBytes(len.array());
            out.writeBytes(h);
            out.writeBytes(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII));
            out.write('\n');
            out.writeBytes(data);
            return out.toByteArray();
        }

        /** Header bytes given verbatim: no padding, no newline added. */
        static byte[] rawHeader(int major, String header, byte[] data) {
            byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
            ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
            if (major == 1) {
                len.putShort((short) h.length);
            } else {
                len.putInt(h.length);
            }
            out.writeBytes(len.array());
            out.writeBytes(h);
            out.writeBytes(data);
            return out.toByteArray();
        }

        static byte[] f4le(float... values) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                b.putFloat(v);
            }
            return b.array();
        }
    }

    /** Test-side model of each dtype: random raw values, their bytes, and the expected float. */
    enum T {
        F2("f2", 2, false), F4("f4", 4, false), F8("f8", 8, false),
        I1("i1", 1, true), I2("i2", 2, true), I4("i4", 4, true), I8("i8", 8, true),
        U1("u1", 1, true), U2("u2", 2, true), U4("u4", 4, true), U8("u8", 8, true),
        B1("b1", 1, true);

        final String code;
        final int size;
        final boolean integral;

        T(String code, int size, boolean integral) {
            this.code = code;
            this.size = size;
            this.integral = integral;
        }

        /** Raw item bits (low {@code size} bytes significant). */
        long random(Random r) {
            switch (this) {
                case F4:
                    // Half arbitrary bit patterns (NaN payloads, subnormals, infinities), half ordinary.
                    return r.nextBoolean() ? r.nextInt()
                            : Float.floatToRawIntBits((float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4)));
                case F8:
                    return r.nextInt(4) == 0 ? r.nextLong()
                            : Double.doubleToRawLongBits(r.nextGaussian() * Math.pow(10, r.nextInt(17) - 8));
                case B1:
                    // numpy writes 0/1; anything else non-zero must still read as true.
                    return r.nextInt(8) == 0 ? 2 + r.nextInt(254) : r.nextInt(2);
                default:
                    return r.nextLong();
            }
        }

        /** Oracle, written independently of Npy's decoding. */
        float expected(long raw) {
            switch (this) {
                case F2:
                    return halfOracle((int) (raw & 0xFFFF));
                case F4:
                    return Float.intBitsToFloat((int) raw);
                case F8:
                    return (float) Double.longBitsToDouble(raw);
                case I1:
                    return (byte) raw;
                case I2:
                    return (short) raw;
                case I4:
                    return (int) raw;
                case I8:
                    return new BigInteger(Long.toString(raw)).floatValue();
                case U1:
                    return raw & 0xFF;
                case U2:
                    return raw & 0xFFFF;
                case U4:
                    return raw & 0xFFFF_FFFFL;
                case U8:
                    return new BigInteger(Long.toUnsignedString(raw)).floatValue();
                case B1:
                    return (raw & 0xFF) != 0 ? 1f : 0f;
                default:
                    throw new AssertionError();
            }
        }

        void put(ByteBuffer b, long raw) {
            switch (size) {
                case 1 -> b.put((byte) raw);
                case 2 -> b.putShort((short) raw);
                case 4 -> b.putInt((int) raw);
                default -> b.putLong(raw);
            }
        }

        List<Character> orders() {
            return size == 1 ? List.of('|', '<', '>', '=') : List.of('<', '>', '=');
        }
    }

    /** binary16 by its definition: (-1)^s * 2^(e-15) * 1.m, or 2^-14 * 0.m for subnormals. */
    static float halfOracle(int h) {
        int s = h >>> 15;
        int e = (h >>> 10) & 0x1F;
        int m = h & 0x3FF;
        double v;
        if (e == 31) {
            v = m == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (e == 0) {
            v = Math.scalb(m / 1024.0, -14);
        } else {
            v = Math.scalb(1 + m / 1024.0, e - 15);
        }
        return (float) (s == 1 ? -v : v);
    }

    static final int[][] SHAPES = {
        {}, {1}, {7}, {0}, {1, 1}, {7, 13}, {13, 7}, {3, 0}, {2, 3, 5}, {1, 7, 1}, {5, 1, 3}, {3, 2, 1, 2},
    };

    static Stream<Arguments> everyLayout() {
        List<Arguments> cases = new ArrayList<>();
        int k = 0;
        for (T t : T.values()) {
            for (char order : t.orders()) {
                for (boolean fortran : new boolean[] {false, true}) {
                    for (int[] shape : SHAPES) {
                        int version = 1 + (k++ % 3);
                        cases.add(Arguments.of(t, order, fortran, shape, version));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} fortran={2} shape={3} v{4}")
    @MethodSource("everyLayout")
    void readsEveryDtypeByteOrderLayoutAndRank(T t, char order, boolean fortran, int[] shape, int version)
            throws IOException {
        Random r = new Random(SEED ^ (t.ordinal() * 31L + order) * 1_000_003L ^ (fortran ? 7 : 0)
                ^ java.util.Arrays.hashCode(shape));
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        long[] raw = new long[n]; // C order
        for (int i = 0; i < n; i++) {
            raw[i] = t.random(r);
        }
        ByteBuffer data = ByteBuffer.allocate(n * t.size)
                .order(order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (int f = 0; f < n; f++) { // f walks the file's element order
            t.put(data, raw[fortran ? cIndexOfFortran(f, shape) : f]);
        }
        String descr = order + t.code;
        byte[] bytes = NpyBytes.file(version, NpyBytes.dict(descr, fortran, shape), data.array());

        // Through a channel rather than a file: the same code path after open(), and these ~900
        // cases would otherwise be dominated by file-system latency. Files are covered elsewhere.
        NpyArray a = Npy.read("layout.npy", Channels.newChannel(new ByteArrayInputStream(bytes)), bytes.length);

        Supplier<String> ctx = () -> "seed=" + SEED + " " + descr + " fortran=" + fortran + " shape="
                + java.util.Arrays.toString(shape) + " v" + version;
        assertArrayEquals(shape, a.shape(), ctx);
        assertEquals(shape.length, a.rank(), ctx);
        assertEquals(n, a.size(), ctx);
        assertEquals(descr, a.dtype(), ctx);
        assertEquals(t.integral, a.integral(), ctx);
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            expected[i] = t.expected(raw[i]);
        }
        assertArrayEquals(expected, a.data(), ctx);
    }

    /** The C-order flat index of the f-th element in Fortran order (first axis fastest). */
    static int cIndexOfFortran(int f, int[] shape) {
        int[] idx = new int[shape.length];
        for (int k = 0; k < shape.length; k++) {
            idx[k] = f % shape[k];
            f /= shape[k];
        }
        int c = 0;
        for (int k = 0; k < shape.length; k++) {
            c = c * shape[k] + idx[k];
        }
        return c;
    }

    @Test
    void largeFortranArraySpanningManyChunks() throws IOException {
        // 301 x 257 float64 = 619 kB, ~10 read chunks, exercising the odometer across chunk edges.
        int rows = 301;
        int cols = 257;
        Random r = new Random(SEED);
        double[] c = new double[rows * cols];
        ByteBuffer data = ByteBuffer.allocate(c.length * 8).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < c.length; i++) {
            c[i] = r.nextDouble();
        }
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                data.putDouble(c[i * cols + j]);
            }
        }
        Path file = dir.resolve("big.npy");
        Files.write(file, NpyBytes.file(1, NpyBytes.dict(">f8", true, new int[] {rows, cols}), data.array()));
        float[] got = Npy.read(file).data();
        for (int i = 0; i < c.length; i++) {
            assertEquals((float) c[i], got[i], "seed=" + SEED + " index " + i);
        }
    }

    @Test
    void halfPrecisionSpecialValues() {
        assertEquals(1f, Npy.halfToFloat((short) 0x3C00));
        assertEquals(-2f, Npy.halfToFloat((short) 0xC000));
        assertEquals(65504f, Npy.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Npy.halfToFloat((short) 0x0001));
        assertEquals(0x1p-14f, Npy.halfToFloat((short) 0x0400));
        assertEquals(0x3FFp-24f, Npy.halfToFloat((short) 0x03FF));
        assertEquals(Float.POSITIVE_INFINITY, Npy.halfToFloat((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, Npy.halfToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(Npy.halfToFloat((short) 0x7E00)));
        assertTrue(Float.isNaN(Npy.halfToFloat((short) 0x7C01)));
        assertEquals(-0f, Npy.halfToFloat((short) 0x8000));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(Npy.halfToFloat((short) 0x8000)));
        for (int h = 0; h <= 0xFFFF; h++) {
            assertEquals(halfOracle(h), Npy.halfToFloat((short) h), "half 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void unsignedLongConversionRoundsCorrectly() {
        Random r = new Random(SEED);
        long[] edge = {-1L, Long.MIN_VALUE, Long.MIN_VALUE + 1, 0x8000_0080_0000_0000L, 0x8000_0180_0000_0000L,
            0xFFFF_FF7F_FFFF_FFFFL, 0xFFFF_FF80_0000_0000L, 0xFFFF_FF80_0000_0001L};
        for (long v : edge) {
            assertEquals(new BigInteger(Long.toUnsignedString(v)).floatValue(), Npy.unsignedLongToFloat(v),
                    Long.toUnsignedString(v));
        }
        for (int i = 0; i < 100_000; i++) {
            long v = r.nextLong() >>> r.nextInt(64) | (r.nextBoolean() ? Long.MIN_VALUE : 0);
            assertEquals(new BigInteger(Long.toUnsignedString(v)).floatValue(), Npy.unsignedLongToFloat(v),
                    "seed=" + SEED + " " + Long.toUnsignedString(v));
        }
    }

    // ------------------------------------------------------------------------------------------
    // Header syntax: anything Python's literal_eval would accept for these keys.
    // ------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
        "{ 'descr' : '<f4' ,'fortran_order':False,'shape':( 2 , 3 , ) , }",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}",
        "{'descr': u'<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }",
        "{'descr': '<f4',\n 'fortran_order': False,\n 'shape': (2, 3)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': None, }",
    })
    void headerSyntaxVariants(String header) throws IOException {
        float[] v = {1, 2, 3, 4, 5, 6};
        Path file = dir.resolve("h.npy");
        Files.write(file, NpyBytes.file(1, header, NpyBytes.f4le(v)));
        NpyArray a = Npy.read(file);
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(v, a.data());
        assertEquals("<f4", a.dtype());
        assertFalse(a.integral());
    }

    @Test
    void headerWithoutPaddingOrNewline() throws IOException {
        // Writers other than numpy (and numpy < 1.9, which aligned to 16) do not pad to 64.
        Path file = dir.resolve("raw.npy");
        Files.write(file, NpyBytes.rawHeader(1, "{'descr':'<f4','fortran_order':False,'shape':(3,)}",
                NpyBytes.f4le(1, 2, 3)));
        assertArrayEquals(new float[] {1, 2, 3}, Npy.read(file).data());
        Files.write(file, NpyBytes.rawHeader(2, "{'descr':'<f4','fortran_order':False,'shape':(3,)}\n",
                NpyBytes.f4le(1, 2, 3)));
        assertArrayEquals(new float[] {1, 2, 3}, Npy.read(file).data());
    }

    @Test
    void scalarShapes() throws IOException {
        Path file = dir.resolve("s.npy");
        Files.write(file, NpyBytes.file(1, NpyBytes.dict("<f4", false, new int[0]), NpyBytes.f4le(42)));
        NpyArray a = Npy.read(file);
        assertEquals(0, a.rank());
        assertEquals(1, a.size());
        assertEquals(42f, a.data()[0]);
    }

    @Test
    void rankEight() throws IOException {
        int[] shape = {2, 1, 2, 1, 2, 1, 2, 3};
        float[] v = new float[48];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        Path file = dir.resolve("r8.npy");
        // Fortran order, so the general-rank transpose is exercised too.
        float[] f = new float[48];
        for (int i = 0; i < 48; i++) {
            f[i] = v[cIndexOfFortran(i, shape)];
        }
        Files.write(file, NpyBytes.file(1, NpyBytes.dict("<f4", true, shape), NpyBytes.f4le(f)));
        NpyArray a = Npy.read(file);
        assertArrayEquals(shape, a.shape());
        assertArrayEquals(v, a.data());
        assertEquals(3, a.dim(7));
    }

    @Test
    void streamingChannelWithUnknownSize() throws IOException {
        byte[] good = NpyBytes.file(1, NpyBytes.dict("<f4", false, new int[] {3}), NpyBytes.f4le(1, 2, 3));
        NpyArray a = Npy.read("pipe", Channels.newChannel(new ByteArrayInputStream(good)), -1);
        assertArrayEquals(new float[] {1, 2, 3}, a.data());

        byte[] shortData = java.util.Arrays.copyOf(good, good.length - 5);
        UserInputException e = assertThrows(UserInputException.class,
                () -> Npy.read("pipe", Channels.newChannel(new ByteArrayInputStream(shortData)), -1));
        assertEquals("pipe: truncated: expected 12 bytes of array data, found 7", e.getMessage());

        byte[] longData = java.util.Arrays.copyOf(good, good.length + 12);
        e = assertThrows(UserInputException.class,
                () -> Npy.read("pipe", Channels.newChannel(new ByteArrayInputStream(longData)), -1));
        assertEquals("pipe: 12 unexpected bytes after the array data", e.getMessage());
    }

    // ------------------------------------------------------------------------------------------
    // Real numpy output. Each fixture was produced by the one-liner quoted above its test, run in
    // src/test/resources/org/mtlalign/data/ with numpy 2.4.
    // ------------------------------------------------------------------------------------------

    static Path fixture(String name) {
        try {
            return Path.of(NpyReadTest.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("missing test resource " + name, e);
        }
    }

    /**
     * np.save('f8_fortran_5x3.npy', np.asfortranarray((np.arange(15, dtype='<f8').reshape(5, 3) - 7) / 4
     * + np.array([0, 1/3, 0])))
     */
    @Test
    void numpyFloat64FortranOrder() {
        NpyArray a = Npy.read(fixture("f8_fortran_5x3.npy"));
        assertArrayEquals(new int[] {5, 3}, a.shape());
        assertEquals("<f8", a.dtype());
        assertFalse(a.integral());
        float[] expected = new float[15];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                expected[i * 3 + j] = (float) ((3 * i + j - 7) / 4.0 + (j == 1 ? 1.0 / 3 : 0));
            }
        }
        assertArrayEquals(expected, a.data());
    }

    /** np.save('i2_bigendian.npy', np.array([-32768, -1, 0, 1, 258, 32767], dtype='>i2')) */
    @Test
    void numpyBigEndianInt16() {
        NpyArray a = Npy.read(fixture("i2_bigendian.npy"));
        assertArrayEquals(new int[] {6}, a.shape());
        assertEquals(">i2", a.dtype());
        assertTrue(a.integral());
        assertArrayEquals(new float[] {-32768, -1, 0, 1, 258, 32767}, a.data());
    }

    /** np.save('i8_labels.npy', np.array([0, 3, 1, 9, 2, -5, 2**40], dtype='<i8')) */
    @Test
    void numpyInt64Labels() {
        NpyArray a = Npy.read(fixture("i8_labels.npy"));
        assertArrayEquals(new int[] {7}, a.shape());
        assertEquals("<i8", a.dtype());
        assertTrue(a.integral());
        assertArrayEquals(new float[] {0, 3, 1, 9, 2, -5, 0x1p40f}, a.data());
    }

    /** np.save('f2_half.npy', np.array([1, -2, 65504, 6e-8, np.inf, -np.inf, np.nan, 0.1, -0.0], dtype='<f2')) */
    @Test
    void numpyFloat16() {
        NpyArray a = Npy.read(fixture("f2_half.npy"));
        assertEquals("<f2", a.dtype());
        assertArrayEquals(new float[] {1, -2, 65504, 0x1p-24f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.NaN, 0.0999755859375f, -0f}, a.data());
    }

    /** np.save('u2_fortran_2x3x4.npy', np.asfortranarray(np.arange(24, dtype='<u2').reshape(2, 3, 4) * 1000)) */
    @Test
    void numpyUint16FortranRank3() {
        NpyArray a = Npy.read(fixture("u2_fortran_2x3x4.npy"));
        assertArrayEquals(new int[] {2, 3, 4}, a.shape());
        assertEquals("<u2", a.dtype());
        float[] expected = new float[24];
        for (int i = 0; i < 24; i++) {
            expected[i] = i * 1000;
        }
        assertArrayEquals(expected, a.data());
    }

    /** np.save('b1_2x2.npy', np.array([[True, False], [False, True]])) */
    @Test
    void numpyBool() {
        NpyArray a = Npy.read(fixture("b1_2x2.npy"));
        assertEquals("|b1", a.dtype());
        assertTrue(a.integral());
        assertArrayEquals(new float[] {1, 0, 0, 1}, a.data());
    }

    /**
     * f = open('f4_v2_2x2.npy', 'wb'); np.lib.format.write_array(f, np.array([[1.5, -2], [3, 4]], dtype='<f4'),
     * version=(2, 0)) and likewise f4_v3_3.npy from np.array([1, 2, 3], dtype='>f4') with version=(3, 0);
     * np.save('f8_scalar.npy', np.array(2.5, dtype='<f8')).
     */
    @Test
    void numpyVersions2And3AndScalar() {
        assertArrayEquals(new float[] {1.5f, -2, 3, 4}, Npy.read(fixture("f4_v2_2x2.npy")).data());
        NpyArray v3 = Npy.read(fixture("f4_v3_3.npy"));
        assertEquals(">f4", v3.dtype());
        assertArrayEquals(new float[] {1, 2, 3}, v3.data());
        NpyArray s = Npy.read(fixture("f8_scalar.npy"));
        assertEquals(0, s.rank());
        assertArrayEquals(new float[] {2.5f}, s.data());
    }

    // ------------------------------------------------------------------------------------------
    // Errors: one line, starting with the path, saying what is wrong.
    // ------------------------------------------------------------------------------------------

    private UserInputException failsOn(byte[] content, String... keywords) throws IOException {
        Path file = dir.resolve("bad.npy");
        Files.write(file, content);
        return fails(file, keywords);
    }

    static UserInputException fails(Path file, String... keywords) {
        UserInputException e = assertThrows(UserInputException.class, () -> Npy.read(file));
        assertMessage(e, file.toString(), keywords);
        return e;
    }

    static void assertMessage(UserInputException e, String path, String... keywords) {
        String m = e.getMessage();
        assertTrue(m.startsWith(path + ": "), () -> "message does not start with the path: " + m);
        assertFalse(m.contains("\n") || m.contains("\r"), () -> "message is not one line: " + m);
        for (String k : keywords) {
            assertTrue(m.contains(k), () -> "message lacks '" + k + "': " + m);
        }
    }

    private static byte[] withData(String descr, int[] shape, int dataBytes) {
        return NpyBytes.file(1, NpyBytes.dict(descr, false, shape), new byte[dataBytes]);
    }

    @Test
    void badMagic() throws IOException {
        failsOn("hello world, not numpy".getBytes(StandardCharsets.US_ASCII), "not a .npy file", "magic");
        failsOn(new byte[0], "not a .npy file");
        failsOn(new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0}, "not a .npy file", "npz");
        byte[] good = withData("<f4", new int[] {2}, 8);
        good[1] = 'X';
        failsOn(good, "bad magic");
    }

    @Test
    void unsupportedVersion() throws IOException {
        byte[] v4 = withData("<f4", new int[] {2}, 8);
        v4[6] = 4;
        failsOn(v4, "unsupported .npy format version 4.0");
        byte[] v11 = withData("<f4", new int[] {2}, 8);
        v11[7] = 1;
        failsOn(v11, "version 1.1");
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] good = withData("<f4", new int[] {2}, 8);
        failsOn(java.util.Arrays.copyOf(good, 7), "truncated header");
        failsOn(java.util.Arrays.copyOf(good, 9), "truncated header");
        failsOn(java.util.Arrays.copyOf(good, 40), "truncated header", "expected 118 bytes, found 30");
    }

    @Test
    void truncatedData() throws IOException {
        UserInputException e = failsOn(withData("<f8", new int[] {10, 50}, 1200), "truncated");
        assertTrue(e.getMessage().endsWith(": truncated: expected 4000 bytes of array data, found 1200"),
                e.getMessage());
        failsOn(withData("<f4", new int[] {3}, 0), "expected 12 bytes of array data, found 0");
    }

    @Test
    void trailingBytes() throws IOException {
        UserInputException e = failsOn(withData("<f4", new int[] {3}, 12 + 12), "12 unexpected bytes after the array data");
        assertTrue(e.getMessage().endsWith(": 12 unexpected bytes after the array data"));
        failsOn(withData("<f4", new int[] {3}, 13), "1 unexpected byte after");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<c8", "<c16", "|O", "<U3", "|S5", "|V8", "<M8[ns]", "<m8[s]", "<f16", "<i16", "|b2", "<x4", ""})
    void unsupportedDtype(String descr) throws IOException {
        failsOn(withData(descr, new int[] {2}, 16), "unsupported dtype '" + descr + "'", "supported:");
    }

    @Test
    void unsupportedDtypeKinds() throws IOException {
        failsOn(withData("<c8", new int[] {2}, 16), "complex");
        failsOn(withData("|O", new int[] {2}, 16), "object");
        failsOn(withData("<U3", new int[] {2}, 24), "string");
    }

    @Test
    void structuredDtype() throws IOException {
        String header = "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }";
        failsOn(NpyBytes.file(1, header, new byte[16]), "unsupported dtype [('a', '<f4'), ('b', '<i4')]", "structured");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, x), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3,,4), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': 5, }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4.0), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, '4'), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': None, }",
    })
    void malformedShape(String header) throws IOException {
        failsOn(NpyBytes.file(1, header, new byte[48]), "malformed header");
    }

    @Test
    void negativeDimension() throws IOException {
        failsOn(NpyBytes.file(1, NpyBytes.dict("<f4", false, new int[] {-1, 3}), new byte[0]),
                "negative dimension -1");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'descr': '<f4', 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': False, }",
        "{'fortran_order': False, 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': 'no', 'shape': (2,), }",
        "['descr', '<f4']",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk",
        "{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }",
        "{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': Flase, 'shape': (2,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ",
        "",
        "{1: 2}",
    })
    void malformedHeader(String header) throws IOException {
        failsOn(NpyBytes.file(1, header, new byte[8]), "malformed header");
    }

    /** Each nesting level was a parser stack frame: 3000 '(' overflowed the stack (a raw StackOverflowError). */
    @Test
    void deeplyNestedHeaderIsMalformedNotAStackOverflow() throws IOException {
        String deep = "(".repeat(30000) + "2" + ")".repeat(30000);
        failsOn(NpyBytes.file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (" + deep + ",), }", new byte[8]),
                "malformed header", "nested deeper than 64 levels");
        failsOn(NpyBytes.file(2, "{'descr': " + "[".repeat(30000) + "]".repeat(30000)
                + ", 'fortran_order': False, 'shape': (2,), }", new byte[8]), "malformed header", "nested deeper");
        // Nesting numpy's headers do use still parses: a structured dtype with a sub-array.
        failsOn(NpyBytes.file(1, "{'descr': [('a', '<f4', (2, 3)), ('b', [('c', '<i4')])], 'fortran_order': False, "
                + "'shape': (2,), }", new byte[56]), "structured");
    }

    @Test
    void tooLarge() throws IOException {
        failsOn(withData("<f4", new int[] {100000, 100000}, 0), "too large", "10000000000 elements");
        failsOn(withData("<f4", new int[] {2147483647}, 0), "too large");
        failsOn(NpyBytes.file(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }",
                new byte[0]), "too large");
        int[] rank40 = new int[40];
        java.util.Arrays.fill(rank40, 1);
        failsOn(withData("<f4", rank40, 4), "rank 40");
    }

    @Test
    void missingFileAndDirectory() {
        Path missing = dir.resolve("nope.npy");
        UserInputException e = fails(missing, "no such file");
        assertEquals(missing + ": no such file", e.getMessage());
        fails(dir, "directory");
    }

    @Test
    void relativePathIsReportedAsGiven() {
        Path rel = Path.of("data", "does-not-exist.npy");
        UserInputException e = assertThrows(UserInputException.class, () -> Npy.read(rel));
        assertEquals("data/does-not-exist.npy: no such file".replace('/', java.io.File.separatorChar),
                e.getMessage());
    }

    @Test
    void controlCharactersInHeaderDoNotBreakTheMessageLine() throws IOException {
        failsOn(NpyBytes.file(1, "{'descr': '<f4\n\r', 'fortran_order': False, 'shape': (2,), }", new byte[8]),
                "unsupported dtype");
    }
    /**
     * Class ids beyond 2^24 that float32 merges (100000001 and 100000002 are both 1.0E8 there): as
     * labels they are refused, naming the two values, instead of training on fewer classes; as a
     * regression target (--loss mse) they are accepted, since the rounding is relative 6e-8.
     */
    @ParameterizedTest
    @ValueSource(strings = {"<i8", "<u8", ">i8", "<f8", "<i4", "<u4"})
    void integerLabelsThatFloat32Merges(String descr) throws IOException {
        long[] ids = {100000001L, 100000002L, 100000009L};
        int n = 12;
        int size = descr.endsWith("4") ? 4 : 8;
        ByteBuffer data = ByteBuffer.allocate(n * size)
                .order(descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            long v = ids[i % 3];
            if (descr.endsWith("f8")) {
                data.putDouble(v);
            } else if (size == 4) {
                data.putInt((int) v);
            } else {
                data.putLong(v);
            }
        }
        Path y = dir.resolve("y-" + descr.replaceAll("[<>]", "") + ".npy");
        Files.write(y, NpyBytes.file(1, NpyBytes.dict(descr, false, new int[] {n}), data.array()));
        NpyArray ya = Npy.read(y);
        assertEquals("100000001 and 100000002 both become 1.0E8 in float32", ya.integerCollision());
        NpyArray xa = new NpyArray(new int[] {n, 1}, new float[n], "<f4", false);
        Task t = Task.fromArrays("ids", xa, "X.npy", ya, y.toString());
        String m = assertThrows(UserInputException.class, () -> EncodedLabels.encode(t, null)).getMessage();
        assertTrue(m.startsWith(y + ": labels 100000001 and 100000002 both become 1.0E8"), m);
        assertTrue(m.contains("renumber the classes"), m);
        assertThrows(UserInputException.class, () -> EncodedLabels.encode(t, org.mtlalign.model.Loss.SOFTMAX));
        assertEquals(org.mtlalign.model.Loss.SQUARED,
                EncodedLabels.encode(t, org.mtlalign.model.Loss.SQUARED).loss());

        // Ids float32 holds exactly (up to 2^24), or large ones that stay apart, are classes as before.
        ByteBuffer apart = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            apart.putLong(i % 3 == 0 ? 16777216L : i % 3 == 1 ? 3L : 1L << 40);
        }
        Path ok = dir.resolve("y-apart.npy");
        Files.write(ok, NpyBytes.file(1, NpyBytes.dict("<i8", false, new int[] {n}), apart.array()));
        NpyArray oa = Npy.read(ok);
        assertEquals(null, oa.integerCollision());
        assertEquals(3, EncodedLabels.encode(Task.fromArrays("ok", xa, "X.npy", oa, ok.toString()), null).outputs());
    }
    /** 16777217 rounds onto 2^24 itself: the file's 16777216 is noted too, so the pair is named. */
    @ParameterizedTest
    @ValueSource(strings = {"<i8", "<u8", "<f8", "<i4", "<u4"})
    void classIdsMergedOntoTwoToThe24AreNamedAsAPair(String descr) throws IOException {
        long[] ids = {16777217, 5, 16777216};
        int size = descr.endsWith("4") ? 4 : 8;
        ByteBuffer data = ByteBuffer.allocate(ids.length * size).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : ids) {
            if (descr.endsWith("f8")) {
                data.putDouble(v);
            } else if (size == 4) {
                data.putInt((int) v);
            } else {
                data.putLong(v);
            }
        }
        Path y = dir.resolve("ids2p24-" + descr.replaceAll("[<>]", "") + ".npy");
        Files.write(y, NpyBytes.file(1, NpyBytes.dict(descr, false, new int[] {ids.length}), data.array()));
        assertEquals("16777216 and 16777217 both become 1.6777216E7 in float32", Npy.read(y).integerCollision());
    }
    /**
     * Whole numbers near the top of the 64-bit range: uint64 ids of 2^63 and more (negative as a
     * Java long) were skipped, and so was every int64 or uint64 that float32 takes to 2^63, so two
     * such labels trained as one class without a word; and a lone int64 that float32 changes above
     * 2^53, where doubles no longer hold every integer, compared equal to its float as doubles and
     * went unreported. Fresh values per run.
     */
    @Test
    void classIdsNearTwoToThe64AreNoted() throws IOException {
        Random rnd = new Random(SEED);
        long low = rnd.nextInt(1 << 20);
        long[][] cases = {
            {Long.MIN_VALUE + low, Long.MIN_VALUE + low + 1, 5},   // uint64 2^63 + low, + 1: both 2^63
            {Long.MAX_VALUE - low - 1, Long.MAX_VALUE - low, 5},   // int64 just below 2^63: both 2^63
            {(1L << 60) + 1 + 2 * low, 5, 5},                      // int64 2^60 + odd: rounded, alone
        };
        String[] descr = {"<u8", "<i8", "<i8"};
        String[] want = {
            Long.toUnsignedString(Long.MIN_VALUE + low) + " and " + Long.toUnsignedString(Long.MIN_VALUE + low + 1)
                    + " both become 9.223372E18 in float32",
            (Long.MAX_VALUE - low - 1) + " and " + (Long.MAX_VALUE - low) + " both become 9.223372E18 in float32",
            ((1L << 60) + 1 + 2 * low) + " becomes " + new java.math.BigDecimal((float) ((1L << 60) + 1 + 2 * low))
                    .toPlainString() + " in float32",
        };
        for (int c = 0; c < cases.length; c++) {
            ByteBuffer data = ByteBuffer.allocate(8 * cases[c].length).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : cases[c]) {
                data.putLong(v);
            }
            Path y = dir.resolve("top" + c + ".npy");
            Files.write(y, NpyBytes.file(1, NpyBytes.dict(descr[c], false, new int[] {cases[c].length}), data.array()));
            assertEquals(want[c], Npy.read(y).integerCollision(), "seed=" + SEED + " case " + c);
        }
    }

    /**
     * Class ids beyond 2^24 that float32 merges onto an exact one (k * 2^24 and k * 2^24 + 1 are
     * both k * 2^24 there), or rounds to a whole number the file does not have (an odd id between
     * 2^24 and 2^25): both are refused as classes, not trained as one class (the error said "a
     * single label value") or named by the rounded value (mtl predict printed p(y = 20000000) for
     * labels 20000001, 20000002, 20000003). Fresh ids per run; a float64 reference says what float32 did.
     */
    @ParameterizedTest
    @ValueSource(strings = {"<i8", "<u8", ">i8", "<f8", "<i4", "<u4"})
    void largeClassIdsFloat32MergesOntoAnExactOneOrChangesAreRefused(String descr) throws IOException {
        Random rnd = new Random(SEED ^ descr.hashCode());
        long base = (1L + rnd.nextInt(descr.endsWith("4") ? 100 : 1 << 20)) << 24;  // exact in float32
        long odd = (1L << 24) + 8L * rnd.nextInt(1 << 20) + 1;  // spacing 2 there: rounded, apart from odd + 8
        assertEquals((double) base, (double) (float) base);
        assertEquals((double) base, (double) (float) (base + 1), "seed=" + SEED);
        assertTrue((double) (float) odd != odd && (float) odd != (float) (odd + 8), "seed=" + SEED);
        int n = 3 * (5 + rnd.nextInt(7));
        NpyArray xa = new NpyArray(new int[] {n, 1}, new float[n], "<f4", false);
        long[][] cases = {{base, base + 1, 3}, {odd, odd + 8, 3}};
        for (int c = 0; c < cases.length; c++) {
            int size = descr.endsWith("4") ? 4 : 8;
            ByteBuffer data = ByteBuffer.allocate(n * size)
                    .order(descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                long v = cases[c][i % 3];
                if (descr.endsWith("f8")) {
                    data.putDouble(v);
                } else if (size == 4) {
                    data.putInt((int) v);
                } else {
                    data.putLong(v);
                }
            }
            Path y = dir.resolve("ids" + c + "-" + descr.replaceAll("[<>]", "") + ".npy");
            Files.write(y, NpyBytes.file(1, NpyBytes.dict(descr, false, new int[] {n}), data.array()));
            NpyArray ya = Npy.read(y);
            String want = c == 0 ? base + " and " + (base + 1) + " both become " + (float) base + " in float32"
                    : odd + " becomes " + (long) (float) odd + " in float32";
            assertEquals(want, ya.integerCollision(), "seed=" + SEED);
            Task t = Task.fromArrays("ids", xa, "X.npy", ya, y.toString());
            String m = assertThrows(UserInputException.class, () -> EncodedLabels.encode(t, null)).getMessage();
            assertTrue(m.startsWith(y + ": labels " + want), m);
            assertEquals(org.mtlalign.model.Loss.SQUARED,
                    EncodedLabels.encode(t, org.mtlalign.model.Loss.SQUARED).loss());
        }
    }
    /**
     * float64 columns such as 1e9 + N(0, 1) are constant in float32: the reader says which column
     * and how much survived, in C and Fortran order; a column float32 holds well is not reported.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void float64ColumnsWhoseVariationFloat32LosesAreNamed(boolean fortran) throws IOException {
        Random rnd = new Random(SEED);
        int m = 37;
        int d = 3;
        double[] c = new double[m * d]; // row-major values
        for (int i = 0; i < m; i++) {
            c[i * d] = rnd.nextGaussian();
            c[i * d + 1] = 1e9 + rnd.nextGaussian(); // float32's spacing at 1e9 is 64
            c[i * d + 2] = 1e4 + rnd.nextGaussian(); // spacing 0.001: kept to well under 1%
        }
        ByteBuffer data = ByteBuffer.allocate(m * d * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < m * d; k++) {
            int i = fortran ? k % m : k / d;
            int j = fortran ? k / m : k % d;
            data.putDouble(c[i * d + j]);
        }
        Path f = dir.resolve("offset-" + fortran + ".npy");
        Files.write(f, NpyBytes.file(1, NpyBytes.dict("<f8", fortran, new int[] {m, d}), data.array()));
        String loss = Npy.read(f).precisionLoss();
        assertTrue(loss != null && loss.startsWith("column 1 varies by") && loss.contains("rounds that variation away entirely"),
                "seed=" + SEED + ": " + loss);
        for (int i = 0; i < m; i++) {
            c[i * d + 1] = rnd.nextGaussian();
        }
        data.clear();
        for (int k = 0; k < m * d; k++) {
            int i = fortran ? k % m : k / d;
            int j = fortran ? k / m : k % d;
            data.putDouble(c[i * d + j]);
        }
        Files.write(f, NpyBytes.file(1, NpyBytes.dict("<f8", fortran, new int[] {m, d}), data.array()));
        assertEquals(null, Npy.read(f).precisionLoss(), "seed=" + SEED);
    }
}
