package org.mtlalign.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.mtlalign.UserInputException;

/**
 * Reads tasks in the forms the CLI accepts: {@code NAME=X:y} pairs, a directory of task
 * folders, or one shared X with a label matrix whose columns are tasks. Files are .npy or CSV
 * (optionally gzipped), chosen by extension.
 */
public final class TaskLoader {
    /** The file types {@link #readArray} accepts, as name endings (lower case). */
    private static final List<String> EXTENSIONS =
            List.of(".npy", ".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz");

    private TaskLoader() {
    }

    /** Reads a numeric array from .npy or .csv / .csv.gz / .tsv / .txt. */
    public static NpyArray readArray(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".npy")) {
            return Npy.read(file);
        }
        if (n.endsWith(".csv") || n.endsWith(".csv.gz") || n.endsWith(".tsv") || n.endsWith(".txt")
                || n.endsWith(".tsv.gz") || n.endsWith(".txt.gz")) {
            return Csv.read(file);
        }
        throw new UserInputException(file + ": unknown file type (expected .npy, .csv, .csv.gz, .tsv or .txt)");
    }

    /** Parses {@code NAME=X.npy:y.npy} (the colon that splits two existing files wins). */
    public static Task fromSpec(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new UserInputException("--task: expected NAME=X.npy:y.npy, got '" + spec + "'");
        }
        String name = spec.substring(0, eq);
        String files = spec.substring(eq + 1);
        List<Integer> colons = new ArrayList<>();
        for (int i = 0; i < files.length(); i++) {
            if (files.charAt(i) == ':') {
                colons.add(i);
            }
        }
        if (colons.isEmpty()) {
            throw new UserInputException("--task " + spec + ": expected NAME=X.npy:y.npy (a colon between the two files)");
        }
        int split = colons.get(0);
        for (int c : colons) {
            if (Files.exists(Path.of(files.substring(0, c)))) {
                split = c;
                break;
            }
        }
        Path x = Path.of(files.substring(0, split));
        Path y = Path.of(files.substring(split + 1));
        return load(name, x, y);
    }

    public static Task load(String name, Path x, Path y) {
        NpyArray xa = readArray(x);
        NpyArray ya = readArray(y);
        return Task.fromArrays(name, xa, x.toString(), ya, y.toString());
    }

    /**
     * DIR/NAME/X + DIR/NAME/y for every sub-folder, in name order, where X and y are each any file
     * type {@link #readArray} reads (X.npy with y.csv is fine). Entries whose name starts with
     * {@code '.'} (.git, .ipynb_checkpoints, .DS_Store) and plain files at the top level are skipped.
     */
    public static TaskSuite fromDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UserInputException(dir + ": --tasks expects a directory of task folders (DIR/NAME/X.npy, DIR/NAME/y.npy)");
        }
        List<Path> subs;
        try (Stream<Path> s = Files.list(dir)) {
            subs = s.filter(p -> !isHidden(p) && Files.isDirectory(p)).sorted().toList();
        } catch (IOException e) {
            throw new UserInputException(dir + ": cannot list directory (" + e.getMessage() + ")");
        }
        List<Task> tasks = new ArrayList<>();
        for (Path sub : subs) {
            Path[] xy = findPair(sub);
            tasks.add(load(sub.getFileName().toString(), xy[0], xy[1]));
        }
        if (tasks.isEmpty()) {
            throw new UserInputException(dir + ": no task folders found (expected DIR/NAME/X.npy and DIR/NAME/y.npy)");
        }
        return new TaskSuite(dir.getFileName().toString(), tasks, false);
    }

    /** Hidden entries (.git, .ipynb_checkpoints) and Python's __pycache__ are not task folders. */
    private static boolean isHidden(Path p) {
        Path name = p.getFileName();
        return name != null && (name.toString().startsWith(".") || name.toString().equals("__pycache__"));
    }

    /**
     * The X and y files of one task folder. Names are matched as listed (so that X.npy and x.npy on
     * a case-insensitive file system are one file, not two); extensions in any case, as
     * {@link #readArray} reads them.
     *
     * @throws UserInputException if X or y is missing, or either has more than one candidate
     */
    private static Path[] findPair(Path sub) {
        List<Path> xs = new ArrayList<>();
        List<Path> ys = new ArrayList<>();
        try (Stream<Path> s = Files.list(sub)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                String stem = stem(name);
                if (stem == null || !Files.isRegularFile(p)) {
                    continue;
                }
                if (stem.equals("X") || stem.equals("x")) {
                    xs.add(p);
                } else if (stem.equals("y")) {
                    ys.add(p);
                }
            }
        } catch (IOException e) {
            throw new UserInputException(sub + ": cannot list task folder (" + e.getMessage() + ")");
        }
        String expected = "expected X and y as .npy, .csv, .csv.gz, .tsv or .txt, e.g. X.npy + y.npy";
        if (xs.size() > 1 || ys.size() > 1) {
            List<Path> many = xs.size() > 1 ? xs : ys;
            throw new UserInputException(sub + ": ambiguous inputs: " + names(many) + " could each be "
                    + (many == xs ? "X" : "y") + "; keep only one in the task folder");
        }
        if (xs.isEmpty() && ys.isEmpty()) {
            throw new UserInputException(sub + ": no X and y files in this task folder (" + expected + ")");
        }
        if (xs.isEmpty() || ys.isEmpty()) {
            Path found = xs.isEmpty() ? ys.get(0) : xs.get(0);
            throw new UserInputException(sub + ": has " + found.getFileName() + " but no "
                    + (xs.isEmpty() ? "X" : "y") + " file (" + expected + ")");
        }
        return new Path[] {xs.get(0), ys.get(0)};
    }

    /** The name without a readable extension ("X" for "X.csv.gz"), or null if it has none. */
    private static String stem(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String ext : EXTENSIONS) {
            // No extension in the list ends another, so at most one matches.
            if (lower.endsWith(ext)) {
                return name.substring(0, name.length() - ext.length());
            }
        }
        return null;
    }

    /** "a and b", "a, b and c". */
    private static String names(List<Path> files) {
        List<String> n = new ArrayList<>();
        for (Path f : files) {
            n.add(f.getFileName().toString());
        }
        return String.join(", ", n.subList(0, n.size() - 1)) + " and " + n.get(n.size() - 1);
    }

    /**
     * The header of a label file names the tasks, so each name must be there and differ from the
     * others; said here, where the file and column are known, rather than as a task named ''.
     */
    private static void requireTaskNames(Path yFile, List<String> header) {
        for (int j = 0; j < header.size(); j++) {
            if (header.get(j).isBlank()) {
                throw new UserInputException(yFile + ": header column " + (j + 1) + " has no name; the label columns'"
                        + " names are the task names, so name it or give --names");
            }
            int first = header.indexOf(header.get(j));
            if (first < j) {
                throw new UserInputException(yFile + ": header columns " + (first + 1) + " and " + (j + 1)
                        + " are both named '" + header.get(j) + "'; the label columns' names are the task names, so"
                        + " rename one or give --names");
            }
        }
    }

    /**
     * One X (m x d) shared by k tasks whose labels are the columns of Y (m x k, or m for one
     * task). Task names come from {@code names}, else the CSV header, else task0, task1, ...
     */
    public static TaskSuite sharedInputs(Path xFile, Path yFile, List<String> names) {
        NpyArray xa = readArray(xFile);
        List<String> header = List.of();
        NpyArray ya;
        String yn = yFile.getFileName().toString().toLowerCase(Locale.ROOT);
        if (yn.endsWith(".npy")) {
            ya = Npy.read(yFile);
        } else {
            Csv.CsvTable t = Csv.readTable(yFile);
            ya = t.array();
            header = t.header();
        }
        if (xa.rank() != 2) {
            throw new UserInputException(xFile + ": X must be 2-D (m x d)");
        }
        if (ya.rank() != 1 && ya.rank() != 2) {
            throw new UserInputException(yFile + ": labels must be 1-D (m) or 2-D (m x k: one column per task)");
        }
        int m = xa.dim(0);
        int k = ya.rank() == 1 ? 1 : ya.dim(1);
        if (ya.dim(0) != m) {
            throw new UserInputException(yFile + ": labels have " + ya.dim(0) + " rows but " + xFile + " has " + m);
        }
        if (names != null && !names.isEmpty() && names.size() != k) {
            throw new UserInputException("--names: " + names.size() + " names for " + k + " label columns in " + yFile);
        }
        if ((names == null || names.isEmpty()) && header.size() == k) {
            requireTaskNames(yFile, header);
        }
        FiniteCheck.requireFinite(yFile.toString(), ya);
        float[] y = ya.data();
        List<Task> tasks = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            String name = names != null && !names.isEmpty() ? names.get(j)
                    : header.size() == k ? header.get(j) : "task" + j;
            float[] col = new float[m];
            boolean integral = true;
            for (int i = 0; i < m; i++) {
                col[i] = y[i * k + j];
                integral &= col[i] == Math.rint(col[i]);
            }
            NpyArray colArr = new NpyArray(new int[] {m}, col, ya.dtype(), integral);
            Task t = Task.fromArrays(name, xa, xFile.toString(), colArr, yFile + "[:, " + j + "]");
            tasks.add(t);
        }
        return new TaskSuite(xFile.getFileName().toString(), tasks, true);
    }
}
