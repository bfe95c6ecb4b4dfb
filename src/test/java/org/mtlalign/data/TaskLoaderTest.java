package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;

/** {@code --tasks DIR}: one task per folder, X and y in any readable format. */
class TaskLoaderTest {

    @TempDir
    Path dir;

    /** X of 4 rows x 2 columns whose first value is {@code first}, so tasks can be told apart. */
    private static float[] x(float first) {
        return new float[] {first, 1, 2, 3, 4, 5, 6, 7};
    }

    private static final float[] Y = {0, 1, 0, 1};

    private static String csv(float[] values, int cols, String header) {
        StringBuilder sb = new StringBuilder(header == null ? "" : header + "\n");
        for (int i = 0; i < values.length; i++) {
            sb.append(i % cols == 0 ? "" : ",").append(values[i]).append(i % cols == cols - 1 ? "\n" : "");
        }
        return sb.toString();
    }

    private Path folder(String... names) throws IOException {
        Path p = dir.resolve(String.join("/", names));
        Files.createDirectories(p);
        return p;
    }

    private static void npyX(Path folder, String name, float first) {
        Npy.write(folder.resolve(name), new int[] {4, 2}, x(first));
    }

    private static void npyY(Path folder, String name) {
        Npy.writeInt(folder.resolve(name), new int[] {4}, new int[] {0, 1, 0, 1});
    }

