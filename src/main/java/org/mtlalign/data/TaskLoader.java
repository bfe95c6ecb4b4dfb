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
            List.of(".npy", ".npz", ".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz");

    /** ".npy, .csv, ... or .txt.gz": built from {@link #EXTENSIONS} so messages cannot drift from the dispatch. */
    private static final String ACCEPTED = String.join(", ", EXTENSIONS.subList(0, EXTENSIONS.size() - 1))
            + " or " + EXTENSIONS.get(EXTENSIONS.size() - 1);

    private TaskLoader() {
    }

    /**
     * Reads a numeric array from .npy, .npz (its only array, else the one named X or x) or .csv /
     * .tsv / .txt, each of the last three optionally gzipped.
     */
    public static NpyArray readArray(Path file) {
        return read(file, false);
    }

    /**
     * Reads labels: as {@link #readArray}, and text labels (a CSV column of names, a numpy string
     * array) become class indices with their names ({@link NpyArray#classNames(int)}); from a .npz,
     * its only array, else the one named y or Y.
     */
    public static NpyArray readLabels(Path file) {
        return read(file, true);
    }

    private static NpyArray read(Path file, boolean labels) {
        String n = file.getFileName() == null ? "" : file.getFileName().toString();
        if (Files.isDirectory(file)) {
            throw new UserInputException(file + ": is a directory, not a data file (expected " + ACCEPTED + ")");
        }
        if (n.toLowerCase(Locale.ROOT).endsWith(".npy")) {
            return labels ? Npy.readLabels(file) : Npy.read(file);
        }
        if (isArchive(file)) {
            return Npz.read(file, labels ? Npz.arrayFor(file, "y", "Y") : Npz.arrayFor(file, "X", "x"), labels);
        }
        if (stem(n) != null) {
            return labels ? Csv.readLabelTable(file).array() : Csv.read(file);
        }
        throw new UserInputException(file + ": unknown file type (expected " + ACCEPTED + ")");
    }

    /** A {@code NAME=X:Y} spec split into its parts; {@code y} is null for one .npz archive holding both. */
    public record Spec(String name, Path x, Path y) {
        /** The spec again, with its files absolute; {@link #split} reads it back to the same files. */
        public String absolute() {
            return name + "=" + x.toAbsolutePath() + (y == null ? "" : ":" + y.toAbsolutePath());
        }
    }

    /** Parses {@code NAME=X.npy:y.npy} or {@code NAME=TASK.npz} (split as {@link #split} says) and loads the task. */
    public static Task fromSpec(String spec) {
        Spec s = split(spec);
        return s.y() == null ? loadArchive(s.name(), s.x()) : load(s.name(), s.x(), s.y());
    }

    /** Whether the file's name says CSV (.csv, .tsv, .txt, optionally gzipped; any case). */
    public static boolean isCsv(Path file) {
        Path n = file.getFileName();
        return n != null && stem(n.toString()) != null && !n.toString().toLowerCase(Locale.ROOT).endsWith(".npy");
    }

    /** A name ending in .npz (any case). */
    private static boolean isArchive(Path file) {
        Path n = file.getFileName();
        return n != null && n.toString().toLowerCase(Locale.ROOT).endsWith(".npz");
    }

    /**
     * One task from a .npz archive holding its X and y ({@code np.savez(f, X=X, y=y)}; see
     * {@link Npz#taskArrays}).
     */
    public static Task loadArchive(String name, Path archive) {
        String[] xy = Npz.taskArrays(archive);
        NpyArray xa = Npz.read(archive, xy[0], false);
        NpyArray ya = Npz.read(archive, xy[1], true);
        return Task.fromArrays(name, xa, archive + "[" + xy[0] + "]", ya, archive + "[" + xy[1] + "]");
    }

    /**
     * Splits {@code NAME=X:Y}. Paths may themselves contain ':', so the split is at the colon
     * whose left part is an existing regular file, preferring one whose right part is a regular
     * file too; a folder or a missing prefix never counts. A spec with one colon splits there
     * even when the files are missing, so that loading names the missing file.
     *
     * @throws UserInputException if a name is empty, or no split or more than one fits
     */
    public static Spec split(String spec) {
        int eq = spec.indexOf('=');
        if (eq < 0 && isRegularFile(spec)) {
            // A file without NAME=: say so, and how to give a table holding both X and y.
            throw new UserInputException("--task " + spec + ": give the task a name, NAME=X.npy:y.npy or NAME=TASK.npz"
                    + (isTable(spec) ? "; " + SPLIT_TABLE : ""));
        }
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new UserInputException("--task: expected NAME=X.npy:y.npy or NAME=TASK.npz, got '" + spec + "'");
        }
        // Spaces around '=' (NAME = X:y, as in a shell script's NAME = value) are not part of the name.
        String name = spec.substring(0, eq).strip();
        if (name.isEmpty()) {
            throw new UserInputException("--task: expected NAME=X.npy:y.npy or NAME=TASK.npz, got '" + spec + "'");
        }
        String files = spec.substring(eq + 1);
        // One archive with X and y: NAME=TASK.npz (its path may hold ':' as well).
        if (files.toLowerCase(Locale.ROOT).endsWith(".npz") && (files.indexOf(':') < 0 || isRegularFile(files))) {
            return new Spec(name, orStripped(files), null);
        }
        List<Integer> colons = new ArrayList<>();
        List<Integer> both = new ArrayList<>();
        List<Integer> leftOnly = new ArrayList<>();
        for (int c = files.indexOf(':'); c >= 0; c = files.indexOf(':', c + 1)) {
            colons.add(c);
            if (c == 0 || !isRegularFile(files.substring(0, c))) {
                continue;
            }
            (c < files.length() - 1 && isRegularFile(files.substring(c + 1)) ? both : leftOnly).add(c);
        }
        String where = "--task " + spec + ": ";
        if (colons.isEmpty()) {
            throw new UserInputException(where + "expected NAME=X.npy:y.npy (a colon between the two files) or "
                    + "NAME=TASK.npz" + (isRegularFile(files) && isTable(files) ? "; " + SPLIT_TABLE : ""));
        }
        List<Integer> fits = both.isEmpty() ? leftOnly : both;
        if (fits.size() > 1) {
            List<String> ways = new ArrayList<>();
            for (int c : fits) {
                ways.add("'" + files.substring(0, c) + "' + '" + files.substring(c + 1) + "'");
            }
            throw new UserInputException(where + "splits into two files in " + fits.size() + " ways ("
                    + String.join(", ", ways) + "); " + OTHER_FORMS);
        }
        int split;
        if (fits.size() == 1) {
            split = fits.get(0);
        } else if (colons.size() == 1) {
            split = colons.get(0);
        } else {
            split = -1;
        }
        if (split == 0 || (split < 0 && files.startsWith(":"))) {
            throw new UserInputException(where + "the X file name is empty");
        }
        if (split == files.length() - 1 || (split < 0 && files.endsWith(":"))) {
            throw new UserInputException(where + "the y file name is empty");
        }
        if (split < 0) {
            throw new UserInputException(where + "found no ':' that splits it into an existing X file and a y file; "
                    + OTHER_FORMS);
        }
        return new Spec(name, orStripped(files.substring(0, split)), orStripped(files.substring(split + 1)));
    }

    /**
     * The path, or without the spaces around it when only that names a file: 'X.csv : y.csv' meant
     * X.csv and y.csv, and failed as "y.csv: no such file" (the space unseen) or as an unknown
     * file type. A file whose name does have such spaces is taken as given.
     */
    private static Path orStripped(String part) {
        String s = part.strip();
        return !s.equals(part) && !s.isEmpty() && !isRegularFile(part) && isRegularFile(s) ? Path.of(s) : Path.of(part);
    }

    private static final String OTHER_FORMS = "check the paths, or give the files through a link whose path has "
            + "no ':', or as a task folder with --tasks DIR (DIR/NAME/X.npy + DIR/NAME/y.npy)";

    /**
     * For a user who gave one table per task, features and label column together, as most CSV
     * data comes: the tool takes inputs and labels as two files.
     */
    private static final String SPLIT_TABLE = "a task's inputs and labels are two files: split a table with its label "
            + "column, e.g. in pandas df.drop(columns=[\"label\"]).to_csv(\"X.csv\", index=False) and "
            + "df[[\"label\"]].to_csv(\"y.csv\", index=False)";

    /** A CSV-like file name (.csv, .tsv, .txt, each optionally .gz), which may be a whole table. */
    static boolean isTable(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".csv") || n.endsWith(".tsv") || n.endsWith(".txt") || n.endsWith(".csv.gz")
                || n.endsWith(".tsv.gz") || n.endsWith(".txt.gz");
    }

    private static boolean isRegularFile(String path) {
        try {
            return Files.isRegularFile(Path.of(path));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /**
     * One task from its inputs X (m x d) and labels y (m, or m x q) in two files of any type
     * {@link #readArray} reads (.npy, CSV, a .npz: see there and {@link #readLabels}), as
     * {@code mtl train --task NAME=X:Y} loads them: text labels become classes, NaN labels missing ones.
     *
     * @throws UserInputException for a file that is missing or unreadable, shapes that do not fit
     *     (X not 2-D, other row counts), NaN or an infinity in X, or one file given as both
     */
    public static Task load(String name, Path x, Path y) {
        requireTwoFiles(x, y, "X and y of task '" + name + "'");
        NpyArray xa = readArray(x);
        NpyArray ya = readLabels(y);
        return Task.fromArrays(name, xa, x.toString(), ya, y.toString());
    }

    /**
     * DIR/NAME/X + DIR/NAME/y (or Y) for every sub-folder, where X and y are each any file type
     * {@link #readArray} reads (X.npy with y.csv is fine), and DIR/NAME.npz for every archive holding
     * a task's X and y ({@link #loadArchive}); tasks in name order. Entries whose name starts with
     * {@code '.'} (.git, .ipynb_checkpoints, .DS_Store) and other plain files at the top level are skipped.
     */
    public static TaskSuite fromDirectory(Path dir) {
        if (!Files.exists(dir)) {
            throw new UserInputException("--tasks " + dir + ": no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new UserInputException("--tasks " + dir + ": not a directory; expected a directory of task folders"
                    + " (DIR/NAME/X.npy, DIR/NAME/y.npy)");
        }
        List<Path> subs;
        try (Stream<Path> s = Files.list(dir)) {
            // An archive that cannot be read (a broken link) is kept, so that loading names it rather
            // than the task silently going missing.
            subs = s.filter(p -> !isHidden(p) && (Files.isDirectory(p) || isArchive(p)))
                    .sorted(java.util.Comparator.comparing(TaskLoader::taskName)).toList();
        } catch (IOException e) {
            throw new UserInputException(dir + ": cannot list directory (" + e.getMessage() + ")");
        }
        // Names first (a clash is said before gigabytes are read), then the files, several at a time.
        for (Path sub : subs) {
            // Java names a file whose name the locale's character set cannot read with U+FFFD in
            // place of those bytes (under LANG=C, any name beyond ASCII): the folder still opens,
            // but the task's name in the results and model.json would be garbled.
            if (sub.getFileName().toString().indexOf('\uFFFD') >= 0) {
                throw new UserInputException(dir + ": the name of " + sub.getFileName() + " cannot be read in the "
                        + "locale's character set (" + System.getProperty("sun.jnu.encoding") + "), so its task "
                        + "would be named wrongly; for names beyond ASCII run under a UTF-8 locale, e.g. LANG=C.UTF-8");
            }
        }
        for (int i = 1; i < subs.size(); i++) {
            Path sub = subs.get(i);
            if (taskName(subs.get(i - 1)).equals(taskName(sub))) {
                throw new UserInputException(dir + ": " + subs.get(i - 1).getFileName() + " and " + sub.getFileName()
                        + (Files.isDirectory(sub) ? "/" : "") + " are both task '" + taskName(sub) + "'; keep one");
            }
        }
        List<java.util.function.Supplier<Task>> loaders = new ArrayList<>();
        for (Path sub : subs) {
            loaders.add(() -> {
                if (Files.isDirectory(sub)) {
                    Path[] xy = findPair(sub);
                    return load(taskName(sub), xy[0], xy[1]);
                }
                return loadArchive(taskName(sub), sub);
            });
        }
        List<Task> tasks = loadAll(loaders);
        if (tasks.isEmpty()) {
            boolean isTask;
            List<String> tables;
            try (Stream<Path> s = Files.list(dir)) {
                List<Path> files = s.filter(p -> !isHidden(p) && Files.isRegularFile(p)).sorted().toList();
                isTask = files.stream().anyMatch(p -> stem(p.getFileName().toString()) != null
                        && stem(p.getFileName().toString()).equalsIgnoreCase("x"));
                tables = files.stream().map(p -> p.getFileName().toString()).filter(TaskLoader::isTable).toList();
            } catch (IOException e) {
                isTask = false;
                tables = List.of();
            }
            throw new UserInputException(dir + ": no task folders found (expected DIR/NAME/X.npy and DIR/NAME/y.npy, "
                    + "or DIR/NAME.npz)"
                    + (isTask ? "; it holds an X file itself, so it looks like one task's folder: pass the folder "
                            + "above it, or give this task with --task NAME=X:y"
                            : tables.isEmpty() ? "" : "; it holds " + (tables.size() == 1 ? "the table " : tables.size()
                                    + " tables (") + String.join(", ", tables.subList(0, Math.min(3, tables.size())))
                                    + (tables.size() > 3 ? ", ..." : "") + (tables.size() == 1 ? "" : ")")
                                    + ", one per task? give each task a folder NAME/ of X.csv and y.csv: " + SPLIT_TABLE));
        }
        return new TaskSuite(dir.getFileName().toString(), tasks, false);
    }

    /**
     * The data files at the top level of a {@code --tasks} folder that loaded as no task (.npy,
     * .csv or .tsv, gzipped or not; .npz archives are tasks, and .txt is left out as often notes),
     * sorted: {@link #fromDirectory} skips them, so a task saved there as loose X and y files
     * (spam_X.npy beside the task folders) went missing with nothing said.
     */
    public static List<String> skippedDataFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !isHidden(p) && Files.isRegularFile(p))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> {
                        String l = n.toLowerCase(Locale.ROOT);
                        return l.endsWith(".npy") || (isTable(l) && !l.endsWith(".txt") && !l.endsWith(".txt.gz"));
                    })
                    .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Refuses one file given as both inputs and labels (a slip when typing two paths): read twice,
     * the inputs would be their own labels, a task of as many regression outputs as columns that
     * trains without complaint. A .npz archive is fine: its X and y are different arrays.
     */
    private static void requireTwoFiles(Path x, Path y, String as) {
        if (isArchive(x) || !Files.isRegularFile(x)) {
            return;
        }
        boolean same;
        try {
            same = Files.isSameFile(x, y);
        } catch (IOException | SecurityException e) {
            same = false;
        }
        if (same) {
            throw new UserInputException(y + ": given as both " + as + "; " + SPLIT_TABLE);
        }
    }

    /** {@code NAME=X:y} or {@code NAME=TASK.npz} specs ({@link #fromSpec}), loaded as {@link #loadAll} does, in their order. */
    public static List<Task> fromSpecs(List<String> specs) {
        List<java.util.function.Supplier<Task>> loaders = new ArrayList<>();
        for (String spec : specs) {
            loaders.add(() -> fromSpec(spec));
        }
        return loadAll(loaders);
    }

    /**
     * Runs the loaders (one task's files each) on up to min(processors, loaders) threads and
     * returns their tasks in the loaders' order. Reading and checking a file is CPU work (decoding,
     * the finiteness and identifier checks; parsing, for CSV): six .npy tasks of d = 384 took about
     * 10 s one after the other on two cores. When loaders fail, the failure of the first of them in
     * order is thrown, as loading one after the other would have it; loaders after a failed one
     * that have not started are not run. Each task's arrays are only ever held by the thread that
     * reads them, so no more memory is needed than for the tasks themselves (beyond one read
     * buffer a thread, and for CSV, a growing array a thread).
     */
    static List<Task> loadAll(List<java.util.function.Supplier<Task>> loaders) {
        int n = loaders.size();
        int threads = Math.min(Runtime.getRuntime().availableProcessors(), n);
        if (threads <= 1) {
            List<Task> tasks = new ArrayList<>(n);
            for (java.util.function.Supplier<Task> l : loaders) {
                tasks.add(l.get());
            }
            return tasks;
        }
        Task[] done = new Task[n];
        Throwable[] failed = new Throwable[n];
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        // The first failed loader's index: loaders after it are not started.
        java.util.concurrent.atomic.AtomicInteger firstFailure = new java.util.concurrent.atomic.AtomicInteger(n);
        Thread[] pool = new Thread[threads];
        for (int w = 0; w < threads; w++) {
            pool[w] = new Thread(() -> {
                for (int i = next.getAndIncrement(); i < n && i < firstFailure.get(); i = next.getAndIncrement()) {
                    try {
                        done[i] = loaders.get(i).get();
                    } catch (Throwable e) {
                        failed[i] = e;
                        firstFailure.accumulateAndGet(i, Math::min);
                    }
                }
            }, "mtl-load-" + w);
            pool[w].setDaemon(true);
            pool[w].start();
        }
        boolean interrupted = false;
        for (Thread t : pool) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < n; i++) {
            if (failed[i] instanceof RuntimeException e) {
                throw e;
            }
            if (failed[i] instanceof Error e) {
                throw e;
            }
            if (failed[i] != null) {
                throw new IllegalStateException(failed[i]);
            }
            if (done[i] == null) {
                throw new IllegalStateException("task " + i + " was not loaded");
            }
        }
        return java.util.Arrays.asList(done);
    }

    /** A task's name in a task directory: a folder's name, an archive's name without .npz. */
    private static String taskName(Path entry) {
        String n = entry.getFileName().toString();
        return Files.isDirectory(entry) ? n : n.substring(0, n.length() - ".npz".length());
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
                } else if (stem.equals("y") || stem.equals("Y")) { // Y: the label matrix's name in the README
                    ys.add(p);
                }
            }
        } catch (IOException e) {
            throw new UserInputException(sub + ": cannot list task folder (" + e.getMessage() + ")");
        }
        String expected = "expected X and y as " + ACCEPTED + ", e.g. X.npy + y.npy; found " + listing(sub);
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

    /**
     * The folder's entries, for a message: a file that is almost right (X.NPY.bak, labels.npy)
     * is then plain to see. Folders end in '/'; long listings are cut.
     */
    private static String listing(Path folder) {
        List<String> n = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.sorted().toList()) {
                n.add(p.getFileName() + (Files.isDirectory(p) ? "/" : ""));
            }
        } catch (IOException e) {
            return "a folder that cannot be listed (" + e.getMessage() + ")";
        }
        int shown = 10;
        if (n.isEmpty()) {
            return "an empty folder";
        }
        String more = n.size() > shown ? " and " + (n.size() - shown) + " more" : "";
        return String.join(", ", n.subList(0, Math.min(shown, n.size()))) + more;
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
        requireTwoFiles(xFile, yFile, "--shared-x and --labels");
        NpyArray xa = readArray(xFile);
        NpyArray ya = readLabels(yFile);
        // A CSV header names the tasks.
        List<String> header = ya.columnNames() == null ? List.of() : List.of(ya.columnNames());
        if (xa.rank() != 2) {
            throw new UserInputException(xFile + ": X must be 2-D (m x d), got shape " + Task.shape(xa.shape())
                    // Y of m x k is this loader's usual labels, no sign of swapped files.
                    + Task.vectorHint(xa, null, null));
        }
        if (ya.rank() != 1 && ya.rank() != 2) {
            throw new UserInputException(yFile + ": labels must be 1-D (m) or 2-D (m x k: one column per task)");
        }
        String[] headerNote = new String[1];
        NpyArray[] xy = Task.dropPandasHeaders(xa, xFile.toString(), ya, yFile.toString(), headerNote);
        xa = xy[0];
        ya = xy[1];
        int m = xa.dim(0);
        int k = ya.rank() == 1 ? 1 : ya.dim(1);
        if (ya.dim(0) != m) {
            throw new UserInputException(yFile + ": labels have " + ya.dim(0) + " rows but " + xFile + " has " + m
                    + Task.rowCountHint(xa, xFile.toString(), ya, yFile.toString()));
        }
        if (names != null && !names.isEmpty() && names.size() != k) {
            throw new UserInputException("--names: " + names.size() + " names for " + k + " label columns in " + yFile);
        }
        if ((names == null || names.isEmpty()) && header.size() == k) {
            requireTaskNames(yFile, header);
        }
        FiniteCheck.requireNoInfinity(yFile.toString(), ya);
        if (ya.precisionLoss() != null && ya.integerCollision() == null) {
            throw new UserInputException(yFile + ": the labels lose their variation in float32: " + ya.precisionLoss());
        }
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
            colArr.integerCollision = ya.integerCollision(j);  // this column's class ids only
            String why = Task.labelIdColumn(ya, j);
            if (why != null) {
                throw new UserInputException(yFile + ": column " + (j + 1) + " " + why + " (each label column is a task)");
            }
            String[] classes = ya.classNames(j);
            if (classes != null) {
                colArr.classNames = new String[][] {classes};
            }
            colArr.booleanColumns = new boolean[] {ya.booleanColumn(j)};
            Task t = Task.fromArrays(name, xa, xFile.toString(), colArr, yFile + "[:, " + j + "]");
            t.headerNote = headerNote[0];
            tasks.add(t);
        }
        return new TaskSuite(xFile.getFileName().toString(), tasks, true);
    }
}
