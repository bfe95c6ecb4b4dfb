package org.mtlalign.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.mtlalign.UserInputException;
import org.mtlalign.data.Npy;
import org.mtlalign.data.NpyArray;

/**
 * Saves and loads a model directory: one .npy per parameter (plus the optimiser moments, so a
 * resumed run continues where it stopped), extra arrays (e.g. the standardisation) and
 * {@code model.json} with the architecture, config and provenance.
 *
 * <p>Saving is atomic at the directory level: everything is written to a sibling temporary
 * directory which then replaces the old one, so an interrupted save never leaves a half-written
 * checkpoint behind and the previous checkpoint survives until the new one is complete.
 */
public final class ModelIO {
    public static final String MODEL_JSON = "model.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().serializeNulls()
            .disableHtmlEscaping().create();

    private ModelIO() {
    }

    /** A loaded model with its JSON metadata and extra arrays. */
    public record Loaded(MtlModel model, JsonObject json, Map<String, NpyArray> extras) {
    }

    /** Parameter files a saved model consists of (besides model.json and its extras). */
    private static final java.util.regex.Pattern OWN_FILE =
            java.util.regex.Pattern.compile("(B|b|A_\\d+|c_\\d+|R_\\d+)(\\.adam_[mv])?\\.npy");

    /**
     * Checks that saving to {@code dir} destroys nothing but an earlier save: {@code dir} must be
     * new, an empty directory, or a directory holding exactly a saved model (model.json, its
     * parameter files and extras). Returns the directory to write (symbolic links followed).
     */
    public static Path checkTarget(Path dir) {
        return checkTarget(dir, true);
    }

