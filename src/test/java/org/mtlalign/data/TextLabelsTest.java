package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;
import org.mtlalign.model.Loss;

/**
 * Class labels given as text (a CSV column of names, a numpy string array): the classes are the
 * sorted names, each row their index, and the loss follows the class count; numeric files read as
 * before.
 */
class TextLabelsTest {
    @TempDir
    Path dir;

    private final Random rnd = new Random(Long.getLong("mtlalign.test.seed", System.nanoTime()));

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    /** m random labels drawn from {@code names}, each name at least twice (so none is mistaken for a header). */
    private String[] draw(int m, String... names) {
        String[] out = new String[m];
        for (int i = 0; i < m; i++) {
            out[i] = i < 2 * names.length ? names[i % names.length] : names[rnd.nextInt(names.length)];
        }
        // Shuffle, so the first row's label is any of them.
        for (int i = m - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            String t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return out;
    }

    private static void assertIndices(String[] labels, String[] sortedNames, float[] got) {
        assertEquals(labels.length, got.length);
        for (int i = 0; i < labels.length; i++) {
            assertEquals(sortedNames[(int) got[i]], labels[i], "row " + i);
        }
    }

    private static Task task(NpyArray y) {
        int m = y.dim(0);
        float[] x = new float[m];
        for (int i = 0; i < m; i++) {
            x[i] = i;
        }
        return Task.fromArrays("t", new NpyArray(new int[] {m, 1}, x, "<f4", false), "x", y, "y");
    }

    @Test
    void csvColumnWithHeaderGivesSortedClassesAndLogisticWithTheLaterNamePositive() throws IOException {
        int m = 17 + rnd.nextInt(20);
        String[] labels = draw(m, "spam", "ham");
        Path y = write("y.csv", "label\n" + String.join("\n", labels) + "\n");
        NpyArray a = TaskLoader.readLabels(y);
        assertArrayEquals(new int[] {m, 1}, a.shape());
        assertArrayEquals(new String[] {"ham", "spam"}, a.classNames(0));
        assertIndices(labels, new String[] {"ham", "spam"}, a.data());

        EncodedLabels enc = EncodedLabels.encode(task(a), null);
        assertEquals(Loss.LOGISTIC, enc.loss());
        assertTrue(enc.reason().contains("positive class 'spam'"), enc.reason());
        for (int i = 0; i < m; i++) {
            assertEquals(labels[i].equals("spam") ? 1f : 0f, enc.target()[i], "row " + i);
        }
        assertEquals("spam", enc.classLabel(1));
    }

    /**
     * Capitals sort first, so Yes/no makes 'no' positive (LabelEncoder's rule, kept): the reason
     * then says how to make 'Yes' positive. A pair whose later name is the positive word says
     * nothing more, nor does one of other words.
     */
    @Test
    void aNegativeWordAsThePositiveClassSaysHowToChooseTheOther() throws IOException {
        String[][] pairs = {{"Yes", "no"}, {"Active", "inactive"}, {"Positive", "negative"}, {"Y", "n"}};
        String[] p = pairs[rnd.nextInt(pairs.length)];
        int m = 17 + rnd.nextInt(20);
        String[] labels = draw(m, p[0], p[1]);
        EncodedLabels enc = EncodedLabels.encode(task(TaskLoader.readLabels(write("y.csv", "label\n"
                + String.join("\n", labels) + "\n"))), null);
        assertTrue(enc.reason().endsWith("positive class '" + p[1] + "' (the later name in sorted order; --positive t="
                + p[0] + " makes '" + p[0] + "' positive)"), enc.reason());
        for (String[] fine : new String[][] {{"no", "yes"}, {"No", "Yes"}, {"ham", "spam"}, {"No", "maybe"}}) {
            EncodedLabels e = EncodedLabels.encode(task(TaskLoader.readLabels(write("y.csv", "label\n"
                    + String.join("\n", draw(m, fine[0], fine[1])) + "\n"))), null);
            assertTrue(e.reason().endsWith("(the later name in sorted order)"), e.reason());
        }
    }

    /**
     * --positive naming the class that is positive already (--positive t=no for Yes/no) is the
     * user's choice: the reason says so, not "the later name in sorted order" with a hint to pass
     * the other --positive.
     */
    @Test
    void aPositiveClassChosenByPositiveGetsNoHintToChooseTheOther() throws IOException {
        String[][] pairs = {{"Yes", "no"}, {"Active", "inactive"}, {"Positive", "negative"}, {"Y", "n"}};
        String[] p = pairs[rnd.nextInt(pairs.length)];
        int m = 17 + rnd.nextInt(20);
        Task t = task(TaskLoader.readLabels(write("y.csv", "label\n" + String.join("\n", draw(m, p[0], p[1])) + "\n")));
        EncodedLabels kept = EncodedLabels.encode(t, null, p[1]);
        assertEquals(p[1], kept.classLabel(1));
        assertTrue(kept.reason().endsWith("positive class '" + p[1] + "' (--positive)"), kept.reason());
        EncodedLabels swapped = EncodedLabels.encode(t, null, p[0]);
        assertEquals(p[0], swapped.classLabel(1));
        assertTrue(swapped.reason().endsWith("positive class '" + p[0] + "' (--positive)"), swapped.reason());
    }

    /**
     * Class names starting with '#' (channel names, hashtags), as pd.Series(y, name=...).to_csv
     * writes them (unquoted), are labels, not comments: before, every such row was skipped, so a
     * file of #general/#random read as "no data rows (only a header line)" and one of #general and
     * random lost its #general rows (an error blaming the row count). A leading comment (as
     * np.savetxt writes its header) and a comment among numeric labels are still comments.
     */
    @Test
    void classNamesStartingWithHashAreLabelsNotComments() throws IOException {
        int m = 17 + rnd.nextInt(20);
        String[] all = draw(m, "#general", "#random");
        NpyArray a = TaskLoader.readLabels(write("all.csv", "channel\n" + String.join("\n", all) + "\n"));
        assertArrayEquals(new int[] {m, 1}, a.shape());
        assertArrayEquals(new String[] {"#general", "#random"}, a.classNames(0));
        assertIndices(all, a.classNames(0), a.data());

        String[] mixed = draw(m, "#general", "random", "#help");
        NpyArray b = TaskLoader.readLabels(write("mixed.csv", "# exported\nchannel\n" + String.join("\n", mixed) + "\n"));
        assertEquals(m, b.dim(0));
        assertArrayEquals(new String[] {"#general", "#help", "random"}, b.classNames(0));
        assertIndices(mixed, b.classNames(0), b.data());

        NpyArray numeric = TaskLoader.readLabels(write("n.csv", "# label\n1\n0\n# a note\n1\n0\n"));
        assertEquals(4, numeric.dim(0));
        assertNull(numeric.classNames(0));
    }

    @Test
    void headerlessFileKeepsItsFirstRowWhenThatLabelRecurs() throws IOException {
        String[] labels = draw(11, "cat", "dog", "bird");
        Path y = write("y.txt", String.join("\n", labels) + "\n");
        NpyArray a = TaskLoader.readLabels(y);
        assertEquals(11, a.dim(0));
        assertArrayEquals(new String[] {"bird", "cat", "dog"}, a.classNames(0));
        assertIndices(labels, a.classNames(0), a.data());
        EncodedLabels enc = EncodedLabels.encode(task(a), null);
        assertEquals(Loss.SOFTMAX, enc.loss());
        assertEquals(3, enc.outputs());
    }

    @Test
    void aFirstLabelFoundNowhereElseIsAHeaderAndTheRowCountSaysHow() throws IOException {
        // The documented ambiguity: "owl" appears only in line 1, so it reads as the column's name.
        Path y = write("y.csv", "owl\ncat\ndog\ncat\n");
        assertEquals(3, TaskLoader.readLabels(y).dim(0));
        Path x = dir.resolve("x.npy");
        Npy.write(x, new int[] {4, 1}, new float[] {1, 2, 3, 4});
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.load("t", x, y));
        assertTrue(e.getMessage().contains("read as a header") && e.getMessage().contains("'label'"), e.getMessage());
    }

