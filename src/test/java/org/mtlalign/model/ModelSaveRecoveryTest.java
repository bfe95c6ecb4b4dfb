package org.mtlalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a killed save leaves behind is mended by the next save or load: temporary folders of
 * dead processes go, and a model moved aside whose successor never arrived comes back.
 */
class ModelSaveRecoveryTest {
    @TempDir
    Path dir;

    private static MtlModel model(long seed) {
        MtlModel m = new MtlModel(4, 2, Activation.RELU, true, List.of(new TaskHead("a", Loss.SQUARED, 1)));
        m.initialize(seed);
        return m;
    }

    private List<String> names() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void staleTemporaryFoldersOfDeadProcessesAreRemovedAndAMovedAsideModelComesBack() throws Exception {
        Path target = dir.resolve("m");
        MtlModel first = model(1);
        ModelIO.save(target, first, new JsonObject(), null);
        // A save killed after writing its temporary folder (pid 2^31 - 1 is never a live process),
        // one of a live process (ours), one of another host and a user's own hidden folder: only
        // the first is ours to remove.
        String host = ModelIO.host();
        Path dead = Files.createDirectories(dir.resolve(".m.tmp-" + host + "-2147483647-5"));
        Files.writeString(dead.resolve("B.npy"), "partial");
        Path live = Files.createDirectories(dir.resolve(".m.tmp-" + host + "-" + ProcessHandle.current().pid() + "-7"));
        Path elsewhere = Files.createDirectories(dir.resolve(".m.tmp-otherhost9-2147483647-5"));
        Path users = Files.createDirectories(dir.resolve(".m.old-backup"));
        ModelIO.save(target, model(2), new JsonObject(), null);
        assertFalse(Files.exists(dead), names().toString());
        assertTrue(Files.exists(live), "a live process's save in progress was removed");
        assertTrue(Files.exists(elsewhere), "another host's save in progress was removed");
        assertTrue(Files.exists(users), "a folder that is not a leftover was removed");
        for (Path p : new Path[] {live, elsewhere, users}) {
            Files.delete(p);
        }

        // Killed between moving the old model aside and moving the new one in: no m, one .old.
        Path aside = dir.resolve(".m.old-" + host + "-2147483647-0000000000001000001");
        Files.move(target, aside);
        ModelIO.Loaded back = ModelIO.load(target);
        assertTrue(Files.isRegularFile(target.resolve(ModelIO.MODEL_JSON)), names().toString());
        assertFalse(Files.exists(aside), names().toString());
        assertArrayEquals(model(2).shared().value(), back.model().shared().value());
        assertTrue(names().equals(List.of("m")), names().toString());
    }

    /**
     * A save is two renames (the model aside, the complete new folder in): a kill between them,
     * or between the second and the removal of the model set aside, must give the next load one
     * save whole, every parameter and moment of it, never files of two saves. Both saves here are
     * complete on disk, as they are by then.
     */
    @Test
    void aSaveKilledBetweenItsRenamesLoadsOneSaveWhole() throws Exception {
        String host = ModelIO.host();
        MtlModel one = model(11);
        MtlModel two = model(12);
        for (MtlModel m : List.of(one, two)) {
            // Optimiser moments of their own, so that they too tell the saves apart.
            float mark = m == one ? 0.25f : 0.5f;
            for (Tensor t : m.parameters()) {
                java.util.Arrays.fill(t.moment1(), mark);
                java.util.Arrays.fill(t.moment2(), 2 * mark);
            }
        }
        Path target = dir.resolve("m");
        for (boolean newIn : new boolean[] {false, true}) {
            ModelIO.save(dir.resolve("one"), one, new JsonObject(), null);
            ModelIO.save(dir.resolve("two"), two, new JsonObject(), null);
            // pid 2^31 - 1 is never a live process: a killed run's leftovers.
            Path old = dir.resolve(".m.old-" + host + "-2147483647-0000000000002000001");
            Path tmp = dir.resolve(".m.tmp-" + host + "-2147483647-3");
            Files.move(dir.resolve("one"), old);
            Files.move(dir.resolve("two"), newIn ? target : tmp);
            MtlModel back = ModelIO.load(target).model();
            MtlModel want = newIn ? two : one;
            for (int p = 0; p < want.parameters().size(); p++) {
                Tensor w = want.parameters().get(p);
                Tensor g = back.parameters().get(p);
                String at = w.name() + (newIn ? ", killed before the old save was removed" : ", killed between the renames");
                assertArrayEquals(w.value(), g.value(), at);
                assertArrayEquals(w.moment1(), g.moment1(), at);
                assertArrayEquals(w.moment2(), g.moment2(), at);
            }
            assertEquals(List.of("m"), names(), "leftovers");
            ModelIO.save(target, model(13), new JsonObject(), null);
            assertArrayEquals(model(13).shared().value(), ModelIO.load(target).model().shared().value());
            ModelIO.deleteQuietly(target);
        }
    }

