package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Reading large inputs is announced on standard error before it starts; small ones are not. */
class LargeInputLineTest {
    @TempDir
    Path dir;

    private static DataOptions options(String... args) {
        DataOptions d = new DataOptions();
        new CommandLine(new TrainCommand.Holder(d)).parseArgs(args);
        return d;
    }

    @Test
    void inputsAreMeasuredAndAnnouncedFromTheThreshold() throws Exception {
        Path tasks = Files.createDirectories(dir.resolve("tasks"));
        CliTestSupport.binaryTask(tasks, "a", 60, 4, 1);
        Path[] b = CliTestSupport.binaryTask(tasks, "b", 40, 4, 2);
        Files.writeString(tasks.resolve(".notes"), "not counted");
        long size;
        try (Stream<Path> files = Files.walk(tasks)) {
            size = files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                    .mapToLong(f -> f.toFile().length()).sum();
        }
        DataOptions d = options("--tasks", tasks.toString());
        assertEquals(size, d.inputBytes());
        // A file named twice counts once.
        DataOptions twice = options("--task", "b=" + b[0] + ":" + b[1], "--task", "c=" + b[0] + ":" + b[1]);
        assertEquals(b[0].toFile().length() + b[1].toFile().length(), twice.inputBytes());
        assertEquals(0, options("--suite", "digits-pairs").inputBytes());

        StringWriter quiet = new StringWriter();
        assertEquals(2, d.load(new PrintWriter(quiet)).tasks().size());
        assertEquals("", quiet.toString(), "small inputs load without a line");

        StringWriter said = new StringWriter();
        assertEquals(2, d.load(new PrintWriter(said), size).tasks().size());
        assertTrue(said.toString().matches("  \\.\\. reading 0\\.0 GB of input files, then splitting and standardising "
                + "them\\R"), said.toString());
    }
}
