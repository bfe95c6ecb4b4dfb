package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs saving to one model folder at once. Before, both ran to the end, each checkpointing
 * over the other, and each printed "saved the MTL model to DIR" while DIR held only the last
 * one's model (two `mtl train --out m` started a second apart: exit 0 twice, one model lost).
 * Now the second is refused at its start, and the folder is free again once the first has ended,
 * also when it was killed (SIGKILL: the kernel drops the lock).
 */
class CliSameModelFolderTest {
    @TempDir
    Path dir;

    private Process startTraining(Path[] a, Path model, String errName) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(javaBin, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), "org.mtlalign.cli.Main", "train", "--task",
                "a=" + a[0] + ":" + a[1], "--rank", "3", "--epochs", "100000", "--patience", "100000", "--no-stl",
                "--batch", "8", "--backend", "cpu", "--out", model.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve(errName).toFile()).start();
    }

    /** Waits until the subprocess has saved its first checkpoint (so it holds the folder). */
    private void awaitCheckpoint(Process p, Path model, String errName) throws Exception {
        long until = System.nanoTime() + 120_000_000_000L;
        while (!Files.isRegularFile(model.resolve("model.json")) && p.isAlive() && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertTrue(p.isAlive(), "the run ended before its first checkpoint: " + Files.readString(dir.resolve(errName)));
    }

    @Test
    void aSecondRunSavingToTheSameFolderIsRefusedAtItsStart() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 4001, 31, 5);
        String task = "a=" + a[0] + ":" + a[1];
        Path model = dir.resolve("shared");
        Path other = dir.resolve("other");
        Process p = startTraining(a, model, "err.txt");
        try {
            awaitCheckpoint(p, model, "err.txt");
            CliTestSupport.Run second = CliTestSupport.run("train", "--task", task, "--rank", "3", "--epochs", "2",
                    "--no-stl", "--backend", "cpu", "--out", model.toString());
            assertEquals(2, second.code(), second.all());
            assertTrue(second.err().contains("mtl: --out " + model + ": another mtl run (pid " + p.pid() + " on ")
                    && second.err().contains("is saving a model to this folder"), second.err());
            assertFalse(second.all().contains("saved the MTL model"), second.all());
            assertFalse(second.all().contains("training MTL"), "refused only after its work: " + second.all());

            CliTestSupport.Run resumed = CliTestSupport.run("train", "--resume", model.toString(), "--epochs", "1",
                    "--no-stl", "--backend", "cpu");
            assertEquals(2, resumed.code(), resumed.all());
            assertTrue(resumed.err().contains("mtl: --resume " + model + ": another mtl run"), resumed.err());

            // Resuming it into another folder only reads it, and so does mtl predict: both work.
            CliTestSupport.Run copy = CliTestSupport.run("train", "--resume", model.toString(), "--epochs", "1",
                    "--no-stl", "--align", "none", "--reweight", "none", "--backend", "cpu", "--out", other.toString());
            assertEquals(0, copy.code(), copy.all());

            // Stopped as by Ctrl-C: its lock file goes with it, and the folder can be resumed.
            p.destroy();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not stop");
        } finally {
            p.destroyForcibly();
        }
        assertFalse(Files.exists(dir.resolve(".shared.lock")), "the lock file outlived its run");
        CliTestSupport.Run after = CliTestSupport.run("train", "--resume", model.toString(), "--epochs", "1",
                "--no-stl", "--align", "none", "--reweight", "none", "--backend", "cpu");
        assertEquals(0, after.code(), after.all());
        assertTrue(after.out().contains("saved the MTL model to " + model), after.all());

        // Killed outright (no shutdown hooks): the lock file stays, but holds no lock.
        Process q = startTraining(a, other, "err2.txt");
        try {
            Thread.sleep(200);
            long until = System.nanoTime() + 120_000_000_000L;
            while (!Files.exists(dir.resolve(".other.lock")) && q.isAlive() && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertTrue(q.isAlive(), Files.readString(dir.resolve("err2.txt")));
            q.destroyForcibly();
            assertTrue(q.waitFor(60, TimeUnit.SECONDS), "did not stop");
        } finally {
            q.destroyForcibly();
        }
        CliTestSupport.Run afterKill = CliTestSupport.run("train", "--resume", other.toString(), "--epochs", "1",
                "--no-stl", "--align", "none", "--reweight", "none", "--backend", "cpu");
        assertEquals(0, afterKill.code(), afterKill.all());
        assertFalse(Files.exists(dir.resolve(".other.lock")), "the next run did not tidy the lock file");

        // The folders made for the lock file go with it when the run saved nothing there.
        CliTestSupport.Run bad = CliTestSupport.run("train", "--task", "a=" + dir.resolve("missing.npy") + ":" + a[1],
                "--epochs", "1", "--no-stl", "--backend", "cpu", "--out", dir.resolve("new/sub/m").toString());
        assertEquals(2, bad.code(), bad.all());
        assertFalse(Files.exists(dir.resolve("new")), bad.all());
    }
}
