package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.model.ModelIO;

/**
 * A checkpoint of mtl train --out DIR that cannot be written (a full disk) no longer ends the run:
 * before, the first failed checkpoint (after epoch 1) ended it with exit 2, and the results of
 * every training were lost. Now it warns once and trains on; the final save is tried at the end,
 * and if it fails too the run exits 2 with its one-line message after printing the tables.
 * The failures are made as ModelSaveRecoveryTest makes them, without a full disk: the save's
 * temporary folder (predicted from ModelIO's save counter) holds a folder where B.npy goes.
 */
class CliCheckpointFailureTest {
    @TempDir
    Path dir;

    /** Makes the next {@code count} saves of this JVM to {@code model} fail. */
    private void blockNextSaves(Path model, int count) throws Exception {
        java.lang.reflect.Field f = ModelIO.class.getDeclaredField("SAVES");
        f.setAccessible(true);
        long next = ((java.util.concurrent.atomic.AtomicLong) f.get(null)).get() + 1;
        java.lang.reflect.Method host = ModelIO.class.getDeclaredMethod("host");
        host.setAccessible(true);
        for (int i = 0; i < count; i++) {
            Path tmp = model.resolveSibling("." + model.getFileName() + ".tmp-" + host.invoke(null) + "-"
                    + ProcessHandle.current().pid() + "-" + (next + i));
            Files.createDirectories(tmp.resolve("B.npy"));
        }
    }

    /** Two binary tasks trained to {@code model}, with {@code more} options. */
    private CliTestSupport.Run train(Path model, String... more) throws Exception {
        String a = CliTestSupport.taskSpec(dir, "a", 200, 5);
        String b = CliTestSupport.taskSpec(dir, "b", 200, 5);
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--task", a, "--task", b,
                "--rank", "1", "--epochs", "5", "--backend", "cpu", "--out", model.toString()));
        args.addAll(java.util.List.of(more));
        return CliTestSupport.run(args.toArray(new String[0]));
    }

    private static long count(String text, String fragment) {
        return text.lines().filter(l -> l.contains(fragment)).count();
    }

    @Test
    void failedCheckpointsWarnOnceAndTheFinalSaveStillHappens() throws Exception {
        Path model = dir.resolve("m");
        // The checkpoint after epoch 1 and the one when MTL has trained (a slow run's checkpoint
        // after 10 s would take the second block instead; the final save succeeds either way).
        blockNextSaves(model, 2);
        CliTestSupport.Run r = train(model);
        assertEquals(0, r.code(), r.all());
        assertEquals(1, count(r.err(), "checkpoint failed"), r.err());
        assertTrue(r.err().contains("warning: checkpoint failed: " + model + ": cannot write the model (")
                && r.err().contains("nothing is saved in " + model + " yet and training goes on"), r.err());
        assertTrue(r.out().contains("test metric per task") && r.out().contains("saved the MTL model to " + model),
                r.out());
        assertTrue(Files.readString(model.resolve(ModelIO.MODEL_JSON)).contains("\"status\": \"complete\""));
    }

    @Test
    void whenTheFinalSaveFailsTooTheTablesArePrintedFirst() throws Exception {
        Path model = dir.resolve("m");
        blockNextSaves(model, 10);
        Path json = dir.resolve("r.json");
        CliTestSupport.Run r = train(model, "--json", json.toString());
        CliErrorTest.assertUserError(r, "mtl: " + model + ": cannot write the model (");
        assertTrue(r.out().contains("test metric per task"), r.out());
        assertEquals(1, count(r.err(), "checkpoint failed"), r.err());
        assertFalse(r.out().contains("saved the MTL model"), r.out());
        assertFalse(Files.exists(model));
        // The JSON is written, and says the model was not saved (before: "complete" and nothing else).
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertTrue(o.get("save_error").getAsString().startsWith(model + ": cannot write the model ("), o.toString());
    }

    /**
     * Ctrl-C or SIGTERM during a checkpoint: ModelIO's save then fails ("the program is stopping",
     * or its temporary folder removed by the clean-up), and the checkpoint warned "training goes on;
     * the final model is saved when it ends" beside the interrupted note, while the run was ending.
     * A save failing while the JVM stops now says nothing; one failing while it runs still warns.
     */
    @Test
    void aCheckpointFailingBecauseTheRunIsStoppingIsNotAWarning() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                "org.mtlalign.cli.CheckpointAtShutdownMain", dir.resolve("m").toString())
                .redirectError(err.toFile()).redirectOutput(dir.resolve("out.txt").toFile()).start();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        String text = Files.readString(err);
        assertTrue(text.contains("hook done"), text);
        assertEquals(1, count(text, "checkpoint failed"), text);
        assertTrue(text.contains("(No space left on device)"), text);
        assertFalse(text.contains("the program is stopping"), text);
    }

    /**
     * --out and --out-aligned on one full disk: the second failure replaced the first as the run's
     * error and no --json was written. Now the first is the error, the second a warning, and the
     * JSON is written with the first in save_error.
     */
    @Test
    void whenBothFinalSavesFailTheJsonIsStillWritten() throws Exception {
        Path model = dir.resolve("m");
        Path aligned = dir.resolve("m-aligned");
        blockNextSaves(model, 12);
        blockNextSaves(aligned, 12);
        Path json = dir.resolve("both.json");
        CliTestSupport.Run r = train(model, "--out-aligned", aligned.toString(), "--json", json.toString());
        CliErrorTest.assertUserError(r, "mtl: " + model + ": cannot write the model (");
        assertTrue(r.err().contains("warning: the MTL + alignment model was not saved either: " + aligned), r.err());
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertTrue(o.get("save_error").getAsString().startsWith(model + ": cannot write the model ("), o.toString());
        assertTrue(o.get("warnings").toString().contains("was not saved either"), o.toString());
    }

    /**
     * A training that diverges saves its last good parameters; when that save failed (a full disk)
     * its error replaced the divergence: exit 2 instead of 3, and no --json saying "diverged".
     */
    @Test
    void aDivergedRunWhoseSaveFailsStillEndsAsDiverged() throws Exception {
        Path model = dir.resolve("m");
        blockNextSaves(model, 12);
        Path json = dir.resolve("diverged.json");
        String a = CliTestSupport.taskSpec(dir, "a", 80, 5);
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", a, "--rank", "2", "--lr", "1e30", "--optimizer",
                "sgd", "--no-stl", "--align", "none", "--reweight", "none", "--backend", "cpu", "--out",
                model.toString(), "--json", json.toString());
        assertEquals(Main.EXIT_DIVERGED, r.code(), r.all());
        assertTrue(r.err().contains("warning: the MTL model's last good parameters were not saved: " + model), r.err());
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals("diverged", o.get("status").getAsString(), o.toString());
        assertTrue(o.get("save_error").getAsString().startsWith(model + ": cannot write the model ("), o.toString());
    }
}
