package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;

/** Reading numeric CSV/TSV/whitespace tables, plain and gzip, with and without header. */
class CsvReadTest {

    static final long SEED = NpyReadTest.SEED;

    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private Path gz(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return p;
    }

    private static void assertTable(NpyArray a, int rows, int cols, float... values) {
        assertArrayEquals(new int[] {rows, cols}, a.shape());
        assertArrayEquals(values, a.data());
    }

    @Test
    void commaWithHeader() throws IOException {
        Csv.CsvTable t = Csv.readTable(file("a.csv", "a,b,c\n1,2,3\n4,5,6\n"));
        assertEquals(List.of("a", "b", "c"), t.header());
        assertTable(t.array(), 2, 3, 1, 2, 3, 4, 5, 6);
        assertTrue(t.array().integral());
    }

    /**
     * pandas writes an unnamed frame's columns as 0,1,...,n-1 and, without index=False, an
     * unnamed index column: the first is a header, the second an error (it would become a
     * feature). A two-column 0,1 row stays data: it is a plausible one-hot row.
     */
    @Test
    void pandasHeadersAndIndexColumns() throws IOException {
        Csv.CsvTable t = Csv.readTable(file("p.csv", "0,1,2\n0.5,1.5,2.5\n3,4,5\n"));
        assertEquals(List.of("0", "1", "2"), t.header());
        assertTable(t.array(), 2, 3, 0.5f, 1.5f, 2.5f, 3, 4, 5);
        Csv.CsvTable two = Csv.readTable(file("onehot.csv", "0,1\n1,0\n"));
        assertEquals(List.of(), two.header());
        assertTable(two.array(), 2, 2, 0, 1, 1, 0);
        UserInputException e = assertThrows(UserInputException.class,
                () -> Csv.read(file("idx.csv", ",0,1\n0,0.5,1.5\n1,2.5,3.5\n")));
        assertTrue(e.getMessage().contains("idx.csv") && e.getMessage().contains("index=False"), e.getMessage());
    }

    /** ';' with decimal commas (pandas sep=';', decimal=','): split at ';', and say why a cell fails. */
    @Test
    void semicolonsWithDecimalCommas() throws IOException {
        UserInputException e = assertThrows(UserInputException.class,
                () -> Csv.read(file("eu.csv", "1,5;2\n3;4,25\n")));
        assertTrue(e.getMessage().contains("'1,5'") && e.getMessage().contains("decimal comma"), e.getMessage());
        assertTable(Csv.read(file("semi.csv", "1.5;2\n3;4.25\n")), 2, 2, 1.5f, 2, 3, 4.25f);
    }

    /** What follows an error that decimal commas caused: {@code read} is pd.read_csv's arguments after path. */
    private static String commaNote(String cell, String meant, String read, String write) {
        return "; the file seems to use decimal commas ('" + cell + "' for " + meant + "), which are not supported:"
                + " write numbers with '.' (pandas' to_csv default, decimal='.'), e.g. convert with pd.read_csv(path, "
                + read + ").to_csv(path, index=False" + write + ")";
    }

    /**
     * Decimal commas, as European Excel and pandas' decimal=',' write them, are not read, and every
     * error they cause says so: a single column of them (no ';' to split at) was split at its
     * commas and failed on the header's column count without a word about commas; quoted ones
     * (to_csv(decimal=',') with its ',' separator) failed on a quoted cell with no hint at all.
     */
    @Test
    void decimalCommasAreNamedInEveryErrorTheyCause() throws IOException {
        Path excel = file("excel.csv", "a;b;c\n1,5;2,25;3,0\n4,5;5,25;6,0\n");
        assertEquals(excel + ": line 2, column 1: cannot parse '1,5' as a number"
                + commaNote("1,5", "1.5", "sep=';', decimal=','", ""), fails(excel).getMessage());
        Path bare = file("bare.csv", "1,5;2,25;3,0\n4,5;5,25;6,0\n");
        assertEquals(bare + ": line 1, column 1: cannot parse '1,5' as a number"
                + commaNote("1,5", "1.5", "sep=';', decimal=',', header=None", ", header=False"), fails(bare).getMessage());

        // One column: no ';', so the commas split every line into two columns.
        Path one = file("y.csv", "y\n0,5\n1,25\n-2,5\n");
        assertEquals(one + ": line 1 (header) has 1 column, expected 2 (as in line 2)"
                + commaNote("0,5", "0.5", "decimal=','", ""), fails(one).getMessage());
        assertEquals(one + ": line 1 (header) has 1 column, expected 2 (as in line 2)"
                + commaNote("0,5", "0.5", "decimal=','", ""),
                assertThrows(UserInputException.class, () -> Csv.readLabelTable(one)).getMessage());
        Path ragged = file("r.csv", "0,5\n1\n2,5\n");
        assertEquals(ragged + ": line 2 has 1 column, expected 2"
                + commaNote("0,5", "0.5", "decimal=',', header=None", ", header=False"), fails(ragged).getMessage());

        // pd.DataFrame(...).to_csv(decimal=','): ',' separates, the numbers are quoted.
        Path quoted = file("q.csv", "f1,f2\n\"0,346\",\"-1,5\"\n");
        assertEquals(quoted + ": line 2, column 1: cannot parse '\"0,346\"' as a number"
                + commaNote("0,346", "0.346", "decimal=','", ""), fails(quoted).getMessage());
        // Separated by spaces: split at the commas, more cells than names.
        Path spaces = file("s.txt", "a b c\n1,5 2,25 3\n");
        assertEquals(spaces + ": line 1 (header) has 1 column, expected 3 (as in line 2)"
                + commaNote("1,5", "1.5", "sep=r'\\s+', decimal=','", ""), fails(spaces).getMessage());

        // Errors that decimal commas cannot explain keep their words.
        Path shortRow = file("short.csv", "a,b,c\n1,5\n");
        assertEquals(shortRow + ": line 1 (header) has 3 columns, expected 2 (as in line 2)", fails(shortRow).getMessage());
        Path word = file("w.csv", "a;b\n1,5;x\n");
        assertEquals(word + ": line 2, column 1: cannot parse '1,5' as a number (a decimal comma? write numbers with '.')",
                fails(word).getMessage());
        Path plain = file("p.csv", "a,b\n1,2\n3\n");
        assertEquals(plain + ": line 3 has 1 column, expected 2", fails(plain).getMessage());
        Path named = file("n.csv", "y\n1\n0,5\n");
        assertEquals(named + ": line 3, column 1: cannot parse '0,5' as a number"
                + commaNote("0,5", "0.5", "decimal=','", ""), fails(named).getMessage());
    }

