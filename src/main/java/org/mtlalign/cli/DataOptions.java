package org.mtlalign.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mtlalign.UserInputException;
import org.mtlalign.data.Digits;
import org.mtlalign.data.LabelNoise;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.Synthetic;
import org.mtlalign.data.TaskLoader;
import org.mtlalign.data.TaskSuite;
import org.mtlalign.model.Loss;
import picocli.CommandLine.Option;

/** Where the tasks come from, and how they are split and standardised. */
public final class DataOptions {
    public static final String DEFAULT_SUITE = "digits-pairs";

    @Option(names = "--task", paramLabel = "NAME=X:Y",
            description = "A task from two files (.npy or .csv), e.g. --task a=Xa.npy:ya.npy, or from one .npz "
                    + "holding arrays X and y (np.savez), e.g. --task a=a.npz (repeatable).")
    List<String> taskSpecs = new ArrayList<>();

    @Option(names = "--tasks", paramLabel = "DIR", description = "A directory of task folders DIR/NAME/{X,y}.npy (or .csv; x and Y are fine too) "
            + "and/or task archives DIR/NAME.npz.")
    Path tasksDir;

    @Option(names = "--shared-x", paramLabel = "X", description = "One input matrix shared by all tasks (m x d; .npy, CSV, or a .npz's only array or X) ...")
    Path sharedX;

    @Option(names = "--labels", paramLabel = "Y", description = "... with labels Y (m x k), one column per task (a .npz: its only array or y/Y).")
    Path labels;

    @Option(names = "--names", split = ",", paramLabel = "NAME",
            description = "Task names for the columns of --labels, comma-separated (default: a CSV's header, else "
                    + "task0, task1, ...).")
    List<String> names = new ArrayList<>();

    @Option(names = "--suite", paramLabel = "NAME",
            description = "A built-in suite: digits-pairs (default), digits-ovr, synthetic-linear, synthetic-relu, "
                    + "task-covariance.")
    String suite;

    @Option(names = "--label-noise", paramLabel = "TASK:FRACTION",
            description = "Replace FRACTION of classification task TASK's training and validation labels with random "
                    + "labels; test labels stay clean (the noisy-task setting). Repeatable, once per task.")
    List<String> labelNoise = new ArrayList<>();

    @Option(names = "--loss", defaultValue = "auto", paramLabel = "KIND|TASK=KIND,...",
            description = "Loss, KIND one of auto, squared, logistic, softmax: one KIND for every task, and/or "
                    + "TASK=KIND for single tasks, comma-separated (e.g. ratings=squared or squared,clicks=logistic; "
                    + "default: inferred from each task's labels); a task whose name holds ',' or '=' cannot be named.")
    String loss;

    @Option(names = "--standardize-labels",
            description = "Train regression (squared-loss) tasks on labels standardised with their training rows' "
                    + "mean and standard deviation, so tasks in any units weigh alike in the summed loss and the "
                    + "default steps suit them; metrics and predictions stay in the labels' units.")
    boolean standardizeLabels;

    @Option(names = "--positive", paramLabel = "TASK=LABEL",
            description = "The positive class of binary task TASK, its label as written (a class name such as active, "
                    + "or a value such as 0, or false/true for boolean labels, 0/1 also); default: the later label (the "
                    + "larger value, the later name, true). Repeatable; a task whose name holds '=' cannot be named.")
    List<String> positive = new ArrayList<>();

    @Option(names = "--val", defaultValue = "0.2", description = "Validation fraction per task (default: ${DEFAULT-VALUE}).")
    double validation;

    @Option(names = "--test", defaultValue = "0.2", description = "Test fraction per task (default: ${DEFAULT-VALUE}).")
    double test;

