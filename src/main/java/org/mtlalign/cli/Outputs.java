package org.mtlalign.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.time.Instant;
import org.mtlalign.UserInputException;
import org.mtlalign.Version;
import org.mtlalign.backend.Backend;

/** Writing results: atomically, with provenance. */
final class Outputs {
    private Outputs() {
    }

    /**
     * Whether a --json target is standard output: "-", or a name of this process's standard output
     * ({@code /dev/stdout}, {@code /dev/fd/1}, {@code /proc/self/fd/1}, the spellings scripts use
     * where a tool has no "-"). The JSON then goes to standard output alone and the tables to
     * standard error; before, {@code --json /dev/stdout} wrote the JSON after the tables on the one
     * stream, and {@code mtl ... --json /dev/stdout | python3 -c 'json.load(sys.stdin)'} failed.
     */
    static boolean isStdout(Path file) {
        if (file == null) {
            return false;
        }
        String s = file.toString();
        return s.equals("-") || STDOUT_NAMES.contains(s);
    }

    private static final java.util.Set<String> STDOUT_NAMES = java.util.Set.of("/dev/stdout", "/dev/fd/1",
            "/proc/self/fd/1");

    /**
     * Standard output's writer, which also reaches its bytes: text in the locale's charset turned
     * a class named 'été' into '?t?' under LANG=C, and CSV on standard output is data, UTF-8 as in
     * its file.
     */
    static final class StdoutWriter extends PrintWriter {
        private final java.io.OutputStream bytes;

        StdoutWriter(java.io.OutputStream bytes) {
            super(bytes, true);
            this.bytes = bytes;
        }
    }

    /**
     * Prints {@code text} on {@code w}, as UTF-8 where {@code w} is standard output's writer, and
     * says whether all of it was written. A failed write is not thrown: a reader that stops early
     * (| head) is no error, and a full disk is reported once, as the run ends (Main.stdoutChecked).
     */
    static boolean printUtf8(PrintWriter w, String text) {
        w.flush();
        if (w instanceof StdoutWriter s) {
            try {
                s.bytes.write(text.getBytes(StandardCharsets.UTF_8));
                s.bytes.flush();
                // A PrintStream (the CLI's) keeps its write errors to itself.
                return !(s.bytes instanceof java.io.PrintStream ps && ps.checkError());
            } catch (IOException e) {
                return false;
            }
        }
        w.print(text);
        w.flush();
        return !w.checkError();
    }

    /**
     * Writes a command's JSON: to {@code stdout} alone when the target is "-" (so that a script
     * can parse the whole of standard output), else atomically to the file, saying so on {@code msg}.
     */
    static void writeJson(Path file, String text, PrintWriter stdout, PrintWriter msg, String suffix) {
        if (isStdout(file)) {
            // ASCII only, non-ASCII characters as \\uXXXX escapes (the same JSON): standard output
            // is encoded in the locale's charset, and under LANG=C (containers, cron, CI) the JVM
            // wrote a task or class named 'ünï' as '?n?', while a --json file is always UTF-8.
            text = asciiOnly(text);
            stdout.print(text.endsWith("\n") ? text : text + "\n");
            stdout.flush();
            return;
        }
        writeAtomically(file, text, "--json");
        msg.println("wrote " + file + suffix);
    }

