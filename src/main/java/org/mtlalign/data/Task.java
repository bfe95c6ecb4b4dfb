package org.mtlalign.data;

import org.mtlalign.UserInputException;

/**
 * One task as the user gave it: inputs X (m x d, row-major) and raw labels y (m x q).
 * Construction validates shapes and finiteness so that every later stage can trust it.
 */
public final class Task {
    private final String name;
    private final float[] x;
    private final int m;
    private final int d;
    private final float[] y;
    private final int yCols;
    private final boolean integralLabels;
    private final String source;
    private final int unlabelled;
    // Set when two different integer labels in the file are one float32 value (see
    // NpyArray.integerCollision): harmless for a regression target, fatal for classes.
    String labelCollision;
    // The names of X's columns from a CSV header (not pandas' 0..d-1); null if the file had none.
    String[] featureNames;
    // Set when a column of X looks like a row identifier: the warning.
    String idColumnNote;
    // Set when a CSV's first line was taken as pandas' default header: what to tell the user.
    String headerNote;
    // Set when X's header has a name twice: columns are then matched by position, the warning.
    String columnNote;
    // Set when the labels were text: the class names, sorted; y holds indices into them.
    String[] classNames;
    /** Whether the labels are booleans (a bool array, a CSV column of true/false): classes 'false' and 'true'. */
    boolean booleanLabels;
    // Set when a float64 input column lost its variation in float32 (see NpyArray.precisionLoss).
    String inputPrecisionLoss;
    // Set by Preparation.prepareInPlace once x holds standardised values rather than the data as
    // loaded: the task is not prepared again.
    boolean standardizedInPlace;

    /**
     * @param x              m x d inputs, row-major (kept, not copied)
     * @param y              m x yCols labels, row-major (kept, not copied); the loss is inferred
     *                       from their values ({@link EncodedLabels}) unless one is requested
     * @param integralLabels whether the labels came from an integer type (recorded only: the
     *                       inference looks at the values, so 0/1/2 stored as float are classes too)
     * @param source         where the task came from, for messages and provenance
     * @throws IllegalArgumentException for sizes that do not match, m, d or yCols below 1, NaN or Inf
     *     in x, Inf in y (NaN in y is a missing label, see {@link #unlabelledRows()})
     * @throws NullPointerException for a null name, x or y
     * @throws UserInputException when every label is missing
     */
    public Task(String name, float[] x, int m, int d, float[] y, int yCols, boolean integralLabels, String source) {
        // A null name passed here and failed later as a NullPointerException without a message
        // inside Preparation.prepare; tasks are told apart by name (heads, reports, Predictor).
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(x, "x");
        java.util.Objects.requireNonNull(y, "y");
        if (m < 1 || d < 1 || yCols < 1) {
            throw new IllegalArgumentException("task " + name + ": needs at least one row, one input column and one "
                    + "label column, got m = " + m + ", d = " + d + ", label columns = " + yCols);
        }
        // The message said "array sizes do not match the shape", naming neither the array nor the sizes.
        if (x.length != (long) m * d) {
            throw new IllegalArgumentException("task " + name + ": x has " + x.length + " values, not m x d = " + m
                    + " x " + d + " = " + (long) m * d + " (row-major inputs)");
        }
        if (y.length != (long) m * yCols) {
            throw new IllegalArgumentException("task " + name + ": y has " + y.length + " values, not m x q = " + m
                    + " x " + yCols + " = " + (long) m * yCols + " (one row of " + yCols + " label"
                    + (yCols == 1 ? "" : "s") + " per input row)");
        }
        // A NaN here would become every task's NaN standardisation mean and surface much later as
        // a "diverged" training; files are checked with their own indices by fromArrays already.
        requireFinite(name, "X", x, d, false);
        // A NaN label is a missing one: its row is left out of this task (Preparation).
        requireFinite(name, "y", y, yCols, true);
        int unlabelled = 0;
        for (int i = 0; i < m; i++) {
            for (int c = 0; c < yCols; c++) {
                if (Float.isNaN(y[i * yCols + c])) {
                    unlabelled++;
                    break;
                }
            }
        }
        if (unlabelled == m) {
            throw new UserInputException("task '" + name + "' (" + source + "): every label is missing (empty, NA or "
                    + "NaN)");
        }
        this.unlabelled = unlabelled;
        this.name = name;
        this.x = x;
        this.m = m;
        this.d = d;
        this.y = y;
        this.yCols = yCols;
        this.integralLabels = integralLabels;
        this.source = source;
    }

