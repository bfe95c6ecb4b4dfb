package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;

/**
 * numpy .npz archives: the fixtures numpy 2.4 wrote (stored and deflated entries, zip64 headers,
 * named and positional arrays, string labels), archives written here with random contents and odd
 * shapes, and broken ones.
 */
class NpzTest {

    @TempDir
    Path dir;

    private static Path fixture(String name) {
        try {
            return Path.of(NpzTest.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("missing test resource " + name, e);
        }
    }

    @Test
    void namedArraysAsNpSavezWritesThem() {
        Path f = fixture("task_savez.npz");
        assertEquals(List.of("X", "y", "note"), Npz.names(f));
        assertArrayEquals(new String[] {"X", "y"}, Npz.taskArrays(f));
        NpyArray x = Npz.read(f, "X", false);
        assertArrayEquals(new int[] {5, 3}, x.shape());
        for (int i = 0; i < 15; i++) {
            assertEquals((i - 7) / 4f, x.data()[i], 0f, "X[" + i + "]");
        }
        assertArrayEquals(new float[] {0, 1, 1, 0, 1}, Npz.read(f, "y", true).data(), 0f);
        Task t = TaskLoader.fromSpec("a=" + f);
        assertEquals(5, t.rows());
        assertEquals(3, t.dim());
        assertArrayEquals(x.data(), t.x(), 0f);
        assertEquals(f.toString(), t.source());
    }

    @Test
    void positionalArraysOfNpSavezCompressedAreXThenY() {
        Path f = fixture("task_positional_compressed.npz");
        assertArrayEquals(new String[] {"arr_0", "arr_1"}, Npz.taskArrays(f));
        Task t = TaskLoader.fromSpec("p=" + f);
        assertEquals(3, t.rows());
        assertEquals(2, t.dim());
        for (int i = 0; i < 6; i++) {
            assertEquals((float) (i / 3.0), t.x()[i], 0f);
        }
        assertArrayEquals(new float[] {2.5f, -1f, 7f}, t.y(), 0f);
    }

    @Test
    void lowerCaseXCapitalYAndStringLabels() {
        Path f = fixture("task_text_labels.npz");
        Task t = TaskLoader.fromSpec("s=" + f);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.x(), 0f); // big-endian int16
        assertArrayEquals(new String[] {"ham", "spam"}, t.classNames());
        assertArrayEquals(new float[] {1, 0, 1}, t.y(), 0f);
    }

    /** A file read in one role (predict's X, --shared-x, --labels) takes X or y from a task archive. */
    @Test
    void readArrayAndReadLabelsPickTheirRole() {
        Path f = fixture("task_savez.npz");
        assertArrayEquals(new int[] {5, 3}, TaskLoader.readArray(f).shape());
        assertArrayEquals(new float[] {0, 1, 1, 0, 1}, TaskLoader.readLabels(f).data(), 0f);
    }

