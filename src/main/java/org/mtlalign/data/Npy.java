package org.mtlalign.data;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mtlalign.UserInputException;

/**
 * Reads and writes numpy {@code .npy} files (format versions 1.0, 2.0 and 3.0).
 *
 * <p>Reading converts every supported numeric dtype to float32 in C order, because that is the only
 * representation the rest of the program uses. Writing produces files byte-identical to what
 * {@code numpy.save} writes for the same array (header layout, growth padding, 64-byte alignment).
 *
 * <p>Every problem with the file itself is reported as a one-line {@link UserInputException} whose
 * message starts with the path as given, so the CLI can print it verbatim.
 *
 * @see <a href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">numpy.lib.format</a>
 */
public final class Npy {

    /** Largest element count we accept: the practical limit on a Java array length. */
    static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** numpy 1.x's NPY_MAXDIMS; numpy 2 allows 64, but nothing here needs more than a handful. */
    private static final int MAX_RANK = 32;

    /**
     * A header longer than this is a corrupt length field, not a real dict; refusing it early avoids
     * allocating gigabytes because of one flipped byte. numpy itself caps at 10000 by default.
     */
    private static final int MAX_HEADER_LEN = 1 << 20;

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** Multiple of every item size, large enough to amortise channel calls, small enough for L2. */
    private static final int CHUNK_BYTES = 1 << 16;

    /** numpy pads the header so array data starts on this boundary. */
    private static final int ARRAY_ALIGN = 64;

    /** numpy leaves room in the header for the growth axis to reach this many digits. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    private static final String SUPPORTED =
            "supported: float16/32/64, int8/16/32/64, uint8/16/32/64, bool";

    private Npy() {
    }

    /** The element types we can decode; {@code size} is the item size in bytes. */
    private enum Kind {
        F2(2, false), F4(4, false), F8(8, false),
        I1(1, true), I2(2, true), I4(4, true), I8(8, true),
        U1(1, true), U2(2, true), U4(4, true), U8(8, true),
        B1(1, true);

        final int size;
        final boolean integral;

        Kind(int size, boolean integral) {
            this.size = size;
            this.integral = integral;
        }
    }

    /** A decoded {@code descr}: element kind plus byte order. */
    private record Dtype(Kind kind, ByteOrder order) {
    }

    /** The three header entries we need. */
    private record Header(String descr, boolean fortran, int[] shape) {
    }

    // ------------------------------------------------------------------------------------------
    // Reading
    // ------------------------------------------------------------------------------------------

    /**
     * Reads a {@code .npy} file into a float32, C-order array.
     *
     * @throws UserInputException if the file is missing, unreadable, not a valid {@code .npy} file,
     *     of an unsupported dtype, truncated, followed by extra bytes, or too large for a Java array
     */
    public static NpyArray read(Path file) {
        return read(file, false);
    }

    /**
     * As {@link #read(Path)}, and also accepts string arrays (numpy dtypes {@code <U}, {@code S}),
     * as labels saved from Python are: each column's distinct strings become its class names
     * ({@link NpyArray#classNames(int)}), sorted, and the values indices into them.
     *
     * @throws UserInputException as {@link #read(Path)}, and for an empty string among the labels
     */
    public static NpyArray readLabels(Path file) {
        return read(file, true);
    }

