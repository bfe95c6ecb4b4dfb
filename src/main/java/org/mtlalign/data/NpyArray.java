package org.mtlalign.data;

import java.util.Arrays;

/**
 * A dense numeric array read from disk ({@code .npy} or CSV), held as row-major (C order) float32.
 *
 * <p>Whatever the on-disk type, values are widened or narrowed to {@code float}, since that is what
 * the training code consumes; {@link #dtype()} and {@link #integral()} keep enough of the original
 * type for callers that must tell labels (integers) from features (reals).
 *
 * <p>The shape is defensively copied; the data array is not (see {@link #data()}), because arrays
 * read from disk can be gigabytes and copying them would double peak memory.
 */
public final class NpyArray {
    private final int[] shape;
    private final float[] data;
    private final String dtype;
    private final boolean integral;
    private final Origin origin;

    /**
     * What the reader of a file knows about where each element came from, so that a bad value can
     * be reported the way the file shows it ({@link FiniteCheck}). Arrays built in memory have none.
     */
    public interface Origin {
        /**
         * Where element {@code flat} (row-major) sits in the source, in the source's own terms, e.g.
         * {@code "line 41, column 1"} for CSV; null to name it by its array index.
         */
        String location(int flat);

        /**
         * If element {@code flat} was a finite value in the file too large for float32 (and is
         * therefore held as an infinity), that value as the file has it, e.g. {@code "-1e+39"}; else
         * null. Readers need only know the first such element in row-major order.
         */
        String outOfRange(int flat);
    }

    /** As {@link #NpyArray(int[], float[], String, boolean, Origin)} with no origin. */
    public NpyArray(int[] shape, float[] data, String dtype, boolean integral) {
        this(shape, data, dtype, integral, null);
    }