    /**
     * Ctrl-C during a checkpoint: the shutdown hook deletes the save's temporary folder while the
     * training thread is still writing files into it (each written beside its name and renamed,
     * as Npy.write does). A file that vanished between listing and deleting made the hook die of
     * an UncheckedIOException (a 30-line stack trace after ^C) and leave the folder behind.
     */
    @Test
    void aFolderBeingWrittenIntoIsDeletedWithoutAnError() throws Exception {
        for (int round = 0; round < 40; round++) {
            Path tmp = Files.createDirectories(dir.resolve(".m.tmp-churn-" + round));
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread writer = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        Path part = tmp.resolve(".A_" + i + ".npy." + i + ".tmp");
                        Files.write(part, new byte[64]);
                        Files.move(part, tmp.resolve("A_" + i + ".npy"));
                    } catch (java.io.IOException e) {
                        Thread.onSpinWait();  // the folder is gone: as a save's writes fail then
                    }
                }
            });
            for (int i = 0; i < 200; i++) {
                Files.write(tmp.resolve("B_" + i + ".npy"), new byte[64]);
            }
            writer.start();
            try {
                Thread.sleep(2);
                ModelIO.deleteQuietly(tmp);
            } finally {
                stop.set(true);
                writer.join();
            }
            ModelIO.deleteQuietly(tmp);
            assertFalse(Files.exists(tmp), names().toString());
        }
    }

    /**
     * A checkpoint whose parameter file cannot be written (a full disk: "No space left on
     * device" from the tmpfs of 64 KiB tried by hand) names the model folder, not the file in the
     * save's temporary folder ('mtl: /data/.m.tmp-host-4242-1/B.adam_v.npy: cannot write: ...',
     * a path the user never gave), says the folder keeps its earlier model, and removes the
     * temporary folder at once rather than at the process's exit (until then its partial files
     * kept the disk full).
     */
    @Test
    void aParameterFileThatCannotBeWrittenNamesTheModelFolderAndKeepsTheEarlierModel() throws Exception {
        Path target = dir.resolve("m");
        ModelIO.save(target, model(1), new JsonObject(), null);
        // The next save's temporary folder, with a folder where B.npy goes: its write fails.
        Path tmp = dir.resolve(".m.tmp-" + ModelIO.host() + "-" + ProcessHandle.current().pid() + "-"
                + (ModelIO.SAVES.get() + 1));
        Files.createDirectories(tmp.resolve("B.npy"));
        org.mtlalign.UserInputException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.mtlalign.UserInputException.class, () -> ModelIO.save(target, model(2), new JsonObject(), null));
        assertTrue(e.getMessage().startsWith(target + ": cannot write the model (")
                && e.getMessage().endsWith("; it still holds the model saved before"), e.getMessage());
        assertFalse(e.getMessage().contains(".tmp-"), e.getMessage());
        assertFalse(Files.exists(tmp), names().toString());
        assertEquals(List.of("m"), names());
        assertArrayEquals(model(1).shared().value(), ModelIO.load(target).model().shared().value());
    }

    /**
     * A model holding NaN (a diverged training, saved from the library) was written, replacing an
     * earlier save, into a folder that load then refused as damaged (found in a library trial).
     */
    @Test
    void aModelThatIsNotFiniteIsRefusedAndTheEarlierSaveKept() throws Exception {
        Path target = dir.resolve("m");
        MtlModel good = model(2);
        ModelIO.save(target, good, new JsonObject(), null);
        java.util.Random rnd = new java.util.Random(org.mtlalign.analysis.TestData.seed());
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            MtlModel broken = model(3);
            Tensor t = broken.parameters().get(rnd.nextInt(broken.parameters().size()));
            int at = rnd.nextInt(t.value().length);
            t.value()[at] = bad;
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> ModelIO.save(target, broken, new JsonObject(), null));
            assertTrue(e.getMessage().contains(t.name() + " holds " + bad + " at flat index " + at), e.getMessage());
        }
        assertArrayEquals(good.shared().value(), ModelIO.load(target).model().shared().value());
        assertEquals(List.of("m"), names());
    }
}