    /**
     * JSON text with every character outside ASCII written as a JSON escape (a character beyond
     * the BMP as its two UTF-16 escapes), so that it reads the same in any charset; outside
     * strings JSON has ASCII only, so only string contents change, and only in form.
     */
    static String asciiOnly(String json) {
        StringBuilder b = null;
        for (int i = 0; i < json.length(); i++) {
            char ch = json.charAt(i);
            if (ch < 0x80) {
                if (b != null) {
                    b.append(ch);
                }
                continue;
            }
            if (b == null) {
                b = new StringBuilder(json.length() + 16).append(json, 0, i);
            }
            b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) ch));
        }
        return b == null ? json : b.toString();
    }

    /**
     * Fails early (before any work) when {@code file} cannot be an output file: an empty name, a
     * directory, a path under a file, or a folder in which nothing can be created.
     */
    static void checkTarget(Path file, String option) {
        if (file.toString().isEmpty()) {
            throw new UserInputException(option + ": empty file name");
        }
        String why = org.mtlalign.data.SafeWrite.whyNotWritable(file);
        if (why != null) {
            throw new UserInputException(option + " " + file + ": " + why);
        }
    }

    /**
     * Refuses an output that would overwrite one of this run's inputs (a file, or anything
     * inside an input folder): results must never replace the data they came from.
     */
    static void checkNotInput(Path file, String option, List<Path> inputs) {
        Path target;
        try {
            target = org.mtlalign.data.SafeWrite.followLinks(file.toAbsolutePath()).normalize();
        } catch (IOException e) {
            return; // checkTarget reports unusable paths
        }
        for (Path in : inputs) {
            try {
                Path real = in.toAbsolutePath().normalize();
                if (java.nio.file.Files.exists(real)) {
                    real = real.toRealPath();
                }
                boolean same = java.nio.file.Files.exists(target) && java.nio.file.Files.exists(real)
                        && java.nio.file.Files.isSameFile(target, real);
                if (same || (java.nio.file.Files.isDirectory(real) && target.startsWith(real))) {
                    throw new UserInputException(option + " " + file + ": is "
                            + (same ? "an input file" : "inside the input folder " + in) + " of this run; write it elsewhere");
                }
            } catch (IOException e) {
                // an input that cannot be resolved cannot be overwritten through this path either
            }
        }
    }

    /**
     * A note for a run of many trainings stopped from outside (Ctrl-C, SIGTERM) before its results
     * are written: how far it got and that nothing was saved. Without it, a sweep or pairs run
     * killed after 13 of 21 trainings ended on a progress line, and a batch log could not tell
     * an interruption from a crash, nor say whether --json had been written. Registered as a
     * shutdown hook until {@link #endInterruptedNote} removes it, once the trainings have ended.
     */
    static Thread interruptedNote(PrintWriter e, int[] done, int total, Path json) {
        return interruptedNote(e, done, total, json, "trainings");
    }

    /** {@link #interruptedNote(PrintWriter, int[], int, Path)} counting {@code units} (trainings, seeds). */
    static Thread interruptedNote(PrintWriter e, int[] done, int total, Path json, String units) {
        String pending = pendingJson(json, "all have ended");
        boolean kept = json != null && !isStdout(json) && java.nio.file.Files.isRegularFile(json);
        return onInterrupt(() -> {
            // Printed holding done, after which no progress line is printed (see stopped): the
            // other workers' trainings ending meanwhile printed '[28/63]' after a note of 26.
            synchronized (done) {
                STOPPED.add(done);
                int n = done[0];
                e.println();
                // All ended: the note stays until --json is written (see keepNoteForJson).
                e.println(n < total ? "mtl: interrupted after " + n + " of " + total + " " + units
                        + "; their results were not saved" + pending
                        : "mtl: interrupted after all " + total + " " + units + ", before --json " + json + " was written"
                                + (kept ? " (it keeps its earlier contents)" : ""));
                e.flush();
            }
        });
    }

    // The counters of runs whose interruption note has printed: trainings still running then end
    // without a progress line, so the note is the run's last word and its count stays true.
    private static final java.util.Set<int[]> STOPPED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Whether the interruption note counting {@code done} has been printed: progress lines are no
     * longer printed. Asked holding {@code done}, as the note prints.
     */
    static boolean stopped(int[] done) {
        return STOPPED.contains(done);
    }

    /**
     * The note of a run stopped after its trainings, before --json FILE is written (the tables
     * being printed): mtl train exited 130 or 143 there without a word. {@code saved}: what else
     * is on disk, appended. Null (no note) without a --json file. Ended by {@link
     * #endInterruptedNote} once the file is written, or by {@link #endAllNotes}.
     */
    static Thread jsonPendingNote(PrintWriter e, Path json, String saved) {
        if (json == null || isStdout(json)) {
            return null;
        }
        boolean kept = java.nio.file.Files.isRegularFile(json);
        return onInterrupt(() -> {
            e.println();
            e.println("mtl: interrupted after the trainings, before --json " + json + " was written"
                    + (kept ? " (it keeps its earlier contents)" : "") + saved);
            e.flush();
        });
    }

    /**
     * Ends the note of {@link #interruptedNote} when its trainings have ended, unless a --json
     * file is still to be written: a run stopped between its last training and that write (the
     * tables being printed) exited 130 without a word, the file not written. Such a note is ended
     * once the file is written ({@link #endInterruptedNote}), or by {@link #endAllNotes}.
     */
    static void keepNoteForJson(Thread note, Path json) {
        if (json == null || isStdout(json)) {
            endInterruptedNote(note);
        }
    }

    /**
     * Runs {@code note} if the JVM is stopped from outside (Ctrl-C, SIGTERM) before
     * {@link #endInterruptedNote}: such a run otherwise ends on a progress line, which a batch log
     * cannot tell from a crash. The note says what is on disk.
     */
    static Thread onInterrupt(Runnable note) {
        Thread t = new Thread(note, "mtl-interrupted-note");
        Runtime.getRuntime().addShutdownHook(t);
        NOTES.add(t);
        return t;
    }

    private static final java.util.Set<Thread> NOTES = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Ends every note still registered: the command has returned or failed, nothing is pending. */
    static void endAllNotes() {
        NOTES.forEach(Outputs::endInterruptedNote);
    }

    /**
     * " (--json FILE is written when WHEN; it keeps its earlier contents)" for an interruption note,
     * the last part where FILE exists now; "" without --json or with --json - (nothing on disk).
     * Taken before the run, while FILE still holds what it held.
     */
    static String pendingJson(Path json, String when) {
        if (json == null || isStdout(json)) {
            return "";
        }
        return " (--json " + json + " is written when " + when
                + (java.nio.file.Files.isRegularFile(json) ? "; it keeps its earlier contents" : "") + ")";
    }

    /** Removes the note of {@link #onInterrupt} (null: none): the run has ended on its own. */
    static void endInterruptedNote(Thread note) {
        if (note == null) {
            return;
        }
        NOTES.remove(note);
        try {
            Runtime.getRuntime().removeShutdownHook(note);
        } catch (IllegalStateException shuttingDown) {
            // The note is running or about to: it says what is on disk.
        }
    }

    /**
     * The folders among {@code dir} and its ancestors that do not exist yet, deepest first: those
     * a command that writes into {@code dir} creates. Taken before it writes, so that
     * {@link #removeEmptyFolders} can remove them again if it fails.
     */
    static List<Path> missingFolders(Path dir) {
        List<Path> missing = new java.util.ArrayList<>();
        for (Path p = dir.toAbsolutePath().normalize(); p != null
                && !java.nio.file.Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.add(p);
        }
        return missing;
    }

    /**
     * After a command failed, removes the folders of {@link #missingFolders} (taken before it
     * wrote) that are still empty, deepest first: a full disk left a new, empty --out folder
     * behind. A folder that holds anything stops it (deleting a non-empty folder fails, so
     * nothing is lost even if another process writes there meanwhile), and a folder that
     * existed before is never in the list.
     */
    static void removeEmptyFolders(List<Path> folders) {
        for (Path p : folders) {
            if (!java.nio.file.Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;  // never made, or something else is there now
            }
            try {
                java.nio.file.Files.delete(p);
            } catch (IOException e) {
                return;  // not empty (or not ours to remove): its parents are not empty either
            }
        }
    }

    /** Writes text completely or not at all, following links and sparing devices (see SafeWrite). */
    static void writeAtomically(Path file, String text, String option) {
        try {
            org.mtlalign.data.SafeWrite.write(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new UserInputException(option + " " + file + ": cannot write (" + why + ")");
        }
    }

    /**
     * Peak heap use of this JVM so far: the sum over heap pools of each pool's peak (an upper
     * bound of the true simultaneous peak, since pools peak at different times).
     */
    static long peakHeapBytes() {
        long sum = 0;
        for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /**
     * ISO 8601 in UTC with microseconds and an explicit offset, 2026-11-30T21:30:31.975201+00:00:
     * Python's datetime.fromisoformat reads it from 3.7 on (Instant's own form, a Z and up to nine
     * fraction digits, only from 3.11), as do pandas and JavaScript's Date.
     */
    static String created(Instant t) {
        return CREATED.format(t.truncatedTo(java.time.temporal.ChronoUnit.MICROS));
    }

    private static final java.time.format.DateTimeFormatter CREATED = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'+00:00'", java.util.Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

    /** Version, backend, runtime, time and peak heap of a result. */
    static JsonObject provenance(Backend backend, String[] commandLine) {
        JsonObject p = new JsonObject();
        p.addProperty("library", "mtl-align");
        p.addProperty("version", Version.get());
        p.addProperty("backend", backend.name());
        p.addProperty("backend_detail", backend.description());
        p.addProperty("java", Runtime.version().toString());
        p.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        p.addProperty("created", created(Instant.now()));
        p.addProperty("peak_heap_mib", Math.round(peakHeapBytes() / 1048576.0 * 10) / 10.0);
        p.addProperty("max_heap_mib", Math.round(Runtime.getRuntime().maxMemory() / 1048576.0 * 10) / 10.0);
        if (commandLine != null) {
            com.google.gson.JsonArray a = new com.google.gson.JsonArray();
            for (String s : commandLine) {
                a.add(s);
            }
            p.add("command_line", a);
        }
        return p;
    }
}