    /** Fresh random arrays of odd shapes, stored and deflated, come back bit for bit. */
    @Test
    void randomArraysRoundTripStoredAndDeflated() throws IOException {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        for (int method : new int[] {ZipEntry.STORED, ZipEntry.DEFLATED}) {
            int m = 1 + rnd.nextInt(37);
            int d = new int[] {1, 7, 13}[rnd.nextInt(3)];
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
            }
            for (int i = 0; i < m; i++) {
                y[i] = (float) rnd.nextGaussian();
            }
            Path f = dir.resolve("t" + method + ".npz");
            writeArchive(f, method, List.of("X", "y"), List.of(npy(new int[] {m, d}, x), npy(new int[] {m}, y)));
            Task t = TaskLoader.loadArchive("t", f);
            assertArrayEquals(x, t.x(), 0f, "seed=" + seed + " method " + method);
            assertArrayEquals(y, t.y(), 0f, "seed=" + seed + " method " + method);
        }
    }

    @Test
    void missingOrAmbiguousArraysNameWhatTheArchiveHolds() throws IOException {
        Path f = dir.resolve("keras.npz");
        byte[] a = npy(new int[] {2, 2}, new float[] {1, 2, 3, 4});
        byte[] b = npy(new int[] {2}, new float[] {0, 1});
        writeArchive(f, ZipEntry.STORED, List.of("x_train", "y_train"), List.of(a, b));
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.fromSpec("k=" + f));
        assertTrue(e.getMessage().contains("keras.npz: no array named X or x (it holds x_train, y_train"), e.getMessage());

        Path both = dir.resolve("both.npz");
        writeArchive(both, ZipEntry.STORED, List.of("X", "x", "y"), List.of(a, a, b));
        e = assertThrows(UserInputException.class, () -> TaskLoader.fromSpec("k=" + both));
        assertTrue(e.getMessage().contains("arrays X and x could each be X"), e.getMessage());

        e = assertThrows(UserInputException.class, () -> Npz.read(f, "nope", false));
        assertTrue(e.getMessage().contains("no array named 'nope' (it holds x_train, y_train)"), e.getMessage());
    }

    @Test
    void brokenArchivesAreOneLineErrorsNamingTheFile() throws IOException {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        byte[] junk = new byte[1 + rnd.nextInt(500)];
        rnd.nextBytes(junk);
        Path notZip = Files.write(dir.resolve("junk.npz"), junk);
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.fromSpec("j=" + notZip));
        assertTrue(e.getMessage().startsWith(notZip + ": not a valid .npz archive"), "seed=" + seed + ": " + e.getMessage());

        // A download cut short: the central directory at the end is gone.
        byte[] whole = Files.readAllBytes(fixture("task_savez.npz"));
        Path cut = Files.write(dir.resolve("cut.npz"), Arrays.copyOf(whole, 1 + rnd.nextInt(whole.length - 30)));
        e = assertThrows(UserInputException.class, () -> TaskLoader.fromSpec("c=" + cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), "seed=" + seed + ": " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());

        // An entry that is not a whole .npy: the .npy reader's message, naming the entry.
        byte[] x = npy(new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6});
        Path shortEntry = dir.resolve("short.npz");
        writeArchive(shortEntry, ZipEntry.DEFLATED, List.of("X", "y"),
                List.of(Arrays.copyOf(x, x.length - 4), npy(new int[] {3}, new float[] {0, 1, 0})));
        e = assertThrows(UserInputException.class, () -> TaskLoader.fromSpec("s=" + shortEntry));
        assertTrue(e.getMessage().startsWith(shortEntry + "[X]: "), e.getMessage());

        e = assertThrows(UserInputException.class, () -> TaskLoader.fromSpec("m=" + dir.resolve("missing.npz")));
        assertTrue(e.getMessage().endsWith("missing.npz: no such file"), e.getMessage());
    }

    /**
     * An archive whose entries are bzip2- or lzma-compressed (Python's zipfile writes them; numpy
     * reads them) is refused in one line saying so, not with Java's "invalid CEN header (bad
     * compression method: 12)" (found by the input fuzz trial).
     */
    @Test
    void otherCompressionMethodsAreNamed() throws IOException {
        Path f = dir.resolve("bz.npz");
        writeArchive(f, ZipEntry.STORED, List.of("X", "y"),
                List.of(npy(new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6}), npy(new int[] {3}, new float[] {0, 1, 0})));
        byte[] b = Files.readAllBytes(f);
        for (int i = 0; i + 12 < b.length; i++) {
            // The method field of each local (PK 3 4, at +8) and central (PK 1 2, at +10) header: 12 is bzip2.
            if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 3 && b[i + 3] == 4) {
                b[i + 8] = 12;
            } else if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 1 && b[i + 3] == 2) {
                b[i + 10] = 12;
            }
        }
        Files.write(f, b);
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.fromSpec("b=" + f));
        assertEquals(f + ": its arrays are compressed with a method other than deflate (such as bzip2 or lzma, which "
                + "Python's zipfile can write); save it with np.savez or np.savez_compressed", e.getMessage());
    }

    /**
     * A flipped bit in a stored or deflated entry: numpy refuses the file (bad CRC-32), and so do we,
     * saying it is damaged, whichever byte of the data was hit.
     */
    @Test
    void damagedEntriesFailTheirCrc() throws IOException {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int m = 20 + rnd.nextInt(20);
        int d = 3 + rnd.nextInt(5);
        float[] x = new float[m * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        byte[] xb = npy(new int[] {m, d}, x);
        byte[] yb = npy(new int[] {m}, Arrays.copyOf(x, m));
        for (int method : new int[] {ZipEntry.STORED, ZipEntry.DEFLATED}) {
            Path good = dir.resolve("good" + method + ".npz");
            writeArchive(good, method, List.of("X", "y"), List.of(xb, yb));
            assertArrayEquals(x, TaskLoader.loadArchive("g", good).x(), 0f);
            byte[] whole = Files.readAllBytes(good);
            // X's entry starts after a 30-byte local header and its name ("X.npy"); flip a bit of its data.
            int dataStart = 30 + 5;
            int dataLen = method == ZipEntry.STORED ? xb.length : whole.length / 3;
            int at = dataStart + rnd.nextInt(dataLen - 1);
            whole[at] ^= (byte) (1 << rnd.nextInt(8));
            Path bad = Files.write(dir.resolve("bad" + method + ".npz"), whole);
            UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.loadArchive("b", bad),
                    "seed=" + seed + " method " + method + " byte " + at);
            assertTrue(e.getMessage().startsWith(bad + "[X]: the archive is damaged"),
                    "seed=" + seed + " method " + method + " byte " + at + ": " + e.getMessage());
        }
    }

    /**
     * A damaged size field in the archive's directory (found by fuzzing): an array whose header
     * claims 200M elements in a 1 KB archive was allocated (800 MB) before the data ran out, so
     * the user read "out of memory: give the JVM more" under a small heap, and "truncated" after
     * it under a large one. An entry whose recorded size its compressed bytes cannot hold is damage.
     */
    @Test
    void aDirectorySizeTheEntryCannotHoldIsDamage() throws IOException {
        byte[] small = npy(new int[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8});
        byte[] claims = NpyReadTest.NpyBytes.file(1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (200000000, 2), }", new byte[32]);
        for (int method : new int[] {ZipEntry.STORED, ZipEntry.DEFLATED}) {
            Path f = dir.resolve("lie" + method + ".npz");
            writeArchive(f, method, List.of("X", "y"), List.of(claims, small));
            byte[] b = Files.readAllBytes(f);
            long says = 1_600_000_000L + claims.length - 32;
            // The X entry's uncompressed size, in its local header (offset 22) and the central directory's (24).
            patchInt(b, 22, says);
            int cen = indexOf(b, new byte[] {'P', 'K', 1, 2});
            patchInt(b, cen + 24, says);
            Path bad = Files.write(f, b);
            UserInputException e = assertThrows(UserInputException.class, () -> Npz.read(bad, "X", false));
            assertTrue(e.getMessage().startsWith(bad + "[X]: the archive is damaged (its directory says the array takes "
                    + says + " bytes"), e.getMessage());
            // The other entry, whose sizes are true, still reads.
            assertArrayEquals(new int[] {4, 2}, Npz.read(bad, "y", false).shape());
        }
        // An archive of zeros compressed near deflate's limit is no damage.
        float[] zeros = new float[2_000_000];
        Path z = dir.resolve("zeros.npz");
        writeArchive(z, ZipEntry.DEFLATED, List.of("X"), List.of(npy(new int[] {1_000_000, 2}, zeros)));
        assertArrayEquals(new int[] {1_000_000, 2}, Npz.read(z, "X", false).shape());
    }

    private static void patchInt(byte[] b, int at, long v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static int indexOf(byte[] b, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= b.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (b[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** np.savez(f, X, y, w) and np.savez(f, X, y, meta=m): the positional pair, the rest ignored. */
    @Test
    void positionalPairWithOtherArrays() throws IOException {
        byte[] a = npy(new int[] {2, 2}, new float[] {1, 2, 3, 4});
        byte[] b = npy(new int[] {2}, new float[] {0, 1});
        Path f = dir.resolve("pos.npz");
        writeArchive(f, ZipEntry.STORED, List.of("arr_0", "arr_1", "arr_2", "meta"), List.of(a, b, b, b));
        assertArrayEquals(new String[] {"arr_0", "arr_1"}, Npz.taskArrays(f));
        // With named arrays, the names win and the positional ones are not guessed at.
        Path g = dir.resolve("mixed.npz");
        writeArchive(g, ZipEntry.STORED, List.of("arr_0", "arr_1", "X"), List.of(a, b, a));
        UserInputException e = assertThrows(UserInputException.class, () -> Npz.taskArrays(g));
        assertTrue(e.getMessage().contains("no array named y or Y"), e.getMessage());
        // One role, no task: the hint says how to save one array.
        e = assertThrows(UserInputException.class, () -> TaskLoader.readArray(f));
        assertTrue(e.getMessage().contains("save it alone (np.save) or as np.savez(FILE, X=...)"), e.getMessage());
    }

    /** A link to a missing .npz in a task directory is an error naming it, not a task silently dropped. */
    @Test
    void brokenLinkInTaskDirectoryIsNamed() throws IOException {
        Path tasks = Files.createDirectories(dir.resolve("lt"));
        Files.copy(fixture("task_savez.npz"), tasks.resolve("a.npz"));
        Files.createSymbolicLink(tasks.resolve("b.npz"), dir.resolve("gone.npz"));
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.fromDirectory(tasks));
        assertTrue(e.getMessage().startsWith(tasks.resolve("b.npz") + ": no such file"), e.getMessage());
    }

    /** NAME=TASK.npz in --task, also with ':' in the path, and its absolute form read back the same. */
    @Test
    void specWithOneArchive() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("run:3"));
        Path f = Files.copy(fixture("task_savez.npz"), sub.resolve("t.npz"));
        TaskLoader.Spec s = TaskLoader.split("a=" + f);
        assertEquals(f, s.x());
        assertNull(s.y());
        assertEquals(s, TaskLoader.split(s.absolute()));
        assertEquals(5, TaskLoader.fromSpec("a=" + f).rows());
        // X from an archive, y from a .npy beside it: the colon form still works.
        Path y = dir.resolve("y.npy");
        Npy.write(y, new int[] {5}, new float[] {1, 0, 1, 0, 1});
        Task t = TaskLoader.fromSpec("b=" + f + ":" + y);
        assertArrayEquals(new float[] {1, 0, 1, 0, 1}, t.y(), 0f);
    }

    /** --tasks DIR: DIR/NAME.npz files are tasks beside DIR/NAME/ folders, in name order; one name twice is an error. */
    @Test
    void taskDirectoryMixesArchivesAndFolders() throws IOException {
        Path tasks = Files.createDirectories(dir.resolve("tasks"));
        Files.copy(fixture("task_savez.npz"), tasks.resolve("b.npz"));
        Path a = Files.createDirectories(tasks.resolve("a"));
        Npy.write(a.resolve("X.npy"), new int[] {4, 3}, new float[12]);
        Npy.write(a.resolve("y.npy"), new int[] {4}, new float[] {0, 1, 0, 1});
        Files.copy(fixture("task_savez.npz"), tasks.resolve("c.npz"));
        Files.writeString(tasks.resolve("notes.txt.bak"), "not a task");
        TaskSuite s = TaskLoader.fromDirectory(tasks);
        assertEquals(List.of("a", "b", "c"), s.tasks().stream().map(Task::name).toList());
        assertEquals(5, s.tasks().get(1).rows());
        assertEquals(tasks.resolve("b.npz").toString(), s.tasks().get(1).source());

        Files.copy(fixture("task_positional_compressed.npz"), tasks.resolve("d.npz"));
        UserInputException d = assertThrows(UserInputException.class, () -> TaskLoader.fromDirectory(tasks));
        assertTrue(d.getMessage().startsWith(tasks.resolve("d.npz") + ": task 'd' has d = 2"), d.getMessage());
        Files.delete(tasks.resolve("d.npz"));

        Files.copy(fixture("task_savez.npz"), tasks.resolve("a.npz"));
        UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.fromDirectory(tasks));
        assertTrue(e.getMessage().contains("are both task 'a'"), e.getMessage());
    }

    /** The bytes of a float32 .npy, as Npy.write makes them. */
    private byte[] npy(int[] shape, float[] data) throws IOException {
        Path tmp = Files.createTempFile(dir, "a", ".npy");
        Npy.write(tmp, shape, data);
        byte[] b = Files.readAllBytes(tmp);
        Files.delete(tmp);
        return b;
    }

    private static void writeArchive(Path f, int method, List<String> names, List<byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (int i = 0; i < names.size(); i++) {
                byte[] b = entries.get(i);
                ZipEntry e = new ZipEntry(names.get(i) + ".npy");
                e.setMethod(method);
                if (method == ZipEntry.STORED) {
                    CRC32 crc = new CRC32();
                    crc.update(b);
                    e.setSize(b.length);
                    e.setCompressedSize(b.length);
                    e.setCrc(crc.getValue());
                }
                zip.putNextEntry(e);
                zip.write(b);
                zip.closeEntry();
            }
        }
    }
}