    @Option(names = "--standardize", defaultValue = "global", paramLabel = "none|per-task|global",
            description = "Input standardisation fitted on training rows (default: ${DEFAULT-VALUE}).")
    String standardize;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for splits, initialisation and sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    /** --loss with its items in one order (the loss for all tasks, then tasks by name), loss names in lower case. */
    static String canonicalLoss(String spec) {
        List<String> items = new ArrayList<>();
        String global = "";
        for (String item : spec.split(",", -1)) {
            String it = item.trim();
            int eq = it.indexOf('=');
            if (eq >= 0) {
                // Task names are case-sensitive; loss names are not.
                items.add(it.substring(0, eq).trim() + "=" + it.substring(eq + 1).trim().toLowerCase(java.util.Locale.ROOT));
            } else {
                global = it.toLowerCase(java.util.Locale.ROOT);
            }
        }
        java.util.Collections.sort(items);
        return global + "|" + String.join(",", items);
    }

    /**
     * The options that decide how the data are split, labelled and standardised, where they
     * differ from {@code other}'s, as "--seed 7 (saved: 1)" items.
     */
    List<String> preparationDifferences(DataOptions other) {
        List<String> d = new ArrayList<>();
        if (!canonicalLoss(loss).equals(canonicalLoss(other.loss))) {
            d.add("--loss " + loss + " (saved: " + other.loss + ")");
        }
        if (validation != other.validation) {
            d.add("--val " + validation + " (saved: " + other.validation + ")");
        }
        if (test != other.test) {
            d.add("--test " + test + " (saved: " + other.test + ")");
        }
        if (!standardize.equalsIgnoreCase(other.standardize)) {
            d.add("--standardize " + standardize + " (saved: " + other.standardize + ")");
        }
        if (seed != other.seed) {
            d.add("--seed " + seed + " (saved: " + other.seed + ")");
        }
        if (standardizeLabels != other.standardizeLabels) {
            d.add((standardizeLabels ? "--standardize-labels" : "no --standardize-labels") + " (saved: "
                    + (other.standardizeLabels ? "on" : "off") + ")");
        }
        if (!trimmedPairs(positive).equals(trimmedPairs(other.positive))) {
            d.add("--positive " + positive + " (saved: " + other.positive + ")");
        }
        if (!new java.util.TreeSet<>(labelNoise).equals(new java.util.TreeSet<>(other.labelNoise))) {
            d.add("--label-noise " + labelNoise + " (saved: " + other.labelNoise + ")");
        }
        return d;
    }