    private static void text(Path file, String content) throws IOException {
        if (file.getFileName().toString().endsWith(".gz")) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
                out.write(content.getBytes(StandardCharsets.UTF_8));
            }
        } else {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        }
    }

    private static UserInputException fails(Path tasksDir, String... keywords) {
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.fromDirectory(tasksDir));
        for (String k : keywords) {
            assertTrue(e.getMessage().contains(k), () -> "message lacks '" + k + "': " + e.getMessage());
        }
        assertFalse(e.getMessage().contains("\n"), e::getMessage);
        return e;
    }

    private static List<String> names(TaskSuite s) {
        return s.tasks().stream().map(Task::name).toList();
    }

    /**
     * Of four tasks, the first in name order ('a') has one column fewer: the error named task
     * 'b' ("task 'b' has d = 2 features but task 'a' has d = 1"), since the first task's d was
     * the reference, sending the user to a file that is fine. The task whose d differs from
     * most tasks' is named, with the others' d.
     */
    @Test
    void theTaskWhoseWidthDiffersFromMostIsNamed() throws IOException {
        Path a = folder("w", "a");
        text(a.resolve("X.csv"), "f0\n1\n2\n3\n4\n");
        npyY(a, "y.npy");
        for (String n : new String[] {"b", "c", "d"}) {
            Path f = folder("w", n);
            npyX(f, "X.npy", 1f);
            npyY(f, "y.npy");
        }
        UserInputException e = fails(dir.resolve("w"), "task 'a' has d = 1 features but 3 of the 4 tasks have d = 2 ('b', 'c', 'd')",
                "share the input dimension");
        assertTrue(e.getMessage().startsWith(a.resolve("X.csv").toString()), e::getMessage);
    }

    @Test
    void hiddenEntriesAndTopLevelFilesAreSkipped() throws IOException {
        Path a = folder("tasks", "a");
        npyX(a, "X.npy", 10);
        npyY(a, "y.npy");
        Path b = folder("tasks", "b");
        npyX(b, "X.npy", 20);
        npyY(b, "y.npy");
        // What git, Jupyter, macOS and people leave around; none of it is a task.
        Files.writeString(folder("tasks", ".git").resolve("HEAD"), "ref: refs/heads/main\n");
        folder("tasks", ".ipynb_checkpoints");
        Path hiddenTask = folder("tasks", ".old");
        npyX(hiddenTask, "X.npy", 99);
        npyY(hiddenTask, "y.npy");
        Files.writeString(dir.resolve("tasks/.DS_Store"), "\0\0\0\1Bud1");
        Files.writeString(dir.resolve("tasks/README.md"), "# my tasks\n");
        npyX(dir.resolve("tasks"), "stray.npy", 0);

        TaskSuite s = TaskLoader.fromDirectory(dir.resolve("tasks"));
        assertEquals(List.of("a", "b"), names(s));
        assertEquals(10f, s.tasks().get(0).x()[0]);
        assertEquals(20f, s.tasks().get(1).x()[0]);
    }

    @Test
    void onlyHiddenEntriesMeansNoTasks() throws IOException {
        folder("empty", ".git");
        Files.writeString(dir.resolve("empty/.DS_Store"), "x");
        UserInputException e = fails(dir.resolve("empty"), "no task folders found");
        assertTrue(e.getMessage().startsWith(dir.resolve("empty") + ": "), e::getMessage);
    }

    @Test
    void mixedFormatsWithinATaskFolder() throws IOException {
        Path a = folder("mixed", "a_csv_npy");
        text(a.resolve("X.csv"), csv(x(1), 2, "f1,f2"));
        npyY(a, "y.npy");
        Path b = folder("mixed", "b_npy_csvgz");
        npyX(b, "X.npy", 2);
        text(b.resolve("y.csv.gz"), csv(Y, 1, "label"));
        Path c = folder("mixed", "c_tsv_txt");
        text(c.resolve("x.tsv"), csv(x(3), 2, null).replace(',', '\t'));
        text(c.resolve("y.txt"), "0\n1\n0\n1\n");
        Path d = folder("mixed", "d_csv_csv");
        text(d.resolve("X.csv"), csv(x(4), 2, null));
        text(d.resolve("y.csv"), csv(Y, 1, null));
        Path e = folder("mixed", "e_upper_ext");
        npyX(e, "X.NPY", 5);
        text(e.resolve("y.CSV"), csv(Y, 1, null));

        TaskSuite s = TaskLoader.fromDirectory(dir.resolve("mixed"));
        assertEquals(List.of("a_csv_npy", "b_npy_csvgz", "c_tsv_txt", "d_csv_csv", "e_upper_ext"), names(s));
        for (int i = 0; i < 5; i++) {
            Task t = s.tasks().get(i);
            assertArrayEquals(x(i + 1), t.x(), t.name());
            assertArrayEquals(Y, t.y(), t.name());
            assertTrue(t.integralLabels(), t.name());
        }
    }

    @Test
    void twoCandidatesForXIsAmbiguous() throws IOException {
        Path a = folder("amb", "a");
        npyX(a, "X.npy", 1);
        text(a.resolve("X.csv"), csv(x(1), 2, null));
        npyY(a, "y.npy");
        UserInputException e = fails(dir.resolve("amb"));
        assertEquals(a + ": ambiguous inputs: X.csv and X.npy could each be X; keep only one in the task folder",
                e.getMessage());

        Path b = folder("amb2", "b");
        npyX(b, "X.npy", 1);
        npyY(b, "y.npy");
        text(b.resolve("y.csv"), csv(Y, 1, null));
        text(b.resolve("y.tsv"), csv(Y, 1, null));
        assertEquals(b + ": ambiguous inputs: y.csv, y.npy and y.tsv could each be y; keep only one in the task folder",
                fails(dir.resolve("amb2")).getMessage());
    }

    @Test
    void missingFilesNameTheFolder() throws IOException {
        Path a = folder("miss", "a");
        text(a.resolve("X.csv"), csv(x(1), 2, null));
        Files.writeString(a.resolve("notes.txt.bak"), "n");
        assertEquals(a + ": has X.csv but no y file (expected X and y as .npy, .npz, .csv, .csv.gz, .tsv, .tsv.gz,"
                + " .txt or .txt.gz, e.g. X.npy + y.npy; found X.csv, notes.txt.bak)", fails(dir.resolve("miss")).getMessage());

        Path b = folder("miss2", "b");
        npyY(b, "y.npy");
        fails(dir.resolve("miss2"), b + ": has y.npy but no X file");

        Path c = folder("miss3", "c");
        Files.writeString(c.resolve("data.json"), "{}");
        fails(dir.resolve("miss3"), c + ": no X and y files in this task folder", "; found data.json)");

        // A label file with the wrong stem is listed, so the mistake is plain to see; folders end in '/'.
        Path d = folder("miss4", "d");
        npyX(d, "X.npy", 1);
        npyY(d, "labels.npy");
        folder("miss4", "d", "old");
        fails(dir.resolve("miss4"), d + ": has X.npy but no y file", "; found X.npy, labels.npy, old/)");

        Path e = folder("miss5", "e");
        fails(dir.resolve("miss5"), e + ": no X and y files", "; found an empty folder)");
    }

    /** --shared-x with --labels: the label header's names are the task names, so none may be blank. */
    @Test
    void labelHeaderNamesMustBeThereAndDiffer() throws IOException {
        Path x = dir.resolve("X.csv");
        text(x, csv(x(1), 2, null));
        Path blank = dir.resolve("Y.csv");
        text(blank, "a,,c\n0,1,0\n1,0,1\n0,1,1\n1,1,0\n");
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.sharedInputs(x, blank, null));
        assertEquals(blank + ": header column 2 has no name; the label columns' names are the task names, so name it"
                + " or give --names", e.getMessage());
        Path trailing = dir.resolve("Y2.csv");
        text(trailing, "a,b,\n0,1,0\n1,0,1\n0,1,1\n1,1,0\n");
        e = assertThrows(UserInputException.class, () -> TaskLoader.sharedInputs(x, trailing, List.of()));
        assertTrue(e.getMessage().startsWith(trailing + ": header column 3 has no name"), e::getMessage);
        Path twice = dir.resolve("Y3.csv");
        text(twice, "a,b,a\n0,1,0\n1,0,1\n0,1,1\n1,1,0\n");
        e = assertThrows(UserInputException.class, () -> TaskLoader.sharedInputs(x, twice, null));
        assertTrue(e.getMessage().startsWith(twice + ": header columns 1 and 3 are both named 'a'"), e::getMessage);
        // Names given on the command line replace the header's.
        assertEquals(List.of("p", "q", "r"), names(TaskLoader.sharedInputs(x, blank, List.of("p", "q", "r"))));
        Path named = dir.resolve("Y4.csv");
        text(named, "a,b,c\n0,1,0\n1,0,1\n0,1,1\n1,1,0\n");
        assertEquals(List.of("a", "b", "c"), names(TaskLoader.sharedInputs(x, named, null)));
    }

    @Test
    void aDirectoryNamedLikeADataFileIsNotOne() throws IOException {
        Path a = folder("dirs", "a");
        npyX(a, "X.npy", 1);
        npyY(a, "y.npy");
        folder("dirs", "a", "y.csv"); // a folder, not a file: not a second y
        TaskSuite s = TaskLoader.fromDirectory(dir.resolve("dirs"));
        assertEquals(List.of("a"), names(s));
    }

    @Test
    void unknownFileTypeListsEveryAcceptedExtension() throws IOException {
        Path json = dir.resolve("X.json");
        Files.writeString(json, "[[1, 2]]");
        String accepted = "(expected .npy, .npz, .csv, .csv.gz, .tsv, .tsv.gz, .txt or .txt.gz)";
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.readArray(json));
        assertEquals(json + ": unknown file type " + accepted, e.getMessage());
        // --labels goes its own way (to keep a CSV header's task names); it must check the type too.
        npyX(dir, "X.npy", 1);
        e = assertThrows(UserInputException.class,
                () -> TaskLoader.sharedInputs(dir.resolve("X.npy"), json, List.of()));
        assertEquals(json + ": unknown file type " + accepted, e.getMessage());
    }

    @Test
    void everyListedExtensionIsRead() throws IOException {
        Path a = folder("gz", "a");
        text(a.resolve("X.tsv.gz"), csv(x(1), 2, null).replace(',', '\t'));
        text(a.resolve("y.txt.gz"), "0\n1\n0\n1\n");
        Task t = TaskLoader.load("a", a.resolve("X.tsv.gz"), a.resolve("y.txt.gz"));
        assertArrayEquals(x(1), t.x());
        assertArrayEquals(Y, t.y());
    }

    @Test
    void specSplitsWhereTheLeftPartIsARegularFile() throws IOException {
        Path odd = folder("odd:dir");
        npyX(odd, "X.npy", 1);
        npyY(odd, "y.npy");
        folder("odd"); // a folder named like the first part: a split there must lose
        String spec = "a=" + odd.resolve("X.npy") + ":" + odd.resolve("y.npy");
        TaskLoader.Spec s = TaskLoader.split(spec);
        assertEquals(new TaskLoader.Spec("a", odd.resolve("X.npy"), odd.resolve("y.npy")), s);
        assertEquals(spec, s.absolute());
        assertEquals(1f, TaskLoader.fromSpec(spec).x()[0]);

        // One colon: split there even if the files are missing, so that loading names the file.
        assertEquals(new TaskLoader.Spec("b", Path.of("nope.npy"), Path.of("y.npy")), TaskLoader.split("b=nope.npy:y.npy"));
    }

    @Test
    void specWithTwoPossibleSplitsIsAmbiguous() throws IOException {
        // "F/p:F/q:F/r" is F/p + "F/q:F/r" and also "F/p:F/q" + F/r when all four files exist.
        Path f = folder("amb-spec");
        String p = f.resolve("p").toString();
        String q = f.resolve("q").toString();
        String r = f.resolve("r").toString();
        for (String n : new String[] {p, r, p + ":" + q, q + ":" + r}) {
            Files.createDirectories(Path.of(n).getParent());
            npyX(Path.of(n).getParent(), Path.of(n).getFileName().toString(), 1);
        }
        String spec = "a=" + p + ":" + q + ":" + r;
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.split(spec));
        assertEquals("--task " + spec + ": splits into two files in 2 ways ('" + p + "' + '" + q + ":" + r + "', '"
                + p + ":" + q + "' + '" + r + "'); check the paths, or give the files through a link whose path has"
                + " no ':', or as a task folder with --tasks DIR (DIR/NAME/X.npy + DIR/NAME/y.npy)", e.getMessage());
    }

    @Test
    void specWithAnEmptyFileNameSaysWhichOne() throws IOException {
        npyX(dir, "X.npy", 1);
        String x = dir.resolve("X.npy").toString();
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.split("a=" + x + ":"));
        assertEquals("--task a=" + x + ":: the y file name is empty", e.getMessage());
        e = assertThrows(UserInputException.class, () -> TaskLoader.split("a=:" + x));
        assertEquals("--task a=:" + x + ": the X file name is empty", e.getMessage());
        // No name at all: both forms are named; a lone table (X and y in one CSV) is told to split it.
        e = assertThrows(UserInputException.class, () -> TaskLoader.split(x));
        assertEquals("--task " + x + ": give the task a name, NAME=X.npy:y.npy or NAME=TASK.npz", e.getMessage());
        Path table = dir.resolve("churn.csv");
        Files.writeString(table, "a,b,label\n1,2,yes\n3,4,no\n");
        e = assertThrows(UserInputException.class, () -> TaskLoader.split(table.toString()));
        assertTrue(e.getMessage().startsWith("--task " + table + ": give the task a name, NAME=X.npy:y.npy or "
                + "NAME=TASK.npz; a task's inputs and labels are two files: split a table"), e.getMessage());
        e = assertThrows(UserInputException.class, () -> TaskLoader.split("nosuch.csv"));
        assertEquals("--task: expected NAME=X.npy:y.npy or NAME=TASK.npz, got 'nosuch.csv'", e.getMessage());
    }

    @Test
    void upperCaseYIsTheLabelFile() throws IOException {
        Path a = folder("upper", "a");
        npyX(a, "x.npy", 1);
        npyY(a, "Y.npy");
        TaskSuite s = TaskLoader.fromDirectory(dir.resolve("upper"));
        assertEquals(List.of("a"), names(s));
        assertArrayEquals(Y, s.tasks().get(0).y());
    }

    @Test
    void tasksDirThatIsMissingOrAFile() throws IOException {
        Path none = dir.resolve("nonexist");
        assertEquals("--tasks " + none + ": no such directory", fails(none).getMessage());
        Path file = dir.resolve("file.npy");
        npyX(dir, "file.npy", 1);
        fails(file, "--tasks " + file + ": not a directory");
    }

    /**
     * pandas writes an unnamed series as a column named 0 (a frame's two columns as 0,1): a line
     * that is also a plausible label row. One row more than the partner file makes it a header,
     * with a note; with equal row counts it stays data.
     */
    @Test
    void pandasDefaultNamesAreAHeaderWhenThePartnerFileHasOneRowFewer() throws IOException {
        java.util.Random rnd = new java.util.Random(Long.getLong("mtlalign.test.seed", System.nanoTime()));
        int m = 5 + rnd.nextInt(20);
        float[] x = new float[m * 3];
        StringBuilder y = new StringBuilder("0\n");
        float[] labels = new float[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = (float) rnd.nextGaussian();
            }
            labels[i] = i < 2 ? i : rnd.nextInt(2);
            y.append((int) labels[i]).append('\n');
        }
        Path xf = dir.resolve("X.npy");
        Npy.write(xf, new int[] {m, 3}, x);
        Path yf = dir.resolve("y.csv");
        text(yf, y.toString());
        Task t = TaskLoader.load("t", xf, yf);
        assertEquals(m, t.rows());
        assertArrayEquals(labels, t.y());
        assertTrue(t.headerNote() != null && t.headerNote().contains("y.csv") && t.headerNote().contains("(0)"),
                t.headerNote());

        // Equal row counts: the 0 is the first label.
        Path x1 = dir.resolve("X1.npy");
        Npy.write(x1, new int[] {m + 1, 3}, new float[(m + 1) * 3]);
        Task data = TaskLoader.load("t", x1, yf);
        assertEquals(m + 1, data.rows());
        assertEquals(0f, data.y()[0]);
        assertEquals(null, data.headerNote());

        // Two one-hot-like input columns under 0,1, the labels in a .npy: X loses the line instead.
        StringBuilder x2 = new StringBuilder("0,1\n");
        for (int i = 0; i < m; i++) {
            x2.append(i % 2).append(',').append(1 - i % 2).append('\n');
        }
        Path x2f = dir.resolve("X2.csv");
        text(x2f, x2.toString());
        Path y2 = dir.resolve("y2.npy");
        Npy.write(y2, new int[] {m}, labels);
        Task two = TaskLoader.load("t", x2f, y2);
        assertEquals(m, two.rows());
        assertEquals(0f, two.x()[0]);
        assertEquals(1f, two.x()[1]);
        assertTrue(two.headerNote().contains("(0,1)"), two.headerNote());

        // Both files under pandas' names with equal counts: both lines are headers.
        Task both = TaskLoader.load("t", x2f, yf);
        assertEquals(m, both.rows());
        assertArrayEquals(labels, both.y());
        assertEquals(0f, both.x()[0]);
        assertTrue(both.headerNote().contains("X2.csv and ") && both.headerNote().contains("both"), both.headerNote());

        // A shared X with a two-task label frame under 0,1.
        StringBuilder yy = new StringBuilder("0,1\n");
        for (int i = 0; i < m; i++) {
            yy.append((int) labels[i]).append(',').append(1 - (int) labels[i]).append('\n');
        }
        Path yyf = dir.resolve("Y.csv");
        text(yyf, yy.toString());
        TaskSuite s = TaskLoader.sharedInputs(xf, yyf, null);
        assertEquals(2, s.tasks().size());
        assertArrayEquals(labels, s.tasks().get(0).y());
        assertTrue(s.tasks().get(1).headerNote().contains("Y.csv"), s.tasks().get(1).headerNote());

        // A series written with its index (",0"): the index column is reported, not an empty cell.
        Path idx = dir.resolve("idx.csv");
        StringBuilder ix = new StringBuilder(",0\n");
        for (int i = 0; i < m; i++) {
            ix.append(i).append(',').append((int) labels[i]).append('\n');
        }
        text(idx, ix.toString());
        UserInputException ie = assertThrows(UserInputException.class, () -> TaskLoader.load("t", xf, idx));
        assertTrue(ie.getMessage().contains("index=False"), ie.getMessage());

        // An unnamed series of text labels: 0 is no label there, so it is the header.
        Path named = dir.resolve("names.csv");
        StringBuilder n = new StringBuilder("0\n");
        for (int i = 0; i < m; i++) {
            n.append(labels[i] == 1 ? "spam" : "ham").append('\n');
        }
        text(named, n.toString());
        Task textual = TaskLoader.load("t", xf, named);
        assertEquals(m, textual.rows());
        assertArrayEquals(new String[] {"ham", "spam"}, textual.classNames());
    }

    /** An index written as a column (reset_index, a re-saved "Unnamed: 0", patient_id) is named, not silently a feature. */
    @Test
    void rowIdentifierColumnsAreNamed() throws IOException {
        java.util.Random rnd = new java.util.Random(Long.getLong("mtlalign.test.seed", System.nanoTime()));
        int m = 6 + rnd.nextInt(30);
        Path yf = dir.resolve("y.npy");
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            y[i] = i % 2;
        }
        Npy.write(yf, new int[] {m}, y);
        for (String header : new String[] {"index", "Unnamed: 0", "patient_id", "f0"}) {
            int start = header.equals("f0") ? rnd.nextInt(2) : 0;
            StringBuilder b = new StringBuilder(header + ",a,b\n");
            for (int i = 0; i < m; i++) {
                b.append(header.equals("patient_id") ? 1000 + 7 * i : i + start).append(',')
                        .append(rnd.nextGaussian()).append(',').append(rnd.nextGaussian()).append('\n');
            }
            Path xf = dir.resolve("X.csv");
            text(xf, b.toString());
            String note = TaskLoader.load("t", xf, yf).idColumnNote();
            assertTrue(note != null && note.contains("X.csv") && note.contains("column 1"), header + ": " + note);
        }
        // Ordinary features: nothing to say.
        StringBuilder b = new StringBuilder("a,b\n");
        for (int i = 0; i < m; i++) {
            b.append(rnd.nextGaussian()).append(',').append(rnd.nextGaussian()).append('\n');
        }
        Path xf = dir.resolve("X.csv");
        text(xf, b.toString());
        assertEquals(null, TaskLoader.load("t", xf, yf).idColumnNote());
    }

    /**
     * A spreadsheet writes a missing value in a one-column file as an empty line, which the reader
     * skips: the label file comes out short, and the row-count error says why, where the first
     * such line is and how to write a missing label; blank lines at the end are not counted.
     */
    @Test
    void blankLinesBetweenLabelRowsExplainAShortLabelFile() throws IOException {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        java.util.Random rnd = new java.util.Random(seed);
        int m = 21 + 2 * rnd.nextInt(40);
        int d = 1 + 2 * rnd.nextInt(3);
        StringBuilder x = new StringBuilder();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x.append(j == 0 ? "" : ",").append(rnd.nextGaussian());
            }
            x.append('\n');
        }
        Path xf = dir.resolve("X.csv");
        text(xf, x.toString());
        for (boolean words : new boolean[] {false, true}) {
            int blanks = 1 + rnd.nextInt(3);
            java.util.TreeSet<Integer> gone = new java.util.TreeSet<>();
            while (gone.size() < blanks) {
                gone.add(rnd.nextInt(m - 1));  // not the last row: an empty line there ends the file
            }
            StringBuilder y = new StringBuilder("label\n");
            StringBuilder withNa = new StringBuilder("label\n");
            for (int i = 0; i < m; i++) {
                String v = words ? (i % 3 == 0 ? "yes" : "no") : Double.toString(rnd.nextGaussian());
                y.append(gone.contains(i) ? "" : v).append('\n');
                withNa.append(gone.contains(i) ? "NA" : v).append('\n');
            }
            y.append("\n".repeat(rnd.nextInt(3)));
            Path yf = dir.resolve("y.csv");
            text(yf, y.toString());
            UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.load("t", xf, yf));
            String msg = e.getMessage();
            String what = "seed=" + seed + " words=" + words + ": " + msg;
            assertTrue(msg.contains("y has " + (m - blanks) + " rows"), what);
            assertTrue(msg.contains(blanks == 1 ? "a blank line" : blanks + " blank lines"), what);
            assertTrue(msg.contains("line " + (gone.first() + 2) + ")"), what);  // after the header line
            assertTrue(msg.contains("NA"), what);

            Path fixed = dir.resolve("y2.csv");
            text(fixed, withNa.toString());
            assertEquals(blanks, TaskLoader.load("t", xf, fixed).unlabelledRows(), what);
        }
        // A file short by another cause gets no such note, whatever blank lines it has at its end.
        StringBuilder y = new StringBuilder("v\n");
        for (int i = 0; i < m - 2; i++) {
            y.append(rnd.nextGaussian()).append('\n');
        }
        Path yf = dir.resolve("y.csv");
        text(yf, y + "\n\n");
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.load("t", xf, yf));
        assertFalse(e.getMessage().contains("blank"), e::getMessage);
    }

    /**
     * One task's X written with pandas' index as a column ('Unnamed: 0' after a read_csv and
     * to_csv round trip) has one input more than the others: the dimension error names the
     * column, since the warning that would name it comes only after loading succeeds.
     */
    @Test
    void aDimensionMismatchNamesAnIndexColumn() throws IOException {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        java.util.Random rnd = new java.util.Random(seed);
        int d = 1 + 2 * rnd.nextInt(4);
        boolean indexedFirst = rnd.nextBoolean();
        for (String task : new String[] {"a", "b"}) {
            boolean indexed = task.equals("a") == indexedFirst;
            int m = 23 + 2 * rnd.nextInt(20);
            StringBuilder x = new StringBuilder(indexed ? "Unnamed: 0" : "");
            for (int j = 0; j < d; j++) {
                x.append(j == 0 && !indexed ? "" : ",").append("f").append(j);
            }
            x.append('\n');
            StringBuilder y = new StringBuilder("y\n");
            for (int i = 0; i < m; i++) {
                x.append(indexed ? i + "," : "");
                for (int j = 0; j < d; j++) {
                    x.append(j == 0 ? "" : ",").append(rnd.nextGaussian());
                }
                x.append('\n');
                y.append(rnd.nextGaussian()).append('\n');
            }
            Path f = folder("tasks", task);
            text(f.resolve("X.csv"), x.toString());
            text(f.resolve("y.csv"), y.toString());
        }
        UserInputException e = fails(dir.resolve("tasks"), "share the input dimension", "'Unnamed: 0'", "to_csv(index=False)");
        assertTrue(e.getMessage().contains((indexedFirst ? "a" : "b") + "/X.csv: column 'Unnamed: 0'"),
                () -> "seed=" + seed + ": " + e.getMessage());
    }

    /**
     * Most CSV data comes as one table per task, features and label column together: given so,
     * as a folder of tables or as --task NAME=table.csv, the error says that inputs and labels are
     * two files and how to split a table, naming the tables it found.
     */
    @Test
    void oneTablePerTaskIsToldToSplitIt() throws IOException {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        java.util.Random rnd = new java.util.Random(seed);
        Path tables = folder("tables");
        int k = 1 + rnd.nextInt(5);
        String[] ext = {".csv", ".tsv", ".txt", ".csv.gz"};
        List<String> names = new java.util.ArrayList<>();
        for (int t = 0; t < k; t++) {
            String name = "task " + (char) ('a' + t) + ext[rnd.nextInt(ext.length)];
            names.add(name);
            StringBuilder b = new StringBuilder("f0,f1,label\n");
            for (int i = 0; i < 7 + 2 * rnd.nextInt(9); i++) {
                b.append(rnd.nextGaussian()).append(',').append(rnd.nextGaussian()).append(',').append(i % 2).append('\n');
            }
            text(tables.resolve(name), b.toString());
        }
        UserInputException e = fails(tables, "no task folders found", "split a table", "to_csv(\"y.csv\", index=False)",
                names.get(0));
        assertTrue(e.getMessage().contains(k == 1 ? "the table " : k + " tables"), () -> "seed=" + seed + ": " + e.getMessage());

        String spec = "t=" + tables.resolve(names.get(0));
        UserInputException one = assertThrows(UserInputException.class, () -> TaskLoader.split(spec));
        assertTrue(one.getMessage().contains("NAME=X.npy:y.npy") && one.getMessage().contains("split a table"),
                one::getMessage);
        // Not a table: no such advice.
        Path npy = dir.resolve("X.npy");
        npyX(dir, "X.npy", 1);
        UserInputException other = assertThrows(UserInputException.class, () -> TaskLoader.split("t=" + npy));
        assertFalse(other.getMessage().contains("split a table"), other::getMessage);
    }

    /**
     * One file given as both X and y (a slip when typing --task NAME=X:y or --shared-x/--labels)
     * is refused, naming the file: it was read twice and trained silently, the inputs as their own
     * labels (a squared-loss task of d outputs). Also when the two paths are spelled differently.
     * One .npz archive given twice is fine: its X and y are different arrays.
     */
    @Test
    void oneFileAsBothInputsAndLabelsIsRefused() throws IOException {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        java.util.Random rnd = new java.util.Random(seed);
        int m = 9 + 2 * rnd.nextInt(12);
        int d = 2 + rnd.nextInt(5);
        float[] x = org.mtlalign.analysis.TestData.gaussian(rnd, m * d, 1.0);
        StringBuilder header = new StringBuilder("f0");
        for (int j = 1; j < d; j++) {
            header.append(",f").append(j);
        }
        Path f = folder("in puts").resolve("x.csv");
        text(f, csv(x, d, header.toString()));
        Path other = dir.resolve("in puts/../in puts/./x.csv");
        for (String spec : new String[] {"t=" + f + ":" + f, "t=" + f + ":" + other}) {
            UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.fromSpec(spec),
                    () -> "seed=" + seed);
            assertTrue(e.getMessage().contains("given as both X and y of task 't'")
                    && e.getMessage().contains("x.csv") && e.getMessage().contains("split a table"), e::getMessage);
            assertFalse(e.getMessage().contains("\n"), e::getMessage);
        }
        UserInputException shared = assertThrows(UserInputException.class, () -> TaskLoader.sharedInputs(f, other, null));
        assertTrue(shared.getMessage().contains("given as both --shared-x and --labels"), shared::getMessage);
        // Two files with the same content are two files: read as given.
        Path copy = dir.resolve("y.csv");
        Files.copy(f, copy);
        Task t = TaskLoader.fromSpec("t=" + f + ":" + copy);
        assertEquals(m, t.rows());
        // An archive holding X and y, given twice.
        Path xs = dir.resolve("X.npy");
        Path ys = dir.resolve("y.npy");
        Npy.write(xs, new int[] {m, d}, x);
        int[] labels = new int[m];
        for (int i = 0; i < m; i++) {
            labels[i] = i % 2;
        }
        Npy.writeInt(ys, new int[] {m}, labels);
        Path npz = dir.resolve("t.npz");
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(npz))) {
            for (Path p : new Path[] {xs, ys}) {
                zip.putNextEntry(new java.util.zip.ZipEntry(p.getFileName().toString()));
                zip.write(Files.readAllBytes(p));
                zip.closeEntry();
            }
        }
        Task fromArchive = TaskLoader.fromSpec("t=" + npz + ":" + npz);
        assertEquals(m, fromArchive.rows());
        assertEquals(d, fromArchive.dim());
    }

    /**
     * X and y one row apart: the hint that a header line was read as a data row is given only
     * when the file with more rows is a CSV read without a header, and names it. Before, a CSV X
     * with a header of names and a y one row short was asked whether it started with a numeric
     * header line.
     */
    @Test
    void aRowCountOneApartAsksAboutAHeaderOnlyOfAHeaderlessCsv() throws IOException {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        java.util.Random rnd = new java.util.Random(seed);
        int m = 7 + 2 * rnd.nextInt(10);
        int d = 1 + rnd.nextInt(4);
        float[] x = org.mtlalign.analysis.TestData.gaussian(rnd, m * d, 1.0);
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < m - 1; i++) {
            labels.append(i % 2).append('\n');
        }
        Path named = dir.resolve("named.csv");
        text(named, csv(x, d, "a" + ",b".repeat(d - 1)));
        Path plain = dir.resolve("plain.csv");
        text(plain, csv(x, d, null));
        Path y = dir.resolve("y.csv");
        text(y, "label\n" + labels);
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.load("t", named, y));
        assertTrue(e.getMessage().contains("y has " + (m - 1) + " rows but " + named + " has " + m), e::getMessage);
        assertFalse(e.getMessage().contains("header"), () -> "seed=" + seed + ": " + e.getMessage());
        UserInputException h = assertThrows(UserInputException.class, () -> TaskLoader.load("t", plain, y));
        assertTrue(h.getMessage().contains("one row apart: does " + plain + " start with a numeric header line"),
                () -> "seed=" + seed + ": " + h.getMessage());
    }

    /**
     * The same one-row-apart hints through --shared-x and --labels: a label table whose header is
     * numbers (years, pandas' 0, 1, ...) is read as a data row there too. Before, that loader said
     * only that the row counts differed, while the per-task loader asked about the header.
     */
    @Test
    void aSharedInputRowCountOneApartAsksAboutAHeader() throws IOException {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        java.util.Random rnd = new java.util.Random(seed);
        int m = 9 + 2 * rnd.nextInt(10);
        int d = 1 + rnd.nextInt(4);
        int k = 1 + rnd.nextInt(3);
        float[] x = org.mtlalign.analysis.TestData.gaussian(rnd, m * d, 1.0);
        Path xs = dir.resolve("X.npy");
        Npy.write(xs, new int[] {m, d}, x);
        StringBuilder header = new StringBuilder();
        StringBuilder rows = new StringBuilder();
        for (int j = 0; j < k; j++) {
            header.append(j == 0 ? "" : ",").append(2000 + rnd.nextInt(30) * k + j);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                rows.append(j == 0 ? "" : ",").append((i + j) % 2);
            }
            rows.append('\n');
        }
        Path ys = dir.resolve("Y.csv");
        text(ys, header + "\n" + rows);
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.sharedInputs(xs, ys, null));
        assertTrue(e.getMessage().contains("labels have " + (m + 1) + " rows but " + xs + " has " + m),
                () -> "seed=" + seed + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("one row apart: does " + ys + " start with a numeric header line"),
                () -> "seed=" + seed + ": " + e.getMessage());
        // Labels that really are one row short, in a file with a header of names: no such question.
        Path named = dir.resolve("named.csv");
        text(named, "a" + ",b".repeat(k - 1) + "\n" + rows.substring(rows.indexOf("\n") + 1));
        UserInputException n = assertThrows(UserInputException.class, () -> TaskLoader.sharedInputs(xs, named, null));
        assertFalse(n.getMessage().contains("header"), () -> "seed=" + seed + ": " + n.getMessage());
    }

    /**
     * An array saved transposed (np.save of X.T, or labels as a 1 x m row) makes the row counts
     * differ; both loaders say which file looks transposed and how to save it. Before, the error
     * said only "y has 1 rows but X has m".
     */
    @Test
    void aTransposedArrayIsNamedInTheRowCountError() throws IOException {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        java.util.Random rnd = new java.util.Random(seed);
        int m = 9 + 2 * rnd.nextInt(10);
        int d = 2 + rnd.nextInt(4);
        float[] x = org.mtlalign.analysis.TestData.gaussian(rnd, m * d, 1.0);
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            y[i] = i % 2;
        }
        Path xs = dir.resolve("X.npy");
        Npy.write(xs, new int[] {m, d}, x);
        Path xt = dir.resolve("XT.npy");
        Npy.write(xt, new int[] {d, m}, x);
        Path ys = dir.resolve("y.npy");
        Npy.write(ys, new int[] {m}, y);
        Path row = dir.resolve("yrow.npy");
        Npy.write(row, new int[] {1, m}, y);
        for (boolean shared : new boolean[] {false, true}) {
            UserInputException e = assertThrows(UserInputException.class,
                    () -> load(shared, xs, row));
            assertTrue(e.getMessage().contains(row + " is 1 x " + m + ", one column per row of " + xs
                    + ": are its rows and columns swapped? save one row per example (y.ravel())"),
                    () -> "seed=" + seed + ": " + e.getMessage());
            UserInputException t = assertThrows(UserInputException.class, () -> load(shared, xt, ys));
            assertTrue(t.getMessage().contains(xt + " is " + d + " x " + m + ", one column per label of " + ys
                    + ": are its rows and columns swapped? X is m x d, one row per example (save X.T)"),
                    () -> "seed=" + seed + ": " + t.getMessage());
        }
        // Row counts that differ otherwise get no such question.
        Path shorter = dir.resolve("short.npy");
        Npy.write(shorter, new int[] {m - 1}, java.util.Arrays.copyOf(y, m - 1));
        UserInputException n = assertThrows(UserInputException.class, () -> load(false, xs, shorter));
        assertFalse(n.getMessage().contains("swapped"), () -> "seed=" + seed + ": " + n.getMessage());
    }

    private static void load(boolean shared, Path x, Path y) {
        if (shared) {
            TaskLoader.sharedInputs(x, y, null);
        } else {
            TaskLoader.load("t", x, y);
        }
    }

    /**
     * A task given as NAME=y:X (labels first) among tasks given the right way round fails on its
     * width, and the error asks whether its X and y are swapped, naming it, whichever task the
     * width rule blames (with two tasks, a tie, the first task's d is the reference, so the other,
     * correct task was the one named).
     */
    @Test
    void aDimensionMismatchAsksWhetherXAndYAreSwapped() throws IOException {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        java.util.Random rnd = new java.util.Random(seed);
        int d = 2 + rnd.nextInt(6);
        int k = 2 + rnd.nextInt(3);
        int swapped = rnd.nextInt(k);
        List<String> specs = new java.util.ArrayList<>();
        for (int t = 0; t < k; t++) {
            int m = 11 + 2 * rnd.nextInt(10);
            float[] x = new float[m * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                y[i] = rnd.nextInt(2);
            }
            Path xf = dir.resolve("x" + t + ".csv");
            Path yf = dir.resolve("y" + t + ".csv");
            text(xf, csv(x, d, null));
            text(yf, csv(y, 1, "label"));
            specs.add("t" + t + "=" + (t == swapped ? yf + ":" + xf : xf + ":" + yf));
        }
        UserInputException e = assertThrows(UserInputException.class, () -> new TaskSuite("s", TaskLoader.fromSpecs(specs),
                false));
        assertTrue(e.getMessage().contains("all tasks must share the input dimension; task 't" + swapped + "' has as "
                + "many label columns (" + d + ") as the other tasks have inputs: are its X and y swapped?"),
                () -> "seed=" + seed + ": " + e.getMessage());
        // A plain width mismatch (one task with a column fewer) gets no such question.
        Path narrow = dir.resolve("narrow.csv");
        text(narrow, csv(new float[] {1, 2, 3, 4, 5, 6}, d == 2 ? 3 : 2, null));
        List<String> two = List.of(specs.get(swapped == 0 ? 1 : 0), "n=" + narrow + ":" + dir.resolve("ny.csv"));
        text(dir.resolve("ny.csv"), "label\n0\n1\n" + (d == 2 ? "" : "0\n"));
        UserInputException plain = assertThrows(UserInputException.class, () -> new TaskSuite("s",
                TaskLoader.fromSpecs(two), false));
        assertTrue(plain.getMessage().contains("share the input dimension"), plain::getMessage);
        assertFalse(plain.getMessage().contains("swapped"), plain::getMessage);
    }

    /**
     * Spaces around '=' and ':' in --task (NAME = X.csv : y.csv) are not part of the name or the
     * paths when the paths without them are files: such a spec failed as "y.csv: no such file",
     * the leading space unseen, while y.csv was there. A file whose name does hold the spaces is
     * taken as given.
     */
    @Test
    void spacesAroundTheSeparatorsOfATaskSpecAreNotPartOfIt() throws IOException {
        long seed = Long.getLong("mtlalign.test.seed", System.nanoTime());
        java.util.Random rnd = new java.util.Random(seed);
        Path x = dir.resolve("x.csv");
        Path y = dir.resolve("y.csv");
        text(x, csv(x(rnd.nextFloat()), 2, "a,b"));
        text(y, "label\n0\n1\n0\n1\n");
        String[] pad = {" ", "  ", "\t", ""};
        String p1 = pad[rnd.nextInt(3)];
        String p2 = pad[rnd.nextInt(4)];
        String p3 = pad[rnd.nextInt(4)];
        String spec = "t" + p2 + "=" + p3 + x + p1 + ":" + p2 + y + p3;
        TaskLoader.Spec s = TaskLoader.split(spec);
        assertEquals("t", s.name(), () -> "[" + spec + "]");
        assertEquals(x, s.x(), () -> "[" + spec + "]");
        assertEquals(y, s.y(), () -> "[" + spec + "]");
        assertEquals(4, TaskLoader.fromSpec(spec).rows());
        // A file named with a trailing space is itself.
        Path spaced = dir.resolve("y.csv ");
        text(spaced, "label\n1\n0\n1\n0\n");
        assertEquals(spaced, TaskLoader.split("t=" + x + ":" + spaced).y());
        assertThrows(UserInputException.class, () -> TaskLoader.split(" =" + x + ":" + y));
    }

    /** What --tasks DIR skips at its top level: data files that are no task, not archives, notes or hidden files. */
    @Test
    void skippedDataFilesAreTheLooseTablesAndArrays() throws IOException {
        Path root = folder("root");
        npyX(folder("root", "a"), "X.npy", 1);
        npyY(folder("root", "a"), "y.npy");
        assertEquals(List.of(), TaskLoader.skippedDataFiles(root));
        npyX(root, "spam_X.npy", 2);
        text(root.resolve("spam_y.csv.gz"), "label\n0\n1\n0\n1\n");
        text(root.resolve("b.TSV"), "1\t2\n");
        text(root.resolve("README.txt"), "notes\n");
        text(root.resolve(".cache.csv"), "1\n");
        npyX(root, "c.npz.part", 3);
        assertEquals(List.of("b.TSV", "spam_X.npy", "spam_y.csv.gz"), TaskLoader.skippedDataFiles(root));
        assertEquals(List.of("a"), TaskLoader.fromDirectory(root).tasks().stream().map(Task::name).toList(),
                "the loose files load as no task");
    }
}
