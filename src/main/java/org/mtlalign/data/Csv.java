package org.mtlalign.data;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.ZipException;
import org.mtlalign.UserInputException;

/**
 * Reads a numeric 2-D table from a delimited text file into a float32 {@link NpyArray} of shape
 * {@code [rows, columns]}.
 *
 * <p>Accepted input, chosen so that what spreadsheets, pandas and {@code numpy.savetxt} write just
 * works:
 * <ul>
 *   <li>gzip-compressed files (name ending in {@code .gz}, or gzip magic bytes), decompressed on the fly;
 *   <li>UTF-8 text: a file that starts with an .npy header, UTF-16 text or other bytes with NULs
 *       in the first KiB is refused as such, and bytes UTF-8 does not allow (Windows-1252 text)
 *       naming the first line that holds one;
 *   <li>delimiter tab for a {@code .tsv} or {@code .tsv.gz} file; otherwise {@code ','},
 *       {@code ';'} or tab, whichever occurs most in the first data line, and if none occurs,
 *       cells are separated by runs of spaces/tabs;
 *   <li>an optional header: the first non-blank, non-comment line holds column names if it has a
 *       name (a cell that is not a number, not empty and not a missing-value marker such as
 *       {@code NA}) and no numbers other than pandas' default names 0, 1, 2, ...; a line with
 *       other numbers is data, so that a missing value in the first row is reported as such;
 *   <li>blank lines and lines starting with {@code '#'} are skipped anywhere, except that in a
 *       label file of class names a {@code '#'} line after the first content line is a name
 *       ({@code #general}, as pandas writes it unquoted);
 *   <li>quoting as in RFC 4180: a field in double quotes may hold the delimiter, and {@code ""}
 *       inside it is one literal quote (column names such as {@code "income, net"}); a field's
 *       line break is not supported;
 *   <li>cells: decimal or scientific numbers, optionally in double quotes, {@code true} and
 *       {@code false} in any case as 1 and 0 (pandas writes bool columns as True/False), and
 *       {@code nan}, {@code inf}, {@code -inf}, {@code infinity} in any case (rejecting those is
 *       {@link FiniteCheck}'s job, so it can say where they are: the array carries an
 *       {@link NpyArray#origin() origin} naming the line and column of each value, and the text of
 *       the first number too large for float32, which is held as an infinity).
 * </ul>
 *
 * <p>The result's {@link NpyArray#dtype()} is {@code "<f4"}, the representation actually held;
 * {@link NpyArray#integral()} is true iff every value is a (finite) integer, so that a label column
 * of whole numbers is recognised as classes just like an integer {@code .npy} would be.
 */
public final class Csv {
    /** Appended where a cell is a missing value (NA, null, an empty cell, NaN) in inputs. */
    static final String MISSING_HINT = " (a missing value: fill in or drop the missing values first)";


    /**
     * A table and its column names.
     *
     * @param array the values, shape {@code [rows, columns]}
     * @param header column names from the header line, or empty if the file has none
     */
    public record CsvTable(NpyArray array, List<String> header) {
        public CsvTable {
            header = List.copyOf(header);
        }
    }

    private static final int BUFFER = 1 << 16;
    /** How much of the (decompressed) start is checked for binary content. */
    private static final int SNIFF = 1024;

    /**
     * Missing-value markers as pandas reads them (its default na_values, in any case) and "?" as
     * in the UCI datasets: a cell holding one is a missing number, never a column name.
     */
    private static final Set<String> MISSING = Set.of("na", "n/a", "#n/a", "#n/a n/a", "#na",
            "<na>", "null", "none", "-nan", "-1.#ind", "1.#ind", "-1.#qnan", "1.#qnan", "?");

    private Csv() {
    }

    /** The values of {@link #readTable(Path)}, without the header. */
    public static NpyArray read(Path file) {
        return readTable(file).array();
    }

    /**
     * Reads a numeric table, with its header if present.
     *
     * @throws UserInputException if the file is missing or unreadable, is corrupt gzip, is not UTF-8 text, has no data
     *     rows, has rows of differing lengths, or has a cell (after the first line) that is not a number
     */
    public static CsvTable readTable(Path file) {
        return readTable(file, false);
    }

    /**
     * As {@link #readTable(Path)}, for label files: a column of which at least a tenth of the
     * cells are words (not numbers) holds class names ("spam", "ham"); its distinct names, sorted, become the classes
     * ({@link NpyArray#classNames(int)}) and its values indices into them. Without a delimiter in
     * the first line, a line is one label (names may hold spaces). The first line is a header if it
     * has a name that is not also one of its column's labels.
     */
    public static CsvTable readLabelTable(Path file) {
        try {
            return readTable(file, true);
        } catch (TextFound e) {
            return readTable(file, e);
        }
    }

    /** Thrown by a numeric parse of a label file at its first text cell: read it again as text. */
    private static final class TextFound extends RuntimeException {
        TextFound() {
            super(null, null, false, false);
        }
    }

    private static CsvTable readTable(Path file, Object mode) {
        String where = file.toString();
        if (Files.isDirectory(file)) {
            throw error(where, "is a directory, not a CSV file");
        }
        boolean[] gz = new boolean[1];
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        // The name says tab, so no guessing: a tab file whose cells hold decimal commas would
        // otherwise be split at the commas.
        char delim = name.endsWith(".tsv") || name.endsWith(".tsv.gz") ? '\t' : 0;
        try (BufferedReader reader = open(file, gz)) {
            return mode instanceof TextFound ? parseText(where, reader, delim)
                    : parse(where, reader, delim, Boolean.TRUE.equals(mode));
        } catch (NoSuchFileException e) {
            throw error(where, "no such file", e);
        } catch (AccessDeniedException e) {
            throw error(where, "permission denied", e);
        } catch (ZipException e) {
            throw error(where, "corrupt gzip data: " + e.getMessage(), e);
        } catch (EOFException e) {
            throw error(where, gz[0] ? "truncated gzip data" : "unexpected end of file", e);
        } catch (CharacterCodingException e) {
            throw error(where, notUtf8(file, gz[0]), e);
        } catch (IOException e) {
            throw error(where, "cannot read: " + Npy.describe(e), e);
        }
    }