    @Test
    void namesMayHoldSpacesQuotesAndDelimitersAndNumbers() throws IOException {
        // One column without a delimiter: each line is one label, spaces included.
        Path y = write("y.txt", "New York\nSan Francisco\nNew York\nSan Francisco\n");
        assertArrayEquals(new String[] {"New York", "San Francisco"}, TaskLoader.readLabels(y).classNames(0));
        // Quoted names holding the delimiter, beside a numeric column; "10" in a text column is a name.
        Path q = write("q.csv", "id,city\n1,\"Paris, TX\"\n2,Lyon\n3,\"Paris, TX\"\n4,10\n5,Lyon\n");
        NpyArray a = TaskLoader.readLabels(q);
        assertNull(a.classNames(0));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5}, new float[] {a.data()[0], a.data()[2], a.data()[4],
            a.data()[6], a.data()[8]});
        assertArrayEquals(new String[] {"10", "Lyon", "Paris, TX"}, a.classNames(1));
        assertArrayEquals(new float[] {2, 1, 2, 0, 1}, new float[] {a.data()[1], a.data()[3], a.data()[5],
            a.data()[7], a.data()[9]});
    }

    @Test
    void sharedInputsTakeTextAndNumericColumnsAsTheirOwnTasks() throws IOException {
        int m = 30;
        float[] x = new float[m * 2];
        StringBuilder csv = new StringBuilder("clicked,segment\n");
        String[] seg = draw(m, "a", "b", "c", "d");
        int[] clicked = new int[m];
        for (int i = 0; i < m; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            clicked[i] = i % 2;
            csv.append(clicked[i]).append(',').append(seg[i]).append('\n');
        }
        Path xf = dir.resolve("X.npy");
        Npy.write(xf, new int[] {m, 2}, x);
        Path yf = write("Y.csv", csv.toString());
        TaskSuite s = TaskLoader.sharedInputs(xf, yf, null);
        assertEquals(List.of("clicked", "segment"), List.of(s.tasks().get(0).name(), s.tasks().get(1).name()));
        assertNull(s.tasks().get(0).classNames());
        assertArrayEquals(new String[] {"a", "b", "c", "d"}, s.tasks().get(1).classNames());
        assertIndices(seg, new String[] {"a", "b", "c", "d"}, s.tasks().get(1).y());
        assertEquals(Loss.LOGISTIC, EncodedLabels.encode(s.tasks().get(0), null).loss());
        assertEquals(Loss.SOFTMAX, EncodedLabels.encode(s.tasks().get(1), null).loss());
    }

    @Test
    void aMostlyNumericColumnWithATypoIsAnErrorNotClasses() throws IOException {
        StringBuilder b = new StringBuilder("price\n");
        int bad = 3 + rnd.nextInt(10);
        for (int i = 0; i < 20; i++) {
            b.append(i == bad ? "12.5x" : String.valueOf(10 + rnd.nextDouble())).append('\n');
        }
        Path y = write("y.csv", b.toString());
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.readLabels(y));
        assertTrue(e.getMessage().contains("line " + (bad + 2) + ", column 1") && e.getMessage().contains("12.5x")
                && e.getMessage().contains("under a tenth"), e.getMessage());
        // The numeric reader (inputs) never reads text.
        assertThrows(UserInputException.class, () -> TaskLoader.readArray(write("x.csv", "a\nspam\nham\n")));
    }

    @Test
    void missingTextLabelsAreNaN() throws IOException {
        // (An empty line is skipped like any blank line; an empty cell is a missing label.)
        for (String missing : new String[] {"", "NA", "nan", "<NA>"}) {
            Path y = write("y.csv", "id,label\n1,spam\n2,ham\n3," + missing + "\n4,spam\n");
            NpyArray a = TaskLoader.readLabels(y);
            assertArrayEquals(new String[] {"ham", "spam"}, a.classNames(1), missing);
            assertTrue(Float.isNaN(a.data()[5]), missing + ": row 3's label");
            assertEquals(0f, a.data()[3], missing);
        }
        // "none" is a plausible class name (of a severity scale), not a missing value.
        Path y = write("y.csv", "severity\nnone\nmild\nsevere\nnone\nmild\n");
        assertArrayEquals(new String[] {"mild", "none", "severe"}, TaskLoader.readLabels(y).classNames(0));
    }

    @Test
    void textLabelsRefuseSquaredLossAndASingleClassAndTakeManyClassesAsSoftmax() throws IOException {
        Path one = write("one.csv", "label\nyes\nyes\nyes\n");
        UserInputException single = assertThrows(UserInputException.class,
                () -> EncodedLabels.encode(task(TaskLoader.readLabels(one)), null));
        assertTrue(single.getMessage().contains("'yes'"), single.getMessage());

        String[] names = new String[60 + rnd.nextInt(20)];
        for (int i = 0; i < names.length; i++) {
            names[i] = "class_" + i;
        }
        Path many = write("many.csv", "label\n" + String.join("\n", draw(3 * names.length, names)) + "\n");
        Task t = task(TaskLoader.readLabels(many));
        EncodedLabels enc = EncodedLabels.encode(t, null);
        assertEquals(Loss.SOFTMAX, enc.loss(), "text labels are classes however many (numbers beyond 50 are not)");
        assertEquals(names.length, enc.outputs());
        UserInputException sq = assertThrows(UserInputException.class, () -> EncodedLabels.encode(t, Loss.SQUARED));
        assertTrue(sq.getMessage().contains("text labels"), sq.getMessage());
        assertThrows(UserInputException.class, () -> EncodedLabels.encode(t, Loss.LOGISTIC));
    }

    @Test
    void numericLabelFilesHaveNoClassNames() throws IOException {
        NpyArray a = TaskLoader.readLabels(write("y.csv", "label\n0\n1\n1\n0\n"));
        assertNull(a.classNames(0));
        assertArrayEquals(new float[] {0, 1, 1, 0}, a.data());
        Path npy = dir.resolve("y.npy");
        Npy.writeInt(npy, new int[] {3}, new int[] {2, 0, 1});
        assertNull(TaskLoader.readLabels(npy).classNames(0));
    }

    // ------------------------------------------------------------------------------------------
    // numpy string arrays: '<U' (UCS-4, either byte order), 'S' (bytes), C and Fortran order
    // ------------------------------------------------------------------------------------------

    /** The bytes numpy writes for {@code values} as dtype U{width}: UCS-4 code points, NUL padded. */
    private static byte[] ucs4(String[] values, int width, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocate(values.length * width * 4).order(order);
        for (String v : values) {
            int[] cps = v.codePoints().toArray();
            for (int c = 0; c < width; c++) {
                b.putInt(c < cps.length ? cps[c] : 0);
            }
        }
        return b.array();
    }

    private Path npy(String name, String descr, boolean fortran, int[] shape, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, NpyReadTest.NpyBytes.file(1, NpyReadTest.NpyBytes.dict(descr, fortran, shape), data));
        return p;
    }

    @Test
    void numpyUnicodeArraysInEitherByteOrder() throws IOException {
        String[] labels = draw(13, "spam", "ham", "\u00e9t\u00e9", "\uD83D\uDE00");
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            String descr = (order == ByteOrder.LITTLE_ENDIAN ? "<" : ">") + "U4";
            NpyArray a = TaskLoader.readLabels(npy("y.npy", descr, false, new int[] {13}, ucs4(labels, 4, order)));
            String[] sorted = {"ham", "spam", "\u00e9t\u00e9", "\uD83D\uDE00"};
            assertArrayEquals(sorted, a.classNames(0), descr);
            assertIndices(labels, sorted, a.data());
        }
    }

    @Test
    void numpyByteStringsAndFortranOrderColumns() throws IOException {
        String[] labels = draw(9, "no", "yes");
        byte[] data = new byte[9 * 3];
        for (int i = 0; i < 9; i++) {
            byte[] s = labels[i].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(s, 0, data, 3 * i, s.length);
        }
        NpyArray a = TaskLoader.readLabels(npy("s.npy", "|S3", false, new int[] {9}, data));
        assertArrayEquals(new String[] {"no", "yes"}, a.classNames(0));
        assertIndices(labels, new String[] {"no", "yes"}, a.data());

        // 2-D, Fortran order: column 0 then column 1 in the file; each column has its own classes.
        String[] c0 = draw(5, "a", "b");
        String[] c1 = draw(5, "x", "y", "z");
        String[] fileOrder = new String[10];
        System.arraycopy(c0, 0, fileOrder, 0, 5);
        System.arraycopy(c1, 0, fileOrder, 5, 5);
        NpyArray f = TaskLoader.readLabels(npy("f.npy", "<U1", true, new int[] {5, 2},
                ucs4(fileOrder, 1, ByteOrder.LITTLE_ENDIAN)));
        assertArrayEquals(new String[] {"a", "b"}, f.classNames(0));
        assertArrayEquals(new String[] {"x", "y", "z"}, f.classNames(1));
        for (int i = 0; i < 5; i++) {
            assertEquals(c0[i], f.classNames(0)[(int) f.data()[2 * i]]);
            assertEquals(c1[i], f.classNames(1)[(int) f.data()[2 * i + 1]]);
        }
    }

    @Test
    void numpyStringErrors() throws IOException {
        // '' and 'nan' (a float NaN after astype(str)) are missing labels.
        NpyArray missing = TaskLoader.readLabels(npy("e.npy", "<U3", false, new int[] {4},
                ucs4(new String[] {"a", "", "b", "nan"}, 3, ByteOrder.LITTLE_ENDIAN)));
        assertArrayEquals(new String[] {"a", "b"}, missing.classNames(0));
        assertTrue(Float.isNaN(missing.data()[1]) && Float.isNaN(missing.data()[3]) && missing.data()[2] == 1f);
        UserInputException truncated = assertThrows(UserInputException.class, () -> TaskLoader.readLabels(
                npy("t.npy", "<U3", false, new int[] {4}, ucs4(new String[] {"a", "b", "c"}, 3, ByteOrder.LITTLE_ENDIAN))));
        assertTrue(truncated.getMessage().contains("t.npy"), truncated.getMessage());
        // Inputs are never strings.
        Path s = npy("x.npy", "<U3", false, new int[] {2}, ucs4(new String[] {"a", "b"}, 3, ByteOrder.LITTLE_ENDIAN));
        UserInputException x = assertThrows(UserInputException.class, () -> TaskLoader.readArray(s));
        assertTrue(x.getMessage().contains("strings"), x.getMessage());
        // A label row count that does not match X names both files.
        List<String> list = new ArrayList<>(List.of("a", "b", "a"));
        Path y = npy("y3.npy", "<U1", false, new int[] {3}, ucs4(list.toArray(new String[0]), 1, ByteOrder.LITTLE_ENDIAN));
        Path xf = dir.resolve("x4.npy");
        Npy.write(xf, new int[] {4, 1}, new float[] {1, 2, 3, 4});
        UserInputException rows = assertThrows(UserInputException.class, () -> TaskLoader.load("t", xf, y));
        assertTrue(rows.getMessage().contains("y has 3 rows"), rows.getMessage());
    }

    /** "1", "2", "three": a third of the cells are words, so the column is three classes. */
    @Test
    void aColumnWithATenthOfWordsOrMoreIsText() throws IOException {
        String[] labels = draw(30, "1", "2", "three");
        NpyArray a = TaskLoader.readLabels(write("y.csv", "c\n" + String.join("\n", labels) + "\n"));
        assertArrayEquals(new String[] {"1", "2", "three"}, a.classNames(0));
        assertIndices(labels, a.classNames(0), a.data());
    }

    /** Identifier columns (molecule ids, a column named id, the row numbers) are refused as labels. */
    @Test
    void identifierColumnsAreNotLabels() throws IOException {
        int m = 40;
        StringBuilder ids = new StringBuilder("mol,label\n");
        StringBuilder named = new StringBuilder("id,label\n");
        StringBuilder numbers = new StringBuilder("n,label\n");
        for (int i = 0; i < m; i++) {
            String l = i % 2 == 0 ? "active" : "inactive";
            ids.append("TOX").append(10000 + i).append(',').append(l).append('\n');
            named.append(7 * i + 3).append(',').append(l).append('\n');
            numbers.append(i).append(',').append(l).append('\n');
        }
        Path xf = dir.resolve("x.npy");
        float[] x = new float[m];
        for (int i = 0; i < m; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        Npy.write(xf, new int[] {m, 1}, x);
        String[][] cases = {{ids.toString(), "different text value in every row"}, {named.toString(), "named like a row "
            + "identifier"}, {numbers.toString(), "row numbers 0..39"}};
        for (String[] c : cases) {
            Path y = write("Y.csv", c[0]);
            UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.sharedInputs(xf, y, null));
            assertTrue(e.getMessage().contains("column 1") && e.getMessage().contains(c[1])
                    && e.getMessage().contains("index_col"), e.getMessage());
        }
        // The label column alone is fine.
        Path ok = write("ok.csv", ids.toString().lines().map(l -> l.substring(l.indexOf(',') + 1))
                .reduce("", (p, l) -> p + l + "\n"));
        assertEquals(2, TaskLoader.sharedInputs(xf, ok, null).tasks().get(0).classNames().length);
    }

    /** Classes sort as Python sorts them (by code point), so index k is np.unique's (LabelEncoder's) k. */
    @Test
    void classesSortByCodePointLikePython() throws IOException {
        String fullwidth = "\uFF01";        // U+FF01
        String emoji = "\uD83D\uDE00";      // U+1F600: after U+FF01 by code point, before it by UTF-16 unit
        String[] labels = draw(12, emoji, fullwidth, "Yes", "no");
        NpyArray a = TaskLoader.readLabels(write("u.csv", "l\n" + String.join("\n", labels) + "\n"));
        assertArrayEquals(new String[] {"Yes", "no", fullwidth, emoji}, a.classNames(0));
        assertIndices(labels, a.classNames(0), a.data());
    }

    /** Python's None after astype(str) is the string 'None': a missing label in a .npy string array. */
    @Test
    void noneInANumpyStringArrayIsMissing() throws IOException {
        NpyArray a = TaskLoader.readLabels(npy("n.npy", "<U4", false, new int[] {4},
                ucs4(new String[] {"a", "None", "b", "a"}, 4, ByteOrder.LITTLE_ENDIAN)));
        assertArrayEquals(new String[] {"a", "b"}, a.classNames(0));
        assertTrue(Float.isNaN(a.data()[1]));
    }

    /** A measurement column with a placeholder word for missing values is refused, not read as hundreds of classes. */
    @Test
    void aPlaceholderWordInAMeasurementColumnIsRefused() throws IOException {
        StringBuilder b = new StringBuilder("r\n");
        for (int i = 0; i < 200; i++) {
            b.append(i % 4 == 0 ? "-" : String.format(java.util.Locale.ROOT, "%.3f", 10 + rnd.nextGaussian()))
                    .append('\n');
        }
        UserInputException e = assertThrows(UserInputException.class,
                () -> TaskLoader.readLabels(write("m.csv", b.toString())));
        assertTrue(e.getMessage().contains("'-'") && e.getMessage().contains("placeholder"), e.getMessage());
        // Also when the placeholder is most of the column (sparse measurements).
        StringBuilder sparse = new StringBuilder("r\n");
        for (int i = 0; i < 400; i++) {
            sparse.append(i % 5 != 0 ? "-" : String.format(java.util.Locale.ROOT, "%.3f", 10 + rnd.nextGaussian()))
                    .append('\n');
        }
        UserInputException s = assertThrows(UserInputException.class,
                () -> TaskLoader.readLabels(write("sparse.csv", sparse.toString())));
        assertTrue(s.getMessage().contains("placeholder"), s.getMessage());
    }

    /** --positive picks a binary task's positive class by its label; the classes keep it last. */
    @Test
    void aChosenPositiveClassComesLast() throws IOException {
        String[] labels = draw(25, "active", "inactive");
        Task t = task(TaskLoader.readLabels(write("tox.csv", "tox\n" + String.join("\n", labels) + "\n")));
        EncodedLabels byDefault = EncodedLabels.encode(t, null);
        assertEquals("inactive", byDefault.classLabel(1));
        EncodedLabels chosen = EncodedLabels.encode(t, null, "active");
        assertEquals("inactive", chosen.classLabel(0));
        assertEquals("active", chosen.classLabel(1));
        assertTrue(chosen.reason().endsWith("positive class 'active' (--positive)"), chosen.reason());
        for (int i = 0; i < labels.length; i++) {
            assertEquals(labels[i].equals("active") ? 1f : 0f, chosen.target()[i], "row " + i);
        }
        assertArrayEquals(byDefault.target(), EncodedLabels.encode(t, null, "inactive").target());
        // Choosing the positive class relabels; the split stays the same rows.
        Preparation.Config plain = Preparation.Config.defaults(3);
        Preparation.Config flipped = new Preparation.Config(0.2, 0.2, 3, null, Preparation.Standardize.GLOBAL,
                java.util.List.of(), java.util.Map.of(), java.util.Map.of("t", "active"));
        PreparedTask a = Preparation.prepare(new TaskSuite("s", java.util.List.of(t), false), plain).tasks().get(0);
        PreparedTask b = Preparation.prepare(new TaskSuite("s", java.util.List.of(t), false), flipped).tasks().get(0);
        assertArrayEquals(a.train(), b.train());
        assertArrayEquals(a.test(), b.test());

        // Numeric labels: the value as written.
        float[] y = {-1, 1, 1, -1, -1, 1};
        Task n = task(new NpyArray(new int[] {6}, y, "<f4", true));
        EncodedLabels minusOne = EncodedLabels.encode(n, null, "-1");
        assertEquals("-1", minusOne.classLabel(1));
        for (int i = 0; i < y.length; i++) {
            assertEquals(y[i] == -1 ? 1f : 0f, minusOne.target()[i]);
        }
        UserInputException unknown = assertThrows(UserInputException.class, () -> EncodedLabels.encode(n, null, "2"));
        assertTrue(unknown.getMessage().contains("'-1' and '1', not '2'"), unknown.getMessage());
        Task three = task(TaskLoader.readLabels(write("three.csv", "c\n" + String.join("\n", draw(12, "a", "b", "c"))
                + "\n")));
        UserInputException notBinary = assertThrows(UserInputException.class,
                () -> EncodedLabels.encode(three, null, "a"));
        assertTrue(notBinary.getMessage().contains("not a binary task"), notBinary.getMessage());
    }
}