    /**
     * @param shape dimensions, outermost first; {@code []} for a scalar (size 1)
     * @param data row-major values; taken over, not copied
     * @param dtype numpy type descriptor as found in the source, e.g. {@code "<f8"}
     * @param integral whether the values are integers by type (int, uint, bool)
     * @param origin where the elements came from in the source file, or null
     * @throws IllegalArgumentException if a dimension is negative or {@code data.length} is not the
     *     product of the dimensions
     */
    public NpyArray(int[] shape, float[] data, String dtype, boolean integral, Origin origin) {
        if (shape == null || data == null || dtype == null) {
            throw new IllegalArgumentException("shape, data and dtype must not be null");
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            // Saturate rather than overflow: any product past Integer.MAX_VALUE is a mismatch anyway,
            // but a later zero dimension must still bring it back to 0.
            n = n > Integer.MAX_VALUE && d != 0 ? n : n * d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                    + " elements, data has " + data.length);
        }
        this.shape = shape.clone();
        this.data = data;
        this.dtype = dtype;
        this.integral = integral;
        this.origin = origin;
    }

    /** A copy of the dimensions, outermost first. */
    public int[] shape() {
        return shape.clone();
    }

    /**
     * The values in row-major (C) order.
     *
     * <p>This is the internal array, not a copy: it may be large, and callers usually just hand it
     * to a backend. Mutating it mutates this object.
     */
    public float[] data() {
        return data;
    }

    /** The numpy type descriptor as found in the source file, e.g. {@code "<f8"}, {@code "|b1"}. */
    public String dtype() {
        return dtype;
    }

    /**
     * True when the values are integers, e.g. class labels: by dtype (int, uint, bool) for
     * {@code .npy}, by value (every cell a whole number) for CSV, which has no types.
     */
    public boolean integral() {
        return integral;
    }

    /**
     * Set by the reader when two different whole numbers in the file became the same float32
     * (integers beyond 2^24 = 16777216 are rounded), e.g. {@code "100000001 and 100000002 both become
     * 1.0E8 in float32"}, else when one became another whole number ({@code "20000001 becomes 20000000
     * in float32"}); null otherwise. As labels they would be one class, or a class the file does not have.
     */
    String integerCollision;

    /**
     * Set by the reader of a float64 file when a column lost more than 1% of its standard
     * deviation in the conversion to float32 (e.g. 1e9 + N(0, 1)): which one and how; else null.
     */
    String precisionLoss;

    /** The measurement behind {@link #precisionLoss} per file column (CSV), for {@link #columns}; or null. */
    PrecisionLoss precision;

    /** See {@link #precisionLoss}: a column whose variation float32 could not keep, or null. */
    public String precisionLoss() {
        return precisionLoss;
    }

    /** Per column of a 2-D array, its own {@link #integerCollision} (null entries: none); null if none at all. */
    String[] columnCollisions;

    /** Column {@code j}'s example of two whole numbers merged by float32, or null. */
    public String integerCollision(int j) {
        return columnCollisions == null ? (shape.length < 2 ? integerCollision : null) : columnCollisions[j];
    }

    /** See {@link #integerCollision}: an example of two whole numbers merged by float32, or null. */
    public String integerCollision() {
        return integerCollision;
    }

    /**
     * Per column, the class names of a label column that held text (such as "spam" and "ham"),
     * sorted; the column's values are then indices into it. Null entries (or null): numbers.
     */
    String[][] classNames;

    /**
     * The class names of column {@code j} (of a 1-D array: {@code j = 0}) when the file held text
     * labels there, in sorted order, each value of the column being an index into them; else null.
     */
    public String[] classNames(int j) {
        return classNames == null || j >= classNames.length || classNames[j] == null ? null : classNames[j].clone();
    }

    /**
     * Per column, whether a label column held booleans: a CSV column whose every label is
     * {@code true} or {@code false} (any case). Null: none (a bool .npy says so by its dtype).
     */
    boolean[] booleanColumns;

    /**
     * Whether column {@code j} holds booleans (values 0 and 1 standing for false and true): a bool
     * array ({@code |b1}), or a CSV label column of {@code true}/{@code false} words.
     */
    public boolean booleanColumn(int j) {
        if (booleanColumns != null) {
            return j < booleanColumns.length && booleanColumns[j];
        }
        return dtype != null && dtype.endsWith("b1");
    }

    /**
     * Set by the CSV reader: how many blank lines it skipped between data rows, and the first of
     * them (0 if none). A blank line may be a missing value that a spreadsheet wrote so.
     */
    int blankLines;
    long firstBlankLine;

    /**
     * For a row-count mismatch in which this CSV has {@code fewer} rows fewer than its partner
     * file: "; FILE has N blank lines ..." when exactly that many blank lines were skipped between
     * its rows, else "".
     */
    String blankLinesHint(String source, int fewer, boolean labels) {
        if (fewer <= 0 || blankLines != fewer) {
            return "";
        }
        return "; " + source + " has " + (fewer == 1 ? "a blank line" : fewer + " blank lines") + " between its rows ("
                + (fewer == 1 ? "line " : "the first is line ") + firstBlankLine + "), which " + (fewer == 1 ? "is" : "are")
                + " skipped, not read as a row" + (labels ? ": write a missing label as NA, or as \"\" as pandas does"
                        : ": remove " + (fewer == 1 ? "it" : "them") + " or the matching rows of the other file");
    }

    /** Set by the CSV reader from the file's header: the column names; null without a header. */
    String[] columnNames;

    /** The column names from a CSV file's header, or null (no header, or not a CSV file). */
    public String[] columnNames() {
        return columnNames == null ? null : columnNames.clone();
    }

    /**
     * Set by the CSV reader when the file has no header and its first line is exactly pandas'
     * default names {@code 0} or {@code 0,1}: a header if the file has one row more than its
     * partner file, else data (see {@link Task#fromArrays}).
     */
    boolean pandasHeaderRow;

    /**
     * Whether the CSV had no header and its first line is exactly pandas' default names 0 (or
     * 0,1), which may be a header read as data (see {@link Task#fromArrays}).
     */
    public boolean firstRowMayBePandasHeader() {
        return pandasHeaderRow;
    }

    /** This array without its first row, if {@link #firstRowMayBePandasHeader()}; else this array. */
    public NpyArray withoutPandasHeader() {
        return pandasHeaderRow ? withoutFirstRow() : this;
    }

    /** This array without its first row (a header read as data), locations still naming the file's lines. */
    NpyArray withoutFirstRow() {
        int cols = shape.length == 2 ? shape[1] : 1;
        int[] s = shape.clone();
        s[0]--;
        Origin o = origin == null ? null : new Origin() {
            @Override
            public String location(int flat) {
                return origin.location(flat + cols);
            }

            @Override
            public String outOfRange(int flat) {
                return origin.outOfRange(flat + cols);
            }
        };
        NpyArray a = new NpyArray(s, Arrays.copyOfRange(data, cols, data.length), dtype, integral, o);
        a.classNames = classNames;
        a.booleanColumns = booleanColumns;
        a.columnNames = columnNames;
        a.precisionLoss = precisionLoss;
        a.integerCollision = integerCollision;
        a.columnCollisions = columnCollisions;
        return a;
    }

    /**
     * The m x keep.length array of this m x n one's columns keep[0], keep[1], ..., with their names
     * and their elements' locations in the file.
     */
    public NpyArray columns(int[] keep) {
        if (shape.length != 2) {
            throw new IllegalArgumentException("columns of a " + shape.length + "-d array");
        }
        int m = shape[0];
        int n = shape[1];
        int c = keep.length;
        float[] out = new float[m * c];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < c; j++) {
                out[i * c + j] = data[i * n + keep[j]];
            }
        }
        Origin o = origin == null ? null : new Origin() {
            @Override
            public String location(int flat) {
                return origin.location(flat / c * n + keep[flat % c]);
            }

            @Override
            public String outOfRange(int flat) {
                return origin.outOfRange(flat / c * n + keep[flat % c]);
            }
        };
        NpyArray a = new NpyArray(new int[] {m, c}, out, dtype, integral, o);
        if (columnNames != null) {
            a.columnNames = new String[c];
            for (int j = 0; j < c; j++) {
                a.columnNames[j] = columnNames[keep[j]];
            }
        }
        // Only the columns kept: a left-out id column (timestamps) that float32 flattens is no concern.
        a.precisionLoss = precision != null ? precision.describe(keep) : precisionLoss;
        return a;
    }

    /** Where the elements came from in the source file, for messages; null if unknown. */
    public Origin origin() {
        return origin;
    }

    /** Number of dimensions; 0 for a scalar. */
    public int rank() {
        return shape.length;
    }

    /**
     * Extent along one axis.
     *
     * @throws IndexOutOfBoundsException if {@code axis} is not in {@code [0, rank())}
     */
    public int dim(int axis) {
        if (axis < 0 || axis >= shape.length) {
            throw new IndexOutOfBoundsException("axis " + axis + " out of range for rank " + shape.length);
        }
        return shape[axis];
    }

    /** Number of elements (1 for a scalar). */
    public long size() {
        return data.length;
    }

    @Override
    public String toString() {
        return "NpyArray[shape=" + Arrays.toString(shape) + ", dtype=" + dtype + ", integral=" + integral + "]";
    }
}
