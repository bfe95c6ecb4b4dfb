package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;

/** --label-noise on the command line: repeatable (one per task), recorded, and clear errors. */
class LabelNoiseCliTest {
    @TempDir
    Path dir;

    private String task(String name, int m, int d) throws Exception {
        return CliTestSupport.taskSpec(dir, name, m, d);
    }

    private String regressionTask(String name, int m, int d) throws Exception {
        Path[] p = CliTestSupport.binaryTask(dir, name, m, d, name.hashCode());
        Random rnd = new Random(7);
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            y[i] = (float) rnd.nextGaussian();
        }
        Path yr = dir.resolve(name + "-real.npy");
        Npy.write(yr, new int[] {m}, y);
        return name + "=" + p[0] + ":" + yr;
    }

    private static void assertUserError(CliTestSupport.Run r, String... fragments) {
        assertEquals(2, r.code(), "exit code; output: " + r.all());
        String err = r.err().strip();
        assertEquals(1, err.lines().filter(l -> l.startsWith("mtl:")).count(), "one error line: " + err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "stack trace or exception class: " + err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "message '" + err + "' lacks '" + f + "'");
        }
    }

    @Test
    void repeatedOptionMakesSeveralTasksNoisyAndIsRecorded() throws Exception {
        Path json = dir.resolve("out.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", task("a", 100, 4), "--task", task("b", 100, 4),
                "--task", task("c", 100, 4), "--label-noise", "a:0.2", "--label-noise", "c:0.5", "--rank", "2",
                "--epochs", "2", "--no-stl", "--align", "none", "--reweight", "none", "--backend", "cpu",
                "--json", json.toString());
        assertEquals(0, r.code(), r.all());
        String out = r.out();
        String lineA = out.lines().filter(l -> l.contains("task a ")).findFirst().orElse("");
        String lineB = out.lines().filter(l -> l.contains("task b ")).findFirst().orElse("");
        String lineC = out.lines().filter(l -> l.contains("task c ")).findFirst().orElse("");
        // 100 rows: 60 train, 20 validation, 20 test.
        assertTrue(lineA.contains("label noise: 20%") && lineA.contains("12 + 4 rows") && lineA.contains("test labels clean"),
                lineA);
        assertFalse(lineB.contains("label noise"), lineB);
        assertTrue(lineC.contains("label noise: 50%") && lineC.contains("30 + 10 rows"), lineC);
        JsonObject j = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonArray noise = j.getAsJsonObject("config").getAsJsonObject("data").getAsJsonArray("labelNoise");
        assertEquals(2, noise.size(), j.getAsJsonObject("config").toString());
        assertEquals("c", noise.get(1).getAsJsonObject().get("task").getAsString());
    }

    @Test
    void errors() throws Exception {
        String a = task("a", 60, 4);
        String reg = regressionTask("r", 60, 4);
        assertUserError(CliTestSupport.run("analyze", "--task", a, "--label-noise", "a:0.1", "--label-noise", "a:0.2"),
                "--label-noise", "'a'", "more than once");
        assertUserError(CliTestSupport.run("analyze", "--task", a, "--task", reg, "--label-noise", "r:0.2"),
                "--label-noise", "'r'", "regression");
        assertUserError(CliTestSupport.run("train", "--task", a, "--label-noise", "a:0.2", "--loss", "squared"),
                "--label-noise", "regression");
        assertUserError(CliTestSupport.run("analyze", "--task", a, "--label-noise", "zzz:0.2"), "--label-noise", "'zzz'");
        assertUserError(CliTestSupport.run("analyze", "--task", a, "--label-noise", "a:1.5"), "--label-noise", "[0, 1]");
        assertUserError(CliTestSupport.run("analyze", "--task", a, "--label-noise", "a"), "--label-noise", "TASK:FRACTION");
    }
}