    /** TASK=LABEL items as they are read (task and label trimmed), in order. */
    private static java.util.TreeSet<String> trimmedPairs(List<String> items) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        for (String it : items) {
            int eq = it.indexOf('=');
            out.add(eq < 0 ? it.trim() : it.substring(0, eq).trim() + "=" + it.substring(eq + 1).trim());
        }
        return out;
    }

    /** The input files and folders these options read (to keep outputs off them). */
    List<Path> inputs() {
        List<Path> in = new ArrayList<>();
        for (String spec : taskSpecs) {
            int eq = spec.indexOf('=');
            String files = eq < 0 ? spec : spec.substring(eq + 1);
            // The whole part, for NAME=TASK.npz; then every split a colon allows.
            try {
                in.add(Path.of(files));
            } catch (java.nio.file.InvalidPathException e) {
                // not a path; loading it will say so
            }
            for (int c = files.indexOf(':'); c >= 0; c = files.indexOf(':', c + 1)) {
                in.add(Path.of(files.substring(0, c)));
                in.add(Path.of(files.substring(c + 1)));
            }
        }
        if (tasksDir != null) {
            in.add(tasksDir);
        }
        if (sharedX != null) {
            in.add(sharedX);
        }
        if (labels != null) {
            in.add(labels);
        }
        return in;
    }

    /** True when no data option was given (the built-in demo runs). */
    public boolean noneGiven() {
        return taskSpecs.isEmpty() && tasksDir == null && sharedX == null && labels == null && suite == null;
    }

    /** Warnings about loaded inputs that are legal but will not mean what the user expects. */
    void warnAboutInputs(TaskSuite suite, Warnings warnings) {
        if (skippedWarning != null) {
            warnings.add(skippedWarning);
        }
        alignWarnings.forEach(warnings::add);
        java.util.Set<String> said = new java.util.HashSet<>();
        List<org.mtlalign.data.Task> unlabelled = new java.util.ArrayList<>();
        for (org.mtlalign.data.Task t : suite.tasks()) {
            // One X shared by several tasks is one warning.
            if (t.inputPrecisionLoss() != null && said.add(t.inputPrecisionLoss())) {
                warnings.add(t.inputPrecisionLoss());
            }
            if (t.headerNote() != null && said.add(t.headerNote())) {
                warnings.add(t.headerNote());
            }
            if (t.columnNote() != null && said.add(t.columnNote())) {
                warnings.add(t.columnNote());
            }
            if (t.idColumnNote() != null && said.add(t.idColumnNote())) {
                warnings.add(t.idColumnNote());
            }
            String cases = caseVariants(t);
            if (cases != null) {
                warnings.add(cases);
            }
            String swapped = swappedFiles(t);
            if (swapped != null) {
                warnings.add(swapped);
            }
            if (t.unlabelledRows() > 0) {
                unlabelled.add(t);
            }
        }
        if (unlabelled.size() <= SUMMARISED_FROM - 1) {
            for (org.mtlalign.data.Task t : unlabelled) {
                boolean one = t.unlabelledRows() == 1;
                warnings.add("task '" + t.name() + "': " + t.unlabelledRows() + " of " + t.rows() + " rows "
                        + (one ? "has" : "have") + " no label (an empty cell, NA or NaN) and "
                        + (one ? "is" : "are") + " left out of it");
            }
        } else {
            // Tox21-style data lacks labels in every task: one line a task drowned the other
            // warnings (40 of them for 40 tasks). Each task's labelled rows are in its split line.
            java.util.Comparator<org.mtlalign.data.Task> share = java.util.Comparator.comparingDouble(
                    t -> t.unlabelledRows() / (double) t.rows());
            org.mtlalign.data.Task lo = java.util.Collections.min(unlabelled, share);
            org.mtlalign.data.Task hi = java.util.Collections.max(unlabelled, share);
            warnings.add(unlabelled.size() + " of " + suite.tasks().size() + " tasks have rows with no label (an empty "
                    + "cell, NA or NaN), left out of that task: from " + unlabelledShare(lo) + " to "
                    + unlabelledShare(hi));
        }
    }

    /**
     * A warning when a task's text labels hold names that differ only in case ('pos' and 'Pos'):
     * they are different classes, so a binary task written partly in capitals trained silently
     * as a 4-class softmax task ('4 text classes: softmax loss', no AUC). Null when there are none.
     */
    static String caseVariants(org.mtlalign.data.Task t) {
        String[] names = t.classNames();
        if (names == null) {
            return null;
        }
        java.util.Map<String, List<String>> byFolded = new java.util.LinkedHashMap<>();
        for (String n : names) {
            byFolded.computeIfAbsent(n.toLowerCase(Locale.ROOT), k -> new java.util.ArrayList<>()).add(n);
        }
        List<String> groups = new java.util.ArrayList<>();
        for (List<String> g : byFolded.values()) {
            if (g.size() > 1) {
                groups.add("'" + String.join("', '", g) + "'");
            }
        }
        if (groups.isEmpty()) {
            return null;
        }
        return "task '" + t.name() + "': its labels " + String.join(" and ", groups.subList(0, Math.min(3, groups.size())))
                + (groups.size() > 3 ? " and " + (groups.size() - 3) + " more such groups" : "")
                + " differ only in case and are different classes here (" + names.length
                + " classes in all); write each class alike if they are one";
    }

    /**
     * A warning when a task looks given as NAME=y:X: its "inputs" are a few whole numbers (a label
     * column) and its "labels" are more columns of real values than it has inputs. Such a task
     * trained silently as a multi-output regression from a class column (a single task, or tasks
     * all swapped alike, meet no d mismatch to say so). Null otherwise: real multi-output
     * regression from class-like inputs is legal, hence a warning and not an error.
     */
    static String swappedFiles(org.mtlalign.data.Task t) {
        if (t.labelColumns() <= t.dim() || t.classNames() != null || t.booleanLabels()) {
            return null;
        }
        float[] y = t.y();
        boolean realLabels = false;
        for (float v : y) {
            if (Float.isFinite(v) && v != Math.rint(v)) {
                realLabels = true;
                break;
            }
        }
        if (!realLabels) {
            return null;
        }
        java.util.Set<Float> distinct = new java.util.HashSet<>();
        for (float v : t.x()) {
            if (v != Math.rint(v) || (distinct.add(v) && distinct.size() > SWAPPED_MAX_CLASSES)) {
                return null;
            }
        }
        return "task '" + t.name() + "': its inputs (" + t.rows() + " x " + t.dim() + ") hold only " + distinct.size()
                + " distinct whole number" + (distinct.size() == 1 ? "" : "s") + " and its labels have " + t.labelColumns()
                + " columns of real values: are its X and y swapped? (NAME=X:y gives the inputs first)";
    }

    /** At most this many distinct whole numbers in X read as a label column in {@link #swappedFiles}. */
    private static final int SWAPPED_MAX_CLASSES = 20;

    /** Per-task warnings of one kind are one line from this many tasks on. */
    static final int SUMMARISED_FROM = 4;

    private static String unlabelledShare(org.mtlalign.data.Task t) {
        return t.unlabelledRows() + " of " + t.rows() + " rows (" + Math.round(100.0 * t.unlabelledRows() / t.rows())
                + "%, '" + t.name() + "')";
    }

    /** Inputs at least this large get a line before they are read. */
    static final long LARGE_INPUT_BYTES = 256L << 20;

    /**
     * As {@link #load()}, first saying on {@code err} what is read when the files hold
     * {@link #LARGE_INPUT_BYTES} or more: six embedding tasks of d = 384 (1.4 GB) took 40-60 s to
     * read, split and standardise, with nothing printed but the backend line.
     */
    public TaskSuite load(java.io.PrintWriter err) {
        return load(err, LARGE_INPUT_BYTES);
    }

    TaskSuite load(java.io.PrintWriter err, long largeBytes) {
        long bytes = inputBytes();
        if (bytes >= largeBytes) {
            err.println(String.format(Locale.ROOT, "  .. reading %.1f GB of input files, then splitting and "
                    + "standardising them", bytes / 1e9));
            err.flush();
        }
        return load();
    }

    /** The size of the input files (of --tasks, the folders' files), 0 for built-in suites; unreadable ones count 0. */
    long inputBytes() {
        java.util.Set<Path> seen = new java.util.HashSet<>();
        long total = 0;
        for (Path p : inputs()) {
            try {
                if (java.nio.file.Files.isDirectory(p)) {
                    try (java.util.stream.Stream<Path> walk = java.nio.file.Files.walk(p, 2)) {
                        for (Path f : (Iterable<Path>) walk::iterator) {
                            if (!f.getFileName().toString().startsWith(".") && java.nio.file.Files.isRegularFile(f)
                                    && seen.add(f.toAbsolutePath())) {
                                total += java.nio.file.Files.size(f);
                            }
                        }
                    }
                } else if (java.nio.file.Files.isRegularFile(p) && seen.add(p.toAbsolutePath())) {
                    total += java.nio.file.Files.size(p);
                }
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // loading will say what is wrong with it
            }
        }
        return total;
    }

    public TaskSuite load() {
        int forms = (taskSpecs.isEmpty() ? 0 : 1) + (tasksDir == null ? 0 : 1)
                + (sharedX == null && labels == null ? 0 : 1) + (suite == null ? 0 : 1);
        if (forms > 1) {
            throw new UserInputException("give tasks one way: --task, --tasks, --shared-x/--labels or --suite");
        }
        if (!names.isEmpty() && sharedX == null) {
            throw new UserInputException("--names: names the columns of --labels (with --shared-x); task names come from "
                    + "NAME= in --task, the folder names of --tasks, or the suite");
        }
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i).trim();
            if (n.isEmpty()) {
                throw new UserInputException("--names: name " + (i + 1) + " of " + names.size() + " is empty");
            }
            names.set(i, n);
        }
        if ((sharedX == null) != (labels == null)) {
            throw new UserInputException(sharedX == null ? "--labels: needs --shared-x X.npy as well"
                    : "--shared-x: needs --labels Y.npy as well");
        }
        TaskSuite s;
        if (!taskSpecs.isEmpty()) {
            s = new TaskSuite("tasks", TaskLoader.fromSpecs(taskSpecs), false);
        } else if (tasksDir != null) {
            s = TaskLoader.fromDirectory(tasksDir);
            List<String> skipped = TaskLoader.skippedDataFiles(tasksDir);
            if (!skipped.isEmpty()) {
                int shown = Math.min(3, skipped.size());
                skippedWarning = "--tasks " + tasksDir + ": skipped " + (skipped.size() == 1 ? "the file " : skipped.size()
                        + " files ") + String.join(", ", skipped.subList(0, shown))
                        + (skipped.size() > shown ? ", ..." : "") + " at its top level, which "
                        + (skipped.size() == 1 ? "is" : "are") + " not tasks: a task is a folder NAME/ holding X and y,"
                        + " or an archive NAME.npz (np.savez(\"NAME.npz\", X=X, y=y))";
            }
        } else if (sharedX != null) {
            s = TaskLoader.sharedInputs(sharedX, labels, names);
        } else {
            s = builtin(suite == null ? DEFAULT_SUITE : suite, seed);
        }
        org.mtlalign.data.FeatureNames.Aligned aligned = org.mtlalign.data.FeatureNames.align(s);
        alignWarnings = aligned.warnings();
        checkNamesForTaskOptions(aligned.suite());
        return aligned.suite();
    }

    /**
     * Refuses, as soon as the names are known, a task name that --loss or --positive, when given
     * with task names, cannot write: --loss takes TASK=KIND entries separated by ',', and both split
     * an entry at its first '=', so a task named 'a,b' or 'x=1' could never be named there (it was
     * read as another entry, or as an unknown loss or task). Only when the option does not read as
     * naming these tasks (an entry names no task, or is no loss): one that names other tasks is fine.
     */
    void checkNamesForTaskOptions(TaskSuite s) {
        java.util.Set<String> taskNames = new java.util.HashSet<>();
        s.tasks().forEach(t -> taskNames.add(t.name()));
        boolean lossNames = false;
        if (loss != null && loss.contains("=")) {
            for (String item : loss.split(",", -1)) {
                int eq = item.indexOf('=');
                String kind = (eq < 0 ? item : item.substring(eq + 1)).trim();
                boolean isKind = kind.equalsIgnoreCase("auto");
                try {
                    isKind |= Loss.parse(kind) != null;
                } catch (UserInputException notALoss) {
                    // not a loss: the entry was split inside a name
                }
                lossNames |= !isKind || (eq >= 0 && !taskNames.contains(item.substring(0, eq).trim()));
            }
        }
        boolean positiveNames = false;
        for (String spec : positive) {
            int eq = spec.indexOf('=');
            positiveNames |= eq > 0 && !taskNames.contains(spec.substring(0, eq).trim());
        }
        for (org.mtlalign.data.Task t : s.tasks()) {
            String n = t.name();
            String bad = n.contains("=") ? "=" : n.contains(",") ? "," : null;
            String option = bad == null ? null : lossNames ? "--loss" : positiveNames && bad.equals("=")
                    ? "--positive" : null;
            if (option != null) {
                throw new UserInputException(option + ": task '" + n + "' has '" + bad + "' in its name, which "
                        + (option.equals("--loss") ? "a --loss TASK=KIND,... list" : "--positive TASK=LABEL")
                        + " cannot name; rename it without ',' and '=' (" + whereNamed() + ")");
            }
        }
    }

    /** Where the tasks' names come from, for an error asking to rename one. */
    private String whereNamed() {
        if (!taskSpecs.isEmpty()) {
            return "the NAME of --task NAME=...";
        }
        if (tasksDir != null) {
            return "its folder or .npz file name under --tasks";
        }
        if (sharedX != null) {
            return names.isEmpty() ? "its column's name in the --labels header, or give --names" : "--names";
        }
        return "the task's name";
    }

    /**
     * Prepares the suite {@link #load()} returned, for a command that prepares it once and then
     * needs only the prepared tasks (a single seed): data read from files, whose arrays belong to
     * the command alone, is standardised in place ({@link Preparation#prepareInPlace}), so that
     * its inputs are not held twice (the loaded arrays and their standardised copy: 2.6 GiB instead
     * of 1.3 GiB for five embedding tasks of d = 384 and 900k rows). The suite must not be prepared
     * again afterwards. A built-in suite is copied: its arrays may be shared (the digits' inputs
     * are one cached array). (Decided by the options, not by holding on to the loaded suite, which
     * would keep its arrays alive after the command has dropped them.)
     */
    Preparation.Result prepareOnce(TaskSuite loaded, Preparation.Config prep) {
        boolean fromFiles = suite == null && (!taskSpecs.isEmpty() || tasksDir != null || sharedX != null);
        return fromFiles ? Preparation.prepareInPlace(loaded, prep) : Preparation.prepare(loaded, prep);
    }

    /**
     * The built-in suite as seed {@code s} draws it, or null when the data does not depend on the
     * seed (files, the digits): the synthetic suites are drawn from --seed, so 'mtl train --seed s'
     * trains on suite(s), and a command trying several seeds must draw it again for each.
     */
    TaskSuite builtinForSeed(long s) {
        if (suite == null || suite.toLowerCase(Locale.ROOT).startsWith("digits")) {
            return null;
        }
        return org.mtlalign.data.FeatureNames.align(builtin(suite, s)).suite();
    }

    /**
     * The tasks of seed {@code s} for a command trying several seeds: the loaded suite (or the
     * built-in one drawn again for s, see {@link #builtinForSeed}) split and standardised with s.
     */
    Preparation.Result prepareForSeed(TaskSuite loaded, Preparation.Config prep, long s) {
        TaskSuite drawn = builtinForSeed(s);
        return Preparation.prepare(drawn != null ? drawn : loaded, prep.withSeed(s));
    }

    /** What matching the tasks' X columns by name did or found (see FeatureNames.align). */
    private List<String> alignWarnings = List.of();

    /** Data files at the top level of --tasks DIR that are no task (see TaskLoader.skippedDataFiles), or null. */
    private String skippedWarning;

    static TaskSuite builtin(String name, long seed) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "digits-pairs": return Digits.pairs();
            case "digits-ovr": return Digits.oneVsRest();
            case "synthetic-linear": return Synthetic.linear(6, 400, 30, 2, 0.3, false, seed);
            case "synthetic-relu": return Synthetic.relu(6, 600, 30, 3, 0.1, seed);
            case "task-covariance": return Synthetic.taskCovariance(200, 800, 20, 4.0, 0.3, seed);
            default:
                throw new UserInputException("--suite: unknown suite '" + name
                        + "' (expected digits-pairs, digits-ovr, synthetic-linear, synthetic-relu or task-covariance)");
        }
    }

    /**
     * As {@link #preparation()}, for commands that check the options before reading the data: a
     * --loss list that does not parse because a task name holds ',' ('a,b=squared') is reported
     * naming that task ({@link #checkNamesForTaskOptions}), the data being read to find it.
     */
    public Preparation.Config preparationBeforeLoad() {
        try {
            return preparation();
        } catch (UserInputException ex) {
            if (loss != null && loss.contains("=") && loss.contains(",") && !noneGiven()) {
                load();
            }
            throw ex;
        }
    }

    public Preparation.Config preparation() {
        Loss l = null;
        boolean global = false;
        java.util.Map<String, Loss> perTask = new java.util.LinkedHashMap<>();
        for (String item : loss.split(",", -1)) {
            String it = item.trim();
            int eq = it.indexOf('=');
            String kind = eq < 0 ? it : it.substring(eq + 1).trim();
            Loss parsed;
            try {
                parsed = kind.equalsIgnoreCase("auto") ? null : Loss.parse(kind);
            } catch (UserInputException ex) {
                if (loss.contains("=") && loss.contains(",")) {
                    // 'a,b=squared' for a task named 'a,b': say why, rather than only 'unknown loss a'.
                    throw new UserInputException(ex.getMessage() + "; entries are separated by ',' and a task name in "
                            + "--loss cannot hold ',' or '=' (rename such a task)", ex);
                }
                throw ex;
            }
            if (eq < 0) {
                if (global) {
                    throw new UserInputException("--loss " + loss + ": more than one loss for all tasks; name the "
                            + "others' tasks (TASK=KIND)");
                }
                global = true;
                l = parsed;
            } else {
                String task = it.substring(0, eq).trim();
                if (task.isEmpty() || perTask.containsKey(task)) {
                    throw new UserInputException("--loss " + loss + ": " + (task.isEmpty() ? "an empty task name"
                            : "task '" + task + "' is given twice"));
                }
                perTask.put(task, parsed);
            }
        }
        List<LabelNoise> noise = new ArrayList<>();
        for (String spec : labelNoise) {
            noise.add(LabelNoise.parse(spec));
        }
        // Label noise is applied after the split, to training and validation rows only.
        java.util.Map<String, Loss> named = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, Loss> en : perTask.entrySet()) {
            if (en.getValue() == null) {
                // Dropping it would also drop the check that the task exists.
                throw new UserInputException("--loss " + loss + ": " + en.getKey() + "=auto is the default for a task "
                        + "without an entry; leave it out" + (l != null ? " (a loss for all tasks cannot be undone for "
                        + "one task: name the other tasks' losses instead)" : ""));
            }
            named.put(en.getKey(), en.getValue());
        }
        java.util.Map<String, String> positives = new java.util.LinkedHashMap<>();
        for (String spec : positive) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new UserInputException("--positive " + spec + ": expected TASK=LABEL, e.g. tox21=active");
            }
            if (positives.put(spec.substring(0, eq).trim(), spec.substring(eq + 1).trim()) != null) {
                throw new UserInputException("--positive: task '" + spec.substring(0, eq).trim() + "' is given twice");
            }
        }
        return new Preparation.Config(validation, test, seed, l, Preparation.Standardize.parse(standardize), noise,
                named, positives, standardizeLabels);
    }

    /** The options as arguments again, stored with a saved model so --resume can reload the data. */
    public List<String> toArgs() {
        List<String> a = new ArrayList<>();
        for (String t : taskSpecs) {
            a.add("--task");
            a.add(abs(t));
        }
        if (tasksDir != null) {
            a.add("--tasks");
            a.add(tasksDir.toAbsolutePath().toString());
        }
        if (sharedX != null) {
            a.add("--shared-x");
            a.add(sharedX.toAbsolutePath().toString());
            a.add("--labels");
            a.add(labels.toAbsolutePath().toString());
        }
        if (!names.isEmpty()) {
            a.add("--names");
            a.add(String.join(",", names));
        }
        if (suite != null) {
            a.add("--suite");
            a.add(suite);
        }
        for (String n : labelNoise) {
            a.add("--label-noise");
            a.add(n);
        }
        for (String p : positive) {
            a.add("--positive");
            a.add(p);
        }
        if (standardizeLabels) {
            a.add("--standardize-labels");
        }
        a.addAll(List.of("--loss", loss, "--val", Double.toString(validation), "--test", Double.toString(test),
                "--standardize", standardize, "--seed", Long.toString(seed)));
        return a;
    }

    /**
     * The spec with absolute paths, split by the same rule {@code --resume} reads it back with;
     * splitting at a different colon here once recorded paths that no longer existed.
     */
    static String abs(String spec) {
        try {
            return TaskLoader.split(spec).absolute();
        } catch (UserInputException e) {
            return spec; // it loaded a moment ago; if its files have gone since, loading it again will say so
        }
    }
}
