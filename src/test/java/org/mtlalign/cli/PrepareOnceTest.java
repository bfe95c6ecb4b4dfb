package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Digits;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.data.TaskSuite;
import picocli.CommandLine;

/**
 * A command that prepares its data once standardises the arrays it read from files in place
 * (they are then held once, not twice); a built-in suite's arrays, which may be shared (the
 * digits' cached inputs), are copied as before, and commands over several seeds keep the loaded
 * arrays for the further seeds.
 */
class PrepareOnceTest {
    @TempDir
    Path dir;

    private static DataOptions options(String... args) {
        DataOptions d = new DataOptions();
        new CommandLine(new TrainCommand.Holder(d)).parseArgs(args);
        return d;
    }

    @Test
    void filesAreStandardisedInPlaceAndBuiltInSuitesAreCopied() throws Exception {
        Path tasks = Files.createDirectories(dir.resolve("tasks"));
        CliTestSupport.binaryTask(tasks, "a", 60, 4, 1);
        CliTestSupport.binaryTask(tasks, "b", 50, 4, 2);
        DataOptions files = options("--tasks", tasks.toString());
        TaskSuite loaded = files.load();
        Preparation.Result expected = Preparation.prepare(files.load(), files.preparation());
        Preparation.Result once = files.prepareOnce(loaded, files.preparation());
        for (int i = 0; i < 2; i++) {
            PreparedTask p = once.tasks().get(i);
            assertSame(loaded.tasks().get(i).x(), p.x(), "no copy of the inputs");
            assertArrayEquals(expected.tasks().get(i).x(), p.x());
        }
        assertThrows(IllegalStateException.class, () -> Preparation.prepare(loaded, files.preparation()));

        float[] digits = Digits.images();
        DataOptions builtin = options("--suite", "digits-ovr");
        TaskSuite ovr = builtin.load();
        Preparation.Result p = builtin.prepareOnce(ovr, builtin.preparation());
        assertNotSame(ovr.tasks().get(0).x(), p.tasks().get(0).x());
        assertArrayEquals(digits, Digits.images(), "the cached digits were changed");
        // and the suite can be prepared again, as for another seed
        Preparation.prepare(ovr, builtin.preparation().withSeed(2));
    }

    @Test
    void severalSeedsOfDataFromFilesArePreparedFromTheLoadedValues() throws Exception {
        Path tasks = Files.createDirectories(dir.resolve("tasks"));
        CliTestSupport.binaryTask(tasks, "a", 80, 4, 3);
        CliTestSupport.binaryTask(tasks, "b", 70, 4, 4);
        // Seed 2 alone, and seed 2 as the second of two seeds: the same test metrics.
        Path alone = dir.resolve("alone.json");
        Path both = dir.resolve("both.json");
        CliTestSupport.Run r1 = CliTestSupport.run("train", "--tasks", tasks.toString(), "--rank", "2", "--epochs", "3",
                "--no-stl", "--align", "none", "--reweight", "none", "--seed", "2", "--json", alone.toString());
        assertEquals(0, r1.code(), r1.all());
        CliTestSupport.Run r2 = CliTestSupport.run("train", "--tasks", tasks.toString(), "--rank", "2", "--epochs", "3",
                "--no-stl", "--align", "none", "--reweight", "none", "--seed", "1", "--seeds", "2", "--json",
                both.toString());
        assertEquals(0, r2.code(), r2.all());
        JsonObject a = JsonParser.parseString(Files.readString(alone)).getAsJsonObject();
        JsonObject b = JsonParser.parseString(Files.readString(both)).getAsJsonObject();
        JsonObject second = b.getAsJsonArray("runs").get(1).getAsJsonObject();
        assertEquals(2, second.get("seed").getAsInt());
        assertEquals(a.getAsJsonArray("tasks"), second.getAsJsonArray("tasks"), "seed 2 of two seeds is not seed 2 alone");
    }
}