    /** "t.npz" for the arrays t.npz[X] and t.npz[y] of one archive, else "X:y". */
    private static String pairSource(String xSource, String ySource) {
        int bx = xSource.lastIndexOf('[');
        int by = ySource.lastIndexOf('[');
        if (bx > 0 && bx == by && xSource.endsWith("]") && ySource.endsWith("]")
                && xSource.regionMatches(0, ySource, 0, bx)) {
            return xSource.substring(0, bx);
        }
        return xSource + ":" + ySource;
    }

    /**
     * Builds a task from arrays read from files, checking what users get wrong: ranks, row
     * counts, empty tasks and NaN/Inf (reported with the file and the first bad index).
     */
    public static Task fromArrays(String name, NpyArray xa, String xSource, NpyArray ya, String ySource) {
        if (xa.rank() != 2) {
            throw new UserInputException(xSource + ": X must be 2-D (m x d), got shape " + shape(xa.shape())
                    + vectorHint(xa, ya, ySource));
        }
        if (ya.rank() != 1 && ya.rank() != 2) {
            throw new UserInputException(ySource + ": y must be 1-D (m) or 2-D (m x q), got shape " + shape(ya.shape()));
        }
        // pandas names the columns of an unnamed series or frame 0 (0,1): a line that is also a
        // plausible label row, so the CSV reader keeps it; the partner file's row count decides.
        String[] headerNote = new String[1];
        NpyArray[] xy = dropPandasHeaders(xa, xSource, ya, ySource, headerNote);
        xa = xy[0];
        ya = xy[1];
        int m = xa.dim(0);
        int d = xa.dim(1);
        if (m == 0) {
            throw new UserInputException(xSource + ": task '" + name + "' is empty (0 rows)");
        }
        if (d == 0) {
            throw new UserInputException(xSource + ": X has 0 columns");
        }
        if (ya.dim(0) != m) {
            throw new UserInputException(ySource + ": y has " + ya.dim(0) + " rows but " + xSource + " has " + m
                    + " (task '" + name + "')" + rowCountHint(xa, xSource, ya, ySource));
        }
        int q = ya.rank() == 1 ? 1 : ya.dim(1);
        if (q == 0) {
            throw new UserInputException(ySource + ": y has 0 columns");
        }
        FiniteCheck.requireFinite(xSource, xa);
        FiniteCheck.requireNoInfinity(ySource, ya);
        if (ya.precisionLoss() != null && ya.integerCollision() == null) {
            // (Whole numbers merged by float32 are reported as such by EncodedLabels, class ids
            // being what they usually are.)
            // Labels that float32 cannot tell apart (1e7 + N(0, 1)) would be trained as other
            // values, and a few rounded values even inferred as classes: refuse, unlike inputs.
            throw new UserInputException(ySource + ": task '" + name + "': the labels lose their variation in float32: "
                    + ya.precisionLoss());
        }
        for (int j = 0; j < q; j++) {
            String why = labelIdColumn(ya, j);
            if (why != null) {
                throw new UserInputException(ySource + ": task '" + name + "': label column " + (j + 1) + " " + why);
            }
        }
        String[] classNames = ya.classNames(0);
        for (int j = 1; j < q && classNames == null; j++) {
            classNames = ya.classNames(j);
        }
        if (classNames != null && q > 1) {
            throw new UserInputException(ySource + ": task '" + name + "' has " + q + " label columns, some of them "
                    + "text; class names need a single label column per task");
        }
        Task t = new Task(name, xa.data(), m, d, ya.data(), q, ya.integral(), pairSource(xSource, ySource));
        t.featureNames = FeatureNames.meaningful(xa.columnNames);
        String twice = FeatureNames.repeated(xa.columnNames);
        t.columnNote = twice == null ? null : xSource + ": the column name '" + twice + "' appears more than once, so "
                + "the columns are matched by position, here and by mtl predict (a file with its columns in another "
                + "order would be read wrongly); give every column its own name";
        t.classNames = classNames;
        t.booleanLabels = q == 1 && classNames == null && ya.booleanColumn(0);
        t.headerNote = headerNote[0];
        t.idColumnNote = idColumn(xa, xSource);
        t.labelCollision = ya.integerCollision() == null ? null : ySource + ": labels " + ya.integerCollision();
        t.inputPrecisionLoss = xa.precisionLoss() == null ? null : xSource + ": " + xa.precisionLoss();
        return t;
    }

