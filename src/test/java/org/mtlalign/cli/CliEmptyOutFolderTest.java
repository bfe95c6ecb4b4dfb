package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;

/**
 * mtl svd and mtl reproduce, failing to write into an --out folder they created, remove it again
 * if it is still empty. Before, a full disk left the new, empty folder behind. The failure is made
 * without a full disk: --out is a path of 4090 characters, so its folders can be created but a
 * file in it cannot (its path exceeds Linux's PATH_MAX of 4096), which the up-front check of the
 * targets, done in the nearest existing folder, does not see.
 */
class CliEmptyOutFolderTest {
    @TempDir
    Path dir;

    /** A path under {@code base} of exactly {@code length} characters, in components of at most 200. */
    private static Path longPath(Path base, int length) {
        Path p = base.toAbsolutePath();
        while (p.toString().length() < length) {
            int left = length - p.toString().length() - 1;
            p = p.resolve("d".repeat(Math.min(200, left < 1 ? 1 : left)));
        }
        assertEquals(length, p.toString().length());
        return p;
    }

    private static boolean isEmptyDir(Path p) throws Exception {
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }

    @Test
    void svdRemovesTheEmptyOutFolderItCreated() throws Exception {
        Path a = dir.resolve("A.npy");
        Npy.write(a, new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6});
        Path top = dir.resolve("new");
        Path out = longPath(top, 4090);
        CliTestSupport.Run r = CliTestSupport.run("svd", "--in", a.toString(), "--out", out.toString());
        CliErrorTest.assertUserError(r, "U.npy");
        assertFalse(Files.exists(top), "the new --out folder was left behind");
        assertTrue(Files.exists(a));

        // A folder that existed before stays, empty or not.
        Files.createDirectories(out);
        r = CliTestSupport.run("svd", "--in", a.toString(), "--out", out.toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(Files.isDirectory(out) && isEmptyDir(out), "the existing --out folder was removed");
    }

    @Test
    void reproduceRemovesTheEmptyOutFolderItCreated() throws Exception {
        Path top = dir.resolve("new");
        Path out = longPath(top, 4090);
        CliTestSupport.Run r = CliTestSupport.run("reproduce", "capacity", "--quick", "--seeds", "1", "--out",
                out.toString());
        CliErrorTest.assertUserError(r, "capacity");
        assertTrue(r.out().contains("NOT written"), r.out());
        assertFalse(Files.exists(top), "the new --out folder was left behind");
    }
}
