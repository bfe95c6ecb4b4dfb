package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;

/**
 * A finite value in the file that float32 cannot hold (|x| > 3.4e38) is held as an infinity, but
 * reported as the value it is, not as an "Inf" the file does not contain.
 */
class OutOfRangeTest {

    @TempDir
    Path dir;

    private static String finiteCheckMessage(Path file, NpyArray a) {
        return assertThrows(UserInputException.class, () -> FiniteCheck.requireFinite(file.toString(), a))
                .getMessage();
    }

    private Path csv(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    /** A float64 .npy with the given byte order and layout, the values given in the file's order. */
    private Path f8(String name, char order, boolean fortran, int[] shape, double... fileOrder) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(fileOrder.length * 8)
                .order(order == '<' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        for (double v : fileOrder) {
            b.putDouble(v);
        }
        Path p = dir.resolve(name);
        Files.write(p, NpyReadTest.NpyBytes.file(1, NpyReadTest.NpyBytes.dict(order + "f8", fortran, shape), b.array()));
        return p;
    }

    // ------------------------------------------------------------------------------------------
    // .npy
    // ------------------------------------------------------------------------------------------

    @Test
    void float64BeyondFloat32IsReportedAsTheValueWithItsIndex() {
        Path p = dir.resolve("X.npy");
        Npy.writeDouble(p, new int[] {3, 2}, new double[] {1, 2, -1e39, 4, 5, 6});
        NpyArray a = Npy.read(p);
        assertEquals(Float.NEGATIVE_INFINITY, a.data()[2]); // held as numpy's astype(float32) would
        assertEquals(p + ": value -1e+39 at index [1, 0] is outside the float32 range (|x| <= 3.4e38)",
                finiteCheckMessage(p, a));

        Path q = dir.resolve("y.npy");
        Npy.writeDouble(q, new int[] {4}, new double[] {0, 0, 0, 1.5e300});
        assertEquals(q + ": value 1.5e+300 at index [3] is outside the float32 range (|x| <= 3.4e38)",
                finiteCheckMessage(q, Npy.read(q)));
    }

    @Test
    void realInfinitiesAndNaNKeepTheirMessage() {
        Path p = dir.resolve("inf.npy");
        Npy.writeDouble(p, new int[] {3, 2}, new double[] {1, 2, Double.NEGATIVE_INFINITY, 4, 1e39, 6});
        // The real -inf comes first in row-major order; the overflow after it is not what is named.
        assertEquals(p + ": -Inf at index [1, 0]", finiteCheckMessage(p, Npy.read(p)));

        Path q = dir.resolve("nan.npy");
        Npy.writeDouble(q, new int[] {2, 2}, new double[] {Double.NaN, -1e39, 0, Double.POSITIVE_INFINITY});
        assertEquals(q + ": NaN at index [0, 0] (a missing value: fill in or drop the missing values first)", finiteCheckMessage(q, Npy.read(q)));

        Path r = dir.resolve("later.npy");
        Npy.writeDouble(r, new int[] {2, 2}, new double[] {0, 1e39, Double.POSITIVE_INFINITY, Double.NaN});
        assertEquals(r + ": value 1e+39 at index [0, 1] is outside the float32 range (|x| <= 3.4e38)",
                finiteCheckMessage(r, Npy.read(r)));
    }

    @Test
    void valuesThatRoundToTheLargestFloatAreFine() {
        Path p = dir.resolve("edge.npy");
        // Float.MAX_VALUE and a double above it that still rounds down to it, not up to infinity.
        double justAbove = (double) Float.MAX_VALUE + Math.ulp(Float.MAX_VALUE) / 4;
        Npy.writeDouble(p, new int[] {3}, new double[] {Float.MAX_VALUE, -justAbove, 1e-50});
        NpyArray a = Npy.read(p);
        assertArrayEquals(new float[] {Float.MAX_VALUE, -Float.MAX_VALUE, 0f}, a.data());
        assertDoesNotThrow(() -> FiniteCheck.requireFinite(p.toString(), a));
        assertNull(a.origin());
    }

    @Test
    void fortranOrderNamesTheFirstInRowMajorOrder() throws IOException {
        // Shape (2, 3) in Fortran order: file position of (i, j) is i + 2 * j. The first
        // out-of-range value in the file is (1, 0) (position 1); the first in row-major order, the
        // one to report as FiniteCheck reports everything, is (0, 1) (position 2).
        double[] file = new double[6];
        file[1] = 1e39;
        file[2] = -2e39;
        Path p = f8("F.npy", '<', true, new int[] {2, 3}, file);
        NpyArray a = Npy.read(p);
        assertEquals(Float.NEGATIVE_INFINITY, a.data()[1]);
        assertEquals(Float.POSITIVE_INFINITY, a.data()[3]);
        assertEquals(p + ": value -2e+39 at index [0, 1] is outside the float32 range (|x| <= 3.4e38)",
                finiteCheckMessage(p, a));

        Path b = f8("B.npy", '>', true, new int[] {2, 2, 2}, 0, 0, 0, 0, 0, 0, 0, 7e45);
        assertEquals(b + ": value 7e+45 at index [1, 1, 1] is outside the float32 range (|x| <= 3.4e38)",
                finiteCheckMessage(b, Npy.read(b)));
    }

    /** np.save('f8_out_of_range_3x2.npy', np.array([[1, 2], [-1e39, 4], [np.inf, 1e300]], dtype='<f8')) */
    @Test
    void numpyFixture() {
        Path p = NpyReadTest.fixture("f8_out_of_range_3x2.npy");
        NpyArray a = Npy.read(p);
        assertArrayEquals(new float[] {1, 2, Float.NEGATIVE_INFINITY, 4, Float.POSITIVE_INFINITY,
            Float.POSITIVE_INFINITY}, a.data());
        assertEquals(p + ": value -1e+39 at index [1, 0] is outside the float32 range (|x| <= 3.4e38)",
                finiteCheckMessage(p, a));
    }

    @Test
    void taskLoadingReportsItForX() {
        Path x = dir.resolve("X.npy");
        Path y = dir.resolve("y.npy");
        Npy.writeDouble(x, new int[] {2, 2}, new double[] {0, 0, -1e39, 0});
        Npy.writeInt(y, new int[] {2}, new int[] {0, 1});
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.load("t", x, y));
        assertEquals(x + ": value -1e+39 at index [1, 0] is outside the float32 range (|x| <= 3.4e38)",
                e.getMessage());
    }