    /**
     * X and y with a first line of pandas' default names (see {@link NpyArray#pandasHeaderRow})
     * dropped where the row counts say it is a header: the file with one row more than its
     * partner, or both files when both start so and have the same count. {@code note[0]} gets
     * the warning to print, or stays null.
     */
    static NpyArray[] dropPandasHeaders(NpyArray xa, String xSource, NpyArray ya, String ySource, String[] note) {
        if (xa.rank() < 1 || ya.rank() < 1) {
            return new NpyArray[] {xa, ya};
        }
        if (ya.pandasHeaderRow && ya.dim(0) == xa.dim(0) + 1) {
            note[0] = pandasHeaderNote(ySource, ya, "since " + xSource + " has one row fewer");
            return new NpyArray[] {xa, ya.withoutFirstRow()};
        }
        if (xa.pandasHeaderRow && xa.dim(0) == ya.dim(0) + 1) {
            note[0] = pandasHeaderNote(xSource, xa, "since " + ySource + " has one row fewer");
            return new NpyArray[] {xa.withoutFirstRow(), ya};
        }
        if (xa.pandasHeaderRow && ya.pandasHeaderRow && xa.dim(0) == ya.dim(0)) {
            note[0] = pandasHeaderNote(xSource + " and " + ySource, xa, "as both files start so");
            return new NpyArray[] {xa.withoutFirstRow(), ya.withoutFirstRow()};
        }
        return new NpyArray[] {xa, ya};
    }

    private static String pandasHeaderNote(String source, NpyArray a, String why) {
        return source + ": the first line (" + (a.rank() == 2 && a.dim(1) == 2 ? "0,1" : "0") + ") was read as "
                + "pandas' default column names (a header), " + why + "; name the columns when writing to be sure";
    }

