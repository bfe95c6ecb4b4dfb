package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mtl svd's U.npy, S.npy and V.npy are replaced as a set. Before, they were written one after the
 * other, so a write of V that failed (a full disk) or a run killed while writing S and V had
 * already replaced U (and S) of an earlier good set: a new U beside an old V under the final names.
 */
class SvdWriteSetTest {
    @TempDir
    Path dir;

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailureWhileWritingTheSetLeavesTheEarlierSetWhole() throws Exception {
        Path[] files = {dir.resolve("U.npy"), dir.resolve("S.npy"), dir.resolve("V.npy")};
        int[][] shapes = {{2, 1}, {1}, {1, 1}};
        org.mtlalign.data.Npy.writeTogether(files, shapes, new float[][] {{1, 2}, {3}, {4}});
        byte[][] before = new byte[3][];
        for (int i = 0; i < 3; i++) {
            before[i] = Files.readAllBytes(files[i]);
        }
        // V's data does not fit its shape: its write fails after U's and S's have been made.
        assertThrows(IllegalArgumentException.class,
                () -> org.mtlalign.data.Npy.writeTogether(files, shapes, new float[][] {{5, 6}, {7}, {8, 9}}));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(before[i], Files.readAllBytes(files[i]), files[i] + " was replaced");
        }
        assertEquals(List.of("S.npy", "U.npy", "V.npy"), names());

        org.mtlalign.data.Npy.writeTogether(files, shapes, new float[][] {{5, 6}, {7}, {8}});
        assertArrayEquals(new float[] {5, 6}, org.mtlalign.data.Npy.read(files[0]).data());
        assertEquals(List.of("S.npy", "U.npy", "V.npy"), names());
    }
}