    private static NpyArray read(Path file, boolean text) {
        String where = file.toString();
        // Opening a directory read-only succeeds on Linux; only the first read would fail, with a
        // less helpful message.
        if (Files.isDirectory(file)) {
            throw error(where, "is a directory, not a .npy file");
        }
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ)) {
            // Only a regular file has a trustworthy size; for pipes and devices we find out by reading.
            long fileSize = Files.isRegularFile(file) ? ch.size() : -1;
            return read(where, ch, fileSize, text);
        } catch (NoSuchFileException e) {
            throw error(where, "no such file", e);
        } catch (AccessDeniedException e) {
            throw error(where, "permission denied", e);
        } catch (IOException e) {
            throw error(where, "cannot read: " + describe(e), e);
        }
    }

    /**
     * Reads from an open channel; {@code fileSize} is the total byte count if known, else -1 (then
     * truncation and trailing bytes are detected by reading). Package-private for tests of the
     * streaming path.
     */
    static NpyArray read(String where, ReadableByteChannel ch, long fileSize) throws IOException {
        return read(where, ch, fileSize, false);
    }

    /** As {@link #read(String, ReadableByteChannel, long)}; {@code text} also accepts string arrays (labels). */
    static NpyArray read(String where, ReadableByteChannel ch, long fileSize, boolean text)
            throws IOException {
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        pre.limit(8);
        int got = readFully(ch, pre);
        if (got < MAGIC.length || !startsWithMagic(pre)) {
            if (got >= 2 && pre.get(0) == 'P' && pre.get(1) == 'K') {
                throw error(where, "not a .npy file (it looks like a zip/.npz archive; extract the array first)");
            }
            throw error(where, "not a .npy file (bad magic string)");
        }
        if (got < 8) {
            throw error(where, "truncated header: file ends after " + got + " bytes");
        }
        int major = pre.get(6) & 0xFF;
        int minor = pre.get(7) & 0xFF;
        if (minor != 0 || major < 1 || major > 3) {
            throw error(where, "unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        int lenBytes = major == 1 ? 2 : 4;
        pre.limit(8 + lenBytes);
        got = readFully(ch, pre);
        if (got < lenBytes) {
            throw error(where, "truncated header: file ends after " + (8 + got) + " bytes");
        }
        long headerLen = major == 1 ? pre.getShort(8) & 0xFFFF : pre.getInt(8) & 0xFFFFFFFFL;
        long dataStart = 8 + lenBytes + headerLen;
        if (fileSize >= 0 && dataStart > fileSize) {
            throw error(where, "truncated header: expected " + headerLen + " bytes, found "
                    + (fileSize - 8 - lenBytes));
        }
        if (headerLen > MAX_HEADER_LEN) {
            throw error(where, "malformed header: header length " + headerLen + " is implausibly large");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        got = readFully(ch, hb);
        if (got < headerLen) {
            throw error(where, "truncated header: expected " + headerLen + " bytes, found " + got);
        }
        // Version 3.0 exists only to allow UTF-8 (e.g. unicode field names); earlier ones are latin1.
        String headerText = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = parseHeader(where, headerText);
        if (text) {
            int chars = stringWidth(h.descr());
            if (chars >= 0) {
                return readStrings(where, ch, fileSize, dataStart, h, chars);
            }
        }
        Dtype dt = parseDtype(where, h.descr());

        long size = elementCount(h.shape());
        if (size > MAX_ELEMENTS) {
            BigInteger exact = BigInteger.ONE;
            for (int d : h.shape()) {
                exact = exact.multiply(BigInteger.valueOf(d));
            }
            throw error(where, "array too large: shape " + pyShape(h.shape()) + " has " + exact
                    + " elements, at most " + MAX_ELEMENTS + " are supported");
        }
        long nbytes = size * dt.kind().size;
        // Check the size before allocating: a truncated 8 GB file should fail fast, not after an
        // out-of-memory scare.
        requireDataSize(where, fileSize, dataStart, nbytes);

        float[] out = new float[(int) size];
        OutOfRange outOfRange = new OutOfRange(h.shape(), h.fortran(), dt.kind() == Kind.F8);
        ByteBuffer buf = readData(where, ch, dt, h.fortran(), h.shape(), out, nbytes, outOfRange);
        if (fileSize < 0) {
            long extra = 0;
            buf.clear();
            int r;
            while ((r = ch.read(buf)) >= 0) {
                extra += r;
                buf.clear();
            }
            if (extra > 0) {
                throw trailing(where, extra);
            }
        }
        NpyArray a = new NpyArray(h.shape(), out, h.descr(), dt.kind().integral,
                outOfRange.found() ? outOfRange : null);
        a.integerCollision = outOfRange.collision();
        if (a.integerCollision != null && h.shape().length == 2) {
            a.columnCollisions = outOfRange.collisionsByColumn(h.shape()[1]);
        }
        a.precisionLoss = dt.kind() == Kind.F8 && size > 0 ? outOfRange.precision.describe() : null;
        return a;
    }

    /**
     * Characters per element of a string dtype: {@code <U7} gives 7 (UCS-4 characters), {@code |S7}
     * and {@code |a7} give {@code 7 | BYTES} (one byte each); -1 if {@code descr} is not a string dtype.
     */
    private static int stringWidth(String descr) {
        String body = descr.length() > 1 && "<>|=".indexOf(descr.charAt(0)) >= 0 ? descr.substring(1) : descr;
        if (body.length() < 2 || "USa".indexOf(body.charAt(0)) < 0 || !body.substring(1).matches("\\d{1,9}")) {
            return -1;
        }
        int n = Integer.parseInt(body.substring(1));
        return body.charAt(0) == 'U' ? n : n | BYTES;
    }

    /** Flag in {@link #stringWidth}'s result: one byte per character ({@code S}, {@code a}). */
    private static final int BYTES = 1 << 30;

    /** Most bytes of string data read for labels (a label file beyond this is not one). */
    private static final long MAX_STRING_BYTES = 1L << 30;

    /**
     * Reads a string array (labels) and turns each column into class indices, the class names
     * being the column's distinct strings in sorted order.
     */
    private static NpyArray readStrings(String where, ReadableByteChannel ch, long fileSize, long dataStart,
                                        Header h, int width) throws IOException {
        boolean bytes = (width & BYTES) != 0;
        int chars = width & ~BYTES;
        int item = bytes ? chars : 4 * chars;
        long size = elementCount(h.shape());
        if (h.shape().length > 2) {
            throw error(where, "labels must be 1-D (m) or 2-D (m x q), got shape " + pyShape(h.shape()));
        }
        long nbytes = size * item;
        if (nbytes > MAX_STRING_BYTES || size > MAX_ELEMENTS) {
            throw error(where, "string array too large for labels: " + nbytes + " bytes");
        }
        requireDataSize(where, fileSize, dataStart, nbytes);
        ByteBuffer all = ByteBuffer.allocate((int) nbytes)
                .order(h.descr().startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int got = readFully(ch, all);
        if (got < nbytes) {
            throw truncated(where, nbytes, got);
        }
        if (fileSize < 0 && ch.read(ByteBuffer.allocate(1)) > 0) {
            throw error(where, "unexpected bytes after the array data");
        }
        int rows = h.shape().length == 0 ? 1 : h.shape()[0];
        int cols = h.shape().length == 2 ? h.shape()[1] : 1;
        String[] cells = new String[(int) size];
        StringBuilder sb = new StringBuilder();
        for (int e = 0; e < size; e++) {
            // File order is C or Fortran; cells are row-major.
            int flat = h.fortran() && h.shape().length == 2 ? (e % rows) * cols + e / rows : e;
            sb.setLength(0);
            int base = e * item;
            if (bytes) {
                int end = base;
                while (end < base + chars && all.get(end) != 0) {
                    end++;
                }
                cells[flat] = new String(all.array(), base, end - base, StandardCharsets.UTF_8);
            } else {
                for (int c = 0; c < chars; c++) {
                    int cp = all.getInt(base + 4 * c);
                    if (cp == 0) {
                        break;  // numpy pads with NULs and strips them on reading
                    }
                    if (!Character.isValidCodePoint(cp)) {
                        throw error(where, "element " + flat + " holds an invalid character code " + cp);
                    }
                    sb.appendCodePoint(cp);
                }
                cells[flat] = sb.toString();
            }
            if (cells[flat].equals("None")) {
                cells[flat] = null;  // Python's None after astype(str): a missing label
            }
        }
        return TextLabels.encode(cells, h.shape(), h.descr());
    }

    /** With a known file size, the data after the header must be exactly {@code nbytes}. */
    private static void requireDataSize(String where, long fileSize, long dataStart, long nbytes) {
        if (fileSize >= 0) {
            long available = fileSize - dataStart;
            if (available < nbytes) {
                throw truncated(where, nbytes, available);
            }
            if (available > nbytes) {
                throw trailing(where, available - nbytes);
            }
        }
    }

    private static boolean startsWithMagic(ByteBuffer pre) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre.get(i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Streams the array data in chunks, decoding each into {@code out}; returns the chunk buffer for reuse. */
    private static ByteBuffer readData(String where, ReadableByteChannel ch, Dtype dt, boolean fortran,
            int[] shape, float[] out, long nbytes, OutOfRange outOfRange) throws IOException {
        Kind kind = dt.kind();
        int chunkElems = CHUNK_BYTES / kind.size;
        ByteBuffer buf = ByteBuffer.allocate(chunkElems * kind.size).order(dt.order());
        // For rank <= 1 Fortran and C order are the same byte sequence, so skip the scatter.
        FortranScatter scatter = fortran && shape.length > 1 ? new FortranScatter(shape) : null;
        float[] scratch = scatter != null ? new float[chunkElems] : null;
        int n = out.length;
        int done = 0;
        while (done < n) {
            int m = Math.min(chunkElems, n - done);
            buf.clear().limit(m * kind.size);
            int got = readFully(ch, buf);
            if (got < m * kind.size) {
                // Only reachable when the size was unknown up front or the file shrank under us.
                throw truncated(where, nbytes, (long) done * kind.size + got);
            }
            buf.flip();
            if (scatter == null) {
                decode(buf, kind, out, done, m, outOfRange, done);
            } else {
                decode(buf, kind, scratch, 0, m, outOfRange, done);
                scatter.scatter(scratch, m, out);
            }
            done += m;
        }
        return buf;
    }

    /**
     * Decodes {@code m} items from {@code buf} (absolute indices from 0) into {@code dst[off..]};
     * {@code filePos} is the position of the first of them in the file's element order. A finite
     * float64 too large for float32 becomes an infinity, as in numpy, and is noted in
     * {@code outOfRange} so that {@link FiniteCheck} does not report it as an infinity in the file.
     */
    private static void decode(ByteBuffer buf, Kind kind, float[] dst, int off, int m, OutOfRange outOfRange,
            int filePos) {
        switch (kind) {
            case F4 -> buf.asFloatBuffer().get(dst, off, m);
            case F8 -> {
                for (int i = 0; i < m; i++) {
                    double v = buf.getDouble(i << 3);
                    float f = (float) v;
                    dst[off + i] = f;
                    if (Float.isInfinite(f) && !Double.isInfinite(v)) {
                        outOfRange.note(filePos + i, v);
                    } else if (Math.abs(v) >= 16777216 && Math.abs(v) < 9.2e18 && v == Math.rint(v)) {
                        outOfRange.rounded(filePos + i, (long) v, f);
                    }
                    outOfRange.precision.note((long) filePos + i, v, f);
                }
            }
            case F2 -> {
                for (int i = 0; i < m; i++) {
                    dst[off + i] = halfToFloat(buf.getShort(i << 1));
                }
            }
            case I1 -> {
                for (int i = 0; i < m; i++) {
                    dst[off + i] = buf.get(i);
                }
            }
            case U1 -> {
                for (int i = 0; i < m; i++) {
                    dst[off + i] = buf.get(i) & 0xFF;
                }
            }
            case B1 -> {
                // numpy only ever writes 0 and 1, but any non-zero byte is true to numpy too.
                for (int i = 0; i < m; i++) {
                    dst[off + i] = buf.get(i) != 0 ? 1f : 0f;
                }
            }
            case I2 -> {
                for (int i = 0; i < m; i++) {
                    dst[off + i] = buf.getShort(i << 1);
                }
            }
            case U2 -> {
                for (int i = 0; i < m; i++) {
                    dst[off + i] = buf.getChar(i << 1);
                }
            }
            case I4 -> {
                for (int i = 0; i < m; i++) {
                    int v = buf.getInt(i << 2);
                    dst[off + i] = v;
                    if (v >= 16777216 || v <= -16777216) {
                        outOfRange.rounded(filePos + i, v, dst[off + i]);
                    }
                }
            }
            case U4 -> {
                for (int i = 0; i < m; i++) {
                    long v = buf.getInt(i << 2) & 0xFFFFFFFFL;
                    dst[off + i] = v;
                    if (v >= 16777216) {
                        outOfRange.rounded(filePos + i, v, dst[off + i]);
                    }
                }
            }
            case I8 -> {
                for (int i = 0; i < m; i++) {
                    long v = buf.getLong(i << 3);
                    dst[off + i] = v;
                    if (v >= 16777216 || v <= -16777216) {
                        outOfRange.rounded(filePos + i, v, dst[off + i]);
                    }
                }
            }
            case U8 -> {
                for (int i = 0; i < m; i++) {
                    long v = buf.getLong(i << 3);
                    dst[off + i] = unsignedLongToFloat(v);
                    if (Long.compareUnsigned(v, 16777216) >= 0) {
                        outOfRange.roundedUnsigned(filePos + i, v, dst[off + i]);
                    }
                }
            }
            default -> throw new AssertionError(kind);
        }
    }

    /**
     * IEEE binary16 to binary32, exact for every input (float32 has more range and precision).
     * {@code Float.float16ToFloat} would do, but only exists from Java 20.
     */
    static float halfToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            // Inf or NaN: keep the payload so a NaN stays a NaN (mant != 0).
            return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13));
        }
        if (exp == 0) {
            // Zero or subnormal: mant * 2^-24, exact in float arithmetic.
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        // Normal: rebias the exponent from 15 to 127 and widen the mantissa from 10 to 23 bits.
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Correctly rounded uint64 to float; the sticky low bit keeps round-half-even right after halving. */
    static float unsignedLongToFloat(long v) {
        if (v >= 0) {
            return v;
        }
        return (float) ((v >>> 1) | (v & 1)) * 2f;
    }

    /**
     * Places values arriving in Fortran order (first axis fastest) at their C-order positions.
     * An odometer over the index keeps it O(1) amortised per element with no per-element allocation,
     * and avoids a second full-size array that a read-then-transpose would need.
     */
    private static final class FortranScatter {
        private final int[] shape;
        private final int[] cStride;
        private final int[] idx;
        private int dest;

        FortranScatter(int[] shape) {
            this.shape = shape;
            int rank = shape.length;
            cStride = new int[rank];
            idx = new int[rank];
            int s = 1;
            for (int k = rank - 1; k >= 0; k--) {
                cStride[k] = s;
                s *= shape[k];
            }
        }

        void scatter(float[] src, int m, float[] out) {
            int rank = shape.length;
            for (int i = 0; i < m; i++) {
                out[dest] = src[i];
                for (int ax = 0; ax < rank; ax++) {
                    dest += cStride[ax];
                    if (++idx[ax] < shape[ax]) {
                        break;
                    }
                    dest -= shape[ax] * cStride[ax];
                    idx[ax] = 0;
                }
            }
        }
    }

    /**
     * The first element in row-major order whose value in the file is finite but outside the float32
     * range, and that value; it is held as an infinity, which {@link FiniteCheck} then reports as
     * what it was. The only dtype that can overflow float32 is float64 (int64's range is far smaller).
     */
    private static final class OutOfRange implements NpyArray.Origin {
        private final int[] shape;
        private final boolean fortran;
        private int first = -1;
        private double value;
        private final IntegerCollisions rounded = new IntegerCollisions();
        final PrecisionLoss precision;  // float64 files only: no other dtype can lose digits

        OutOfRange(int[] shape, boolean fortran, boolean float64) {
            this.shape = shape;
            this.fortran = fortran && shape.length > 1;
            this.precision = float64 ? new PrecisionLoss(shape, fortran) : null;
        }

        /** {@code filePos}: position in the file's order (Fortran order if the file is). */
        void note(int filePos, double v) {
            int c = fortran ? fortranToC(filePos, shape) : filePos;
            if (first < 0 || c < first) {
                first = c;
                value = v;
            }
        }

        boolean found() {
            return first >= 0;
        }

        /** A whole number beyond 2^24, rounded or not; {@code filePos}: its position in the file's order. */
        void rounded(int filePos, long exact, float f) {
            rounded.note(column(filePos), exact, f);
        }

        /** As {@link #rounded}, for a uint64 ({@code exact}'s bits read as unsigned). */
        void roundedUnsigned(int filePos, long exact, float f) {
            rounded.note(column(filePos), exact, f, true);
        }

        /** The column (last axis in C order; for 1-D arrays 0) of the element at file position p. */
        private int column(int p) {
            if (shape.length < 2) {
                return 0;
            }
            int rows = shape[0];
            int cols = (int) (p >= 0 && rows > 0 ? Math.max(1, elementCountOf(shape) / rows) : 1);
            return fortran ? (p / rows) % cols : p % cols;
        }

        private static long elementCountOf(int[] shape) {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        String collision() {
            return rounded.example();
        }

        String[] collisionsByColumn(int cols) {
            String[] out = new String[cols];
            for (int j = 0; j < cols; j++) {
                out[j] = rounded.example(j);
            }
            return out;
        }

        @Override
        public String location(int flat) {
            return null; // the 0-based array index, as numpy users expect
        }

        @Override
        public String outOfRange(int flat) {
            return flat == first ? pyRepr(value) : null;
        }
    }

    /** Row-major position of the element at position {@code f} in Fortran (first axis fastest) order. */
    static int fortranToC(int f, int[] shape) {
        long c = 0;
        long stride = 1;
        int[] idx = new int[shape.length];
        int rest = f;
        for (int ax = 0; ax < shape.length; ax++) {
            idx[ax] = rest % shape[ax];
            rest /= shape[ax];
        }
        for (int ax = shape.length - 1; ax >= 0; ax--) {
            c += idx[ax] * stride;
            stride *= shape[ax];
        }
        return (int) c;
    }

    /**
     * A double as Python's {@code repr} prints it in scientific notation ({@code -1e+39},
     * {@code 1.5e+300}), so the value in a message looks like what the user's numpy shows.
     */
    static String pyRepr(double v) {
        String s = Double.toString(v);
        int e = s.indexOf('E');
        if (e < 0) {
            return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
        }
        String mantissa = s.substring(0, e);
        if (mantissa.endsWith(".0")) {
            mantissa = mantissa.substring(0, mantissa.length() - 2);
        }
        String exp = s.substring(e + 1);
        boolean negative = exp.startsWith("-");
        if (negative) {
            exp = exp.substring(1);
        }
        return mantissa + "e" + (negative ? "-" : "+") + (exp.length() < 2 ? "0" : "") + exp;
    }

    /** Reads until {@code buf} is full or the channel ends; returns the number of bytes read. */
    private static int readFully(ReadableByteChannel ch, ByteBuffer buf) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int r = ch.read(buf);
            if (r < 0) {
                break;
            }
            total += r;
        }
        return total;
    }

    /** Product of the dimensions, saturating at {@code Long.MAX_VALUE}; 0 if any dimension is 0. */
    private static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d == 0) {
                return 0;
            }
        }
        for (int d : shape) {
            if (n > Long.MAX_VALUE / d) {
                return Long.MAX_VALUE;
            }
            n *= d;
        }
        return n;
    }

    private static UserInputException truncated(String where, long expected, long found) {
        return error(where, "truncated: expected " + expected + " bytes of array data, found " + found);
    }

    private static UserInputException trailing(String where, long extra) {
        return error(where, extra + " unexpected byte" + (extra == 1 ? "" : "s") + " after the array data");
    }

    // ------------------------------------------------------------------------------------------
    // Header parsing
    // ------------------------------------------------------------------------------------------

    private static Header parseHeader(String where, String text) {
        PyLiteral p = new PyLiteral(text);
        Object value;
        Map<String, String> raw;
        try {
            value = p.parseDocument();
            raw = p.rawValues;
        } catch (PyLiteral.SyntaxError e) {
            throw error(where, "malformed header: " + e.getMessage() + " in " + excerpt(text));
        }
        if (!(value instanceof Map<?, ?> dict)) {
            throw error(where, "malformed header: not a dictionary: " + excerpt(text));
        }
        for (String key : new String[] {"descr", "fortran_order", "shape"}) {
            if (!dict.containsKey(key)) {
                throw error(where, "malformed header: missing key '" + key + "' in " + excerpt(text));
            }
        }
        Object descr = dict.get("descr");
        if (!(descr instanceof String descrText)) {
            // A list of (name, type) pairs: a structured/record dtype.
            throw error(where, "unsupported dtype " + excerpt(raw.getOrDefault("descr", String.valueOf(descr)))
                    + " (structured dtypes are not supported; " + SUPPORTED + ")");
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw error(where, "malformed header: 'fortran_order' must be True or False, got "
                    + excerpt(raw.getOrDefault("fortran_order", "?")));
        }
        Object shapeValue = dict.get("shape");
        String shapeRaw = raw.getOrDefault("shape", String.valueOf(shapeValue));
        List<?> dims;
        if (shapeValue instanceof PyLiteral.Tuple t) {
            dims = t.items();
        } else if (shapeValue instanceof List<?> l) {
            dims = l;
        } else {
            throw error(where, "malformed header: 'shape' must be a tuple of integers, got " + excerpt(shapeRaw));
        }
        if (dims.size() > MAX_RANK) {
            throw error(where, "unsupported shape " + excerpt(shapeRaw) + ": rank " + dims.size()
                    + " exceeds the maximum of " + MAX_RANK);
        }
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d)) {
                throw error(where, "malformed header: 'shape' must be a tuple of integers, got " + excerpt(shapeRaw));
            }
            if (d < 0) {
                throw error(where, "malformed header: negative dimension " + d + " in shape " + excerpt(shapeRaw));
            }
            if (d > MAX_ELEMENTS) {
                throw error(where, "array too large: dimension " + (d == Long.MAX_VALUE ? "> " + Long.MAX_VALUE : d)
                        + " in shape " + excerpt(shapeRaw) + " exceeds " + MAX_ELEMENTS + " elements");
            }
            shape[i] = (int) (long) d;
        }
        return new Header(descrText, fortran, shape);
    }

    private static Dtype parseDtype(String where, String descr) {
        if (descr.isEmpty()) {
            throw error(where, "unsupported dtype '' (" + SUPPORTED + ")");
        }
        char c0 = descr.charAt(0);
        ByteOrder order;
        String body;
        switch (c0) {
            case '<', '|', '=' -> {
                // '|' means "not applicable" (single bytes); '=' is native, and every platform we
                // run on is little-endian.
                order = ByteOrder.LITTLE_ENDIAN;
                body = descr.substring(1);
            }
            case '>' -> {
                order = ByteOrder.BIG_ENDIAN;
                body = descr.substring(1);
            }
            default -> {
                order = ByteOrder.LITTLE_ENDIAN;
                body = descr;
            }
        }
        Kind kind = switch (body) {
            case "f2" -> Kind.F2;
            case "f4" -> Kind.F4;
            case "f8" -> Kind.F8;
            case "i1" -> Kind.I1;
            case "i2" -> Kind.I2;
            case "i4" -> Kind.I4;
            case "i8" -> Kind.I8;
            case "u1" -> Kind.U1;
            case "u2" -> Kind.U2;
            case "u4" -> Kind.U4;
            case "u8" -> Kind.U8;
            case "b1" -> Kind.B1;
            default -> null;
        };
        if (kind == null) {
            String what = body.isEmpty() ? "" : switch (body.charAt(0)) {
                case 'c' -> " (complex)";
                case 'O' -> " (Python objects, e.g. a pandas column of strings; save numbers with a numeric dtype, "
                        + "text labels with .astype(str))";
                case 'U', 'S', 'a' -> " (strings: only labels may be text)";
                case 'V' -> " (raw/void)";
                case 'M', 'm' -> " (datetime/timedelta)";
                case 'f' -> " (float of unsupported width)";
                default -> "";
            };
            throw error(where, "unsupported dtype '" + oneLine(descr) + "'" + what + "; " + SUPPORTED);
        }
        return new Dtype(kind, order);
    }

    /**
     * A recursive-descent parser for the Python literal subset numpy writes in headers: dicts,
     * tuples, lists, quoted strings, integers (with Python 2's optional {@code L} suffix), True,
     * False and None. Whitespace, key order and trailing commas are free, as in Python.
     */
    private static final class PyLiteral {
        record Tuple(List<Object> items) {
        }

        static final class SyntaxError extends Exception {
            private static final long serialVersionUID = 1L;

            SyntaxError(String message) {
                super(message);
            }
        }

        /**
         * Nesting a header may reach: numpy's own headers nest a few levels (a structured dtype's
         * sub-arrays). Each level is a Java stack frame, so a header of thousands of '(' (a 64 KiB
         * version 1 header holds 30000) overflowed the stack and printed a raw StackOverflowError.
         */
        private static final int MAX_DEPTH = 64;

        private final String s;
        private int pos;
        private int depth;
        /** Source text of each top-level dict value, for quoting it back in error messages. */
        final Map<String, String> rawValues = new LinkedHashMap<>();

        PyLiteral(String s) {
            this.s = s;
        }

        Object parseDocument() throws SyntaxError {
            skipWs();
            if (peek() != '{') {
                throw new SyntaxError("expected '{' at offset " + pos);
            }
            Object v = parseDict(true);
            skipWs();
            if (pos < s.length()) {
                throw new SyntaxError("unexpected text after the dictionary at offset " + pos);
            }
            return v;
        }

        private Object parseValue() throws SyntaxError {
            skipWs();
            char c = peek();
            switch (c) {
                case '{':
                    return parseDict(false);
                case '(':
                    return parseSequence(')', true);
                case '[':
                    return parseSequence(']', false);
                case '\'':
                case '"':
                    return parseString();
                default:
                    break;
            }
            if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
                return parseInt();
            }
            if (Character.isLetter(c)) {
                int start = pos;
                while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                    pos++;
                }
                String word = s.substring(start, pos);
                // String prefixes from Python 2 era files: u'<f4', b'...'.
                if (pos < s.length() && (s.charAt(pos) == '\'' || s.charAt(pos) == '"')
                        && word.length() <= 2 && word.toLowerCase().matches("[ubr]+")) {
                    return parseString();
                }
                switch (word) {
                    case "True":
                        return Boolean.TRUE;
                    case "False":
                        return Boolean.FALSE;
                    case "None":
                        return null;
                    default:
                        throw new SyntaxError("unexpected '" + word + "' at offset " + start);
                }
            }
            if (pos >= s.length()) {
                throw new SyntaxError("unexpected end of header");
            }
            throw new SyntaxError("unexpected '" + c + "' at offset " + pos);
        }

        private Map<String, Object> parseDict(boolean topLevel) throws SyntaxError {
            enter();
            pos++; // '{'
            Map<String, Object> map = new LinkedHashMap<>();
            while (true) {
                skipWs();
                if (peek() == '}') {
                    pos++;
                    depth--;
                    return map;
                }
                Object key = parseValue();
                if (!(key instanceof String k)) {
                    throw new SyntaxError("dictionary keys must be strings (offset " + pos + ")");
                }
                skipWs();
                expect(':');
                skipWs();
                int start = pos;
                Object v = parseValue();
                if (topLevel) {
                    rawValues.put(k, s.substring(start, pos));
                }
                map.put(k, v);
                skipWs();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != '}') {
                    throw new SyntaxError(atOffset("expected ',' or '}'"));
                }
            }
        }

        /** Parses {@code (...)} or {@code [...]}; a parenthesised single value without comma is not a tuple. */
        private Object parseSequence(char close, boolean tuple) throws SyntaxError {
            enter();
            pos++; // '(' or '['
            List<Object> items = new ArrayList<>();
            boolean sawComma = false;
            while (true) {
                skipWs();
                if (peek() == close) {
                    pos++;
                    break;
                }
                items.add(parseValue());
                skipWs();
                if (peek() == ',') {
                    pos++;
                    sawComma = true;
                } else if (peek() != close) {
                    throw new SyntaxError(atOffset("expected ',' or '" + close + "'"));
                }
            }
            depth--;
            if (!tuple) {
                return items;
            }
            if (items.size() == 1 && !sawComma) {
                return items.get(0); // (5) is just 5 in Python
            }
            return new Tuple(items);
        }

        private String parseString() throws SyntaxError {
            char quote = s.charAt(pos++);
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw new SyntaxError("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == quote) {
                    return sb.toString();
                }
                if (c == '\\' && pos < s.length()) {
                    char e = s.charAt(pos++);
                    switch (e) {
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case 'r' -> sb.append('\r');
                        case '0' -> sb.append('\0');
                        default -> sb.append(e); // \\, \', \" and anything exotic kept literally
                    }
                } else {
                    sb.append(c);
                }
            }
        }

        private Long parseInt() throws SyntaxError {
            int start = pos;
            boolean negative = false;
            if (peek() == '-' || peek() == '+') {
                negative = s.charAt(pos) == '-';
                pos++;
            }
            int digitsStart = pos;
            long v = 0;
            boolean overflow = false;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                int d = s.charAt(pos++) - '0';
                if (v > (Long.MAX_VALUE - d) / 10) {
                    overflow = true; // saturate; the caller reports a too-large dimension
                } else {
                    v = v * 10 + d;
                }
            }
            if (pos == digitsStart) {
                throw new SyntaxError("expected a digit at offset " + pos);
            }
            if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) {
                pos++; // Python 2 long literal, e.g. (3L, 4L) in files written by numpy under Python 2
            }
            if (pos < s.length() && (s.charAt(pos) == '.' || s.charAt(pos) == 'e' || s.charAt(pos) == 'E'
                    || Character.isLetter(s.charAt(pos)))) {
                throw new SyntaxError("expected an integer at offset " + start);
            }
            if (overflow) {
                v = Long.MAX_VALUE;
            }
            return negative ? -v : v;
        }

        private void enter() throws SyntaxError {
            if (++depth > MAX_DEPTH) {
                throw new SyntaxError("nested deeper than " + MAX_DEPTH + " levels at offset " + pos);
            }
        }

        private void expect(char c) throws SyntaxError {
            if (peek() != c) {
                throw new SyntaxError(atOffset("expected '" + c + "'"));
            }
            pos++;
        }

        private String atOffset(String what) {
            return pos >= s.length() ? what + " but the header ended" : what + " at offset " + pos;
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private void skipWs() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Writing
    // ------------------------------------------------------------------------------------------

    /** Copies {@code count} elements starting at {@code from} into {@code buf} at absolute index 0. */
    @FunctionalInterface
    private interface ChunkFiller {
        void fill(ByteBuffer buf, int from, int count);
    }

    /**
     * Writes a float32 ({@code '<f4'}) array in C order, exactly as {@code numpy.save} would.
     * The file is replaced atomically, and parent directories are created as needed.
     *
     * @param shape dimensions; {@code []} for a scalar
     * @param data row-major values, {@code data.length} must equal the product of {@code shape}
     * @throws IllegalArgumentException if the shape does not match the data
     * @throws UserInputException if the file cannot be written
     */
    public static void write(Path file, int[] shape, float[] data) {
        checkShape(shape, data.length);
        writeArray(file, "<f4", 4, shape, data.length, (buf, from, count) -> buf.asFloatBuffer().put(data, from, count));
    }

    /** Writes an int32 ({@code '<i4'}) array; otherwise as {@link #write(Path, int[], float[])}. */
    public static void writeInt(Path file, int[] shape, int[] data) {
        checkShape(shape, data.length);
        writeArray(file, "<i4", 4, shape, data.length, (buf, from, count) -> buf.asIntBuffer().put(data, from, count));
    }

    /** Writes a float64 ({@code '<f8'}) array; otherwise as {@link #write(Path, int[], float[])}. */
    public static void writeDouble(Path file, int[] shape, double[] data) {
        checkShape(shape, data.length);
        writeArray(file, "<f8", 8, shape, data.length,
                (buf, from, count) -> buf.asDoubleBuffer().put(data, from, count));
    }

    private static void checkShape(int[] shape, int length) {
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + pyShape(shape));
            }
        }
        if (elementCount(shape) != length) {
            throw new IllegalArgumentException("shape " + pyShape(shape) + " does not match " + length + " elements");
        }
    }

    private static void writeArray(Path file, String descr, int itemSize, int[] shape, int n, ChunkFiller filler) {
        String where = file.toString();
        if (Files.isDirectory(file)) {
            throw error(where, "is a directory");
        }
        try {
            SafeWrite.write(file, body(descr, itemSize, shape, n, filler));
        } catch (IOException e) {
            throw error(where, "cannot write: " + describe(e), e);
        }
    }

    /** The header and data of an array, written in chunks. */
    private static SafeWrite.Body body(String descr, int itemSize, int[] shape, int n, ChunkFiller filler) {
        return ch -> {
            writeFully(ch, ByteBuffer.wrap(header(descr, shape)));
            int chunkElems = CHUNK_BYTES / itemSize;
            ByteBuffer buf = ByteBuffer.allocate(chunkElems * itemSize).order(ByteOrder.LITTLE_ENDIAN);
            for (int done = 0; done < n; ) {
                int m = Math.min(chunkElems, n - done);
                buf.clear();
                filler.fill(buf, done, m);
                buf.limit(m * itemSize);
                writeFully(ch, buf);
                done += m;
            }
        };
    }

    /**
     * Writes float32 arrays that belong together (mtl svd's U, S and V) as one set, through
     * {@link SafeWrite#writeTogether(Path[], SafeWrite.Body[])}: a failure, or a kill while the files
     * are written, leaves an earlier set whole (a kill between the final renames is the exception
     * that method describes), and a failure leaves none of the files this call created.
     *
     * @throws IllegalArgumentException if a shape does not match its data (before anything is written)
     * @throws UserInputException naming the file, if one cannot be written
     */
    public static void writeTogether(Path[] files, int[][] shapes, float[][] data) {
        if (files.length != shapes.length || files.length != data.length) {
            throw new IllegalArgumentException(files.length + " files, " + shapes.length + " shapes, " + data.length
                    + " arrays");
        }
        SafeWrite.Body[] bodies = new SafeWrite.Body[files.length];
        for (int i = 0; i < files.length; i++) {
            checkShape(shapes[i], data[i].length);
            float[] d = data[i];
            bodies[i] = body("<f4", 4, shapes[i], d.length, (buf, from, count) -> buf.asFloatBuffer().put(d, from, count));
        }
        try {
            SafeWrite.writeTogether(files, bodies);
        } catch (IOException e) {
            throw new UserInputException(oneLine("cannot write " + e.getMessage()), e);
        }
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /**
     * The magic, version 1.0, length and header dict, laid out exactly as numpy 1.x/2.x write it:
     * sorted keys, a trailing ", " before '}', spare spaces for the first axis to grow to 21 digits,
     * then space padding so the data starts at a multiple of 64 bytes, ending in '\n'.
     */
    static byte[] header(String descr, int[] shape) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': ")
                .append(pyShape(shape)).append(", }");
        if (shape.length > 0) {
            sb.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length()));
        }
        int hlen = sb.length() + 1; // + '\n'
        int prefix = MAGIC.length + 2 + 2; // magic, version, u2 length
        int padlen = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
        sb.append(" ".repeat(padlen)).append('\n');
        byte[] dict = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(prefix + dict.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) dict.length).put(dict);
        return out.array();
    }

    // ------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------

    /** Python's repr of a shape tuple: {@code ()}, {@code (5,)}, {@code (3, 4)}. */
    static String pyShape(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        return sb.append(')').toString();
    }

    /** The message is flattened to one line because the CLI prints it as exactly one. */
    private static UserInputException error(String where, String what) {
        return new UserInputException(oneLine(where + ": " + what));
    }

    private static UserInputException error(String where, String what, Throwable cause) {
        return new UserInputException(oneLine(where + ": " + what), cause);
    }

    /** Header text quoted for an error message: one line, bounded length. */
    private static String excerpt(String text) {
        String t = oneLine(text.strip());
        return t.length() > 160 ? t.substring(0, 157) + "..." : t;
    }

    /**
     * A readable reason for an I/O failure. {@code FileSystemException.getMessage()} is often just
     * the bare path, which tells the user nothing about what went wrong.
     */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException f) {
            return "no such file or directory: " + f.getFile();
        }
        if (e instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() != null ? ": " + f.getFile() : "");
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** Escapes control characters so a message stays on one line. */
    static String oneLine(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                switch (c) {
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> sb.append(String.format("\\x%02x", (int) c));
                }
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }
}