    @Test
    void pythonStyleRepr() {
        assertEquals("-1e+39", Npy.pyRepr(-1e39));
        assertEquals("1.5e+300", Npy.pyRepr(1.5e300));
        assertEquals("3.5e+38", Npy.pyRepr(3.5e38));
        assertEquals("1e-05", Npy.pyRepr(1e-5));
        assertEquals("2.5", Npy.pyRepr(2.5));
    }

    /** A float16 .npy with the given byte order, from raw binary16 bit patterns in C order. */
    private Path f2(String name, char order, int[] shape, int... bits) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2)
                .order(order == '<' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        for (int v : bits) {
            b.putShort((short) v);
        }
        Path p = dir.resolve(name);
        Files.write(p, NpyReadTest.NpyBytes.file(1, NpyReadTest.NpyBytes.dict(order + "f2", false, shape), b.array()));
        return p;
    }

    private static final String F16 = "; float16 holds |x| <= 65504, so larger values were likely lost"
            + " (turned to inf) when the array was cast to float16: save it as float32 instead";

    /**
     * X.astype(np.float16) turns 1e5 into inf; the file then holds a real inf, and "Inf at index
     * [4, 1]" alone left a new user looking for an inf their data never had.
     */
    @Test
    void float16InfinitySaysThatFloat16Overflows() throws IOException {
        int one = 0x3C00;
        int inf = 0x7C00;
        int[] bits = new int[5 * 2];
        Arrays.fill(bits, one);
        bits[4 * 2 + 1] = inf;
        Path p = f2("X16.npy", '<', new int[] {5, 2}, bits);
        assertEquals(p + ": Inf at index [4, 1]" + F16, finiteCheckMessage(p, Npy.read(p)));

        bits[4 * 2 + 1] = 0x8000 | inf; // -inf, big-endian file
        Path b = f2("B16.npy", '>', new int[] {5, 2}, bits);
        assertEquals(b + ": -Inf at index [4, 1]" + F16, finiteCheckMessage(b, Npy.read(b)));

        // np.save('f2_half.npy', np.array([1, -2, 65504, 6e-8, np.inf, -np.inf, np.nan, 0.1, -0.0], dtype='<f2'))
        Path fx = NpyReadTest.fixture("f2_half.npy");
        assertEquals(fx + ": Inf at index [4]" + F16, finiteCheckMessage(fx, Npy.read(fx)));

        // A NaN is no overflow: no hint. Nor for an inf in a float32 or float64 file.
        bits[4 * 2 + 1] = 0x7E00;
        Path n = f2("N16.npy", '<', new int[] {5, 2}, bits);
        assertEquals(n + ": NaN at index [4, 1] (a missing value: fill in or drop the missing values first)", finiteCheckMessage(n, Npy.read(n)));
        Path f = dir.resolve("X32.npy");
        Npy.write(f, new int[] {2}, new float[] {0, Float.POSITIVE_INFINITY});
        assertEquals(f + ": Inf at index [1]", finiteCheckMessage(f, Npy.read(f)));
    }

    @Test
    void float16InfinityInLabelsToo() throws IOException {
        Path x = dir.resolve("X.npy");
        Npy.write(x, new int[] {3, 1}, new float[] {0, 1, 2});
        Path y = f2("y.npy", '<', new int[] {3}, 0x3C00, 0x7C00, 0x3C00);
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.load("t", x, y));
        assertEquals(y + ": Inf at index [1]" + F16, e.getMessage());
    }

    // ------------------------------------------------------------------------------------------
    // CSV: the value as written, at its 1-based line and column
    // ------------------------------------------------------------------------------------------

    @Test
    void csvValueBeyondFloat32IsReportedAsWritten() throws IOException {
        Path p = csv("X.csv", "a,b\n1,2\n\n# note\n3,-1E39\n5,6\n");
        NpyArray a = Csv.read(p);
        assertEquals(Float.NEGATIVE_INFINITY, a.data()[3]);
        assertEquals(p + ": line 5, column 2: value -1E39 is outside the float32 range (|x| <= 3.4e38)",
                finiteCheckMessage(p, a));

        Path q = csv("q.csv", "1;\"  2e40 \"\n");
        assertEquals(q + ": line 1, column 2: value 2e40 is outside the float32 range (|x| <= 3.4e38)",
                finiteCheckMessage(q, Csv.read(q)));

        String digits = "9".repeat(45); // long cells are clipped in messages, as elsewhere
        Path d = csv("d.tsv", "0\t" + digits + "\n");
        assertEquals(d + ": line 1, column 2: value " + "9".repeat(37) + "... is outside the"
                + " float32 range (|x| <= 3.4e38)", finiteCheckMessage(d, Csv.read(d)));
    }

    @Test
    void csvRealInfinityKeepsItsMessage() throws IOException {
        Path p = csv("inf.csv", "x,y\n1,2\n-inf,1e39\n");
        assertEquals(p + ": line 3, column 1: -Inf", finiteCheckMessage(p, Csv.read(p)));
        Path q = csv("inf2.csv", "1,1e39\n2,inf\n");
        assertEquals(q + ": line 1, column 2: value 1e39 is outside the float32 range (|x| <= 3.4e38)",
                finiteCheckMessage(q, Csv.read(q)));
    }

    @Test
    void csvHeaderCellsAreNotValues() throws IOException {
        // A header holds no numbers other than pandas' 0,1,2,...: they are names, not values.
        Path p = csv("h.csv", "name,0,1\n1,2,1e39\n3,inf,4\n");
        assertEquals(p + ": line 2, column 3: value 1e39 is outside the float32 range (|x| <= 3.4e38)",
                finiteCheckMessage(p, Csv.read(p)));
    }
}