    /**
     * {@code probe}: also check, with a temporary file, that the folder where a save makes its
     * temporary copy can take files; save itself skips that (its own copy is the test).
     */
    private static Path checkTarget(Path dir, boolean probe) {
        java.util.Objects.requireNonNull(dir, "dir (the model folder)");
        if (dir.toString().isEmpty()) {
            throw new UserInputException("the model folder name is empty; give --out DIR");
        }
        Path abs;
        try {
            abs = org.mtlalign.data.SafeWrite.followLinks(dir.toAbsolutePath());
        } catch (IOException e) {
            throw new UserInputException(dir + ": cannot use as the model folder (" + e.getMessage() + ")");
        }
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new UserInputException(dir + ": exists and is not a directory; choose a new or empty folder for the model");
        }
        // Found now, not at the first checkpoint after an epoch of training. A save writes a
        // temporary folder next to DIR and renames it, so that is where files must be creatable.
        String why = probe ? org.mtlalign.data.SafeWrite.whyNoFilesIn(abs.getParent()) : null;
        if (why != null) {
            throw new UserInputException(dir + ": cannot save the model there (" + why + ")");
        }
        if (!Files.exists(abs)) {
            return abs;
        }
        java.util.Set<String> extras = new java.util.HashSet<>();
        Path json = abs.resolve(MODEL_JSON);
        try (Stream<Path> entries = Files.list(abs)) {
            List<String> names = entries.map(p -> p.getFileName().toString()).sorted().toList();
            if (names.isEmpty()) {
                return abs;
            }
            if (!Files.isRegularFile(json)) {
                throw new UserInputException(dir + ": is not empty and holds no saved model (no " + MODEL_JSON
                        + "); choose a new or empty folder, saving would replace its contents");
            }
            try {
                JsonObject arch = JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8))
                        .getAsJsonObject().getAsJsonObject("architecture");
                for (JsonElement e : arch.getAsJsonArray("extras")) {
                    extras.add(e.getAsString() + ".npy");
                }
            } catch (RuntimeException e) {
                throw new UserInputException(dir + ": " + MODEL_JSON + " is not a saved model's; choose a new or empty folder");
            }
            for (String name : names) {
                if (!name.equals(MODEL_JSON) && !extras.contains(name) && !OWN_FILE.matcher(name).matches()) {
                    throw new UserInputException(dir + ": holds '" + name + "', which is not part of a saved model and "
                            + "would be lost when the folder is replaced; move it out, or save to a new or empty folder "
                            + "(--out)");
                }
            }
        } catch (IOException e) {
            throw new UserInputException(dir + ": cannot read the model folder (" + e.getMessage() + ")");
        }
        return abs;
    }

    // Saves in progress in this JVM, undone by the shutdown hook if it stops mid-save (Ctrl-C,
    // SIGTERM): temporary folders to delete, and replaced models to put back if the new one has
    // not been moved in yet. SIGKILL skips the hook; recoverStale mends that on the next save/load.
    // The renames of a save and the hook hold SAVE_LOCK, so the hook never deletes a temporary
    // folder while it is being moved into place; after the hook no save starts its renames.
    private static final Set<Path> PENDING_TMP = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final Map<Path, Path> PENDING_OLD = new java.util.concurrent.ConcurrentHashMap<>();
    // Package-private for tests, which predict the next save's temporary folder.
    static final java.util.concurrent.atomic.AtomicLong SAVES = new java.util.concurrent.atomic.AtomicLong();
    private static final Object SAVE_LOCK = new Object();
    private static volatile boolean shuttingDown;
    // Leftover names carry their owner (host and pid), so recovery only touches leftovers of dead
    // processes on this host: never a save in progress elsewhere, e.g. on a shared volume.
    private static final String HOST = org.mtlalign.data.SafeWrite.host();
    private static final String OWNER = HOST + "-" + ProcessHandle.current().pid();

    private static final Set<FolderLock> HELD_LOCKS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (SAVE_LOCK) {
                shuttingDown = true;
                PENDING_TMP.forEach(ModelIO::deleteQuietly);
                PENDING_OLD.forEach(ModelIO::putBack);
                // No save renames anything from here on: the folders' lock files can go (the
                // kernel releases the locks themselves when the process ends).
                HELD_LOCKS.forEach(FolderLock::deleteFile);
            }
        }, "mtl-model-save-cleanup"));
    }

    /**
     * A model folder claimed by this process for the length of a run (see {@link #lock}): an
     * OS lock on {@code .NAME.lock} beside the folder, which the kernel releases if the process
     * is killed; the file itself is removed on {@link #close} and at exit.
     */
    public static final class FolderLock implements AutoCloseable {
        private final Path file;
        private final java.nio.channels.FileChannel channel;
        private final java.nio.channels.FileLock lock;
        // Folders made to hold the lock file (deepest first), removed with it if still empty.
        private final List<Path> made;

        private FolderLock(Path file, java.nio.channels.FileChannel channel, java.nio.channels.FileLock lock,
                List<Path> made) {
            this.file = file;
            this.channel = channel;
            this.lock = lock;
            this.made = made;
        }

        private void deleteFile() {
            try {
                Files.deleteIfExists(file);
                for (Path d : made) {
                    Files.deleteIfExists(d);  // fails once a save has put the model there: kept
                }
            } catch (IOException ignored) {
                // A lock file left behind is harmless: the next run locks it again.
            }
        }

        /** Removes the lock file, then releases the lock (in that order: see {@link #lock}). */
        @Override
        public void close() {
            synchronized (SAVE_LOCK) {
                if (!HELD_LOCKS.remove(this)) {
                    return;
                }
                deleteFile();
                try {
                    lock.release();
                    channel.close();
                } catch (IOException ignored) {
                    // Closing the channel releases the lock; the process's end does in any case.
                }
            }
        }
    }

    /**
     * Claims the model folder {@code dir} for this run, so that a second run saving to the same
     * folder (two {@code mtl train --out DIR} at once, or {@code --resume DIR} while DIR trains)
     * is refused at its start instead of both saving over each other and each reporting its
     * model as saved. {@code option} names the folder in the refusal. On file systems without
     * locks, nothing is claimed and null is returned.
     */
    public static FolderLock lock(Path dir, String option) {
        Path abs;
        try {
            abs = org.mtlalign.data.SafeWrite.followLinks(dir.toAbsolutePath()).normalize();
        } catch (IOException e) {
            return null;  // checkTarget reports unusable paths
        }
        Path parent = abs.getParent();
        if (parent == null || abs.getFileName() == null) {
            return null;
        }
        Path file = parent.resolve("." + abs.getFileName() + ".lock");
        // Held in this process already: refused without opening the file, since closing any
        // channel of a file drops the process's POSIX locks on it, the held one included.
        for (FolderLock held : HELD_LOCKS) {
            if (held.file.equals(file)) {
                throw inUse(dir, option, "in this process");
            }
        }
        List<Path> made = new ArrayList<>();
        for (Path p = parent; p != null && !Files.exists(p); p = p.getParent()) {
            made.add(p);
        }
        for (int attempt = 0; attempt < 10; attempt++) {
            java.nio.channels.FileChannel ch;
            Object opened;
            try {
                Files.createDirectories(parent);
                ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
                opened = fileKey(file);
            } catch (IOException e) {
                return null;  // cannot even create a lock file: the save itself will say why
            }
            java.nio.channels.FileLock l;
            try {
                l = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                closeQuietly(ch);
                throw inUse(dir, option, "in this process");
            } catch (IOException e) {
                closeQuietly(ch);
                return null;  // no locks on this file system: carry on unguarded
            }
            if (l == null) {
                String owner = null;
                try {
                    owner = Files.readString(file, StandardCharsets.UTF_8).strip();
                } catch (IOException | RuntimeException ignored) {
                    // unnamed owner
                }
                closeQuietly(ch);
                throw inUse(dir, option, owner == null || owner.isEmpty() ? null : owner);
            }
            try {
                // A holder deletes the file before it releases the lock, so a lock won on a file
                // deleted meanwhile is no claim: the name must still lead to the file opened.
                // (Compared by stat, not by reading the file: that would open and close it again.)
                if (opened != null && opened.equals(fileKey(file))) {
                    try {
                        // The owner's name, for a refused run to print (not on a full disk).
                        ch.truncate(0);
                        ch.write(java.nio.ByteBuffer.wrap((OWNER_DESCRIPTION + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                    } catch (IOException ignored) {
                        // the lock holds without it
                    }
                    FolderLock held = new FolderLock(file, ch, l, made);
                    HELD_LOCKS.add(held);
                    return held;
                }
            } catch (RuntimeException ignored) {
                // try again
            }
            closeQuietly(ch);
        }
        return null;
    }

    /** The file's identity (device and inode) without opening it, or null. */
    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static final String OWNER_DESCRIPTION = "pid " + ProcessHandle.current().pid() + " on " + HOST;

    private static UserInputException inUse(Path dir, String option, String owner) {
        return new UserInputException(option + " " + dir + ": another mtl run" + (owner == null ? "" : " (" + owner + ")")
                + " is saving a model to this folder; wait for it to end, or choose another folder (two runs saving "
                + "to one folder would replace each other's model)");
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to add
        }
    }

    /** This host's name as leftovers spell it (letters, digits and '_'). */
    static String host() {
        return HOST;
    }

    /** A replaced model ({@code old}) goes back to {@code target} unless the new one is there. */
    private static void putBack(Path old, Path target) {
        try {
            if (!Files.exists(target) && Files.exists(old)) {
                Files.move(old, target);
            } else {
                deleteQuietly(old);
            }
        } catch (IOException ignored) {
            // Best effort at exit; recoverStale tries again next time.
        }
    }

    /** Names of a save's temporary and replaced folders beside {@code abs}: kind, host, pid, number. */
    private static java.util.regex.Pattern leftoverName(Path abs) {
        return java.util.regex.Pattern.compile("\\." + java.util.regex.Pattern.quote(abs.getFileName().toString())
                + "\\.(tmp|old)-([A-Za-z0-9_]+)-(\\d+)-(\\d+)");
    }

    /**
     * Leftovers of a save that was killed (SIGKILL, power loss) beside {@code abs}, named
     * {@code .NAME.tmp-HOST-PID-N} and {@code .NAME.old-HOST-PID-N}: those of processes of this host
     * that are no longer running are mended. Temporary folders are deleted; a replaced model whose
     * successor never arrived is put back (the newest, if several), otherwise deleted. Anything
     * else, including leftovers of live processes or of other hosts, is left alone.
     */
    static void recoverStale(Path abs) {
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        java.util.regex.Pattern own = leftoverName(abs);
        List<Path> olds = new ArrayList<>();
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path p : entries.toList()) {
                java.util.regex.Matcher m = own.matcher(p.getFileName().toString());
                if (!m.matches() || !org.mtlalign.data.SafeWrite.leftByEndedRun(m.group(2), Long.parseLong(m.group(3)))) {
                    continue;
                }
                if (m.group(1).equals("tmp")) {
                    deleteQuietly(p);
                } else {
                    olds.add(p);
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            return;
        }
        // Newest first: the last number is zero-padded time, so it sorts by name.
        olds.sort(Comparator.comparing((Path p) -> p.getFileName().toString().replaceAll(".*-", "")).reversed());
        for (Path old : olds) {
            putBack(old, abs);
        }
    }

    /** The extras key of task i's standardisation mean (d values) and scale, as {@link #save(Path, MtlModel, org.mtlalign.data.Preparation.Result, JsonObject)} writes them. */
    public static String standardizeMeanKey(int task) {
        return "standardize_mean_" + task;
    }

    /** The extras key of task i's label mean (per output) when it trained on standardised labels. */
    public static String labelMeanKey(int task) {
        return "label_mean_" + task;
    }

    /** See {@link #labelMeanKey}. */
    public static String labelScaleKey(int task) {
        return "label_scale_" + task;
    }

    /** See {@link #standardizeMeanKey}. */
    public static String standardizeScaleKey(int task) {
        return "standardize_scale_" + task;
    }

    /** The model.json key recording how inputs were standardised: "per-task arrays" or "none". */
    public static final String STANDARDISATION = "standardisation";

    /**
     * Saves a model trained on {@code preparation}'s tasks (heads in the same order) together with
     * what applying it to new raw inputs needs: each task's standardisation (mean and scale,
     * fitted on its training rows) and, for classification heads, the label value of each class
     * index ({@code class_values} in model.json: numbers, or strings for text labels). {@link org.mtlalign.train.Predictor} reads them
     * back. {@code meta} (may be null) is copied into model.json. This is how `mtl train --out`
     * saves. {@code dir} must be new, empty or an earlier save, which is replaced as a whole (the
     * new save is written beside it and moved in place); see {@link #checkTarget}.
     *
     * @throws org.mtlalign.UserInputException for a {@code dir} that is a file or a folder holding
     *     other files than a saved model, or that cannot be written
     * @throws IllegalArgumentException when the preparation's tasks are not the model's heads (name,
     *     loss, outputs, input dimension), in order, or the model holds NaN or an infinity
     */
    public static void save(Path dir, MtlModel model, org.mtlalign.data.Preparation.Result preparation, JsonObject meta) {
        Map<String, float[]> extras = new java.util.LinkedHashMap<>();
        JsonObject root = describe(model, preparation, meta, extras);
        save(dir, root, model, extras);
    }

    /**
     * The model and extras as {@link #load} returns them after {@link #save(Path, MtlModel,
     * org.mtlalign.data.Preparation.Result, JsonObject) save(dir, model, preparation, null)} (the
     * JSON without the architecture and optimiser entries, which the model holds), without writing files: {@code new Predictor(ModelIO.inMemory(model, preparation))} applies a model just
     * trained to new raw inputs in the same process (standardisation, class labels and, for
     * standardised labels, their units included). The model itself is kept, not copied: train it
     * further and the predictions follow.
     *
     * @throws IllegalArgumentException when the preparation's tasks are not the model's heads (name,
     *     loss, outputs, input dimension), in order
     */
    public static Loaded inMemory(MtlModel model, org.mtlalign.data.Preparation.Result preparation) {
        Map<String, float[]> extras = new java.util.LinkedHashMap<>();
        JsonObject root = describe(model, preparation, null, extras);
        Map<String, NpyArray> arrays = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : extras.entrySet()) {
            // As save writes and load reads them: one-dimensional float32 copies.
            arrays.put(e.getKey(), new NpyArray(new int[] {e.getValue().length}, e.getValue().clone(), "<f4", false));
        }
        return new Loaded(model, root, arrays);
    }

    /** model.json's description beyond the architecture (meta, class values, standardisation), filling {@code extras}. */
    private static JsonObject describe(MtlModel model, org.mtlalign.data.Preparation.Result preparation, JsonObject meta,
                                       Map<String, float[]> extras) {
        java.util.Objects.requireNonNull(model, "model");
        java.util.Objects.requireNonNull(preparation, "preparation");
        List<org.mtlalign.data.PreparedTask> tasks = preparation.tasks();
        if (tasks.size() != model.taskCount()) {
            throw new IllegalArgumentException(tasks.size() + " prepared tasks for a model with " + model.taskCount()
                    + " heads");
        }
        JsonObject classValues = new JsonObject();
        boolean standardised = false;
        for (int i = 0; i < tasks.size(); i++) {
            if (!tasks.get(i).name().equals(model.heads().get(i).name())) {
                throw new IllegalArgumentException("prepared task " + i + " is '" + tasks.get(i).name()
                        + "' but head " + i + " is '" + model.heads().get(i).name() + "'");
            }
            // A preparation of the same names at another d (or another loss) was taken: inMemory's
            // Predictor then failed with an index error inside the standardisation, and save wrote a
            // model that load called damaged.
            if (tasks.get(i).dim() != model.inputDim() || !tasks.get(i).head().equals(model.heads().get(i))) {
                throw new IllegalArgumentException("prepared task " + i + " (" + tasks.get(i).head() + ", d = "
                        + tasks.get(i).dim() + ") is not what head " + i + " (" + model.heads().get(i) + ", d = "
                        + model.inputDim() + ") was trained on; pass the preparation the model was trained on");
            }
            if (preparation.means()[i] != null) {
                extras.put(standardizeMeanKey(i), preparation.means()[i]);
                extras.put(standardizeScaleKey(i), preparation.scales()[i]);
                standardised = true;
            }
            if (tasks.get(i).labels().labelScale() != null) {
                // Trained on standardised labels: predictions go back to the labels' units.
                extras.put(labelMeanKey(i), tasks.get(i).labels().labelMean());
                extras.put(labelScaleKey(i), tasks.get(i).labels().labelScale());
            }
            float[] values = tasks.get(i).labels().classValues();
            String[] names = tasks.get(i).labels().classNames();
            if (values != null) {
                // Text labels are recorded by name, numeric ones by value.
                JsonArray v = new JsonArray();
                for (int c = 0; c < values.length; c++) {
                    if (names != null) {
                        v.add(names[c]);
                    } else if (org.mtlalign.data.EncodedLabels.isWhole(values[c])) {
                        // Whole numbers as integers (4, not 4.0): what the user's labels were, as the
                        // predictions' columns ("p(y = 4)") and --json's classes ("4") write them.
                        v.add((long) values[c]);
                    } else {
                        v.add(values[c]);
                    }
                }
                classValues.add(tasks.get(i).name(), v);
            }
        }
        JsonObject root = meta == null ? new JsonObject() : meta.deepCopy();
        root.add("class_values", classValues);
        root.addProperty(STANDARDISATION, standardised ? "per-task arrays" : "none");
        return root;
    }

    /**
     * Saves the model's parameters, optimiser state and {@code extras} (named arrays, each written
     * as NAME.npy; names of letters, digits, '_' and '-' that are not the model's own files), with
     * {@code meta} (may be null) copied into model.json. Nothing records how the inputs were
     * standardised: a model saved so cannot be used by {@link org.mtlalign.train.Predictor}
     * unless meta has {@link #STANDARDISATION} = "none" and the model was trained on raw inputs;
     * use {@link #save(Path, MtlModel, org.mtlalign.data.Preparation.Result, JsonObject)} for that.
     *
     * @throws IllegalArgumentException for an extra's name as above or a null extra, or a model that
     *     holds NaN or an infinity (a diverged training), which {@link #load} would call damaged
     * @throws org.mtlalign.UserInputException for a {@code dir} that is a file or a folder holding
     *     other files than a saved model, or that cannot be written
     */
    public static void save(Path dir, MtlModel model, JsonObject meta, Map<String, float[]> extras) {
        save(dir, meta, model, extras);
    }

    private static final java.util.regex.Pattern OWN_FILE_ANY_CASE =
            java.util.regex.Pattern.compile(OWN_FILE.pattern(), java.util.regex.Pattern.CASE_INSENSITIVE);
    private static final java.util.regex.Pattern EXTRA_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-]+");

    private static void save(Path dir, JsonObject meta, MtlModel model, Map<String, float[]> extras) {
        java.util.Objects.requireNonNull(dir, "dir (the model folder)");
        java.util.Objects.requireNonNull(model, "model");
        if (extras != null) {
            for (String name : extras.keySet()) {
                // A name with a '/' or '..' would write outside the folder; one of the model's own
                // file names would overwrite a parameter and make the save unloadable.
                // Case-insensitively: on macOS and Windows a_0.npy is A_0.npy.
                if (name == null || !EXTRA_NAME.matcher(name).matches()
                        || OWN_FILE_ANY_CASE.matcher(name + ".npy").matches() || name.equalsIgnoreCase("model")) {
                    throw new IllegalArgumentException("extra array name '" + name + "': use letters, digits, '_' and "
                            + "'-' only, and not a parameter's name (B, b, A_i, c_i, R_i)");
                }
                if (extras.get(name) == null) {
                    throw new IllegalArgumentException("extra array '" + name + "' is null");
                }
            }
        }
        model.requireTrainable();
        // load refuses a non-finite parameter or optimiser moment as damage: a diverged model was
        // saved (replacing any earlier save) into a folder that could not be loaded again.
        for (Tensor t : model.parameters()) {
            String[] kinds = {"", ".adam_m", ".adam_v"};
            float[][] arrays = {t.value(), t.moment1(), t.moment2()};
            for (int q = 0; q < arrays.length; q++) {
                for (int i = 0; i < arrays[q].length; i++) {
                    if (!Float.isFinite(arrays[q][i])) {
                        throw new IllegalArgumentException("model parameter " + t.name() + kinds[q] + " holds " + arrays[q][i]
                                + " at flat index " + i + "; a model that is not finite (a diverged training) is not saved");
                    }
                }
            }
        }
        Path abs = checkTarget(dir, false);
        recoverStale(abs);
        Path parent = abs.getParent();
        Path tmp = parent.resolve("." + abs.getFileName() + ".tmp-" + OWNER + "-" + SAVES.incrementAndGet());
        PENDING_TMP.add(tmp);
        try {
            Files.createDirectories(tmp);
            // Every file is fsynced before its rename; the folder's entries once, below, rather
            // than after each of its dozens of files.
            org.mtlalign.data.SafeWrite.syncLater(tmp);
            JsonObject arch = new JsonObject();
            arch.addProperty("d", model.inputDim());
            arch.addProperty("r", model.rank());
            arch.addProperty("activation", model.activation().cliName());
            arch.addProperty("bias", model.hasBias());
            arch.addProperty("alignment", model.hasAlignment());
            JsonArray heads = new JsonArray();
            for (TaskHead h : model.heads()) {
                JsonObject o = new JsonObject();
                o.addProperty("name", h.name());
                o.addProperty("loss", h.loss().cliName());
                o.addProperty("outputs", h.outputs());
                heads.add(o);
            }
            arch.add("heads", heads);
            JsonObject steps = new JsonObject();
            for (Tensor t : model.parameters()) {
                Npy.write(tmp.resolve(t.name() + ".npy"), t.shape(), t.value());
                Npy.write(tmp.resolve(t.name() + ".adam_m.npy"), t.shape(), t.moment1());
                Npy.write(tmp.resolve(t.name() + ".adam_v.npy"), t.shape(), t.moment2());
                steps.addProperty(t.name(), t.steps());
            }
            arch.add("optimizer_steps", steps);
            JsonArray extraNames = new JsonArray();
            if (extras != null) {
                for (Map.Entry<String, float[]> e : extras.entrySet()) {
                    Npy.write(tmp.resolve(e.getKey() + ".npy"), new int[] {e.getValue().length}, e.getValue());
                    extraNames.add(e.getKey());
                }
            }
            arch.add("extras", extraNames);
            JsonObject root = meta == null ? new JsonObject() : meta.deepCopy();
            root.add("architecture", arch);
            // Through SafeWrite, fsynced as the parameter files are (Files.writeString was not).
            org.mtlalign.data.SafeWrite.write(tmp.resolve(MODEL_JSON), toJson(root).getBytes(StandardCharsets.UTF_8));
            // The folder complete on disk before it replaces the saved model.
            org.mtlalign.data.SafeWrite.syncFolder(tmp);
            synchronized (SAVE_LOCK) {
                if (shuttingDown) {
                    throw new IOException("the program is stopping");
                }
                Path old = null;
                if (Files.exists(abs)) {
                    // The last number is zero-padded time, so the newest sorts last by name.
                    old = parent.resolve("." + abs.getFileName() + ".old-" + OWNER + "-" + String.format("%013d%06d",
                            System.currentTimeMillis(), SAVES.incrementAndGet() % 1_000_000L));
                    PENDING_OLD.put(old, abs);
                    Files.move(abs, old);
                }
                try {
                    Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, abs);
                }
                PENDING_TMP.remove(tmp);
                // The renames durable: a power loss soon after must not bring back the old model, or none.
                org.mtlalign.data.SafeWrite.syncFolder(parent);
                if (old != null) {
                    // The new model is in place; failing to delete the old one loses nothing (the
                    // next save or load of this folder removes it once this process has ended).
                    deleteQuietly(old);
                    PENDING_OLD.remove(old);
                }
            }
        } catch (IOException | UserInputException e) {
            // UserInputException: a parameter file could not be written (Npy.write), e.g. on a
            // full disk; it skipped this clean-up (the temporary folder stayed until exit), and its
            // message named the file in the temporary folder, a path the user never gave.
            synchronized (SAVE_LOCK) {
                deleteQuietly(tmp);
                org.mtlalign.data.SafeWrite.syncFolder(tmp);  // ends syncLater (the folder is gone: a no-op)
                PENDING_TMP.remove(tmp);
                PENDING_OLD.forEach((o, t) -> {
                    if (t.equals(abs)) {
                        putBack(o, t);
                        PENDING_OLD.remove(o);
                    }
                });
            }
            throw new UserInputException(dir + ": cannot write the model ("
                    + (e instanceof UserInputException ? whyNotWritten(e) : e.getMessage()) + ")"
                    + (Files.isRegularFile(abs.resolve(MODEL_JSON)) ? "; it still holds the model saved before" : ""), e);
        }
    }

    /**
     * Why Npy.write failed, without the path of the temporary file it wrote: its I/O error's
     * reason (No space left on device), or the text after "FILE: " of its own checks.
     */
    private static String whyNotWritten(Exception e) {
        Throwable c = e.getCause();
        if (c instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (c instanceof IOException && c.getMessage() != null) {
            return c.getMessage();
        }
        String m = String.valueOf(e.getMessage());
        int at = m.indexOf(": ");
        return at >= 0 ? m.substring(at + 2) : m;
    }

    // How long load waits for another process's save to finish replacing the folder.
    static final long REPLACE_WAIT_NANOS = 10_000_000_000L;

    public static Loaded load(Path dir) {
        return load(dir, true);
    }

    /**
     * As {@link #load}, without the optimiser state: the parameters' values alone, which is all a
     * prediction needs. Its {@code *.adam_*.npy} files are neither read nor needed (a folder
     * stripped of them for deployment predicts as before), and the model holds a quarter of the
     * memory; it cannot be trained or saved.
     */
    public static Loaded loadForPrediction(Path dir) {
        return load(dir, false);
    }

    private static Loaded load(Path dir, boolean optimizerState) {
        java.util.Objects.requireNonNull(dir, "dir (the model folder)");
        Path abs = null;
        try {
            abs = org.mtlalign.data.SafeWrite.followLinks(dir.toAbsolutePath());
            recoverStale(abs);
        } catch (IOException ignored) {
            // a dangling or looping link: the checks below say so
        }
        // A running training replaces the folder at each checkpoint (DIR moved aside, the new one
        // renamed in): mtl predict then found no model.json (exit 2), or could read model.json and
        // some parameters of one checkpoint and the rest of the next, a model never saved, with
        // exit 0. A read is kept only if the folder is the same one before and after it, and is
        // tried again while a live process's save has the folder aside.
        long deadline = System.nanoTime() + REPLACE_WAIT_NANOS;
        while (true) {
            Object before = abs == null ? null : identity(abs);
            try {
                Loaded l = loadOnce(dir, optimizerState);
                Object after = abs == null ? null : identity(abs);
                // No identity before but one after: the folder came back during the read, which may
                // then span two saves; read again. None on either side: nothing to compare.
                if (before == null ? after == null : before.equals(after)) {
                    return l;
                }
            } catch (UserInputException e) {
                if (abs == null || !replacing(abs) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new UserInputException(dir + ": the model was replaced while it was read, again and again (a "
                        + "training saving to it?); try again, or copy the folder first");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new UserInputException(dir + ": interrupted while waiting for a save to the folder to end");
            }
        }
    }

    /** The folder and its model.json (file identities and times), or null where there is none. */
    private static Object identity(Path abs) {
        try {
            var d = Files.readAttributes(abs, java.nio.file.attribute.BasicFileAttributes.class);
            var j = Files.readAttributes(abs.resolve(MODEL_JSON), java.nio.file.attribute.BasicFileAttributes.class);
            return List.of(String.valueOf(d.fileKey()), String.valueOf(j.fileKey()), j.lastModifiedTime(), j.size());
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether a live process of this host is in the middle of replacing {@code abs} (see save). */
    private static boolean replacing(Path abs) {
        Path parent = abs.getParent();
        if (parent == null || abs.getFileName() == null) {
            return false;
        }
        java.util.regex.Pattern own = leftoverName(abs);
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path p : entries.toList()) {
                java.util.regex.Matcher m = own.matcher(p.getFileName().toString());
                if (m.matches() && org.mtlalign.data.SafeWrite.runningHere(m.group(2), Long.parseLong(m.group(3)))) {
                    return true;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

    private static Loaded loadOnce(Path dir, boolean optimizerState) {
        Path json = dir.resolve(MODEL_JSON);
        if (!Files.isRegularFile(json)) {
            throw new UserInputException(dir + ": not a saved model (no " + MODEL_JSON + ")");
        }
        JsonObject root;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8));
            root = e.getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            String why = e instanceof IOException ? e.getMessage()
                    : "not valid JSON: truncated or edited by hand? (" + (e.getCause() != null
                            ? e.getCause().getClass().getSimpleName() : e.getClass().getSimpleName()) + ")";
            throw new UserInputException(json + ": unreadable model description (" + why + ")");
        }
        try {
            JsonObject arch = root.getAsJsonObject("architecture");
            List<TaskHead> heads = new ArrayList<>();
            for (JsonElement h : arch.getAsJsonArray("heads")) {
                JsonObject o = h.getAsJsonObject();
                heads.add(new TaskHead(o.get("name").getAsString(), Loss.parse(o.get("loss").getAsString()),
                        o.get("outputs").getAsInt()));
            }
            int d = arch.get("d").getAsInt();
            int r = arch.get("r").getAsInt();
            Activation act = Activation.parse(arch.get("activation").getAsString());
            boolean bias = arch.get("bias").getAsBoolean();
            MtlModel m = optimizerState ? new MtlModel(d, r, act, bias, heads) : MtlModel.forPrediction(d, r, act, bias, heads);
            if (arch.get("alignment").getAsBoolean()) {
                m.enableAlignment();
            }
            JsonObject steps = arch.getAsJsonObject("optimizer_steps");
            for (Tensor t : m.parameters()) {
                readInto(dir.resolve(t.name() + ".npy"), t.value(), t.shape());
                if (!optimizerState) {
                    continue;
                }
                readInto(dir.resolve(t.name() + ".adam_m.npy"), t.moment1(), t.shape());
                readInto(dir.resolve(t.name() + ".adam_v.npy"), t.moment2(), t.shape());
                if (steps != null && steps.has(t.name())) {
                    t.setSteps(steps.get(t.name()).getAsInt());
                }
            }
            Map<String, NpyArray> extras = new java.util.LinkedHashMap<>();
            if (arch.has("extras")) {
                for (JsonElement e : arch.getAsJsonArray("extras")) {
                    extras.put(e.getAsString(), Npy.read(dir.resolve(e.getAsString() + ".npy")));
                }
            }
            checkStandardisation(dir, m, extras);
            return new Loaded(m, root, extras);
        } catch (UserInputException e) {
            // Activation.parse and Loss.parse speak of the options (--activation); here the value
            // came from the file.
            String m = e.getMessage();
            throw m.startsWith(dir.toString()) || m.startsWith(json.toString()) ? e
                    : new UserInputException(json + ": malformed model description (" + m.replaceFirst("^--[a-z-]+: ", "")
                            + ")");
        } catch (RuntimeException e) {
            throw new UserInputException(json + ": malformed model description (" + damage(e) + ")");
        }
    }

    /** What a hand-edited or truncated JSON entry did to the reader, in the user's terms. */
    public static String damage(RuntimeException e) {
        if (e instanceof NullPointerException) {
            return "a required entry is missing";
        }
        if (e instanceof NumberFormatException) {
            return "a number is not a number: " + e.getMessage();
        }
        if (e instanceof ClassCastException || e instanceof IllegalStateException
                || e instanceof UnsupportedOperationException) {
            return "an entry has the wrong type";
        }
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }

    /**
     * The saved standardisations are applied as (x - mean) / scale to every row predicted: a
     * short array read past its end (an internal error), and a NaN or a zero scale made every
     * prediction NaN, written with exit 0. The parameters are checked likewise by {@link #readInto}.
     */
    private static void checkStandardisation(Path dir, MtlModel m, Map<String, NpyArray> extras) {
        for (int i = 0; i < m.heads().size(); i++) {
            int c = m.heads().get(i).outputs();
            checkExtra(dir, extras, standardizeMeanKey(i), m.inputDim(), false);
            checkExtra(dir, extras, standardizeScaleKey(i), m.inputDim(), true);
            checkExtra(dir, extras, labelMeanKey(i), c, false);
            checkExtra(dir, extras, labelScaleKey(i), c, true);
        }
    }

    private static void checkExtra(Path dir, Map<String, NpyArray> extras, String key, int n, boolean scale) {
        NpyArray a = extras.get(key);
        if (a == null) {
            return;
        }
        Path f = dir.resolve(key + ".npy");
        if (a.data().length != n || a.shape().length != 1) {
            throw new UserInputException(f + ": shape " + java.util.Arrays.toString(a.shape()) + ", the model expects ["
                    + n + "]; the saved model is damaged");
        }
        float[] v = a.data();
        for (int j = 0; j < v.length; j++) {
            if (!Float.isFinite(v[j]) || (scale && !(v[j] > 0))) {
                throw new UserInputException(f + ": " + v[j] + " at index " + j + (scale ? ", a scale must be positive" : "")
                        + "; the saved model is damaged");
            }
        }
    }

    /** Reads a saved parameter: exactly the shape and dtype we write (float32), finite values. */
    private static void readInto(Path f, float[] dst, int[] shape) {
        NpyArray a = Npy.read(f);
        if (!java.util.Arrays.equals(a.shape(), shape)) {
            throw new UserInputException(f + ": shape " + java.util.Arrays.toString(a.shape()) + ", the model expects "
                    + java.util.Arrays.toString(shape));
        }
        if (!a.dtype().endsWith("f4")) {
            throw new UserInputException(f + ": dtype " + a.dtype() + ", a saved model holds float32 ('<f4')");
        }
        float[] v = a.data();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new UserInputException(f + ": " + v[i] + " at flat index " + i
                        + "; the saved model is damaged (was it saved by a diverged run of an older version?)");
            }
        }
        System.arraycopy(v, 0, dst, 0, v.length);
    }

    /**
     * Deletes {@code p} and everything in it. The shutdown hook runs while the training thread may
     * still be writing a checkpoint into the folder (each file beside its name, then renamed), so
     * entries that vanish during the walk are skipped, and a folder that gained an entry before it
     * could be removed is walked again (a few times; the writer fails once its folder is gone).
     */
    private static void deleteTree(Path p) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                Files.walkFileTree(p, new java.nio.file.SimpleFileVisitor<>() {
                    @Override
                    public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a)
                            throws IOException {
                        Files.deleteIfExists(f);
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }

                    @Override
                    public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                        if (e instanceof java.nio.file.NoSuchFileException) {
                            return java.nio.file.FileVisitResult.CONTINUE;
                        }
                        throw e;
                    }

                    @Override
                    public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                        if (e != null && !(e instanceof java.nio.file.NoSuchFileException)) {
                            throw e;
                        }
                        Files.deleteIfExists(d);
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                });
                return;
            } catch (java.nio.file.DirectoryNotEmptyException | java.nio.file.NoSuchFileException e) {
                if (attempt >= 50) {
                    throw e;
                }
            }
        }
    }

    static void deleteQuietly(Path p) {
        try {
            if (Files.exists(p)) {
                deleteTree(p);
            }
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // Best effort: a leftover temporary directory is harmless and clearly named (the next
            // save or load of the model removes it once this process has ended).
        }
    }

    /**
     * Standard JSON text of {@code tree}: NaN and infinities (an undefined metric, an empty
     * split) become null, since bare NaN is not JSON and strict parsers (JavaScript's
     * JSON.parse, jq) reject the whole file.
     */
    public static String toJson(JsonElement tree) {
        return GSON.toJson(withoutNonFinite(tree)) + "\n";
    }

    private static JsonElement withoutNonFinite(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return com.google.gson.JsonNull.INSTANCE;
        }
        if (e.isJsonPrimitive()) {
            com.google.gson.JsonPrimitive p = e.getAsJsonPrimitive();
            if (p.isNumber()) {
                double v = p.getAsDouble();
                if (Double.isNaN(v) || Double.isInfinite(v)) {
                    return com.google.gson.JsonNull.INSTANCE;
                }
            }
            return p;
        }
        if (e.isJsonArray()) {
            JsonArray out = new JsonArray();
            for (JsonElement x : e.getAsJsonArray()) {
                out.add(withoutNonFinite(x));
            }
            return out;
        }
        JsonObject out = new JsonObject();
        for (Map.Entry<String, JsonElement> en : e.getAsJsonObject().entrySet()) {
            out.add(en.getKey(), withoutNonFinite(en.getValue()));
        }
        return out;
    }

    public static Gson gson() {
        return GSON;
    }
}
