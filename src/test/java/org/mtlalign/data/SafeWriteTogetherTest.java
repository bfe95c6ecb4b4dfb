package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written together (mtl reproduce's NAME.csv, NAME.png and NAME.md) are replaced as a set.
 * Before, ResultWriter wrote them one by one, so a failure on the third (a full disk) left the new
 * CSV beside the earlier run's figure and text, whose numbers it no longer matched.
 */
class SafeWriteTogetherTest {
    @TempDir
    Path dir;

    private List<String> names(Path d) throws Exception {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFailureOnOneFileLeavesTheEarlierSetWhole() throws Exception {
        Path csv = Files.writeString(dir.resolve("x.csv"), "old csv");
        Path png = Files.writeString(dir.resolve("x.png"), "old png");
        Path md = Files.createDirectories(dir.resolve("x.md"));  // cannot be replaced by a file
        assertThrows(java.io.IOException.class, () -> SafeWrite.writeTogether(new Path[] {csv, png, md},
                new byte[][] {bytes("new csv"), bytes("new png"), bytes("new md")}));
        assertEquals("old csv", Files.readString(csv));
        assertEquals("old png", Files.readString(png));
        assertEquals(List.of("x.csv", "x.md", "x.png"), names(dir), "temporary files left");

        Files.delete(md);
        Path real = Files.createDirectories(dir.resolve("real"));
        Files.createSymbolicLink(md, real.resolve("x.md"));
        SafeWrite.writeTogether(new Path[] {csv, png, md}, new byte[][] {bytes("new csv"), bytes("new png"), bytes("new md")});
        assertEquals("new csv", Files.readString(csv));
        assertEquals("new png", Files.readString(png));
        assertTrue(Files.isSymbolicLink(md), "the link was replaced");
        assertEquals("new md", Files.readString(real.resolve("x.md")));
        assertEquals(List.of("real", "x.csv", "x.md", "x.png"), names(dir));
    }

    /**
     * A target that is a link into a path another target makes (V.npy -> U.npy/V.npy): before,
     * writeTogether followed it while preparing the set and created U.npy as a folder, so the
     * rename of U then failed with an error naming U.npy's temporary file, not V.npy. Now such a
     * link is written after the renames (as mtl svd did), fails there naming V.npy, and the files
     * this call created are removed again.
     */
    @Test
    void aLinkIntoAnotherTargetFailsNamingTheLinkAndLeavesNothing() throws Exception {
        Path u = dir.resolve("U.npy");
        Path s = dir.resolve("S.npy");
        Path v = dir.resolve("V.npy");
        Files.createSymbolicLink(v, Path.of("U.npy", "V.npy"));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> SafeWrite.writeTogether(
                new Path[] {u, s, v}, new byte[][] {bytes("u"), bytes("s"), bytes("v")}));
        assertTrue(e.getMessage().contains(v.toString()), e.getMessage());
        assertEquals(List.of("V.npy"), names(dir), "files or folders left");
        assertTrue(Files.isSymbolicLink(v));
    }

    /**
     * Two links written after the renames: S.npy into a folder that does not exist yet (it is made,
     * and S written), then V.npy into U.npy, which fails. The new file S's link reached was left
     * behind, though the files this call created are removed again (U.npy was).
     */
    @Test
    void aFailingLaterLinkRemovesTheFileAnEarlierLinkCreated() throws Exception {
        Path u = dir.resolve("U.npy");
        Path s = dir.resolve("S.npy");
        Path v = dir.resolve("V.npy");
        Files.createSymbolicLink(s, Path.of("sub", "S.npy"));
        Files.createSymbolicLink(v, Path.of("U.npy", "V.npy"));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> SafeWrite.writeTogether(
                new Path[] {u, s, v}, new byte[][] {bytes("u"), bytes("s"), bytes("v")}));
        assertTrue(e.getMessage().contains(v.toString()), e.getMessage());
        assertTrue(!Files.exists(u), "U.npy left");
        assertTrue(!Files.exists(dir.resolve("sub").resolve("S.npy")), "the file S.npy's link reached was left");
        assertTrue(Files.isSymbolicLink(s) && Files.isSymbolicLink(v));
    }

    /** A link whose target folder exists is part of the set: a failure on another file leaves it as it was. */
    @Test
    void aLinkWithAnExistingTargetFolderIsReplacedWithTheSet() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Files.writeString(real.resolve("x.csv"), "old csv");
        Path csv = Files.createSymbolicLink(dir.resolve("x.csv"), real.resolve("x.csv"));
        Path md = Files.createDirectories(dir.resolve("x.md"));
        // The link first: a failure on a later file found it prepared, not yet written (with md
        // first the call failed before it reached the link, whatever it did with links).
        assertThrows(java.io.IOException.class, () -> SafeWrite.writeTogether(new Path[] {csv, md},
                new byte[][] {bytes("new csv"), bytes("new md")}));
        assertEquals("old csv", Files.readString(real.resolve("x.csv")));
        assertEquals(List.of("x.csv"), names(real), "temporary files left");
        Files.delete(md);
        SafeWrite.writeTogether(new Path[] {md, csv}, new byte[][] {bytes("new md"), bytes("new csv")});
        assertEquals("new csv", Files.readString(real.resolve("x.csv")));
        assertTrue(Files.isSymbolicLink(csv));
    }

    /**
     * Part of the set means renamed with the others: when the link's own contents cannot be
     * written (a full disk), the other files keep their earlier contents. Written after the renames
     * instead (as links into a missing folder are), the other file would already be replaced.
     */
    @Test
    void aLinkWithAnExistingTargetFolderFailingLeavesTheOtherFilesAsTheyWere() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Files.writeString(real.resolve("y.csv"), "old csv");
        Path csv = Files.createSymbolicLink(dir.resolve("y.csv"), real.resolve("y.csv"));
        Path md = Files.writeString(dir.resolve("y.md"), "old md");
        SafeWrite.Body newMd = ch -> ch.write(java.nio.ByteBuffer.wrap(bytes("new md")));
        SafeWrite.Body full = ch -> {
            throw new java.io.IOException("No space left on device");
        };
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> SafeWrite.writeTogether(new Path[] {md, csv}, new SafeWrite.Body[] {newMd, full}));
        assertTrue(e.getMessage().contains(csv.toString()), e.getMessage());
        assertEquals("old md", Files.readString(md), "replaced before the set was complete");
        assertEquals("old csv", Files.readString(real.resolve("y.csv")));
        assertEquals(List.of("y.csv"), names(real), "temporary files left");
        assertEquals(List.of("real", "y.csv", "y.md"), names(dir), "temporary files left");
    }

    /**
     * The set is renamed file by file: a rename that fails after the first (here the second target
     * turned into a folder while the set was being prepared, which no file can replace) left the
     * new CSV beside the earlier run's text, the mix writeTogether exists to prevent. The files
     * already replaced are put back.
     */
    @Test
    void aRenameThatFailsPartWayPutsBackTheFilesAlreadyReplaced() throws Exception {
        Path csv = Files.writeString(dir.resolve("x.csv"), "old csv");
        Path png = Files.writeString(dir.resolve("x.png"), "old png");
        Path md = Files.writeString(dir.resolve("x.md"), "old md");
        SafeWrite.Body newCsv = ch -> ch.write(java.nio.ByteBuffer.wrap(bytes("new csv")));
        SafeWrite.Body newPng = ch -> ch.write(java.nio.ByteBuffer.wrap(bytes("new png")));
        SafeWrite.Body newMdAndPngGone = ch -> {
            // The last body runs after the others are prepared and before any rename.
            Files.delete(png);
            Files.createDirectories(png.resolve("inside"));
            ch.write(java.nio.ByteBuffer.wrap(bytes("new md")));
        };
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> SafeWrite.writeTogether(
                new Path[] {csv, png, md}, new SafeWrite.Body[] {newCsv, newPng, newMdAndPngGone}));
        assertTrue(e.getMessage().contains(png.toString()), e.getMessage());
        assertEquals("old csv", Files.readString(csv), "a file replaced before the failing rename was not put back");
        assertEquals("old md", Files.readString(md));
        assertEquals(List.of("x.csv", "x.md", "x.png"), names(dir), "temporary or backup files left");

        // And on success no backup is left behind.
        Files.delete(png.resolve("inside"));
        Files.delete(png);
        SafeWrite.writeTogether(new Path[] {csv, png, md}, new byte[][] {bytes("2 csv"), bytes("2 png"), bytes("2 md")});
        assertEquals("2 csv", Files.readString(csv));
        assertEquals("2 png", Files.readString(png));
        assertEquals(List.of("x.csv", "x.md", "x.png"), names(dir), "temporary or backup files left");
    }

    @Test
    void reproducesReportIsWrittenAsASet() throws Exception {
        // ResultWriter goes through writeTogether: its .md being unwritable keeps the earlier CSV.
        org.mtlalign.experiments.Report r = new org.mtlalign.experiments.Report(List.of("a", "b")).row(1, 2.0);
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("demo.csv"), "earlier");
        Files.createDirectories(out.resolve("demo.md"));
        org.mtlalign.experiments.Experiment e = new org.mtlalign.experiments.Experiment() {
            @Override
            public String name() {
                return "demo";
            }

            @Override
            public String title() {
                return "Demo";
            }

            @Override
            public String paperClaim() {
                return "a claim";
            }

            @Override
            public org.mtlalign.experiments.Report run(org.mtlalign.experiments.ExperimentContext ctx) {
                return r;
            }
        };
        assertThrows(org.mtlalign.UserInputException.class, () -> org.mtlalign.experiments.ResultWriter.write(out, e, r, "t"));
        assertEquals("earlier", Files.readString(out.resolve("demo.csv")));
        assertEquals(List.of("demo.csv", "demo.md"), names(out));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
