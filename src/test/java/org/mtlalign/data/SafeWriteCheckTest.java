package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        // Other names are left alone, hidden files among them.
        assertEquals("no such file: a/.hidden.tmp and b/.x.npy.notahex.tmp",
                SafeWrite.withoutTempNames("no such file: a/.hidden.tmp and b/.x.npy.notahex.tmp"));
    }
}