    /**
     * A file in another encoding than UTF-8, as Excel's plain "CSV" saves in Windows-1252, is
     * refused naming the first line that UTF-8 cannot read and the byte: it was read with
     * replacement characters, so the class names café and cafè both became caf\uFFFD, one class.
     */
    @Test
    void textThatIsNotUtf8IsRefusedNamingTheLine() throws IOException {
        Random rnd = new Random(SEED);
        int m = 4 + rnd.nextInt(30);
        int at = rnd.nextInt(m);
        StringBuilder b = new StringBuilder("label\n");
        for (int i = 0; i < m; i++) {
            b.append(i == at ? "cafè" : i % 2 == 0 ? "café" : "tea").append(i % 4 == 1 ? "\r\n" : "\n");
        }
        String text = b.toString();
        // The first data line (line 2) holds é, or è where it is the one: one byte each in Windows-1252.
        long line = 2;
        char c = at == 0 ? 'è' : 'é';
        String hex = c == 'è' ? "E8" : "E9";
        for (String name : new String[] {"y.csv", "y.csv.gz"}) {
            Path f = dir.resolve(name);
            byte[] bytes = text.getBytes(java.nio.charset.Charset.forName("windows-1252"));
            if (name.endsWith(".gz")) {
                try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
                    out.write(bytes);
                }
            } else {
                Files.write(f, bytes);
            }
            UserInputException e = assertThrows(UserInputException.class, () -> Csv.readLabelTable(f));
            assertEquals(f + ": line " + line + " is not UTF-8 text (byte 0x" + hex + ", which Windows-1252 reads as '"
                    + c + "'); save it as UTF-8 (Excel: 'CSV UTF-8'; in pandas, read it with encoding='cp1252', or "
                    + "the file's own encoding, and write it with to_csv(..., index=False))", e.getMessage(),
                    () -> "seed=" + SEED);
            UserInputException x = assertThrows(UserInputException.class, () -> Csv.readTable(f));
            assertTrue(x.getMessage().contains("line " + line + " is not UTF-8 text"), x.getMessage());
        }
        // The same text in UTF-8: three classes, café and cafè apart.
        NpyArray a = Csv.readLabelTable(file("u.csv", text)).array();
        assertArrayEquals(new String[] {"cafè", "café", "tea"}, a.classNames(0));
    }

    /**
     * Amounts with thousands separators, as spreadsheets format them (1,234.50; 1.234,50 in
     * decimal-comma locales), are refused with a note that says so and how pandas reads them; in a
     * label file they were taken for text labels and refused as an identifier column (a different
     * text in every row), which sent the user after the wrong problem.
     */
    @Test
    void thousandsSeparatorsAreNamed() throws IOException {
        Random rnd = new Random(SEED);
        int m = 3 + rnd.nextInt(20);
        double[] v = new double[m];
        for (int i = 0; i < m; i++) {
            v[i] = (rnd.nextBoolean() ? 1 : -1) * (1000 + rnd.nextInt(5_000_000) + rnd.nextInt(100) / 100.0);
        }
        String first = String.format(Locale.US, "%,.2f", v[0]);
        StringBuilder quoted = new StringBuilder("amount,z\n");
        StringBuilder semi = new StringBuilder("amount;z\n");
        StringBuilder eu = new StringBuilder("amount;z\n");
        StringBuilder label = new StringBuilder("amount\n");
        for (int i = 0; i < m; i++) {
            String a = String.format(Locale.US, "%,.2f", v[i]);
            quoted.append('"').append(a).append("\",").append(i).append('\n');
            semi.append(a).append(';').append(i).append('\n');
            eu.append(String.format(Locale.GERMANY, "%,.2f", v[i])).append(';').append(i).append('\n');
            label.append('"').append(a).append("\"\n");
        }
        String note = "; it seems to use ',' as a thousands separator ('" + first + "' for " + first.replace(",", "")
                + "), which is not supported: write numbers without it (in pandas, read such a file with "
                + "pd.read_csv(..., thousands=',') and write it with to_csv(..., index=False))";
        Path q = file("q.csv", quoted.toString());
        assertEquals(q + ": line 2, column 1: cannot parse '\"" + first + "\"' as a number" + note,
                fails(q).getMessage(), () -> "seed=" + SEED);
        Path sc = file("s.csv", semi.toString());
        assertEquals(sc + ": line 2, column 1: cannot parse '" + first + "' as a number" + note, fails(sc).getMessage());
        Path y = file("y.csv", label.toString());
        assertEquals(y + ": line 2, column 1: cannot parse '\"" + first + "\"' as a number" + note,
                assertThrows(UserInputException.class, () -> Csv.readLabelTable(y)).getMessage());
        String firstEu = String.format(Locale.GERMANY, "%,.2f", v[0]);
        fails(file("eu.csv", eu.toString()), "cannot parse '" + firstEu + "'", "'.' as a thousands separator ('"
                + firstEu + "' for " + first.replace(",", "") + ")", "thousands='.', decimal=','");
        // 1,234 alone may be a decimal comma: its note stays the decimal comma's.
        fails(file("dc.csv", "a;b\n1,234;2\n"), "decimal comma");
    }

    /**
     * A headerless column of decimal-comma numbers, each with a fractional part (a one-column
     * sheet saved by a spreadsheet in a decimal-comma locale), splits into two columns of whole
     * numbers at every line: it was read silently as an m x 2 table (labels: two squared-loss
     * outputs). A line that only a decimal comma writes so, a second number with a leading zero
     * (6,05) or a first one of -0 (-0,5), makes it an error naming that line; two columns of whole
     * numbers written as programs write them still read, as do quoted cells.
     */
    @Test
    void aHeaderlessColumnOfDecimalCommasIsNotReadAsTwoColumns() throws IOException {
        Random rnd = new Random(SEED);
        int m = 5 + rnd.nextInt(30);
        int at = rnd.nextInt(m);
        boolean negativeZero = rnd.nextBoolean();
        StringBuilder b = new StringBuilder();
        String sign = null;
        for (int i = 0; i < m; i++) {
            String cell = i == at ? (negativeZero ? "-0," + (1 + rnd.nextInt(9)) : (rnd.nextInt(20) - 10) + ",0" + rnd.nextInt(10))
                    : (rnd.nextInt(200) - 100) + "," + (1 + rnd.nextInt(99));
            sign = i == at ? cell : sign;
            b.append(cell).append(i % 3 == 0 ? "\r\n" : "\n");
        }
        String text = b.toString();
        for (boolean labels : new boolean[] {false, true}) {
            Path f = file(labels ? "y.csv" : "x.csv", text);
            UserInputException e = assertThrows(UserInputException.class,
                    () -> {
                        Object unused = labels ? Csv.readLabelTable(f) : Csv.readTable(f);
                    }, () -> "seed=" + SEED + ": " + text);
            assertEquals(f + ": line " + (at + 1) + ": every line reads as two whole numbers, but '" + sign + "' has "
                    + (negativeZero ? "a first one of -0" : "a second one with a leading zero") + ", which no program "
                    + "writes" + commaNote(sign, sign.replace(',', '.'), "decimal=',', header=None", ", header=False")
                    + "; if the file does hold two columns of whole numbers, write them as such (05 as 5, -0 as 0)",
                    e.getMessage());
        }
        // The same numbers under a header of one name: the header's column count says it already.
        fails(file("h.csv", "y\n" + text), "line 1 (header) has 1 column, expected 2", "decimal commas");
        // Whole numbers as programs write them (one-hot rows, two counts), and quoted pairs, still read.
        String plain = text.replace(",0", ",").replace("-0,", "0,");
        NpyArray two = Csv.read(file("p.csv", plain));
        assertArrayEquals(new int[] {m, 2}, two.shape());
        assertTrue(two.integral());
        assertTable(Csv.read(file("q.csv", "\"1\",\"05\"\n\"2\",\"3\"\n")), 2, 2, 1, 5, 2, 3);
        assertTable(Csv.read(file("n.csv", "a,b\n1,05\n-0,3\n")), 2, 2, 1, 5, -0f, 3);
    }

    /** A .tsv is tab-separated by its name, so its decimal commas are cells, not delimiters. */
    @Test
    void tsvFilesAreTabSeparated() throws IOException {
        Path p = file("small.tsv", "a\tb\n1,5\t2,5\n3,5\t4,5\n");
        assertEquals(p + ": line 2, column 1: cannot parse '1,5' as a number" + commaNote("1,5", "1.5",
                "sep='\\t', decimal=','", ""), fails(p).getMessage());
        fails(gz("small.tsv.gz", "a\tb\n1,5\t2,5\n"), "line 2, column 1: cannot parse '1,5'", "decimal comma");
        Csv.CsvTable t = Csv.readTable(file("c.TSV", "a,b\tc\n1\t2\n"));
        assertEquals(List.of("a,b", "c"), t.header());
        assertTable(t.array(), 1, 2, 1, 2);
    }

    @Test
    void withoutHeader() throws IOException {
        Csv.CsvTable t = Csv.readTable(file("a.csv", "1.5,2\n-3,4e2\n"));
        assertEquals(List.of(), t.header());
        assertTable(t.array(), 2, 2, 1.5f, 2, -3, 400);
        assertFalse(t.array().integral());
        assertEquals("<f4", t.array().dtype());
    }

    @Test
    void semicolonTabAndWhitespaceDelimiters() throws IOException {
        assertTable(Csv.read(file("s.csv", "x;y\n1;2\n3;4\n")), 2, 2, 1, 2, 3, 4);
        assertTable(Csv.read(file("t.tsv", "x\ty\n1\t2\n3\t4\n")), 2, 2, 1, 2, 3, 4);
        assertTable(Csv.read(file("w.txt", "  1   2 3\n4 5\t6  \n")), 2, 3, 1, 2, 3, 4, 5, 6);
        assertTable(Csv.read(file("c.csv", "1 , 2 ,3\n 4,5 , 6\n")), 2, 3, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void delimiterComesFromTheFirstDataLine() throws IOException {
        // Header names with spaces but no commas: splitting the header must follow the data.
        Csv.CsvTable t = Csv.readTable(file("h.csv", "sepal length,sepal width\n5.1,3.5\n"));
        assertEquals(List.of("sepal length", "sepal width"), t.header());
        assertTable(t.array(), 1, 2, 5.1f, 3.5f);
        Csv.CsvTable q = Csv.readTable(file("q.csv", "\"a\",\"b\"\n\"1\",\"2\"\n"));
        assertEquals(List.of("a", "b"), q.header());
        assertTable(q.array(), 1, 2, 1, 2);
    }

    @Test
    void quotedHeaderFieldsFollowRfc4180() throws IOException {
        Csv.CsvTable t = Csv.readTable(file("q.csv", "\"a\",\"b,c\",\"d\"\n1,2,3\n4,5,6\n"));
        assertEquals(List.of("a", "b,c", "d"), t.header());
        assertTable(t.array(), 2, 3, 1, 2, 3, 4, 5, 6);
        // "" inside quotes is one literal quote; unquoted and quoted names mix.
        Csv.CsvTable e = Csv.readTable(file("e.csv", "id,\"say \"\"hi\"\", twice\", \"x\"\n1,2,3\n"));
        assertEquals(List.of("id", "say \"hi\", twice", "x"), e.header());
        Csv.CsvTable s = Csv.readTable(file("s.csv", "\"a;b\";\"c\"\n1;2\n"));
        assertEquals(List.of("a;b", "c"), s.header());
        Csv.CsvTable tab = Csv.readTable(file("t.tsv", "\"a\tb\"\tc\n1\t2\n"));
        assertEquals(List.of("a\tb", "c"), tab.header());
        Csv.CsvTable w = Csv.readTable(file("w.txt", "\"sepal length\" \"sepal width\"\n5.1 3.5\n"));
        assertEquals(List.of("sepal length", "sepal width"), w.header());
        assertTable(w.array(), 1, 2, 5.1f, 3.5f);
    }

    @Test
    void quotedDelimitersInDataCellsAreOneCell() throws IOException {
        // A decimal comma in a quoted cell is one unparseable cell, not a ragged row.
        fails(file("d.csv", "a,b\n1,\"2,5\"\n"), "line 2, column 2: cannot parse '\"2,5\"' as a number");
        // Delimiters inside quotes do not count when guessing the delimiter.
        fails(file("e.csv", "x;y\n\"1,5\";\"2,5\"\n"), "line 2, column 1: cannot parse '\"1,5\"' as a number");
    }

    /**
     * R writes row names as pandas writes its index: under an empty name (write.csv), or with no
     * name at all, the header one short (write.table(sep = ",")), the names quoted. Both errors say
     * how to write the file from R.
     */
    @Test
    void rRowNamesAreNamedAsSuch() throws IOException {
        Random r = new Random(SEED);
        int m = 3 + 2 * r.nextInt(20);
        int d = 1 + 2 * r.nextInt(5);
        StringBuilder names = new StringBuilder();
        StringBuilder rows = new StringBuilder();
        for (int j = 0; j < d; j++) {
            names.append(j == 0 ? "" : ",").append("\"v").append(j).append('"');
        }
        for (int i = 0; i < m; i++) {
            rows.append('"').append(r.nextBoolean() ? Integer.toString(i + 1) : "s" + i).append('"');
            for (int j = 0; j < d; j++) {
                rows.append(',').append(r.nextGaussian());
            }
            rows.append('\n');
        }
        Path writeCsv = file("wc.csv", "\"\"," + names + "\n" + rows);
        fails(writeCsv, "the first column has no name", "index=False", "row.names = FALSE");
        Path writeTable = file("wt.csv", names + "\n" + rows);
        UserInputException e = fails(writeTable, "line 1 (header) has " + columns(d) + ", expected " + (d + 1),
                "R's write.table", "row.names = FALSE");
        assertFalse(e.getMessage().contains("decimal"), "seed=" + SEED + ": " + e.getMessage());
        // A header one short over unquoted rows is not blamed on R.
        Path plain = file("p.csv", names + "\n" + rows.toString().replace("\"", ""));
        assertFalse(fails(plain, "(header) has").getMessage().contains("write.table"));
    }

    private static String columns(int n) {
        return n == 1 ? "1 column" : n + " columns";
    }

    @Test
    void unmatchedQuoteInHeaderIsPointedOut() throws IOException {
        Path p = file("u.csv", "\"a,b\n1,2\n");
        assertEquals(p + ": line 1 (header) has 1 column, expected 2 (as in line 2); it has an unmatched '\"'",
                fails(p).getMessage());
    }

    @Test
    void nonFiniteValuesAreNamedByLineAndColumn() throws IOException {
        Path p = file("n.csv", "x,y\n1,2\n\n# comment\n3,4\n5,nan\n");
        NpyArray a = Csv.read(p);
        UserInputException e = assertThrows(UserInputException.class, () -> FiniteCheck.requireFinite(p.toString(), a));
        assertEquals(p + ": line 6, column 2: NaN (a missing value: fill in or drop the missing values first)", e.getMessage());
        Path q = file("i.tsv", "-Infinity\t0\n");
        NpyArray b = Csv.read(q);
        e = assertThrows(UserInputException.class, () -> FiniteCheck.requireFinite(q.toString(), b));
        assertEquals(q + ": line 1, column 1: -Inf", e.getMessage());
    }

    /** Random blank and comment lines: the line named must be the one holding the NaN. */
    @Test
    void nonFiniteLineNumbersSurviveSkippedLines() throws IOException {
        Random r = new Random(SEED);
        for (int trial = 0; trial < 40; trial++) {
            int rows = 1 + r.nextInt(60);
            int cols = 1 + r.nextInt(4);
            int badRow = r.nextInt(rows);
            int badCol = r.nextInt(cols);
            StringBuilder sb = new StringBuilder();
            int line = 0;
            int badLine = -1;
            if (r.nextBoolean()) {
                sb.append("# header comment\n");
                line++;
            }
            if (r.nextBoolean()) {
                for (int c = 0; c < cols; c++) {
                    sb.append(c == 0 ? "" : ",").append("col").append(c);
                }
                sb.append('\n');
                line++;
            }
            for (int i = 0; i < rows; i++) {
                while (r.nextInt(4) == 0) {
                    sb.append(r.nextBoolean() ? "\n" : "# skip\n");
                    line++;
                }
                for (int c = 0; c < cols; c++) {
                    sb.append(c == 0 ? "" : ",").append(i == badRow && c == badCol ? "nan" : Integer.toString(i));
                }
                sb.append('\n');
                line++;
                if (i == badRow) {
                    badLine = line;
                }
            }
            Path p = file("r" + trial + ".csv", sb.toString());
            NpyArray a = Csv.read(p);
            UserInputException e = assertThrows(UserInputException.class,
                    () -> FiniteCheck.requireFinite(p.toString(), a));
            assertEquals(p + ": line " + badLine + ", column " + (badCol + 1) + ": NaN (a missing value: fill in or drop the missing values first)", e.getMessage(),
                    "seed=" + SEED + " trial " + trial);
        }
    }

    @Test
    void singleColumn() throws IOException {
        assertTable(Csv.read(file("y.csv", "label\n0\n1\n1\n2\n")), 4, 1, 0, 1, 1, 2);
        assertTable(Csv.read(file("y2.csv", "7\n")), 1, 1, 7);
    }

    @Test
    void gzipByNameAndBySniffing() throws IOException {
        String content = "a,b\n1,2\n3,4\n";
        assertTable(Csv.read(gz("d.csv.gz", content)), 2, 2, 1, 2, 3, 4);
        assertTable(Csv.read(gz("d.CSV.GZ", content)), 2, 2, 1, 2, 3, 4);
        assertTable(Csv.read(gz("renamed.csv", content)), 2, 2, 1, 2, 3, 4);
    }

    private static byte[] gzipBytes(String content, String fileName) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        byte[] g = b.toByteArray();
        if (fileName == null) {
            return g;
        }
        // gzip(1) records the file name (FNAME): a longer header, as the command-line tool writes it.
        java.io.ByteArrayOutputStream named = new java.io.ByteArrayOutputStream();
        named.write(g, 0, 3);
        named.write(g[3] | 8);
        named.write(g, 4, 6);
        named.writeBytes((fileName + "\0").getBytes(StandardCharsets.ISO_8859_1));
        named.write(g, 10, g.length - 10);
        return named.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /**
     * A gzip file of several members (cat a.gz b.gz; bgzip) reads whole. GZIPInputStream ended the
     * data without an error where a later member's header was cut short or damaged, or where other
     * bytes followed: the rows before it were read as the whole file (half of a 60-row table, found
     * by fuzzing).
     */
    @Test
    void gzipMembersAreReadWholeAndTheirDamageIsAnError() throws IOException {
        byte[] first = gzipBytes("a,b\n1,2\n3,4\n", null);
        byte[] second = gzipBytes("5,6\n7,8\n", "part2.csv");
        Path whole = Files.write(dir.resolve("m.csv.gz"), concat(first, second, gzipBytes("", null)));
        assertTable(Csv.read(whole), 4, 2, 1, 2, 3, 4, 5, 6, 7, 8);
        // Zero padding after the last member is skipped, as gzip(1) skips it.
        assertTable(Csv.read(Files.write(dir.resolve("pad.csv.gz"), concat(first, new byte[512]))), 2, 2, 1, 2, 3, 4);
        for (int cut = 1; cut < second.length; cut++) {
            Path p = Files.write(dir.resolve("cut.csv.gz"), concat(first, Arrays.copyOf(second, cut)));
            final int at = cut;
            UserInputException e = assertThrows(UserInputException.class, () -> Csv.read(p), () -> "cut at " + at);
            assertTrue(e.getMessage().contains("gzip"), e.getMessage());
        }
        byte[] damaged = second.clone();
        damaged[1] ^= 0x40;
        fails(Files.write(dir.resolve("dmg.csv.gz"), concat(first, damaged)), "corrupt gzip data",
                "unexpected bytes after the gzip data at byte " + first.length);
        fails(Files.write(dir.resolve("junk.csv.gz"), concat(first, "junk".getBytes(StandardCharsets.US_ASCII))),
                "corrupt gzip data", "unexpected bytes after the gzip data");
        byte[] badCrc = first.clone();
        badCrc[badCrc.length - 6] ^= 1;
        fails(Files.write(dir.resolve("crc.csv.gz"), badCrc), "corrupt gzip data", "trailer");
        fails(Files.write(dir.resolve("one.csv.gz"), new byte[] {0x1F}), "truncated gzip data");
        fails(Files.write(dir.resolve("none.csv.gz"), new byte[0]), "gzip");
    }

    @Test
    void bundledDigitsDatasetReads() throws Exception {
        // The resource shipped with the program (1797 8x8 digit images + label column).
        var url = CsvReadTest.class.getResource("/org/mtlalign/data/digits.csv.gz");
        if (url == null) {
            return; // owned by another module; nothing to check if it is not there
        }
        NpyArray a = Csv.read(Path.of(url.toURI()));
        assertEquals(2, a.rank());
        assertEquals(1797, a.dim(0));
        assertTrue(a.integral());
    }

    @Test
    void blankAndCommentLinesAnywhere() throws IOException {
        String content = "# produced by a tool\n\n   \nx,y\n# comment\n1,2\n\n  # indented comment\n3,4\n\n";
        Csv.CsvTable t = Csv.readTable(file("c.csv", content));
        assertEquals(List.of("x", "y"), t.header());
        assertTable(t.array(), 2, 2, 1, 2, 3, 4);
    }

    @Test
    void crlfAndByteOrderMark() throws IOException {
        Csv.CsvTable t = Csv.readTable(file("w.csv", "\uFEFFa,b\r\n1,2\r\n3,4\r\n"));
        assertEquals(List.of("a", "b"), t.header());
        assertTable(t.array(), 2, 2, 1, 2, 3, 4);
    }

    @Test
    void specialValues() throws IOException {
        NpyArray a = Csv.read(file("n.csv", "nan,NaN,inf,-inf,Infinity,-Infinity,+inf,-0,NAN\n"));
        float[] d = a.data();
        assertTrue(Float.isNaN(d[0]));
        assertTrue(Float.isNaN(d[1]));
        assertEquals(Float.POSITIVE_INFINITY, d[2]);
        assertEquals(Float.NEGATIVE_INFINITY, d[3]);
        assertEquals(Float.POSITIVE_INFINITY, d[4]);
        assertEquals(Float.NEGATIVE_INFINITY, d[5]);
        assertEquals(Float.POSITIVE_INFINITY, d[6]);
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(d[7]));
        assertTrue(Float.isNaN(d[8]));
        assertFalse(a.integral());
    }

    /** pandas writes bool columns as True/False: labels of 1 and 0, whole numbers as any class id. */
    @Test
    void booleansAreOneAndZero() throws IOException {
        Csv.CsvTable t = Csv.readTable(file("y.csv", "is_fraud,flag\nTrue,false\nFalse,TRUE\n\"True\",0\n"));
        assertEquals(List.of("is_fraud", "flag"), t.header());
        assertTable(t.array(), 3, 2, 1, 0, 0, 1, 1, 0);
        assertTrue(t.array().integral());
        // Without a header, a first row of booleans is data.
        assertTable(Csv.read(file("b.csv", "True\nFalse\n")), 2, 1, 1, 0);
    }

    @Test
    void numberFormats() throws IOException {
        String[] cells = {"1e3", "-2.5E-2", ".5", "5.", "+3", "0.1", "123456789", "3.4028235e38", "1e39", "1e-50",
            "0.000001", "16777217", "9007199254740993", "1.00000000000000000000001", "007"};
        NpyArray a = Csv.read(file("f.csv", String.join(",", cells) + "\n"));
        for (int i = 0; i < cells.length; i++) {
            assertEquals(Float.parseFloat(cells[i]), a.data()[i], cells[i]);
        }
    }

    @Test
    void integralMeansEveryValueIsAWholeNumber() throws IOException {
        assertTrue(Csv.read(file("i.csv", "1.0,2\n-3,1e2\n")).integral());
        assertFalse(Csv.read(file("f.csv", "1,2\n3,4.5\n")).integral());
        assertFalse(Csv.read(file("n.csv", "1,2\n3,nan\n")).integral());
    }

    /** Cell parsing must agree with Float.parseFloat for every way people print numbers. */
    @Test
    void parserAgreesWithFloatParseFloat() {
        Random r = new Random(SEED);
        Csv.CellParser p = new Csv.CellParser();
        for (int i = 0; i < 50_000; i++) {
            String s;
            double d = r.nextGaussian() * Math.pow(10, r.nextInt(30) - 15);
            switch (r.nextInt(8)) {
                case 0 -> s = Double.toString(d);
                case 1 -> s = Float.toString((float) d);
                case 2 -> s = String.format(Locale.ROOT, "%.6g", d);
                case 3 -> s = String.format(Locale.ROOT, "%." + r.nextInt(12) + "f", d);
                case 4 -> s = new BigDecimal(d).toPlainString();
                case 5 -> s = Long.toString(r.nextLong() >> r.nextInt(64));
                case 6 -> s = String.format(Locale.ROOT, "%." + r.nextInt(10) + "e", d);
                default -> s = Float.toString(Float.intBitsToFloat(r.nextInt()));
            }
            if (s.endsWith("NaN") || s.contains("Infinity")) {
                continue;
            }
            String padded = "  " + s + " ";
            float got = p.parse(padded, 2, 2 + s.length());
            assertTrue(p.ok, "seed=" + SEED + " rejected '" + s + "'");
            assertEquals(Float.parseFloat(s), got, "seed=" + SEED + " '" + s + "'");
        }
    }

    /**
     * pandas writes float64 as its shortest repr, up to 17 digits, which the reader converts
     * through a double: the float must still be the correctly rounded one, also for decimals at
     * or within a hair of a point halfway between two floats, where a double can round it to the
     * midpoint and the midpoint to the wrong float.
     */
    @Test
    void longDecimalsNearFloatMidpointsRoundCorrectly() {
        Random r = new Random(SEED);
        Csv.CellParser p = new Csv.CellParser();
        java.math.MathContext[] digits = new java.math.MathContext[20];
        for (int k = 1; k < digits.length; k++) {
            digits[k] = new java.math.MathContext(k);
        }
        int checked = 0;
        for (int i = 0; i < 20_011; i++) {
            float f = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(41) - 20));
            if (f == 0 || !Float.isFinite(Math.nextUp(f))) {
                continue;
            }
            BigDecimal mid = new BigDecimal(f).add(new BigDecimal(Math.nextUp(f))).divide(BigDecimal.valueOf(2));
            BigDecimal nudge = mid.ulp().max(BigDecimal.ONE.movePointLeft(mid.scale() + 1 + r.nextInt(3)));
            BigDecimal[] near = {mid, mid.add(nudge), mid.subtract(nudge), new BigDecimal(r.nextDouble() * f * 2)};
            for (BigDecimal v : near) {
                String s = v.round(digits[13 + r.nextInt(7)]).toString();
                float got = p.parse(s, 0, s.length());
                assertTrue(p.ok, "seed=" + SEED + " rejected '" + s + "'");
                assertEquals(Float.parseFloat(s), got, "seed=" + SEED + " '" + s + "'");
                checked++;
            }
            String repr = Double.toString(r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
            assertEquals(Float.parseFloat(repr), p.parse(repr, 0, repr.length()), "seed=" + SEED + " '" + repr + "'");
        }
        assertTrue(checked > 70_000, "seed=" + SEED + ": " + checked);
    }

    @Test
    void parserRejectsNonNumbers() {
        Csv.CellParser p = new Csv.CellParser();
        for (String s : new String[] {"", "abc", "1f", "1d", "0x10", "1e", "e5", ".", "-", "+", "1.2.3", "1e5.5",
            "--1", "1,5", "nanx", "infin", "1 2", "\"", "1_000", "-true", "+False", "truee", "fals", "t", "yes"}) {
            p.parse(s, 0, s.length());
            assertFalse(p.ok, "accepted '" + s + "'");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------

    private static UserInputException fails(Path file, String... keywords) {
        UserInputException e = assertThrows(UserInputException.class, () -> Csv.readTable(file));
        NpyReadTest.assertMessage(e, file.toString(), keywords);
        return e;
    }

    @Test
    void emptyFiles() throws IOException {
        Path empty = file("e.csv", "");
        assertEquals(empty + ": no data rows", fails(empty, "no data rows").getMessage());
        fails(file("c.csv", "# only\n\n# comments\n"), "no data rows");
        fails(file("h.csv", "a,b,c\n"), "no data rows");
        fails(gz("e.csv.gz", ""), "no data rows");
    }

    @Test
    void raggedRows() throws IOException {
        Path p = file("r.csv", "a,b,c,d\n1,2,3,4\n\n# c\n5,6,7,8\n1,2,3,4\n1,2,3\n");
        assertEquals(p + ": line 7 has 3 columns, expected 4", fails(p).getMessage());
        fails(file("r2.csv", "1,2\n3,4,5\n"), "line 2 has 3 columns, expected 2");
        fails(file("r3.txt", "1 2\n3\n"), "line 2 has 1 column, expected 2");
        fails(file("r4.csv", "a,b,c\n1,2\n"), "line 1 (header) has 3 columns, expected 2");
    }

    /**
     * A ragged row whose cause the line does not show: NUL bytes (a file cut off while written,
     * zero-filled: the fuzz trial's "line 62 has 1 column, expected 3" for a line that looks empty)
     * and a quote never closed, which makes the rest of the line one cell.
     */
    @Test
    void raggedRowsSayWhatTheLineHides() throws IOException {
        // Past the start of the file, which is checked for binary data before it is parsed.
        Path nul = file("nul.csv", "a,b,c\n" + "1,2,3\n".repeat(20000) + "\0\0\0\n");
        assertEquals(nul + ": line 20002 has 1 column, expected 3; it holds NUL bytes (binary data, not text: a file cut "
                + "off or damaged while being written?)", fails(nul).getMessage());
        Path quote = file("q.csv", "a,b,c\n1,2,3\n\"4,5,6\n7,8,9\n");
        assertEquals(quote + ": line 3 has 1 column, expected 3; it has an unmatched '\"', which makes the rest of the "
                + "line one cell", fails(quote).getMessage());
    }

    /**
     * X still holding its label column (df.to_csv of the whole table, 300 features and
     * 'sentiment'): "line 2, column 301: cannot parse 'neg' as a number" left the user to count
     * columns. A word in the first data row under a named column names the column and says that
     * labels and text belong in the label file; a stray word further down keeps the plain message.
     */
    @Test
    void aWordColumnAmongTheInputsIsNamed() throws IOException {
        Path p = file("xl.csv", "f0,f1,sentiment\n0.5,0,neg\n0,1.5,pos\n");
        assertEquals(p + ": line 2, column 3 ('sentiment'): cannot parse 'neg' as a number; inputs are numbers only: a "
                + "column of labels or text belongs in the label file, not among the inputs (drop it, e.g. "
                + "df.drop(columns=[...]))", fails(p).getMessage());
        Path later = file("xw.csv", "f0,f1\n0.5,0\n0,pos\n");
        assertEquals(later + ": line 3, column 2: cannot parse 'pos' as a number", fails(later).getMessage());
    }

    /**
     * A number written with a unit or a separator in the first data row ('12%', '$5.00', a date)
     * is a feature to clean, not a label or text column: its message must not say that labels
     * and text belong in the label file or advise dropping the column.
     */
    @Test
    void aFormattedNumberAmongTheInputsIsNotCalledText() throws IOException {
        for (String cell : new String[] {"12%", "$5.00", "2020-01-01", "O.5", "-"}) {
            Path p = file("xf.csv", "f0,f1,price\n0.5,0," + cell + "\n0,1.5,3\n");
            assertEquals(p + ": line 2, column 3: cannot parse '" + cell + "' as a number", fails(p).getMessage(), cell);
        }
    }

    @Test
    void badCells() throws IOException {
        Path p = file("b.csv", "x,y\n1,2\n3,4\n\n5,abc\n");
        assertEquals(p + ": line 5, column 2: cannot parse 'abc' as a number", fails(p).getMessage());
        fails(file("b2.csv", "1,2\n3,\n"), "line 2, column 2: empty cell");
        fails(file("b3.csv", "1,2\nx,y\n"), "line 2, column 1: cannot parse 'x' as a number");
        // Ragged takes precedence: the column count is the more fundamental problem.
        fails(file("b4.csv", "1,2,3\nx,y\n"), "line 2 has 2 columns, expected 3");
    }

    /**
     * A first row with a missing value is data, not a header: taking it as one would lose a row
     * and blame the row count instead of the cell.
     */
    @Test
    void firstRowWithAMissingValueIsData() throws IOException {
        String rest = "1,2,3\n".repeat(59);
        Path na = file("na.csv", "1.5,NA,2.0\n" + rest);
        assertEquals(na + ": line 1, column 2: cannot parse 'NA' as a number (a missing value: fill in or drop the"
                + " missing values first)", fails(na).getMessage());
        fails(file("empty.csv", "1.5,,2.0\n" + rest), "line 1, column 2: empty cell");
        fails(file("q.csv", "# note\n\"?\",1\n2,3\n"), "line 2, column 1: cannot parse '\"?\"'", "missing value");
        fails(file("null.csv", "null\n1\n2\n"), "line 1, column 1: cannot parse 'null'");
    }

    /** A name next to numeric names is a header: years, wavelengths (id,2019,2020; sample,400,410). */
    @Test
    void namesBesideNumericNamesAreAHeader() throws IOException {
        Csv.CsvTable t = Csv.readTable(file("years.csv", "id,2019,2020\n1,2,3\n4,5,6\n"));
        assertEquals(List.of("id", "2019", "2020"), t.header());
        assertEquals(2, t.array().dim(0));
        Csv.CsvTable w = Csv.readTable(file("wl.csv", "sample,400,410\n1,0.5,0.25\n"));
        assertEquals(List.of("sample", "400", "410"), w.header());
    }

    /** Names next to pandas' default names (an unnamed frame with a named column added) are a header. */
    @Test
    void namesMixedWithPandasDefaultNamesAreAHeader() throws IOException {
        Csv.CsvTable t = Csv.readTable(file("m.csv", "0,1,label\n0.5,1.5,1\n"));
        assertEquals(List.of("0", "1", "label"), t.header());
        assertTable(t.array(), 1, 3, 0.5f, 1.5f, 1);
        Csv.CsvTable u = Csv.readTable(file("u.csv", "label,0\n1,0.5\n"));
        assertEquals(List.of("label", "0"), u.header());
        // A name next to a missing-value marker is still a header.
        assertEquals(List.of("a", "NA"), Csv.readTable(file("h.csv", "a,NA\n1,2\n")).header());
    }

    @Test
    void trailingDelimiterOnEveryLineIsNamed() throws IOException {
        Path p = file("t.csv", "1,2,3,\n4,5,6,\n");
        assertEquals(p + ": line 1, column 4: empty cell: every line ends with a trailing ',' (an empty last"
                + " column); remove it", fails(p).getMessage());
        fails(file("h.csv", "a,b,c,\n1,2,3,\n# c\n4,5,6,  \n"), "line 2, column 4: empty cell: every line ends");
        fails(file("h2.csv", "a,b,c\n1,2,3,\n"), "line 1 (header) has 3 columns, expected 4 (as in line 2); line 2"
                + " ends with a trailing ','");
        // Only some lines: just the empty cell.
        Path some = file("s.csv", "1,2,\n4,5,6\n");
        assertEquals(some + ": line 1, column 3: empty cell (a missing value: fill in or drop the missing values first)", fails(some).getMessage());
    }

    private Path bytes(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    /** Binary content is named as such, not reported as a header with an odd column count. */
    @Test
    void binaryFilesAreRefused() throws IOException {
        Path npy = dir.resolve("X.csv");
        Npy.write(npy, new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6});
        assertEquals(npy + ": not a text CSV file (it starts with the .npy magic \\x93NUMPY; rename it to .npy)",
                fails(npy).getMessage());
        Path npyGz = dir.resolve("X.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(npyGz))) {
            out.write(Files.readAllBytes(npy));
        }
        fails(npyGz, "not a text CSV file", "decompress it and name it .npy");
        byte[] bin = new byte[300];
        new Random(SEED).nextBytes(bin);
        bin[200] = 0;
        assertEquals(dir.resolve("b.csv") + ": looks binary, not CSV (it has NUL bytes)",
                fails(bytes("b.csv", bin)).getMessage());
        fails(bytes("x.csv", new byte[] {'P', 'K', 3, 4, 20, 0, 6, 0}), "looks binary, not CSV", ".xlsx");
        // A web page saved as the file (as a download of GitHub's page for a file gives): it failed
        // on a column count, and a label file read its lines as class names.
        String page = "<html lang=\"en\">\n<head><title>y.csv</title></head>\n<body>label,x\n0\n1\n</body></html>\n";
        for (String start : new String[] {"<!DOCTYPE html>\n", "\n  <!doctype HTML>\n", "\uFEFF"}) {
            Path html = file("page.csv", start + page);
            assertEquals(html + ": an HTML page, not CSV (a web page saved in place of the file? download the file "
                    + "itself, e.g. GitHub's 'Raw' link)", fails(html).getMessage());
            assertThrows(UserInputException.class, () -> Csv.readLabelTable(html));
        }
        // A class named <html> further down is a label.
        assertEquals(2, Csv.readLabelTable(file("tags.csv", "tag\n<html>\n<body>\n<html>\n")).array().classNames(0).length);
    }

    @Test
    void utf16IsRefusedWithAHint() throws IOException {
        String text = "a,b\n1,2\n3,4\n";
        Path le = bytes("le.csv", text.getBytes(StandardCharsets.UTF_16LE));
        fails(le, "UTF-16 text; save it as UTF-8");
        fails(bytes("be.csv", text.getBytes(StandardCharsets.UTF_16BE)), "UTF-16 text; save it as UTF-8");
        Path bom = bytes("bom.csv", text.getBytes(StandardCharsets.UTF_16)); // big endian with FE FF
        assertEquals(bom + ": UTF-16 text; save it as UTF-8", fails(bom).getMessage());
        byte[] bomLe = ("\uFEFF" + text).getBytes(StandardCharsets.UTF_16LE);
        fails(bytes("bomle.tsv", bomLe), "UTF-16 text; save it as UTF-8");
        // Short UTF-8 files are not mistaken for binary.
        assertTable(Csv.read(file("one.csv", "1\n")), 1, 1, 1);
    }

    @Test
    void ioProblems() throws IOException {
        Path missing = dir.resolve("missing.csv");
        assertEquals(missing + ": no such file", fails(missing).getMessage());
        fails(dir, "directory");
        fails(file("plain.csv.gz", "1,2\n"), "gzip");
        Path truncated = gz("t.csv.gz", "1,2\n".repeat(10_000));
        byte[] bytes = Files.readAllBytes(truncated);
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        fails(truncated, "gzip");
    }
    /** Class ids float32 merges are noticed in CSV too (the label encoder refuses them as classes). */
    @Test
    void integerLabelsThatFloat32MergesAreNoted() throws Exception {
        Path merged = Files.writeString(dir.resolve("ids.csv"), "label\n100000001\n100000002\n\"100000009\"\n7\n");
        assertEquals("100000001 and 100000002 both become 1.0E8 in float32", Csv.read(merged).integerCollision());
        Path apart = Files.writeString(dir.resolve("ids-apart.csv"), "16777216\n1099511627776\n3\n1e30\n1.5\n");
        assertEquals(null, Csv.read(apart).integerCollision());
    }
    /**
     * In CSV too, a class id float32 merges onto an exact one (16777217 onto 16777216) is noticed,
     * and one it rounds to a number the file does not have; fresh ids per run.
     */
    @Test
    void largeIntegerLabelsMergedOntoAnExactOneOrChangedAreNoted() throws Exception {
        long seed = System.nanoTime();
        java.util.Random rnd = new java.util.Random(seed);
        long base = (1L + rnd.nextInt(1 << 20)) << 24;
        long odd = (1L << 24) + 8L * rnd.nextInt(1 << 20) + 1;
        Path merged = Files.writeString(dir.resolve("ids-exact.csv"), "label\n" + (base + 1) + "\n5\n" + base + "\n");
        assertEquals(base + " and " + (base + 1) + " both become " + (float) base + " in float32",
                Csv.read(merged).integerCollision(), "seed=" + seed);
        Path changed = Files.writeString(dir.resolve("ids-odd.csv"), "label\n5\n" + odd + "\n" + (odd + 8) + "\n");
        assertEquals(odd + " becomes " + (long) (float) odd + " in float32", Csv.read(changed).integerCollision(),
                "seed=" + seed);
        // Float.toString would print 1.0E12 here, as if nothing had changed.
        Path trillion = Files.writeString(dir.resolve("ids-1e12.csv"), "label\n0\n1000000000000\n");
        assertEquals("1000000000000 becomes 999999995904 in float32", Csv.read(trillion).integerCollision());
        // uint64 ids of 2^63 and more, beyond a long: skipped before, so these two were one class.
        String top = Long.toUnsignedString(Long.MIN_VALUE + rnd.nextInt(1 << 20));
        String next = new java.math.BigInteger(top).add(java.math.BigInteger.ONE).toString();
        Path u64 = Files.writeString(dir.resolve("ids-u64.csv"), "label\n" + next + "\n5\n" + top + "\n");
        assertEquals(top + " and " + next + " both become 9.223372E18 in float32", Csv.read(u64).integerCollision(),
                "seed=" + seed);
    }
    /** 16777217 rounds onto 2^24 itself: the merge with a 16777216 in the file is seen, as in .npy. */
    @Test
    void integerLabelsMergedOntoTwoToThe24AreNoted() throws Exception {
        Path p = Files.writeString(dir.resolve("ids-2p24.csv"), "label\n16777217\n5\n16777216\n");
        assertEquals("16777216 and 16777217 both become 1.6777216E7 in float32", Csv.read(p).integerCollision());
        Path n = Files.writeString(dir.resolve("ids-2p24n.csv"), "label\n-16777216\n5\n-16777217\n");
        assertEquals("-16777217 and -16777216 both become -1.6777216E7 in float32", Csv.read(n).integerCollision());
        Path one = Files.writeString(dir.resolve("ids-2p24one.csv"), "label\n5\n16777217\n");
        assertEquals("16777217 becomes 16777216 in float32", Csv.read(one).integerCollision());
        Path ok = Files.writeString(dir.resolve("ids-2p24ok.csv"), "label\n5\n16777216\n16777215\n");
        assertEquals(null, Csv.read(ok).integerCollision());
    }
    /** Timestamps such as 1.7e9 + N(0, 1) seconds lose all their variation in float32: named. */
    @Test
    void columnsWhoseDigitsFloat32DropsAreNamed() throws Exception {
        java.util.Random rnd = new java.util.Random(11);
        StringBuilder b = new StringBuilder("a,ts,c\n");
        StringBuilder ok = new StringBuilder("a,c\n");
        for (int i = 0; i < 40; i++) {
            double a = rnd.nextGaussian();
            double c = 1e4 + rnd.nextGaussian();
            b.append(String.format(java.util.Locale.ROOT, "%.6f,%.6f,%.6f%n", a, 1.7e9 + rnd.nextGaussian(), c));
            ok.append(String.format(java.util.Locale.ROOT, "%.6f,%.6f%n", a, c));
        }
        String loss = Csv.read(Files.writeString(dir.resolve("ts.csv"), b)).precisionLoss();
        assertTrue(loss != null && loss.startsWith("column 1 varies by") && loss.contains("rounds that variation away entirely"), loss);
        assertEquals(null, Csv.read(Files.writeString(dir.resolve("ts-ok.csv"), ok)).precisionLoss());
        // float64 round-off (0.30000000000000004 next to 0.3) is not variation: no warning, and it
        // does not hide a real loss in a later column.
        String noise = "a,b\n0.3,1700000000.5\n0.30000000000000004,1700000001.5\n0.3,1700000002.25\n";
        String l = Csv.read(Files.writeString(dir.resolve("noise.csv"), noise)).precisionLoss();
        assertTrue(l != null && l.startsWith("column 1 varies"), l);
        // Columns taken out of the table (mtl predict leaves out an id beside the model's inputs)
        // report only their own loss, by their column in the file.
        NpyArray all = Csv.read(dir.resolve("ts.csv"));
        assertEquals(null, all.columns(new int[] {2, 0}).precisionLoss());
        assertEquals(loss, all.columns(new int[] {1, 2}).precisionLoss());
    }

    /** Tab-separated, empty cells included, first ones too: two tabs are an empty cell, not one separator. */
    @Test
    void tabSeparatedEmptyCellsKeepTheirColumns() throws IOException {
        Path f = file("y.tsv", "a\tb\tc\n\t\t1001.0\n1\t0\t2.5\n0\t\t3\n");
        NpyArray y = Csv.readLabelTable(f).array();
        assertArrayEquals(new int[] {3, 3}, y.shape());
        assertTrue(Float.isNaN(y.data()[0]) && Float.isNaN(y.data()[1]) && y.data()[2] == 1001f);
        assertTrue(Float.isNaN(y.data()[7]) && y.data()[8] == 3f);
        // A row of missing labels only (tabs alone) is a row, not a blank line; #N/A is a missing label.
        NpyArray all = Csv.readLabelTable(file("all.tsv", "a\tb\n1\t2\n\t\n#N/A\t3\n")).array();
        assertArrayEquals(new int[] {3, 2}, all.shape());
        assertTrue(Float.isNaN(all.data()[2]) && Float.isNaN(all.data()[3]) && Float.isNaN(all.data()[4]));
        // The same tab-separated frame under a .txt name, its first data row all missing.
        NpyArray txt = Csv.readLabelTable(file("all.txt", "a\tb\n\t\n1\t2\n0\t1\n")).array();
        assertArrayEquals(new int[] {3, 2}, txt.shape());
        assertTrue(Float.isNaN(txt.data()[0]) && Float.isNaN(txt.data()[1]));
        NpyArray na = Csv.readLabelTable(file("na.csv", "y\n1\n#N/A\n0\n# a comment\n1\n")).array();
        assertEquals(4, na.dim(0));
        assertTrue(Float.isNaN(na.data()[1]));
        // A headerless label file whose first row starts with a missing label and then 0.0 is data.
        NpyArray z = Csv.readLabelTable(file("z.csv", ",0.0\n1.0,1.0\n0.0,0.0\n")).array();
        assertArrayEquals(new int[] {3, 2}, z.shape());
        assertTrue(Float.isNaN(z.data()[0]) && z.data()[1] == 0f);
    }
}