    private static void requireFinite(String name, String what, float[] a, int cols, boolean nanOk) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i]) && !(nanOk && Float.isNaN(a[i]))) {
                throw new IllegalArgumentException("task " + name + ": " + what + "[" + i / cols + ", " + i % cols
                        + "] is " + a[i]);
            }
        }
    }

    static String shape(int[] s) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < s.length; i++) {
            b.append(i == 0 ? "" : ", ").append(s[i]);
        }
        return b.append(s.length == 1 ? ",)" : ")").toString();
    }

    /**
     * Set when a CSV's first line {@code 0} (or {@code 0,1}) was taken as pandas' default header
     * because the file had one row more than its partner: the warning to print; else null.
     */
    public String headerNote() {
        return headerNote;
    }

    /** Set when X's header names a column twice (so names cannot be matched): the warning. */
    public String columnNote() {
        return columnNote;
    }

    /** Which input column float32 could not hold (and how), or null: worth a warning, see NpyArray.precisionLoss. */
    public String inputPrecisionLoss() {
        return inputPrecisionLoss;
    }

    /**
     * A column of X that looks like a row identifier rather than a feature: named like one (id, index, patient_id, pandas' "Unnamed: 0") or holding the row
     * numbers 0..m-1 or 1..m in order; the warning to print, or null.
     */
    public String idColumnNote() {
        return idColumnNote;
    }

    /**
     * Why label column j of {@code a} is a row identifier rather than labels (named like one, the
     * row numbers, or text with a different value in every labelled row), or null.
     */
    static String labelIdColumn(NpyArray a, int j) {
        int m = a.dim(0);
        int cols = a.rank() == 2 ? a.dim(1) : 1;
        String[] names = a.columnNames;
        String advice = "; drop it, or read it as the index (pd.read_csv(..., index_col=0)) before saving";
        if (names != null && j < names.length && looksLikeId(names[j])) {
            return "('" + names[j] + "') is named like a row identifier, not labels" + advice;
        }
        if (m < 20) {
            return null;
        }
        float[] v = a.data();
        String[] classes = a.classNames(j);
        if (classes != null) {
            int labelled = 0;
            for (int i = 0; i < m; i++) {
                labelled += Float.isNaN(v[i * cols + j]) ? 0 : 1;
            }
            if (classes.length == labelled) {
                return (names == null ? "" : "('" + names[j] + "') ") + "has a different text value in every row ("
                        + labelled + " of them, e.g. '" + classes[0] + "'), an identifier rather than classes" + advice;
            }
            return null;
        }
        int start = rowNumbersFrom(v, m, cols, j);
        return start < 0 ? null : (names == null ? "" : "('" + names[j] + "') ") + "holds the row numbers " + start
                + ".." + (m - 1 + start) + ", an index rather than labels" + advice;
    }

    /** 0 or 1 when column j of the m x cols array v holds the row numbers from it, in order; else -1. */
    private static int rowNumbersFrom(float[] v, int m, int cols, int j) {
        for (int start = 0; start <= 1; start++) {
            boolean rowNumbers = true;
            for (int i = 0; i < m && rowNumbers; i++) {
                rowNumbers = v[i * cols + j] == i + start;
            }
            if (rowNumbers) {
                return start;
            }
        }
        return -1;
    }

    private static boolean looksLikeId(String name) {
        String n = name.strip().toLowerCase(java.util.Locale.ROOT);
        return n.equals("id") || n.equals("index") || n.equals("idx") || n.endsWith("_id") || n.matches("unnamed: \\d+");
    }

    private static String idColumn(NpyArray a, String source) {
        if (a.rank() != 2 || a.dim(0) < 3) {
            return null;
        }
        int m = a.dim(0);
        int d = a.dim(1);
        String[] names = a.columnNames;
        for (int j = 0; j < d; j++) {
            if (names != null && looksLikeId(names[j])) {
                return source + ": column '" + names[j] + "' (column " + (j + 1) + ") looks like a row identifier, "
                        + "not a feature; drop it if so (pandas writes its index unless to_csv(index=False))";
            }
        }
        float[] x = a.data();
        for (int j = 0; j < d; j++) {
            int start = rowNumbersFrom(x, m, d, j);
            if (start >= 0) {
                return source + ": column " + (j + 1) + (names == null ? "" : " ('" + names[j] + "')") + " holds the "
                        + "row numbers " + start + ".." + (m - 1 + start) + ", an index rather than a feature; "
                        + "drop it if so";
            }
        }
        return null;
    }

    /**
     * Rows whose label is missing (NaN: an empty cell, NA, a pandas NaN; for several label
     * columns, any of them): they are left out of this task's training, validation and test rows,
     * while their inputs stay (a shared X keeps its rows paired across tasks).
     */
    public int unlabelledRows() {
        return unlabelled;
    }

    /** The names of X's columns from its CSV header, or null (see {@link FeatureNames}). */
    public String[] featureNames() {
        return featureNames == null ? null : featureNames.clone();
    }

    /** This task with its input columns in another order: column j of the result is column order[j] of this one. */
    Task withColumnsPermuted(int[] order) {
        float[] px = new float[x.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                px[i * d + j] = x[i * d + order[j]];
            }
        }
        Task t = new Task(name, px, m, d, y, yCols, integralLabels, source);
        t.labelCollision = labelCollision;
        t.inputPrecisionLoss = inputPrecisionLoss;
        t.headerNote = headerNote;
        t.idColumnNote = idColumnNote;
        t.classNames = classNames;
        t.booleanLabels = booleanLabels;
        if (featureNames != null) {
            t.featureNames = new String[d];
            for (int j = 0; j < d; j++) {
                t.featureNames[j] = featureNames[order[j]];
            }
        }
        return t;
    }

    /**
     * The class names when the labels were text (such as "spam" and "ham"), sorted, y holding
     * each row's index into them; null for numeric labels.
     */
    public String[] classNames() {
        return classNames == null ? null : classNames.clone();
    }

    /** Why two different integer labels of the file are equal here, or null (see NpyArray.integerCollision). */
    public String labelCollision() {
        return labelCollision;
    }

    public String name() {
        return name;
    }

    /**
     * Row-major m x d inputs (the live array): the data as loaded, unless the task was given to
     * {@link Preparation#prepareInPlace}, which overwrites them with their standardised values.
     */
    public float[] x() {
        return x;
    }

    public int rows() {
        return m;
    }

    public int dim() {
        return d;
    }

    /** Row-major m x q raw labels (the live array). */
    public float[] y() {
        return y;
    }

    public int labelColumns() {
        return yCols;
    }

    public boolean integralLabels() {
        return integralLabels;
    }

    /**
     * Whether the labels are booleans (a bool .npy, a CSV column of true/false): held as 0 and 1,
     * named 'false' and 'true' in outputs ({@link EncodedLabels#classLabel(int)}).
     */
    public boolean booleanLabels() {
        return booleanLabels;
    }

    /** Where the task came from (files, suite name), for provenance. */
    public String source() {
        return source;
    }

    /**
     * Why X and y may have different row counts, or "": blank lines the CSV reader skipped, or,
     * an array saved transposed (X.T, or labels as one row), or, one row apart, a header line read
     * as a data row (text labels whose first label appears nowhere else, or a headerless CSV that is
     * the longer file). The longer file's header read as a data
     * row is the likely cause only when it is a CSV read without a header: before, a file with a
     * header of names was asked about one too. Shared by the per-task and the --shared-x loaders.
     */
    static String rowCountHint(NpyArray xa, String xSource, NpyArray ya, String ySource) {
        int extra = ya.dim(0) - xa.dim(0);
        String blanks = ya.blankLinesHint(ySource, -extra, true) + xa.blankLinesHint(xSource, extra, false);
        NpyArray longer = extra > 0 ? ya : xa;
        String longerSource = extra > 0 ? ySource : xSource;
        return !blanks.isEmpty() ? blanks
                // A transposed array (np.save of X.T, or of y[None, :]) has the other file's rows as its columns.
                : ya.rank() == 2 && ya.dim(1) == xa.dim(0)
                ? "; " + ySource + " is " + ya.dim(0) + " x " + ya.dim(1) + ", one column per row of " + xSource
                        + ": are its rows and columns swapped? save one row per example (" + (ya.dim(0) == 1
                        ? "y.ravel()" : "Y.T") + ")"
                : xa.rank() == 2 && xa.dim(1) == ya.dim(0)
                ? "; " + xSource + " is " + xa.dim(0) + " x " + xa.dim(1) + ", one column per label of " + ySource
                        + ": are its rows and columns swapped? X is m x d, one row per example (save X.T)"
                : extra == -1 && ya.classNames(0) != null && TaskLoader.isTable(ySource)
                ? "; one row short: the first line of the text labels was read as a header, since its "
                        + "label appears nowhere else in the file; start the file with a header line "
                        + "such as 'label'"
                : Math.abs(extra) == 1 && TaskLoader.isTable(longerSource) && longer.columnNames() == null
                ? "; one row apart: does " + longerSource + " start with a numeric header line, such as "
                        + "the '0' that pandas writes for an unnamed column? remove it or name the column"
                : "";
    }

    /**
     * For a 1-D X, how to save it as one input column: numpy users holding a single feature save
     * it as a vector, which X's m x d shape refuses; but when the labels' file is the m x d matrix,
     * the two files were given the wrong way round ({@code ya} null: not a sign of that). "" for
     * other ranks.
     */
    static String vectorHint(NpyArray xa, NpyArray ya, String ySource) {
        if (xa.rank() != 1) {
            return "";
        }
        return ya != null && ya.rank() == 2 && ya.dim(0) == xa.dim(0) && ya.dim(1) > 1
                ? "; " + ySource + ", given as the labels, is " + ya.dim(0) + " x " + ya.dim(1) + ": are X and y swapped?"
                : "; for one input column, save X.reshape(-1, 1)";
    }
}
