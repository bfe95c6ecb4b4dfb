package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interruption note of mtl sweep, pairs and train --seeds (seen in the stress trial): pairs
 * stopped with two workers printed '[27/63]' and '[28/63]' after its note 'after 26 of 63', and
 * a run stopped after its last training, while its tables printed, exited 130 without a word and
 * without --json. The note now ends the progress lines, and stays until --json is written.
 */
class InterruptedNoteAfterTrainingsTest {
    @TempDir
    Path dir;

    @Test
    void aNoteAfterEveryTrainingSaysJsonWasNotWrittenAndEndsTheProgressLines() throws Exception {
        int total = 3 + new Random().nextInt(40);
        Path json = dir.resolve("r.json");
        Files.writeString(json, "{}");
        int[] done = {total};
        StringWriter text = new StringWriter();
        Thread note = Outputs.interruptedNote(new PrintWriter(text), done, total, json, "trainings");
        Outputs.endInterruptedNote(note);
        assertFalse(Outputs.stopped(done));
        note.run();
        assertEquals("\nmtl: interrupted after all " + total + " trainings, before --json " + json
                + " was written (it keeps its earlier contents)\n", text.toString().replace(System.lineSeparator(), "\n"));
        assertTrue(Outputs.stopped(done), "progress lines go on after the note");
        assertFalse(Outputs.stopped(new int[] {total}), "another run's progress lines stop too");

        StringWriter some = new StringWriter();
        int[] part = {total - 2};
        Thread early = Outputs.interruptedNote(new PrintWriter(some), part, total, dir.resolve("new.json"), "seeds");
        Outputs.endInterruptedNote(early);
        early.run();
        assertTrue(some.toString().contains("interrupted after " + (total - 2) + " of " + total + " seeds; their results "
                + "were not saved (--json " + dir.resolve("new.json") + " is written when all have ended)"), some.toString());
    }

    @Test
    void theNoteStaysUntilAJsonFileIsWrittenAndEndsWithTheCommand() {
        int[] done = {0};
        PrintWriter sink = new PrintWriter(new StringWriter());
        Thread toFile = Outputs.interruptedNote(sink, done, 2, dir.resolve("r.json"), "trainings");
        Outputs.keepNoteForJson(toFile, dir.resolve("r.json"));
        Thread toStdout = Outputs.interruptedNote(sink, done, 2, Path.of("-"), "trainings");
        Outputs.keepNoteForJson(toStdout, Path.of("-"));
        Thread none = Outputs.interruptedNote(sink, done, 2, null, "trainings");
        Outputs.keepNoteForJson(none, null);
        assertFalse(Runtime.getRuntime().removeShutdownHook(toStdout), "kept for --json -");
        assertFalse(Runtime.getRuntime().removeShutdownHook(none), "kept without --json");
        Outputs.endAllNotes();
        assertFalse(Runtime.getRuntime().removeShutdownHook(toFile), "still registered after the command ended");

        Thread again = Outputs.interruptedNote(sink, done, 2, dir.resolve("r.json"), "trainings");
        Outputs.keepNoteForJson(again, dir.resolve("r.json"));
        assertTrue(Runtime.getRuntime().removeShutdownHook(again), "ended before --json was written");
        Outputs.endInterruptedNote(again);
    }
}
