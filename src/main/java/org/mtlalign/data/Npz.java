package org.mtlalign.data;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.mtlalign.UserInputException;

/**
 * numpy's {@code .npz} archives ({@code np.savez}, {@code np.savez_compressed}): a zip file with one
 * {@code NAME.npy} entry per array, stored or deflated. Each entry is read by {@link Npy}, so every
 * dtype and check of a {@code .npy} file applies; errors name the entry as {@code FILE[NAME]}.
 */
public final class Npz {
    private Npz() {
    }

    /** The names of the archive's arrays in archive order (its {@code .npy} entries, without the extension). */
    public static List<String> names(Path file) {
        try (ZipFile zip = open(file)) {
            return names(zip);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /**
     * Reads the array {@code name}; {@code labels} also accepts string arrays, as
     * {@link Npy#readLabels} does.
     *
     * @throws UserInputException if the file is not a readable zip archive, has no such array, or the
     *     array is not a valid {@code .npy}
     */
    public static NpyArray read(Path file, String name, boolean labels) {
        try (ZipFile zip = open(file)) {
            ZipEntry e = zip.getEntry(name + ".npy");
            if (e == null || e.isDirectory()) {
                throw new UserInputException(file + ": no array named '" + name + "' (it holds " + listing(names(zip))
                        + ")");
            }
            String where = file + "[" + name + "]";
            checkDirectorySizes(where, e);
            // ZipFile checks no CRC-32 (numpy does): a flipped bit would load as a wrong number.
            // The entry is checked as it streams through the .npy reader, and once more when the
            // reader refuses it, so that damage is reported as damage, not as the .npy error it
            // happened to cause.
            try (CheckedInputStream in = new CheckedInputStream(zip.getInputStream(e), new CRC32())) {
                NpyArray a;
                try {
                    // The central directory's size: the .npy reader then finds truncation and extra
                    // bytes as it does for a file.
                    a = Npy.read(where, Channels.newChannel(in), e.getSize(), labels);
                } catch (UserInputException bad) {
                    if (e.getCrc() >= 0 && drainedCrc(in) != e.getCrc()) {
                        throw damaged(where, bad);
                    }
                    throw bad;
                }
                if (e.getCrc() >= 0 && drainedCrc(in) != e.getCrc()) {
                    throw damaged(where, null);
                }
                return a;
            } catch (ZipException z) {
                throw damaged(where, z);
            }
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /**
     * Which arrays of a task archive are X and y: those named X (or x) and y (or Y), as
     * {@code np.savez(f, X=X, y=y)} writes them; or, from {@code np.savez(f, X, y)} and without
     * such names, arr_0 and arr_1, in that order. Other arrays are left alone.
     *
     * @return {X name, y name}
     * @throws UserInputException if either is missing or ambiguous, listing what the archive holds
     */
    public static String[] taskArrays(Path file) {
        List<String> names = names(file);
        boolean named = names.contains("X") || names.contains("x") || names.contains("y") || names.contains("Y");
        if (!named && names.contains("arr_0") && names.contains("arr_1")) {
            return new String[] {"arr_0", "arr_1"};
        }
        String hint = "save a task as np.savez(FILE, X=X, y=y)";
        String x = pick(file, names, hint, "X", "x");
        String y = pick(file, names, hint, "y", "Y");
        return new String[] {x, y};
    }

    /**
     * The array a file holding one role (X, or labels) stands for: its only array, else the one
     * named as {@code preferred} says.
     */
    public static String arrayFor(Path file, String... preferred) {
        List<String> names = names(file);
        if (names.size() == 1) {
            return names.get(0);
        }
        return pick(file, names, "save it alone (np.save) or as np.savez(FILE, " + preferred[0] + "=...)", preferred);
    }

    private static String pick(Path file, List<String> names, String hint, String... candidates) {
        List<String> found = new ArrayList<>();
        for (String c : candidates) {
            if (names.contains(c)) {
                found.add(c);
            }
        }
        String wanted = String.join(" or ", candidates);
        if (found.size() > 1) {
            throw new UserInputException(file + ": arrays " + String.join(" and ", found) + " could each be "
                    + candidates[0] + "; keep one");
        }
        if (found.isEmpty()) {
            throw new UserInputException(file + ": no array named " + wanted + " (it holds " + listing(names)
                    + "; " + hint + ")");
        }
        return found.get(0);
    }

    /**
     * zlib's bound: deflate expands its data at most 1032-fold. The .npy reader sizes its array by
     * the header and checks it against the directory's size before it allocates; a directory whose
     * size field was damaged (a 1 KB archive claiming 1.6 GB) had it allocate that much, and the
     * user read "out of memory: give the JVM more", or after minutes "truncated".
     */
    private static final long MAX_DEFLATE_RATIO = 1032;

    /** Refuses an entry whose recorded size its compressed bytes cannot hold: the archive is damaged. */
    private static void checkDirectorySizes(String where, ZipEntry e) {
        long size = e.getSize();
        long csize = e.getCompressedSize();
        if (size < 0 || csize < 0) {
            return;
        }
        boolean stored = e.getMethod() == ZipEntry.STORED;
        if (stored ? size != csize : size > csize * MAX_DEFLATE_RATIO + 1024) {
            throw new UserInputException(where + ": the archive is damaged (its directory says the array takes " + size
                    + " bytes, " + (stored ? "stored uncompressed in " + csize : "compressed into " + csize
                            + ", more than deflate expands to") + "); write the .npz again");
        }
    }

    /** The CRC-32 of the whole entry: what is left of it is read first. */
    private static long drainedCrc(CheckedInputStream in) throws IOException {
        byte[] buf = new byte[1 << 16];
        while (in.read(buf) >= 0) {
            // only the checksum is wanted
        }
        return in.getChecksum().getValue();
    }

    private static UserInputException damaged(String where, Exception cause) {
        return new UserInputException(where + ": the archive is damaged (" + (cause instanceof ZipException z
                ? Npy.describe(z) : "its data does not match the CRC-32 the archive records") + "); write the .npz again",
                cause);
    }

    private static ZipFile open(Path file) {
        if (Files.isDirectory(file)) {
            throw new UserInputException(file + ": is a directory, not a .npz file");
        }
        if (!Files.isRegularFile(file)) {
            // ZipFile needs random access (the central directory is at the end): a FIFO cannot be one.
            throw new UserInputException(file + (Files.exists(file) ? ": not a regular file (a .npz archive is read "
                    + "from its end, so it cannot come through a pipe)" : ": no such file"));
        }
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            if (m.contains("bad compression method")) {
                // Java's zip reads stored and deflated entries only; Python's zipfile also writes bzip2 and lzma.
                throw new UserInputException(file + ": its arrays are compressed with a method other than deflate "
                        + "(such as bzip2 or lzma, which Python's zipfile can write); save it with np.savez or "
                        + "np.savez_compressed", e);
            }
            throw new UserInputException(file + ": not a valid .npz archive (a zip file of .npy arrays, as np.savez "
                    + "writes): " + Npy.describe(e), e);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static List<String> names(ZipFile zip) {
        List<String> names = new ArrayList<>();
        Enumeration<? extends ZipEntry> en = zip.entries();
        while (en.hasMoreElements()) {
            ZipEntry e = en.nextElement();
            if (!e.isDirectory() && e.getName().endsWith(".npy")) {
                names.add(e.getName().substring(0, e.getName().length() - 4));
            }
        }
        return names;
    }

    private static String listing(List<String> names) {
        if (names.isEmpty()) {
            return "no .npy arrays";
        }
        int shown = 10;
        String more = names.size() > shown ? " and " + (names.size() - shown) + " more" : "";
        return String.join(", ", names.subList(0, Math.min(shown, names.size()))) + more;
    }

    private static UserInputException unreadable(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new UserInputException(file + ": no such file", e);
        }
        if (e instanceof AccessDeniedException) {
            return new UserInputException(file + ": permission denied", e);
        }
        return new UserInputException(file + ": cannot read: " + Npy.describe(e), e);
    }
}
