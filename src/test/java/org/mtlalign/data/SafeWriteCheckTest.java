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
}
