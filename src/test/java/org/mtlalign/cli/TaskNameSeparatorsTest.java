package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task named with ',' or '=' (a --tasks folder 'a,b', a CSV header name) cannot be named in
 * --loss's TASK=KIND,... list or --positive's TASK=LABEL: 'a,b=squared' was read as the loss 'a' for
 * every task ("unknown loss 'a'"), 'x=1=true' as the task 'x'. Such a use is refused up front in one
 * line naming the task and the option and saying how to rename; options naming other tasks still work.
 */
class TaskNameSeparatorsTest {
    @TempDir
    Path dir;

    private Path tasks() throws Exception {
        Path root = dir.resolve("tasks");
        for (String name : new String[] {"a,b", "c", "x=1"}) {
            Path[] p = CliTestSupport.binaryTask(dir.resolve("src"), name.replace(',', '_').replace('=', '_'), 90, 3,
                    name.hashCode());
            Path td = root.resolve(name);
            Files.createDirectories(td);
            Files.copy(p[0], td.resolve("X.npy"));
            Files.copy(p[1], td.resolve("y.npy"));
        }
        return root;
    }

    private static void assertOneLine(CliTestSupport.Run r, String option, String task) {
        assertEquals(2, r.code(), r.all());
        String line = r.err().lines().filter(l -> l.startsWith("mtl:")).findFirst().orElse("");
        assertTrue(line.startsWith("mtl: " + option + ": task '" + task + "' has '"), r.err());
        assertTrue(line.contains("rename it without ',' and '='"), line);
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void lossAndPositiveRefuseNamesTheyCannotWrite() throws Exception {
        String t = tasks().toString();
        assertOneLine(CliTestSupport.run("train", "--tasks", t, "--loss", "a,b=squared", "--epochs", "1"), "--loss", "a,b");
        assertOneLine(CliTestSupport.run("pairs", "--tasks", t, "--loss", "a,b=squared", "--epochs", "1"), "--loss", "a,b");
        assertOneLine(CliTestSupport.run("sweep", "--tasks", t, "--loss", "a,b=squared", "--epochs", "1"), "--loss", "a,b");
        assertOneLine(CliTestSupport.run("analyze", "--tasks", t, "--positive", "x=1=1"), "--positive", "x=1");
    }

    @Test
    void optionsNamingOtherTasksStillWork() throws Exception {
        String t = tasks().toString();
        CliTestSupport.Run r = CliTestSupport.run("analyze", "--tasks", t, "--loss", "c=logistic", "--positive", "c=0");
        assertEquals(0, r.code(), r.all());
    }
}