    /**
     * Where a file that is not UTF-8 first breaks it: "line N is not UTF-8 text (byte 0xE9, which
     * Windows-1252 reads as 'é' ...)" with how to convert it, for the encoding Excel's plain "CSV"
     * and older Windows tools save in.
     */
    private static String notUtf8(Path file, boolean gz) {
        String at = "it is not UTF-8 text";
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = new BufferedInputStream(gz ? new GzipMembers(raw, BUFFER) : raw, BUFFER)) {
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            long lineNo = 1;
            for (int b = in.read(); ; b = in.read()) {
                if (b >= 0 && b != '\n') {
                    line.write(b);
                    continue;
                }
                ByteBuffer bytes = ByteBuffer.wrap(line.toByteArray());
                CoderResult r = utf8.reset().decode(bytes, CharBuffer.allocate(bytes.remaining()), true);
                if (r.isError()) {
                    int bad = bytes.get(bytes.position()) & 0xFF;
                    String cp1252 = new String(new byte[] {(byte) bad}, Charset.forName("windows-1252"));
                    at = "line " + lineNo + " is not UTF-8 text (byte 0x" + String.format(Locale.ROOT, "%02X", bad)
                            + (bad >= 0xA0 ? ", which Windows-1252 reads as '" + cp1252 + "'" : "") + ")";
                    break;
                }
                if (b < 0) {
                    break;
                }
                line.reset();
                lineNo++;
            }
        } catch (IOException | RuntimeException e) {
            // Keep the general wording.
        }
        return at + "; save it as UTF-8 (Excel: 'CSV UTF-8'; in pandas, read it with encoding='cp1252', or the "
                + "file's own encoding, and write it with to_csv(..., index=False))";
    }

    /** Opens the file, decompressing if it is gzip by name or by content; records which in {@code gz[0]}. */
    private static BufferedReader open(Path file, boolean[] gz) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            boolean byName = file.getFileName() != null
                    && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
            // Sniffing as well as trusting the name: a compressed file renamed to .csv still reads.
            if (byName || (b0 == 0x1F && b1 == 0x8B)) {
                gz[0] = true;
                in = new BufferedInputStream(new GzipMembers(in, BUFFER), BUFFER);
            }
            in.mark(SNIFF);
            byte[] head = in.readNBytes(SNIFF);
            in.reset();
            String notText = notText(head, gz[0]);
            if (notText != null) {
                throw error(file.toString(), notText);
            }
            // Strict: a byte UTF-8 does not allow is an error (see notUtf8), not a replacement
            // character that merges two class names (café and cafè in Windows-1252 both read caf\uFFFD).
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)), BUFFER);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Why the file's first bytes are not CSV text, or null if they may be: decoded as UTF-8, a
     * binary file would only fail later with a column count that makes no sense.
     */
    private static String notText(byte[] head, boolean gz) {
        int n = head.length;
        if (n >= 6 && (head[0] & 0xFF) == 0x93 && new String(head, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            return "not a text CSV file (it starts with the .npy magic \\x93NUMPY; "
                    + (gz ? "decompress it and name it .npy)" : "rename it to .npy)");
        }
        if (n >= 2 && (((head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xFE)
                || ((head[0] & 0xFF) == 0xFE && (head[1] & 0xFF) == 0xFF))) {
            return "UTF-16 text; save it as UTF-8";
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return "looks binary, not CSV (a zip archive, e.g. an Excel .xlsx workbook: export the sheet as CSV)";
        }
        // A web page saved in place of the file (the page around a file on GitHub, a login page):
        // it failed on a column count, or read its tags as class names.
        String start = new String(head, 0, Math.min(n, 64), StandardCharsets.ISO_8859_1).replace("\uFEFF", "")
                .replace("\u00EF\u00BB\u00BF", "").stripLeading().toLowerCase(Locale.ROOT);
        if (start.startsWith("<!doctype html") || start.startsWith("<html")) {
            return "an HTML page, not CSV (a web page saved in place of the file? download the file itself, e.g. "
                    + "GitHub's 'Raw' link)";
        }
        // UTF-16 without a byte order mark: ASCII characters alternate with NUL bytes.
        int evenNul = 0;
        int oddNul = 0;
        for (int i = 0; i < n; i++) {
            if (head[i] == 0) {
                if (i % 2 == 0) {
                    evenNul++;
                } else {
                    oddNul++;
                }
            }
        }
        if (evenNul + oddNul == 0) {
            return null;
        }
        int pairs = n / 2;
        if (pairs >= 2 && (evenNul == 0 || oddNul == 0) && Math.max(evenNul, oddNul) >= pairs * 3 / 4) {
            return "UTF-16 text; save it as UTF-8";
        }
        return "looks binary, not CSV (it has NUL bytes)";
    }

    /** Parses the lines; {@code fixedDelim} is the delimiter, or 0 to guess it from the first data line. */
    private static CsvTable parse(String where, BufferedReader reader, char fixedDelim, boolean labels)
            throws IOException {
        Cells cells = new Cells();
        CellParser num = new CellParser();
        float[] values = new float[1024];
        int count = 0;
        int cols = -1; // unknown until the first data row
        boolean integral = true;
        IntegerCollisions collisions = new IntegerCollisions();
        PrecisionLoss precision = null;  // from the first data row on, when the columns are known
        double[] wide = new double[16];  // this line's cells as the text has them (double)
        char delim = 0;
        String headerLine = null;
        long headerLineNo = 0;
        List<String> header = List.of();
        boolean sawContent = false;
        Lines lines = new Lines();
        String tooLarge = null; // text of the first cell too large for float32, at flat index tooLargeAt
        int tooLargeAt = -1;
        String firstLine = null;  // the first data line
        // Label files: lines starting with '#' after the first content line. With no data rows
        // besides them they are labels such as #general (pandas writes them unquoted), not comments.
        int commentsAfterContent = 0;
        BlankLines blanks = new BlankLines();
        // Label files, per column: whether a label was the word true or false, and whether one was a number.
        boolean[] boolWord = new boolean[16];
        boolean[] numberCell = new boolean[16];
        // Headerless ',' files of two whole numbers a line: a column of decimal-comma numbers
        // (6,05 for 6.05, as a spreadsheet in many locales saves one column) reads so. Whether every
        // data line is such a pair, and the first that only a decimal comma writes so (see
        // DECIMAL_PAIR_SIGN), with its line number.
        boolean wholePairs = true;
        String pairSign = null;
        long pairSignLine = 0;

        String line;
        long lineNo = 0;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (lineNo == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                line = line.substring(1); // UTF-8 byte order mark, as Excel writes
            }
            if (skippable(line, delim != 0 ? delim : fixedDelim)) {
                if (labels && sawContent && !line.isBlank()) {
                    commentsAfterContent++;
                }
                if (sawContent && line.isBlank()) {
                    blanks.blank(lineNo);
                }
                continue;
            }

            if (cols < 0) {
                delim = fixedDelim != 0 ? fixedDelim : detectDelimiter(line);
            }
            // Parse straight into the value buffer; a row that turns out to be bad is discarded or
            // reported, so good rows never pay for a second pass.
            cells.reset(line, delim);
            int n = 0;
            int badColumn = 0;
            int bigColumn = 0;
            String bigText = null;
            while (cells.next()) {
                n++;
                if (cols >= 0 && n > cols) {
                    continue; // keep counting for the ragged-row message, store nothing
                }
                float v = num.parse(line, cells.start, cells.end);
                if (!num.ok && labels && isMissing(unquote(line, cells.start, cells.end).strip())) {
                    v = Float.NaN;  // a missing label: its row is left out of the task
                } else if (!num.ok) {
                    if (badColumn == 0) {
                        badColumn = n;
                    }
                    continue;
                }
                if (count + n > values.length) {
                    values = grow(where, values, count + n);
                }
                values[count + n - 1] = v;
                if (labels && !Float.isNaN(v)) {
                    if (n > boolWord.length) {
                        boolWord = Arrays.copyOf(boolWord, 2 * n);
                        numberCell = Arrays.copyOf(numberCell, 2 * n);
                    }
                    if (num.literal && (v == 0f || v == 1f)) {
                        boolWord[n - 1] = true;
                    } else {
                        numberCell[n - 1] = true;
                    }
                }
                if (n > wide.length) {
                    wide = Arrays.copyOf(wide, 2 * n);
                }
                wide[n - 1] = num.wide;
                if (integral && !(labels && Float.isNaN(v)) && (!Float.isFinite(v) || v != Math.rint(v))) {
                    integral = false;
                }
                // >= : 16777217 rounds onto 16777216f itself, which must be noted to see the merge.
                if (Math.abs(v) >= 16777216f && v == Math.rint(v) && Float.isFinite(v)) {
                    noteRounded(collisions, n - 1, line, cells.start, cells.end, v);
                }
                if (bigColumn == 0 && Float.isInfinite(v) && !num.literal) {
                    bigColumn = n;
                    bigText = clip(unquote(line, cells.start, cells.end).strip());
                }
            }

            boolean firstContent = !sawContent;
            if (firstContent) {
                sawContent = true;
                if (isHeader(line, delim, cells, num)) {
                    // Its delimiter is decided by the first data line, which may differ (e.g. names
                    // with spaces).
                    headerLine = line;
                    headerLineNo = lineNo;
                    integral = true;
                    Arrays.fill(boolWord, false);
                    Arrays.fill(numberCell, false);
                    continue;
                }
            }
            if (cols < 0) {
                cols = n;
                if (headerLine != null) {
                    header = splitHeader(headerLine, delim, cells);
                    if (header.size() != cols) {
                        throw error(where, "line " + headerLineNo + " (header) has " + columns(header.size())
                                + ", expected " + cols + " (as in line " + lineNo + ")"
                                + (unbalancedQuotes(headerLine) ? "; it has an unmatched '\"'" : "")
                                + (endsWith(line, delim) && !endsWith(headerLine, delim)
                                        ? "; line " + lineNo + " ends with a trailing '" + delim + "'" : "")
                                + headerNote(headerLine, line, cells, num)
                                + (header.size() == cols - 1 && !unbalancedQuotes(headerLine)
                                        && quotedFirstCell(line, delim, cells)
                                        ? "; a header one name short over rows that start with a quoted cell is how R's "
                                                + "write.table writes row names: write the file with row.names = FALSE"
                                        : ""));
                    }
                    if (cols > 1 && header.get(0).isBlank()) {
                        throw error(where, "line " + headerLineNo + " (header): the first column has no name, as "
                                + "pandas writes its row index (DataFrame.to_csv without index=False); drop that "
                                + "column or write the file with index=False" + R_ROW_NAMES);
                    }
                }
            }
            if (n != cols) {
                throw error(where, "line " + lineNo + " has " + columns(n) + ", expected " + cols
                        + raggedNote(line, firstLine, headerLine, cells, num));
            }
            if (badColumn != 0) {
                String text = cellText(line, delim, badColumn, cells);
                String word = unquote(text, 0, text.length()).strip();
                if (labels && (isText(word) || NAME_MARKERS.contains(word.toLowerCase(Locale.ROOT)))) {
                    throw new TextFound();
                }
                // A word in the first data row under a named column is most often a label or text
                // column left among the inputs: name the column and say so ('column 301: cannot
                // parse 'neg'' left the user to count 301 columns to find 'sentiment').
                boolean wordInNamedColumn = count == 0 && header != null && badColumn <= header.size()
                        && !header.get(badColumn - 1).isBlank() && isText(word) && !isMissingMarker(word)
                        && !decimalComma(word) && looksLikeWord(word);
                String named = wordInNamedColumn ? " ('" + clip(header.get(badColumn - 1)) + "')" : "";
                String wordNote = wordInNamedColumn
                        ? "; inputs are numbers only: a column of labels or text belongs in the label file, not among "
                                + "the inputs (drop it, e.g. df.drop(columns=[...]))" : "";
                throw error(where, "line " + lineNo + ", column " + badColumn + named + ": "
                        + badCell(text, lineNo, firstContent, badColumn == n && count == 0 && endsWith(line, delim)
                                && restEndsWith(reader, delim), delim, commaReading(line, cells, num),
                                headerLine == null) + wordNote);
            }
            if (bigColumn != 0 && tooLargeAt < 0) {
                tooLargeAt = count + bigColumn - 1;
                tooLarge = bigText;
            }
            if (precision == null) {
                precision = PrecisionLoss.ofColumns(cols);
            }
            for (int j = 0; j < n; j++) {
                precision.note((long) count + j, wide[j], values[count + j]);
            }
            if (wholePairs && headerLine == null && delim == ',' && n == 2) {
                String pair = line.strip();
                wholePairs = WHOLE_PAIR.matcher(pair).matches();
                if (wholePairs && pairSign == null && DECIMAL_PAIR_SIGN.matcher(pair).matches()) {
                    pairSign = pair.replace(" ", "");
                    pairSignLine = lineNo;
                }
            }
            if (count == 0) {
                firstLine = line;
            }
            blanks.row();
            lines.add(count / cols, lineNo);
            count += n;
        }

        if (cols < 0) {
            if (commentsAfterContent > 0) {
                throw new TextFound();
            }
            throw error(where, headerLine == null ? "no data rows" : "no data rows (only a header line)");
        }
        if (headerLine == null && delim == ',' && cols == 2 && wholePairs && pairSign != null) {
            String first = pairSign.substring(0, pairSign.indexOf(','));
            throw error(where, "line " + pairSignLine + ": every line reads as two whole numbers, but '" + clip(pairSign)
                    + "' has " + (first.matches("[-+]0") ? "a first one of " + first : "a second one with a leading zero")
                    + ", which no program writes" + decimalCommaNote(new CommaReading(';', 1, pairSign), true)
                    + "; if the file does hold two columns of whole numbers, write them as such (05 as 5, -0 as 0)");
        }
        int rows = count / cols;
        float[] data = count == values.length ? values : Arrays.copyOf(values, count);
        CsvOrigin origin = new CsvOrigin(lines, cols, tooLargeAt, tooLarge);
        NpyArray array = new NpyArray(new int[] {rows, cols}, data, "<f4", integral, origin);
        array.integerCollision = collisions.example();
        if (array.integerCollision != null) {
            array.columnCollisions = new String[cols];
            for (int j = 0; j < cols; j++) {
                array.columnCollisions[j] = collisions.example(j);
            }
        }
        array.precisionLoss = precision.describe();
        array.precision = precision;
        array.pandasHeaderRow = headerLine == null && rows >= 2 && cols <= 2 && firstLine != null
                && pandasNames(firstLine, delim, cells, cols);
        array.columnNames = header.isEmpty() ? null : header.toArray(new String[0]);
        if (labels) {
            boolean[] bool = new boolean[cols];
            for (int j = 0; j < cols && j < boolWord.length; j++) {
                bool[j] = boolWord[j] && !numberCell[j];
            }
            array.booleanColumns = bool;
        }
        blanks.noteOn(array);
        return new CsvTable(array, header);
    }

    /**
     * Whether the line is exactly pandas' default column names 0 (or 0,1) for a frame or series
     * without names: a header that {@link #isHeader} cannot tell from a plausible label row.
     */
    private static boolean pandasNames(String line, char delim, Cells cells, int cols) {
        cells.reset(line, delim);
        int n = 0;
        while (cells.next()) {
            if (n >= cols || !unquote(line, cells.start, cells.end).strip().equals(Integer.toString(n))) {
                return false;
            }
            n++;
        }
        return n == cols;
    }

    /**
     * A blank line or a comment ('#'), skipped anywhere. Not blank: a line of tabs when the tab is
     * the delimiter (a row of empty cells, as pandas writes a row of missing values), and not a
     * comment: a line starting with the missing-value marker #N/A (pandas and Excel write it).
     */
    private static boolean skippable(String line, char delim) {
        int first = 0;
        while (first < line.length() && Character.isWhitespace(line.charAt(first))) {
            first++;
        }
        if (first == line.length()) {
            return !(delim == '\t' && line.indexOf('\t') >= 0);
        }
        if (line.charAt(first) != '#') {
            return false;
        }
        String rest = line.substring(first).toLowerCase(Locale.ROOT);
        for (String marker : new String[] {"#n/a n/a", "#n/a", "#na"}) {
            if (rest.startsWith(marker) && (rest.length() == marker.length()
                    || !Character.isLetterOrDigit(rest.charAt(marker.length())))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A cell of letters without digits ('neg', 'spam'): a label or text column's value, unlike a
     * number written with a unit or separator ('12%', '$5.00', '2020-01-01'), which is a feature
     * to clean rather than a column to move to the label file.
     */
    private static boolean looksLikeWord(String text) {
        return text.chars().anyMatch(Character::isLetter) && text.chars().noneMatch(Character::isDigit);
    }

    /**
     * Whether a cell that is not a number reads as a word, such as a class name: not empty, not a
     * missing-value marker and not a number with a decimal comma or thousands separators (a label
     * column of amounts such as 1,234.50 is numbers to be written plainly, not classes).
     */
    private static boolean isText(String text) {
        return !text.isEmpty() && !isMissingMarker(text) && !decimalComma(text) && !THOUSANDS.matcher(text).matches()
                && !THOUSANDS_EU.matcher(text).matches();
    }

    /** A label cell that holds no label: empty, NaN or a missing-value marker ("none" and "?" too among numbers). */
    private static boolean isMissing(String text) {
        return text.isEmpty() || isMissingMarker(text) || text.equalsIgnoreCase("nan");
    }

    /** Missing-value markers that may also be class names ("none" of a severity scale, "?"). */
    private static final Set<String> NAME_MARKERS = Set.of("none", "?");

    /**
     * Parses a label file that has text: see {@link #readLabelTable}. Columns whose cells are words
     * for at least a tenth are class names; the others must be numbers throughout.
     */
    private static CsvTable parseText(String where, BufferedReader reader, char fixedDelim) throws IOException {
        Cells cells = new Cells();
        CellParser num = new CellParser();
        List<String[]> rows = new ArrayList<>();
        long[] lineOf = new long[64];
        char delim = fixedDelim;
        boolean oneCell = false;
        boolean first = true;
        BlankLines blanks = new BlankLines();
        String line;
        long lineNo = 0;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (lineNo == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                line = line.substring(1);
            }
            String t = line.strip();
            // Only a leading '#' line is a comment (np.savetxt's header): after the first content
            // line it is a class name such as #general, which pandas writes unquoted.
            if (skippable(line, first ? fixedDelim : delim) && (first || t.isEmpty())) {
                if (!first && t.isEmpty()) {
                    blanks.blank(lineNo);
                }
                continue;
            }
            if (first) {
                // Without ',', ';' or tab a line is one label, so that names may hold spaces.
                delim = fixedDelim != 0 ? fixedDelim : detectDelimiter(line);
                oneCell = delim == 0;
                first = false;
            }
            String[] row;
            if (oneCell) {
                row = new String[] {unquote(t, 0, t.length()).strip()};
            } else {
                List<String> list = new ArrayList<>();
                cells.reset(line, delim);
                while (cells.next()) {
                    list.add(unquote(line, cells.start, cells.end).strip());
                }
                row = list.toArray(new String[0]);
            }
            if (!rows.isEmpty() && row.length != rows.get(0).length) {
                throw error(where, "line " + lineNo + " has " + columns(row.length) + ", expected "
                        + rows.get(0).length + " (as in line " + lineOf[0] + ")");
            }
            if (rows.size() == lineOf.length) {
                lineOf = Arrays.copyOf(lineOf, 2 * rows.size());
            }
            lineOf[rows.size()] = lineNo;
            rows.add(row);
            blanks.row();
        }
        if (rows.isEmpty()) {
            throw error(where, "no data rows");
        }
        int cols = rows.get(0).length;
        // Column kinds from the rows after the first, which may be a header.
        int[] textCells = new int[cols];
        int[] numberCells = new int[cols];
        List<java.util.Set<String>> seen = new ArrayList<>();
        for (int j = 0; j < cols; j++) {
            seen.add(new java.util.HashSet<>());
        }
        for (int r = 1; r < rows.size(); r++) {
            String[] row = rows.get(r);
            for (int j = 0; j < cols; j++) {
                String c = row[j];
                num.parse(c, 0, c.length());
                if (num.ok) {
                    numberCells[j]++;
                } else if (isText(c) || NAME_MARKERS.contains(c.toLowerCase(Locale.ROOT))) {
                    textCells[j]++;
                }
                seen.get(j).add(c);
            }
        }
        boolean[] text = new boolean[cols];
        for (int j = 0; j < cols; j++) {
            // Text when at least a tenth of the cells are words ("1", "2", "three" are three
            // classes); a stray word among numbers (a typo in a measurement) is an error below.
            text[j] = textCells[j] > 0 && 10L * textCells[j] >= textCells[j] + numberCells[j];
            if (text[j]) {
                // Many different numbers and a word or two: a measurement with a placeholder ("-",
                // "unknown") for missing values, however many rows hold it, not dozens of classes.
                java.util.Set<String> words = new java.util.TreeSet<>();
                int numbers = 0;
                for (String v : seen.get(j)) {
                    num.parse(v, 0, v.length());
                    if (num.ok) {
                        numbers++;
                    } else if (!v.isEmpty()) {
                        words.add(v);
                    }
                }
                if (numbers > EncodedLabels.MAX_CLASSES && words.size() <= 3) {
                    throw error(where, "column " + (j + 1) + " holds " + numbers + " different numbers and the word"
                            + (words.size() == 1 ? " '" + clip(words.iterator().next()) + "'" : "s " + words)
                            + ": a placeholder for missing values? write those cells empty or NA (the rows are then "
                            + "left out of the task), or make every label a word if they are classes");
                }
            }
        }
        // The first line is a header if it has a name, unless each of its cells could be a value
        // of its column (a label file without header whose first label is "spam").
        String[] head = rows.get(0);
        boolean hasName = false;
        boolean allValues = true;
        for (int j = 0; j < cols; j++) {
            num.parse(head[j], 0, head[j].length());
            hasName |= !num.ok && isText(head[j]);
            allValues &= text[j] ? seen.get(j).contains(head[j]) : num.ok;
        }
        // pandas' default names 0 (0,1) over text columns that do not hold them are a header too.
        boolean pandas = rows.size() > 1;
        for (int j = 0; j < cols; j++) {
            pandas &= head[j].equals(Integer.toString(j)) && (!text[j] || !seen.get(j).contains(head[j]));
        }
        boolean header = (hasName || pandas) && !(allValues && rows.size() > 1);
        int skip = header ? 1 : 0;
        if (rows.size() == skip) {
            throw error(where, "no data rows (only a header line)");
        }
        if (header && cols > 1 && head[0].isBlank()) {
            throw error(where, "line " + lineOf[0] + " (header): the first column has no name, as pandas writes its "
                    + "row index (DataFrame.to_csv without index=False); drop that column or write the file with "
                    + "index=False" + R_ROW_NAMES);
        }
        int m = rows.size() - skip;
        float[] values = new float[m * cols];
        String[] labels = new String[m * cols];
        Lines lines = new Lines();
        int tooLargeAt = -1;
        String tooLarge = null;
        for (int r = 0; r < m; r++) {
            String[] row = rows.get(r + skip);
            long ln = lineOf[r + skip];
            lines.add(r, ln);
            for (int j = 0; j < cols; j++) {
                String c = row[j];
                if (text[j]) {
                    // A missing label (empty, NA, NaN; "none" and "?" are names here) leaves its row out.
                    boolean missing = c.isEmpty() || (!NAME_MARKERS.contains(c.toLowerCase(Locale.ROOT))
                            && (isMissingMarker(c) || c.equalsIgnoreCase("nan")));
                    labels[r * cols + j] = missing ? null : c;
                    continue;
                }
                float v = num.parse(c, 0, c.length());
                if (!num.ok && isMissing(c)) {
                    v = Float.NaN;
                } else if (!num.ok) {
                    String what = badCell(c, ln, false, false, delim);
                    throw error(where, "line " + ln + ", column " + (j + 1) + ": " + what
                            + (isText(c) ? " (the column is numbers but for under a tenth of its cells; a label "
                                    + "column is read as class names when at least a tenth of its cells are words)" : ""));
                }
                if (Float.isInfinite(v) && !num.literal && tooLargeAt < 0) {
                    tooLargeAt = r * cols + j;
                    tooLarge = clip(c);
                }
                values[r * cols + j] = v;
            }
        }
        CsvOrigin origin = new CsvOrigin(lines, cols, tooLargeAt, tooLarge);
        NpyArray array = TextLabels.encode(new int[] {m, cols}, "<f4", values, labels, text, origin);
        array.columnNames = header ? head.clone() : null;
        blanks.noteOn(array);
        return new CsvTable(array, header ? Arrays.asList(head) : List.of());
    }

    /** The raw text of the 1-based column {@code col} of {@code line}. */
    private static String cellText(String line, char delim, int col, Cells cells) {
        cells.reset(line, delim);
        for (int c = 0; c < col; c++) {
            cells.next();
        }
        return line.substring(cells.start, cells.end);
    }

    /**
     * A number with ',' thousands separators that cannot be a decimal comma: 1,234.5 or 1,234,567
     * (as spreadsheets format amounts); 1,234 alone is left to the decimal comma's note.
     */
    private static final java.util.regex.Pattern THOUSANDS =
            java.util.regex.Pattern.compile("[-+]?\\d{1,3}(,\\d{3})+\\.\\d*|[-+]?\\d{1,3}(,\\d{3}){2,}");

    /** The same with '.' separators and a decimal comma: 1.234,5 or 1.234.567. */
    private static final java.util.regex.Pattern THOUSANDS_EU =
            java.util.regex.Pattern.compile("[-+]?\\d{1,3}(\\.\\d{3})+,\\d*|[-+]?\\d{1,3}(\\.\\d{3}){2,}");

    /** A data line of two whole numbers separated by ',': what a column of decimal-comma numbers gives. */
    private static final java.util.regex.Pattern WHOLE_PAIR = java.util.regex.Pattern.compile("[-+]?\\d+ *, *\\d+");

    /**
     * Such a line that only a decimal comma writes: a second number with a leading zero (6,05) or
     * a first one of -0 (-0,5); no program writes whole numbers so.
     */
    private static final java.util.regex.Pattern DECIMAL_PAIR_SIGN =
            java.util.regex.Pattern.compile("[-+]?\\d+ *, *0\\d+|[-+]0 *, *\\d+");

    /** A number written with a decimal comma, e.g. -0,3 or 1,5e-3. */
    private static boolean decimalComma(String text) {
        return text.strip().matches("[-+]?\\d+,\\d+([eE][-+]?\\d+)?");
    }

    /**
     * How {@code line}, a data line, reads as numbers with decimal commas (1,5 for 1.5, as
     * spreadsheets in many locales and pandas' {@code decimal=','} write them): the cells tried as
     * separated by ';', tab, ',' (the quoted cells of {@code to_csv(decimal=',')}) or spaces, the
     * first reading in which every cell is a number or empty and one or more a number with a
     * decimal comma, e.g. {@code 1,5;2,25;3}; null if none.
     */
    private static CommaReading commaReading(String line, Cells cells, CellParser num) {
        for (char sep : new char[] {';', '\t', ',', 0}) {
            cells.reset(line, sep);
            int n = 0;
            String example = null;
            boolean numbers = true;
            while (numbers && cells.next()) {
                n++;
                String c = unquote(line, cells.start, cells.end).strip();
                if (decimalComma(c)) {
                    example = example == null ? c : example;
                } else if (!c.isEmpty()) {
                    num.parse(c, 0, c.length());
                    numbers = num.ok;
                }
            }
            if (numbers && example != null) {
                return new CommaReading(sep, n, example);
            }
        }
        return null;
    }

    /** A data line read as decimal-comma numbers: its separator (0: spaces), cell count and first such cell. */
    private record CommaReading(char sep, int cells, String example) {
    }

    /** The cells of {@code line} separated by {@code sep} if all are numbers (decimal commas too) or empty, else -1. */
    private static int numberCells(String line, char sep, Cells cells, CellParser num) {
        cells.reset(line, sep);
        int n = 0;
        while (cells.next()) {
            n++;
            String c = unquote(line, cells.start, cells.end).strip();
            if (!c.isEmpty() && !decimalComma(c)) {
                num.parse(c, 0, c.length());
                if (!num.ok) {
                    return -1;
                }
            }
        }
        return n;
    }

    /**
     * For an error caused by cells with decimal commas, which the reader splits at ',' or cannot
     * parse: "; the file seems to use decimal commas ('1,5' for 1.5), which are not supported:
     * ..." with what to do in pandas, for the reading {@code r} of a data line.
     */
    private static String decimalCommaNote(CommaReading r, boolean headerless) {
        String how = r.cells() == 1 ? "" : switch (r.sep()) {
            case ';' -> "sep=';', ";
            case '\t' -> "sep='\\t', ";
            case ',' -> "";
            default -> "sep=r'\\s+', ";
        };
        return "; the file seems to use decimal commas ('" + clip(r.example()) + "' for "
                + clip(r.example().replace(',', '.')) + "), which are not supported: write numbers with '.' (pandas'"
                + " to_csv default, decimal='.'), e.g. convert with pd.read_csv(path, " + how + "decimal=','"
                + (headerless ? ", header=None" : "") + ").to_csv(path, index=False"
                + (headerless ? ", header=False" : "") + ")";
    }

    /**
     * The note for a header with another column count than the first data line, {@code line}, if
     * that line reads as decimal-comma numbers that {@link #headerFits fit} the header; else "".
     * So {@code y} over {@code 0,5} gets it, {@code a,b,c} over {@code 1,5} (a short row) does not,
     * nor a header with an unmatched quote (which explains its count already).
     */
    private static String headerNote(String headerLine, String line, Cells cells, CellParser num) {
        CommaReading r = commaReading(line, cells, num);
        return r != null && headerFits(headerLine, r, cells) ? decimalCommaNote(r, false) : "";
    }

    /**
     * Whether the header has as many names as the reading {@code r} has cells, split at its own
     * delimiter (or, without one, as one name or names separated by spaces).
     */
    private static boolean headerFits(String headerLine, CommaReading r, Cells cells) {
        if (unbalancedQuotes(headerLine)) {
            return false;
        }
        char hd = detectDelimiter(headerLine);
        return hd != 0 ? splitHeader(headerLine, hd, cells).size() == r.cells()
                : r.cells() == 1 || splitHeader(headerLine, (char) 0, cells).size() == r.cells();
    }

    /**
     * The note for a data line ({@code line}) whose column count differs from the first data
     * line's ({@code first}), if one of them reads as decimal-comma numbers, the other as as many
     * numbers with the same separator, and a header, if any, {@link #headerFits fits}; else "".
     * Without a header, {@code 1,2} over {@code 3} gets it: a column of 1.2 and 3, or a short row.
     */
    private static String raggedNote(String line, String first, String headerLine, Cells cells, CellParser num) {
        // What the line does not show: NUL bytes (binary data, or a file cut off while it was written,
        // which some file systems fill with zeros) and a quote opened and never closed, which takes the
        // rest of the line into one cell.
        if (line.indexOf('\0') >= 0) {
            return "; it holds NUL bytes (binary data, not text: a file cut off or damaged while being written?)";
        }
        if (unbalancedQuotes(line)) {
            return "; it has an unmatched '\"', which makes the rest of the line one cell";
        }
        for (String[] pair : new String[][] {{line, first}, {first, line}}) {
            CommaReading r = pair[0] == null ? null : commaReading(pair[0], cells, num);
            if (r != null && pair[1] != null && numberCells(pair[1], r.sep(), cells, num) == r.cells()
                    && (headerLine == null || headerFits(headerLine, r, cells))) {
                return decimalCommaNote(r, headerLine == null);
            }
        }
        return "";
    }

    /**
     * Whether the first content line holds column names: it has a name (a cell that is not a
     * number, not empty and not a missing-value marker) and its only numbers, if any, are pandas'
     * default names 0, 1, 2, ... in order (as in {@code 0,1,...,63,label} after adding a named
     * column to an unnamed frame). A line with other numbers is data: {@code 1.5,NA,2.0} is a row
     * with a missing value, and reading it as a header would lose a row and blame the row count.
     * Without names, only pandas' default header 0,1,...,n-1 (from three columns on: {@code 0,1}
     * is also a plausible one-hot row) counts, with or without the unnamed index column before it,
     * which is read as a header so that the index column is reported.
     */
    private static boolean isHeader(String line, char delim, Cells cells, CellParser num) {
        cells.reset(line, delim);
        int n = 0;
        int names = 0;
        int numbers = 0;
        boolean pandasNames = true;
        boolean firstEmpty = false;
        while (cells.next()) {
            n++;
            float v = num.parse(line, cells.start, cells.end);
            if (num.ok) {
                // pandas writes its default names as plain integers: "0.0" is a value, not a name.
                pandasNames &= unquote(line, cells.start, cells.end).strip().equals(Integer.toString(numbers));
                numbers++;
                continue;
            }
            String text = unquote(line, cells.start, cells.end).strip();
            if (text.isEmpty()) {
                firstEmpty |= n == 1;
            } else if (!isMissingMarker(text) && !decimalComma(text)) {
                names++;
            }
        }
        // Any name makes it a header, numbers beside it included (id,2019,2020; wavelengths
        // sample,400,410); without names only pandas' default column names 0,1,2,... do. Missing-
        // value markers and empty cells are not names, so 1.5,NA,2.0 is data and reported as such.
        if (names > 0) {
            return true;
        }
        // An empty first cell before 0,1,... is pandas' unnamed index over unnamed columns (",0" for
        // a series written with its index): as data it would be a missing value, so a header at any
        // width, which lets the index column be reported as such.
        return pandasNames && ((n >= 3 && numbers == n) || (n >= 2 && firstEmpty && numbers == n - 1));
    }

    private static boolean isMissingMarker(String text) {
        return MISSING.contains(text.toLowerCase(Locale.ROOT));
    }

    /** The message for a data cell that is not a number, after "line L, column C: ". */
    private static String badCell(String raw, long lineNo, boolean firstContent, boolean trailing, char delim) {
        return badCell(raw, lineNo, firstContent, trailing, delim, null, false);
    }

    /**
     * As {@link #badCell(String, long, boolean, boolean, char)}; {@code line}, the cell's line read
     * as decimal-comma numbers (or null), words a decimal comma cell's note with pandas' fix.
     */
    private static String badCell(String raw, long lineNo, boolean firstContent, boolean trailing, char delim,
            CommaReading line, boolean headerless) {
        String text = raw.isEmpty() ? raw : unquote(raw, 0, raw.length()).strip();
        if (text.isEmpty()) {
            return trailing ? "empty cell: every line ends with a trailing '" + delim + "' (an empty last column); "
                    + "remove it" : "empty cell" + MISSING_HINT;
        }
        String what = "cannot parse '" + clip(raw) + "' as a number";
        String sep = THOUSANDS.matcher(text).matches() ? "," : THOUSANDS_EU.matcher(text).matches() ? "." : null;
        if (sep != null) {
            return what + "; it seems to use '" + sep + "' as a thousands separator ('" + clip(text) + "' for "
                    + clip(sep.equals(",") ? text.replace(",", "") : text.replace(".", "").replace(',', '.'))
                    + "), which is not supported: write numbers without it (in pandas, read such a file with "
                    + "pd.read_csv(..., thousands='" + sep + "'" + (sep.equals(".") ? ", decimal=','" : "")
                    + ") and write it with to_csv(..., index=False))";
        }
        if (decimalComma(text)) {
            return what + (line != null ? decimalCommaNote(line, headerless) : " (a decimal comma? write numbers with '.')");
        }
        if (isMissingMarker(text)) {
            return what + MISSING_HINT;
        }
        return what;
    }

    /** Whether the line ends with the delimiter, blanks after it aside (a trailing delimiter). */
    private static boolean endsWith(String line, char delim) {
        int e = line.length();
        while (e > 0 && (line.charAt(e - 1) == ' ' || line.charAt(e - 1) == '\t') && line.charAt(e - 1) != delim) {
            e--;
        }
        return delim != 0 && e > 0 && line.charAt(e - 1) == delim;
    }

    /** Whether every content line left ends with the delimiter too (read only to word an error). */
    private static boolean restEndsWith(BufferedReader reader, char delim) throws IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            String t = line.strip();
            if (!t.isEmpty() && t.charAt(0) != '#' && !endsWith(line, delim)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Line numbers of the data rows, kept as the rows where the line number stops being the
     * previous one plus one (after a blank or comment line), so a clean file costs a few bytes.
     */
    private static final class Lines {
        private int[] rows = new int[4];
        private long[] lines = new long[4];
        private int n;
        private int lastRow = -1;
        private long lastLine;

        void add(int row, long line) {
            if (n == 0 || line != lastLine + (row - lastRow)) {
                if (n == rows.length) {
                    rows = Arrays.copyOf(rows, n * 2);
                    lines = Arrays.copyOf(lines, n * 2);
                }
                rows[n] = row;
                lines[n] = line;
                n++;
            }
            lastRow = row;
            lastLine = line;
        }

        long lineOf(int row) {
            int k = Arrays.binarySearch(rows, 0, n, row);
            if (k < 0) {
                k = -k - 2; // the last run starting before row
            }
            return lines[k] + (row - rows[k]);
        }
    }

    /**
     * Blank lines between data rows (after the first content line, before a later row; not the
     * ones at the end), which are skipped. A spreadsheet writes a missing value in a one-column
     * file as an empty line, so they explain a label file one row short per line.
     */
    private static final class BlankLines {
        private int count;
        private long first;
        private int run;
        private long runStart;

        void blank(long lineNo) {
            if (run++ == 0) {
                runStart = lineNo;
            }
        }

        void row() {
            if (run > 0) {
                first = count == 0 ? runStart : first;
                count += run;
                run = 0;
            }
        }

        void noteOn(NpyArray array) {
            array.blankLines = count;
            array.firstBlankLine = first;
        }
    }

    /** Names a value by its 1-based line and column, like every other CSV message. */
    private record CsvOrigin(Lines lines, int cols, int tooLargeAt, String tooLarge) implements NpyArray.Origin {
        @Override
        public String location(int flat) {
            return "line " + lines.lineOf(flat / cols) + ", column " + (flat % cols + 1);
        }

        @Override
        public String outOfRange(int flat) {
            return flat == tooLargeAt ? tooLarge : null;
        }
    }

    private static float[] grow(String where, float[] values, int needed) {
        if (needed > Npy.MAX_ELEMENTS) {
            throw error(where, "table too large: more than " + Npy.MAX_ELEMENTS + " values");
        }
        long target = Math.max(needed, (long) values.length + (values.length >> 1));
        return Arrays.copyOf(values, (int) Math.min(target, Npy.MAX_ELEMENTS));
    }

    /**
     * Most frequent of ',', tab, ';' outside double quotes (ties in that order); 0 for
     * whitespace-separated.
     */
    private static char detectDelimiter(String line) {
        int commas = 0;
        int tabs = 0;
        int semis = 0;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted; // "" inside quotes toggles twice: still quoted
            } else if (!quoted) {
                switch (c) {
                    case ',' -> commas++;
                    case '\t' -> tabs++;
                    case ';' -> semis++;
                    default -> { }
                }
            }
        }
        if (commas == 0 && tabs == 0 && semis == 0) {
            return 0;
        }
        if (semis > 0 && tabs == 0) {
            // Semicolons separate fields exactly where commas are decimal marks (the European
            // convention, pandas' sep=';', decimal=','): never split numbers at their commas.
            return ';';
        }
        if (commas >= tabs && commas >= semis) {
            return ',';
        }
        return tabs >= semis ? '\t' : ';';
    }

    private static List<String> splitHeader(String line, char delim, Cells cells) {
        List<String> names = new ArrayList<>();
        cells.reset(line, delim);
        while (cells.next()) {
            names.add(unquote(line, cells.start, cells.end).strip());
        }
        return names;
    }

    /**
     * A whole number beyond 2^24 was read as {@code v}: notes its exact value (from the text) so
     * that two class ids float32 merges can be refused later. Text that is not an exact integer
     * within the long or the uint64 range (e.g. "1e30") is skipped: no class id is written that way.
     */
    private static void noteRounded(IntegerCollisions collisions, int column, String line, int start, int end,
                                    float v) {
        try {
            java.math.BigDecimal exact = new java.math.BigDecimal(unquote(line, start, end).strip());
            java.math.BigInteger whole = exact.toBigIntegerExact();
            if (whole.signum() > 0 && whole.bitLength() == 64) {
                // 2^63 to 2^64 - 1, as a uint64 .npy holds them (its reader notes them alike).
                collisions.note(column, whole.longValue(), v, true);
            } else {
                collisions.note(column, whole.longValueExact(), v);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // not an integer we can hold exactly; nothing to compare
        }
    }

    /**
     * The text of a field: for a quoted one, what is inside the quotes with {@code ""} read as one
     * quote (text after the closing quote, which RFC 4180 does not allow, is kept as is).
     */
    static String unquote(String line, int start, int end) {
        if (start == end || line.charAt(start) != '"') {
            return line.substring(start, end);
        }
        StringBuilder sb = new StringBuilder(end - start);
        int i = start + 1;
        while (i < end) {
            char c = line.charAt(i++);
            if (c == '"') {
                if (i < end && line.charAt(i) == '"') {
                    sb.append('"');
                    i++;
                } else {
                    return sb.append(line, i, end).toString(); // closing quote
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString(); // no closing quote: the rest of the line
    }

    /** R's write.csv writes its row names under an empty name too, as pandas writes its index. */
    private static final String R_ROW_NAMES = " (in R: write.csv(..., row.names = FALSE))";

    /** Whether the line's first cell is in double quotes, as R's write.table quotes row names. */
    private static boolean quotedFirstCell(String line, char delim, Cells cells) {
        cells.reset(line, delim);
        return cells.next() && cells.end > cells.start && line.charAt(cells.start) == '"';
    }

    /** Whether a quote opened in the line is never closed. */
    private static boolean unbalancedQuotes(String line) {
        return line.chars().filter(c -> c == '"').count() % 2 != 0;
    }

    /**
     * Walks the cells of one line without allocating: {@link #start}/{@link #end} delimit the
     * current cell, trimmed of surrounding spaces and tabs. A cell that starts with a double quote
     * runs to its closing quote ({@code ""} inside is an escaped quote) and may hold delimiters; the
     * span includes the quotes (see {@link Csv#unquote}).
     */
    private static final class Cells {
        private String line;
        private char delim;
        private int pos;
        private boolean done;
        int start;
        int end;

        void reset(String line, char delim) {
            this.line = line;
            this.delim = delim;
            this.pos = 0;
            this.done = false;
        }

        boolean next() {
            if (done) {
                return false;
            }
            int len = line.length();
            if (delim == 0) {
                while (pos < len && isBlank(line.charAt(pos))) {
                    pos++;
                }
                if (pos == len) {
                    done = true;
                    return false;
                }
                start = pos;
                if (line.charAt(pos) == '"') {
                    pos = afterQuoted(pos);
                }
                while (pos < len && !isBlank(line.charAt(pos))) {
                    pos++;
                }
                end = pos;
                return true;
            }
            int from = pos;
            while (from < len && isPad(line.charAt(from))) {
                from++;
            }
            if (from < len && line.charAt(from) == '"') {
                from = afterQuoted(from);
            }
            int stop = line.indexOf(delim, from);
            if (stop < 0) {
                stop = len;
                done = true;
            }
            int s = pos;
            int e = stop;
            while (s < e && isPad(line.charAt(s))) {
                s++;
            }
            while (e > s && isPad(line.charAt(e - 1))) {
                e--;
            }
            start = s;
            end = e;
            pos = stop + 1;
            return true;
        }

        /** Index just past the quote closing the field that opens at {@code open}, or the line's end. */
        private int afterQuoted(int open) {
            int i = open + 1;
            while (true) {
                int q = line.indexOf('"', i);
                if (q < 0) {
                    return line.length();
                }
                if (q + 1 < line.length() && line.charAt(q + 1) == '"') {
                    i = q + 2;
                } else {
                    return q + 1;
                }
            }
        }

        /**
         * Padding around a cell: spaces, and tabs unless the tab is the delimiter (then two tabs in a
         * row are an empty cell, as pandas writes a missing value, not one separator).
         */
        private boolean isPad(char c) {
            return c == ' ' || (c == '\t' && delim != '\t');
        }

        private static boolean isBlank(char c) {
            return c == ' ' || c == '\t';
        }
    }

    /**
     * Parses one cell as a float, correctly rounded, with the common short cases done without
     * allocating a substring. Sets {@link #ok} instead of throwing, since "not a number" is the
     * expected outcome on a header line.
     */
    static final class CellParser {
        /** Powers of ten that are exact in float (5^10 < 2^24). */
        private static final float[] POW10 = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
        private static final double[] DPOW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};
        /** Powers of ten that are exact in double (5^22 < 2^53). */
        private static final double[] DPOW10_22 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
            1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        /** Stop accumulating digits here so that mant * 10 + 9 cannot overflow a long. */
        private static final long MANT_LIMIT = 100_000_000_000_000_000L;

        boolean ok;
        /** Whether the cell was a word (nan, inf, infinity, true, false) rather than digits. */
        boolean literal;
        /**
         * The cell's value in double precision (for a parsed cell), so that the precision lost in
         * float32 can be measured ({@link PrecisionLoss}); equal to the float when nothing was.
         */
        double wide;

        float parse(String s, int start, int end) {
            wide = Double.NaN;
            float f = parseCell(s, start, end);
            if (ok && Double.isNaN(wide)) {
                wide = f;
            }
            return f;
        }

        private float parseCell(String s, int start, int end) {
            ok = false;
            literal = false;
            if (end - start >= 2 && s.charAt(start) == '"' && s.charAt(end - 1) == '"') {
                start++;
                end--;
                while (start < end && s.charAt(start) == ' ') {
                    start++;
                }
                while (end > start && s.charAt(end - 1) == ' ') {
                    end--;
                }
            }
            int i = start;
            if (i == end) {
                return 0f;
            }
            boolean negative = false;
            char c = s.charAt(i);
            if (c == '+' || c == '-') {
                negative = c == '-';
                i++;
                if (i == end) {
                    return 0f;
                }
                c = s.charAt(i);
            }
            if (Character.isLetter(c)) {
                int n = end - i;
                // pandas writes a bool column as True/False; unsigned, as no one writes -True.
                if (i == start && (n == 4 && s.regionMatches(true, i, "true", 0, 4)
                        || n == 5 && s.regionMatches(true, i, "false", 0, 5))) {
                    ok = true;
                    literal = true;
                    return n == 4 ? 1f : 0f;
                }
                if (n == 3 && s.regionMatches(true, i, "nan", 0, 3)) {
                    ok = true;
                    literal = true;
                    return Float.NaN;
                }
                if ((n == 3 && s.regionMatches(true, i, "inf", 0, 3))
                        || (n == 8 && s.regionMatches(true, i, "infinity", 0, 8))) {
                    ok = true;
                    literal = true;
                    return negative ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                }
                return 0f;
            }

            long mant = 0;
            int scale = 0; // value = mant * 10^scale before the explicit exponent
            boolean anyDigit = false;
            boolean dropped = false; // digits beyond mant's 18 were not accumulated: mant is not exact
            while (i < end && (c = s.charAt(i)) >= '0' && c <= '9') {
                anyDigit = true;
                if (mant < MANT_LIMIT) {
                    mant = mant * 10 + (c - '0');
                } else {
                    scale++; // only matters for the fast path, which such a mantissa never takes
                    dropped = true;
                }
                i++;
            }
            if (i < end && s.charAt(i) == '.') {
                i++;
                while (i < end && (c = s.charAt(i)) >= '0' && c <= '9') {
                    anyDigit = true;
                    if (mant < MANT_LIMIT) {
                        mant = mant * 10 + (c - '0');
                        scale--;
                    } else {
                        dropped = true;
                    }
                    i++;
                }
            }
            if (!anyDigit) {
                return 0f;
            }
            int exp = 0;
            if (i < end && ((c = s.charAt(i)) == 'e' || c == 'E')) {
                i++;
                boolean expNegative = false;
                if (i < end && ((c = s.charAt(i)) == '+' || c == '-')) {
                    expNegative = c == '-';
                    i++;
                }
                int expStart = i;
                while (i < end && (c = s.charAt(i)) >= '0' && c <= '9') {
                    if (exp < 100_000) {
                        exp = exp * 10 + (c - '0');
                    }
                    i++;
                }
                if (i == expStart) {
                    return 0f;
                }
                if (expNegative) {
                    exp = -exp;
                }
            }
            if (i != end) {
                return 0f;
            }
            ok = true;
            if (mant == 0) {
                return negative ? -0f : 0f;
            }
            int e10 = scale + exp;
            if (mant <= (1 << 24) && e10 >= -10 && e10 <= 10) {
                // Both operands exact in float, so one IEEE operation rounds correctly (Clinger's
                // fast path); this covers nearly every cell in practice.
                float f = mant;
                f = e10 >= 0 ? f * POW10[e10] : f / POW10[-e10];
                // The text's value in double (0.3 is not the float 0.3f): exact operands, one rounding.
                double w = e10 >= 0 ? mant * DPOW10[e10] : mant / DPOW10[-e10];
                wide = negative ? -w : w;
                return negative ? -f : f;
            }
            if (!dropped && e10 >= -22 && e10 <= 22) {
                // pandas writes float64 with up to 17 digits, which miss the float fast path above;
                // Float.parseFloat and Double.parseDouble then cost most of a big file's load time.
                float f = viaDouble(mant, e10);
                if (!Float.isNaN(f)) {
                    wide = negative ? -wide : wide;
                    return negative ? -f : f;
                }
            }
            // The grammar checked above is a subset of what parseFloat accepts. Only here (more
            // than 7 significant digits, or a large exponent) can the text hold more than float.
            String text = s.substring(start, end);
            wide = Double.parseDouble(text);
            return Float.parseFloat(text);
        }

        /**
         * mant * 10^e10 (mant below 10^18, |e10| <= 22, so the power of ten is exact in double) in
         * float, correctly rounded, with {@link #wide} set to it in double (within 2 ulps; PrecisionLoss
         * needs no more); NaN when the double is
         * too close to a point halfway between two floats to decide the rounding (or the float
         * would be subnormal or overflow), for the exact path to take over.
         */
        private float viaDouble(long mant, int e10) {
            // Below 2^53 the mantissa is exact and one rounding gives the correctly rounded double
            // (Clinger); above it, two roundings leave it within 2 ulps of the text's value.
            double w = e10 >= 0 ? mant * DPOW10_22[e10] : mant / DPOW10_22[-e10];
            if (w < 0x1p-125 || w > 0x1p127) {
                return Float.NaN;
            }
            // The 29 bits of the double below float's 24 hold 2^28 at a float midpoint. A double
            // there (exact case) or within its error of it (inexact) could round either way as a
            // float; anywhere else (float) w rounds as the text's value does.
            long off = Math.abs((Double.doubleToRawLongBits(w) & ((1L << 29) - 1)) - (1L << 28));
            if (mant < (1L << 53) ? off == 0 : off <= 8) {
                return Float.NaN;
            }
            wide = w;
            return (float) w;
        }
    }

    private static String columns(int n) {
        return n == 1 ? "1 column" : n + " columns";
    }

    private static String clip(String text) {
        String t = Npy.oneLine(text);
        return t.length() > 40 ? t.substring(0, 37) + "..." : t;
    }

    /** The message is flattened to one line because the CLI prints it as exactly one. */
    private static UserInputException error(String where, String what) {
        return new UserInputException(Npy.oneLine(where + ": " + what));
    }

    private static UserInputException error(String where, String what, Throwable cause) {
        return new UserInputException(Npy.oneLine(where + ": " + what), cause);
    }
}
