package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The up-front output check agrees with what SafeWrite.write can do. */
class SafeWriteCheckTest {
    @TempDir
    Path dir;

    @Test
    void streamsDevicesAndNewFoldersAreWritableFilesUnderFilesAreNot() throws Exception {
        // This JVM's stdout is a pipe under the test runner: /dev/stdout leads to pipe:[N], which
        // is not a path; it is written in place, so it must pass (it was refused once).
        assertNull(SafeWrite.whyNotWritable(Path.of("/dev/stdout")));
        assertNull(SafeWrite.whyNotWritable(Path.of("/dev/stderr")));
        assertNull(SafeWrite.whyNotWritable(Path.of("/dev/null")));
        assertNull(SafeWrite.whyNotWritable(dir.resolve("a/b/c.json")));
        Path file = Files.writeString(dir.resolve("f.txt"), "x");
        assertNull(SafeWrite.whyNotWritable(file));
        assertEquals(file + " is a file, not a folder", SafeWrite.whyNotWritable(file.resolve("c.json")));
        assertTrue(SafeWrite.whyNotWritable(dir).startsWith("is a directory"));
        assertTrue(SafeWrite.whyNotWritable(Path.of("/proc/no-such.json")).startsWith("cannot create files in /proc"));
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains("write-check")));
        }
    }

    /**
     * Syncing a folder (after a rename) is best effort: a folder that is gone (a failed save's
     * temporary folder), a file, or a file system that refuses it is no error; and a write into a
     * folder whose sync the caller does later (ModelIO) still lands.
     */
    @Test
    void syncFolderIgnoresWhatItCannotSync() throws Exception {
        SafeWrite.syncFolder(dir);
        SafeWrite.syncFolder(dir.resolve("gone"));
        SafeWrite.syncFolder(Files.writeString(dir.resolve("f.txt"), "x"));
        SafeWrite.syncFolder(Path.of("/proc/self"));
        Path later = Files.createDirectories(dir.resolve("later"));
        SafeWrite.syncLater(later);
        SafeWrite.write(later.resolve("a.json"), "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        SafeWrite.syncFolder(later);
        assertEquals("{}", Files.readString(later.resolve("a.json")));
    }

    /**
     * A kill -9 during a write left its hidden temporary sibling, which nothing removed: the next
     * write of that file removes those of this host's runs that have ended, and leaves a live
     * run's, another host's and another file's alone.
     */
    @Test
    void aKilledRunsTemporaryIsRemovedByTheNextWrite() throws Exception {
        Path out = dir.resolve("o");
        Files.createDirectories(out);
        // A pid of this host that is not running: a child that has exited.
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long dead = p.pid();
        long live = ProcessHandle.current().pid();
        Path stale = Files.writeString(out.resolve(".r.json." + SafeWrite.host() + "-" + dead + "-1f3a.tmp"), "{");
        Path running = Files.writeString(out.resolve(".r.json." + SafeWrite.host() + "-" + live + "-2b.tmp"), "{");
        Path elsewhere = Files.writeString(out.resolve(".r.json.otherhost-" + dead + "-3c.tmp"), "{");
        Path otherFile = Files.writeString(out.resolve(".s.json." + SafeWrite.host() + "-" + dead + "-4d.tmp"), "{");
        SafeWrite.write(out.resolve("r.json"), "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertFalse(Files.exists(stale), "the ended run's temporary is removed");
        assertTrue(Files.exists(running) && Files.exists(elsewhere) && Files.exists(otherFile));
        assertEquals("{}", Files.readString(out.resolve("r.json")));
        try (java.util.stream.Stream<Path> left = Files.list(out)) {
            assertEquals(4, left.count(), "r.json, the three kept, and not the write's own temporary");
        }
    }

    /**
     * A failure naming a temporary sibling (creating ".U.npy.1f3a09c2.tmp" on a full disk) named a
     * hidden path the user never gave and that no longer exists; it names the file it stands for.
     */
    @Test
    void errorsNameTheFileNotItsTemporarySibling() {
        assertEquals("No space left on device: out/U.npy",
                SafeWrite.withoutTempNames("No space left on device: out/.U.npy.1f3a09c2bd47e5a0.tmp"));
        assertEquals("permission denied: /data/run 1/V.npy",
                SafeWrite.withoutTempNames("permission denied: /data/run 1/.V.npy.ff.tmp"));
        assertEquals("/abs/m/model.json: x", SafeWrite.withoutTempNames("/abs/m/.model.json.0.tmp: x"));
        assertEquals("No space left on device: out/U.npy",
                SafeWrite.withoutTempNames("No space left on device: out/.U.npy.my_host-4242-1f3a09c2.tmp"));
        // Other names are left alone, hidden files among them.
        assertEquals("no such file: a/.hidden.tmp and b/.x.npy.notahex.tmp",
                SafeWrite.withoutTempNames("no such file: a/.hidden.tmp and b/.x.npy.notahex.tmp"));
    }
}
