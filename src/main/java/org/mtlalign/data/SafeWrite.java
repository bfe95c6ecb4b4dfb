package org.mtlalign.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one way every output file is written: complete or not at all, and without destroying
 * what the path names.
 *
 * <ul>
 *   <li>A regular (or new) file is written to a temporary sibling, flushed to disk and renamed
 *       over the target, so a crash or a full disk never leaves a half-written file and the old
 *       contents survive until the new ones are complete; the folder is then flushed too, so the
 *       rename survives a power loss (see {@link #syncFolder}).</li>
 *   <li>A symbolic link is followed: its target is written, the link stays a link.</li>
 *   <li>Anything else that exists (a FIFO, {@code /dev/stdout}, {@code /dev/null}, a device), and
 *       any path under /dev or /proc, is appended to in place, since renaming over it would
 *       replace the device node itself.</li>
 *   <li>A directory is an error.</li>
 * </ul>
 */
public final class SafeWrite {
    private static final int MAX_LINKS = 40;

    private SafeWrite() {
    }

    /** Writes the bytes to a channel. */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel ch) throws IOException;
    }

    /** Writes {@code bytes} to {@code file} as described in the class comment. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    /** Runs {@code body} on a channel whose contents end up in {@code file}. */
    public static void write(Path file, Body body) throws IOException {
        Path abs = file.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new IOException("is a directory");
        }
        int fd = standardStream(abs);
        if (fd > 0) {
            // The process's own stdout/stderr: write through its descriptor (shared offset),
            // after what was printed so far; a fresh open would start at offset 0 and overwrite.
            java.io.PrintStream ps = fd == 1 ? System.out : System.err;
            ps.flush();
            @SuppressWarnings("resource") // closing it would close the process's descriptor
            java.io.FileOutputStream fos = new java.io.FileOutputStream(
                    fd == 1 ? java.io.FileDescriptor.out : java.io.FileDescriptor.err);
            body.write(fos.getChannel());
            fos.flush();
            return;
        }
        Path target;
        if (Files.exists(abs)) {
            // /dev/stdout and the like lead through /proc/self/fd to pipes and terminals whose
            // "link targets" are not paths: let the kernel follow them and write in place.
            boolean special = !Files.isRegularFile(abs) || abs.startsWith("/dev") || abs.startsWith("/proc")
                    || abs.toRealPath().startsWith("/proc");
            if (special) {
                // Appending: /dev/stdout redirected to a file shares it with what was printed.
                try (FileChannel ch = FileChannel.open(abs, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                    body.write(ch);
                }
                return;
            }
            target = abs.toRealPath();
        } else {
            target = followLinks(abs);
        }
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = createTemp(dir, target.getFileName().toString());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                body.write(ch);
                // Durable before it becomes visible, so a crash cannot leave an empty file under
                // the final name.
                ch.force(false);
            }
            rename(tmp, target);
            forget(tmp);
            tmp = null;
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);  // best effort: the original error is the one worth reporting
            }
        }
        if (!SYNCED_BY_CALLER.contains(dir.toAbsolutePath().normalize())) {
            syncFolder(dir);  // the rename made durable too
        }
    }

    /**
     * Writes files that belong together (a report's CSV, figure and text; mtl svd's U, S and V) so
     * that a failure or a kill while writing leaves the earlier set whole: each regular (or new)
     * target is written completely to a temporary sibling first, then all are renamed over their
     * targets. A symbolic link whose target's folder exists is part of the set (its target is
     * replaced, the link stays). Written with {@link #write} after the renames instead: targets
     * written in place (FIFOs, devices), and links into a folder that does not exist yet, which
     * may be one of the set's own files (V.npy -> U.npy/V.npy): preparing those first created
     * U.npy as a folder, and the rename of U then failed naming neither V.npy nor the link. If a
     * rename, or a write after the renames, fails, the files this call created are removed again
     * and those it replaced are put back (from a hard link made before each rename; on a file
     * system without hard links they stay replaced). A kill or power loss between two renames (a
     * moment of metadata operations) can still leave new and earlier files side by side: the next
     * write of the set replaces them all. Every error names the file it concerns.
     */
    public static void writeTogether(Path[] files, byte[][] contents) throws IOException {
        Body[] bodies = new Body[contents.length];
        for (int i = 0; i < contents.length; i++) {
            byte[] c = contents[i];
            bodies[i] = ch -> writeFully(ch, ByteBuffer.wrap(c));
        }
        writeTogether(files, bodies);
    }

    /** {@link #writeTogether(Path[], byte[][])} with each file's contents written by its body. */
    public static void writeTogether(Path[] files, Body[] bodies) throws IOException {
        if (files.length != bodies.length) {
            throw new IllegalArgumentException(files.length + " files but " + bodies.length + " contents");
        }
        Path[] targets = new Path[files.length];  // set members, renamed from temps[i]
        Path[] temps = new Path[files.length];
        // Hard links to the files a rename replaced, to put them back if a later step fails.
        Path[] backups = new Path[files.length];
        boolean[] renamed = new boolean[files.length];
        java.util.List<Path> created = new java.util.ArrayList<>();
        boolean done = false;
        int i = 0;
        try {
            for (; i < files.length; i++) {
                Path abs = files[i].toAbsolutePath();
                if (Files.isDirectory(abs)) {
                    throw new IOException("is a directory");
                }
                if (Files.exists(abs) && (!Files.isRegularFile(abs) || standardStream(abs) > 0 || abs.startsWith("/dev")
                        || abs.startsWith("/proc") || abs.toRealPath().startsWith("/proc"))) {
                    continue;  // in place, after the renames
                }
                Path target = Files.exists(abs) ? abs.toRealPath() : followLinks(abs);
                Path dir = target.getParent();
                if (Files.isSymbolicLink(abs) && !Files.isDirectory(dir)) {
                    continue;  // its folder is made after the renames, when the set's own files exist
                }
                targets[i] = target;
                Files.createDirectories(dir);
                temps[i] = createTemp(dir, target.getFileName().toString());
                try (FileChannel ch = FileChannel.open(temps[i], StandardOpenOption.WRITE)) {
                    bodies[i].write(ch);
                    ch.force(false);
                }
            }
            for (i = 0; i < files.length; i++) {
                if (temps[i] != null) {
                    boolean existed = Files.exists(targets[i], LinkOption.NOFOLLOW_LINKS);
                    if (existed) {
                        backups[i] = backup(targets[i]);
                    }
                    rename(temps[i], targets[i]);
                    renamed[i] = true;
                    forget(temps[i]);
                    temps[i] = null;
                    if (!existed) {
                        created.add(targets[i]);
                    }
                }
            }
            // The renames made durable (each file was before its rename), once per folder.
            java.util.Set<Path> folders = new java.util.LinkedHashSet<>();
            for (Path t : targets) {
                if (t != null) {
                    folders.add(t.getParent());
                }
            }
            folders.forEach(SafeWrite::syncFolder);
            for (i = 0; i < files.length; i++) {
                if (targets[i] == null) {
                    // A link into a missing folder makes a new file: removed again, as the renamed
                    // new files are, if a later write fails (devices and FIFOs exist already).
                    Path reached = Files.exists(files[i]) ? null : followLinks(files[i]);
                    write(files[i], bodies[i]);
                    if (reached != null) {
                        created.add(reached);
                    }
                }
            }
            done = true;
        } catch (IOException e) {
            // Named as the files the caller asked for: a temporary sibling (".U.npy.1f3a.tmp", removed
            // below) in the message named a path the user never gave.
            String why = withoutTempNames(Npy.describe(e));
            throw new IOException(files[Math.min(i, files.length - 1)] + ": " + why, e);
        } finally {
            for (Path t : temps) {
                if (t != null) {
                    deleteQuietly(t);
                }
            }
            if (!done) {
                for (Path c : created) {
                    deleteQuietly(c);
                }
            }
            for (int j = 0; j < files.length; j++) {
                if (backups[j] != null) {
                    if (!done && renamed[j]) {
                        putBack(backups[j], targets[j]);
                    } else {
                        deleteQuietly(backups[j]);
                    }
                }
            }
        }
    }

    /** A hard link to {@code target} beside it, named as a temporary file; null where the file system has none. */
    private static Path backup(Path target) {
        Path b = target.resolveSibling("." + target.getFileName() + "." + OWNER + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        PENDING.add(b);
        try {
            Files.createLink(b, target);
            return b;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            PENDING.remove(b);
            return null;  // the set is still written; only a failure part-way cannot be undone
        }
    }

    /** The replaced file back under its name, durably; best effort: the write's error is the one to report. */
    private static void putBack(Path backup, Path target) {
        try {
            rename(backup, target);
            forget(backup);
            syncFolder(target.getParent());
        } catch (IOException e) {
            deleteQuietly(backup);
        }
    }

    // Folders whose entries the caller makes durable itself, once, after writing many files into
    // them (ModelIO's temporary model folder): write skips its folder sync there.
    private static final java.util.Set<Path> SYNCED_BY_CALLER = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Says that the caller will {@link #syncFolder} {@code dir} itself after writing files into it,
     * so that {@link #write} does not sync it after every file (a saved model has dozens).
     */
    public static void syncLater(Path dir) {
        SYNCED_BY_CALLER.add(dir.toAbsolutePath().normalize());
    }

    /**
     * Makes the entries of {@code dir} (the renames and creations in it) durable, as fsync on the
     * folder does on Linux: without it a power loss soon after a rename can bring back the old
     * file, or none. Ends a {@link #syncLater}. File systems that refuse to sync a folder, and
     * platforms that cannot open one (Windows), are ignored: the rename itself has happened.
     */
    public static void syncFolder(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        SYNCED_BY_CALLER.remove(abs);
        try (FileChannel ch = FileChannel.open(abs, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not supported here: nothing more can be done
        }
    }

    /** 1 or 2 when {@code p} names this process's stdout or stderr, else 0. */
    private static int standardStream(Path p) {
        for (int fd = 1; fd <= 2; fd++) {
            String[] names = {fd == 1 ? "/dev/stdout" : "/dev/stderr", "/dev/fd/" + fd, "/proc/self/fd/" + fd};
            for (String n : names) {
                if (p.equals(Path.of(n))) {
                    return fd;
                }
            }
        }
        return 0;
    }

    /**
     * Why {@link #write} to {@code file} would fail, found without writing it, or null if it
     * should work: so that a long run can refuse an unusable output path before it starts rather
     * than after. A missing parent is fine when its nearest existing ancestor is a directory in
     * which a file can be created (write creates the rest); that is tried with a temporary file,
     * which is removed again.
     */
    public static String whyNotWritable(Path file) {
        try {
            Path given = file.toAbsolutePath();
            // As write() decides: the process's own streams, and anything that exists and is not a
            // regular file or lies under /dev or /proc (pipes, sockets, /dev/stdout through
            // /proc/self/fd), are written in place; their link targets need not be paths at all.
            boolean exists = Files.exists(given);  // follows links the way the kernel does
            if (standardStream(given) > 0 || (exists && !Files.isRegularFile(given) && !Files.isDirectory(given))
                    || (exists && (given.startsWith("/dev") || given.startsWith("/proc")))) {
                return null;
            }
            Path abs = followLinks(given);
            if (Files.isDirectory(abs)) {
                return "is a directory; give a file name";
            }
            if (Files.exists(abs) && !Files.isRegularFile(abs)) {
                return null;
            }
            return whyNoFilesIn(abs.getParent());
        } catch (IOException e) {
            return reason(e);
        }
    }

    /**
     * Why no file could be created in {@code dir} (created first if missing, as write does), or
     * null: its nearest existing ancestor must be a folder where a temporary file can be made.
     */
    public static String whyNoFilesIn(Path dir) {
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        if (dir == null) {
            return "no existing folder above it";
        }
        if (!Files.isDirectory(dir)) {
            return dir + " is a file, not a folder";
        }
        try {
            Path probe = createTemp(dir, ".mtl-write-check");
            try {
                Files.delete(probe);
            } finally {
                forget(probe);
            }
        } catch (IOException e) {
            return "cannot create files in " + dir + " (" + reason(e) + ")";
        }
        return null;
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The path a write to {@code p} reaches: symbolic links (also dangling ones) followed. */
    public static Path followLinks(Path p) throws IOException {
        Path cur = p.toAbsolutePath();
        for (int i = 0; i < MAX_LINKS && Files.isSymbolicLink(cur); i++) {
            Path next = Files.readSymbolicLink(cur);
            cur = cur.resolveSibling(next).normalize();
        }
        if (Files.isSymbolicLink(cur)) {
            throw new IOException("too many levels of symbolic links");
        }
        return cur;
    }

    /**
     * A temporary sibling's path as {@link #createTemp} names it, (folder/).NAME.HOST-PID-HEX.tmp,
     * or as earlier versions did, (folder/).NAME.HEX.tmp.
     */
    private static final java.util.regex.Pattern TEMP_NAME = java.util.regex.Pattern.compile(
            "(/?(?:[^\\s:]*/)?)\\.([^/\\s]+)\\.(?:[A-Za-z0-9_]+-\\d+-)?[0-9a-f]{1,16}\\.tmp\\b");

    /** {@code text} with each temporary sibling's path replaced by the path of the file it stands for. */
    static String withoutTempNames(String text) {
        return TEMP_NAME.matcher(text).replaceAll("$1$2");
    }

    /**
     * Creates an empty temporary file next to the target. Not {@code Files.createTempFile}: that
     * creates mode 0600, which the final file would inherit; CREATE_NEW honours the umask instead.
     */
    private static Path createTemp(Path dir, String name) throws IOException {
        removeStaleTemps(dir, name);
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + OWNER + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong())
                    + ".tmp");
            try {
                PENDING.add(tmp);
                try {
                    Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                } catch (IOException e) {
                    PENDING.remove(tmp);
                    throw e;
                }
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private static final String HOST = hostName();
    // Temporary names carry host and pid, .NAME.HOST-PID-RANDOM.tmp, so that one left by a killed
    // run (kill -9, power loss: no shutdown hook ran) can be told from a live run's and removed.
    private static final String OWNER = HOST + "-" + ProcessHandle.current().pid();

    /** This host's name as temporary and leftover names spell it (letters, digits and '_'). */
    public static String host() {
        return HOST;
    }

    private static String hostName() {
        String h;
        try {
            h = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            h = "localhost";
        }
        String clean = h.replaceAll("[^A-Za-z0-9]", "_");
        return clean.isEmpty() ? "host" : clean;
    }

    /**
     * Whether a leftover named with {@code host} and {@code pid} (temporaries here, a model save's
     * folders in ModelIO) belongs to a run of this host that has ended: only those may be removed;
     * another host's pids say nothing here.
     */
    public static boolean leftByEndedRun(String host, long pid) {
        return host.equals(HOST) && pid != ProcessHandle.current().pid() && !runningHere(host, pid);
    }

    /** Whether {@code pid} of {@code host} is a live process of this host. */
    public static boolean runningHere(String host, long pid) {
        return host.equals(HOST) && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Removes {@code dir}'s temporary files for {@code name} left by runs of this host that are no
     * longer alive: before, a kill during a --json or CSV write left a hidden .NAME.*.tmp that
     * nothing ever removed. Live runs' and other hosts' temporaries are left alone. Best effort.
     */
    static void removeStaleTemps(Path dir, String name) {
        java.util.regex.Pattern own = java.util.regex.Pattern.compile("\\." + java.util.regex.Pattern.quote(name)
                + "\\.([A-Za-z0-9_]+)-(\\d+)-[0-9a-f]+\\.tmp");
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                java.util.regex.Matcher m = own.matcher(p.getFileName().toString());
                if (m.matches() && leftByEndedRun(m.group(1), Long.parseLong(m.group(2)))) {
                    deleteQuietly(p);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // a folder that cannot be listed: the write itself reports what matters
        }
    }

    // Temporary files not yet renamed or removed: a shutdown hook removes them when the run is
    // stopped (Ctrl-C, SIGTERM) while writing, which would otherwise leave hidden .NAME.*.tmp files.
    private static final java.util.Set<Path> PENDING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> PENDING.forEach(SafeWrite::deleteQuietly),
                "mtl-write-cleanup"));
    }

    private static void forget(Path tmp) {
        PENDING.remove(tmp);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the write error is the one to report
        }
        PENDING.remove(p);
    }

    /** Renames {@code tmp} over {@code target}, atomically where the file system can. */
    private static void rename(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
