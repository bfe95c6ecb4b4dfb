package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.analysis.TestData;
import org.mtlalign.data.PreparedTask;
import org.mtlalign.train.TrainConfig;

/**
 * --sampling auto (the default): round-robin while the largest task has at most 3 times the
 * smallest's training rows, proportional beyond (docs/results/sampling.md); the run says which it
 * used and why, the JSON and model.json record the rule used, and --sampling overrides it.
 */
class CliSamplingTest {
    @TempDir
    Path dir;

    private static PreparedTask task(String name, int trainRows) {
        int m = trainRows + 2;
        return TestData.regression(name, new float[m], m, 1, new float[m], 1, TestData.range(trainRows),
                new int[] {trainRows}, new int[] {trainRows + 1});
    }

    private static FitOptions options(String sampling) {
        FitOptions f = new FitOptions();
        f.sampling = sampling;
        f.optimizer = "adam";
        f.epochs = 1;
        f.lr = 0.005f;
        f.momentum = 0.9f;
        f.batch = 32;
        f.patience = 1;
        f.progress = false;
        return f;
    }

    @Test
    void autoIsRoundRobinUpToThreeTimesAndProportionalBeyond() {
        FitOptions f = options("auto");
        assertEquals("round-robin (auto: task sizes differ 3x (100 to 300 training rows), at most 3x; --sampling proportional to override)",
                f.chooseSampling(List.of(task("a", 100), task("b", 300))));
        assertEquals(TrainConfig.Sampling.ROUND_ROBIN, f.trainConfig(1).sampling());
        f = options("auto");
        assertEquals("proportional (auto: task sizes differ 3.01x (100 to 301 training rows), over 3x; --sampling round-robin to override)",
                f.chooseSampling(List.of(task("a", 100), task("b", 301), task("c", 200))));
        assertEquals(TrainConfig.Sampling.PROPORTIONAL, f.trainConfig(1).sampling());
        f = options("auto");
        assertEquals("proportional (auto: task sizes differ 33x (300 to 10000 training rows), over 3x; --sampling round-robin to override)",
                f.chooseSampling(List.of(task("a", 300), task("b", 10000))));
        f = options("auto");
        assertEquals("round-robin (auto: one task)", f.chooseSampling(List.of(task("a", 300))));
        assertEquals(TrainConfig.Sampling.ROUND_ROBIN, f.trainConfig(1).sampling());
    }

    @Test
    void anExplicitRuleIsKept() {
        for (String s : new String[] {"round-robin", "proportional", "all"}) {
            FitOptions f = options(s);
            assertEquals(s + " (--sampling)", f.chooseSampling(List.of(task("a", 30), task("b", 10000))));
            assertEquals(TrainConfig.Sampling.parse(s), f.trainConfig(1).sampling());
        }
    }

    @Test
    void theDefaultIsAutoAndTheRunSaysWhatItUsed() throws Exception {
        // 60/20/20 splits: 60 and 1800 training rows (30x).
        String small = CliTestSupport.taskSpec(dir, "small", 100, 3);
        String big = CliTestSupport.taskSpec(dir, "big", 3000, 3);
        Path json = dir.resolve("r.json");
        Path model = dir.resolve("model");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", small, "--task", big, "--rank", "1", "--epochs", "1",
                "--no-stl", "--align", "none", "--reweight", "none", "--json", json.toString(), "--out", model.toString());
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("\nsampling: proportional (auto: task sizes differ 30x (60 to 1800 training rows), over 3x; --sampling "
                + "round-robin to override)\n"), r.out());
        JsonObject config = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("config");
        assertEquals("PROPORTIONAL", config.getAsJsonObject("train").get("sampling").getAsString());
        assertEquals("auto", config.get("sampling_option").getAsString());
        JsonObject saved = JsonParser.parseString(Files.readString(model.resolve("model.json"))).getAsJsonObject();
        assertTrue(saved.toString().contains("\"sampling\":\"PROPORTIONAL\""), saved.toString());

        // Resumed: the recorded rule, said to come from the model.
        r = CliTestSupport.run("train", "--task", small, "--task", big, "--epochs", "1", "--no-stl", "--align", "none",
                "--reweight", "none", "--resume", model.toString());
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("\nsampling: proportional (recorded in " + model + ")\n"), r.out());

        r = CliTestSupport.run("train", "--task", small, "--task", big, "--rank", "1", "--epochs", "1", "--no-stl",
                "--align", "none", "--reweight", "none", "--sampling", "round-robin", "--json", json.toString());
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("\nsampling: round-robin (--sampling)\n"), r.out());
        config = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("config");
        assertEquals("ROUND_ROBIN", config.getAsJsonObject("train").get("sampling").getAsString());
        assertEquals("round-robin", config.get("sampling_option").getAsString());
        assertFalse(r.out().contains("auto:"), r.out());
    }

    @Test
    void equalTasksStayRoundRobin() throws Exception {
        String a = CliTestSupport.taskSpec(dir, "a", 200, 3);
        String b = CliTestSupport.taskSpec(dir, "b", 250, 3);
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", a, "--task", b, "--rank", "1", "--epochs", "1",
                "--no-stl", "--align", "none", "--reweight", "none");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("\nsampling: round-robin (auto: task sizes differ 1.25x (120 to 150 training rows), at most 3x; "
                + "--sampling "
                + "proportional to override)\n"), r.out());
    }

    @Test
    void theOneEpochNoteSuggestsProportionalOnlyWhenItWasNotUsed() {
        org.mtlalign.train.ExperimentResult.Training t =
                new org.mtlalign.train.ExperimentResult.Training("MTL", 20, 1, 0.5, true, null);
        assertTrue(TrainCommand.oneEpochNote(t, 0, 3, TrainConfig.Sampling.ROUND_ROBIN)
                .contains("--sampling proportional"));
        String note = TrainCommand.oneEpochNote(t, 0, 3, TrainConfig.Sampling.PROPORTIONAL);
        assertTrue(note != null && !note.contains("--sampling proportional"), note);
    }

    /**
     * --transfer-target: only the other tasks train together (the target is fine-tuned alone), so
     * they decide --sampling auto. A small target beside two equal sources made it proportional,
     * "task sizes differ 10x", sizes of tasks that never share a training.
     */
    @Test
    void transferModeChoosesByTheSourcesOnly() throws Exception {
        String a = CliTestSupport.taskSpec(dir, "a", 500, 3);
        String b = CliTestSupport.taskSpec(dir, "b", 500, 3);
        String t = CliTestSupport.taskSpec(dir, "t", 50, 3);
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", a, "--task", b, "--task", t, "--rank", "1",
                "--epochs", "1", "--transfer-target", "t", "--backend", "cpu");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("\nsampling: round-robin (auto: task sizes differ 1x (300 to 300 training rows), at most 3x; "
                + "--sampling "
                + "proportional to override)\n"), r.out());
    }

    /**
     * mtl sweep's warning on trainings best after their first epoch suggested --sampling
     * proportional also when the sweep had used it (auto on tasks over 3 times apart), as mtl
     * train's note no longer does.
     */
    @Test
    void theSweepsOneEpochWarningSuggestsProportionalOnlyWhenItWasNotUsed() {
        assertTrue(SweepCommand.oneEpochWarning(2, 3, 4, TrainConfig.Sampling.ROUND_ROBIN)
                .contains("--sampling proportional gives the large tasks more of the steps"));
        String w = SweepCommand.oneEpochWarning(2, 3, 4, TrainConfig.Sampling.PROPORTIONAL);
        assertTrue(w != null && !w.contains("--sampling proportional") && w.startsWith("3 of 4 trainings had their "
                + "lowest validation loss") && w.endsWith("'mtl pairs' measures which pairs conflict"), w);
        assertEquals(null, SweepCommand.oneEpochWarning(2, 1, 4, TrainConfig.Sampling.ROUND_ROBIN));
        assertEquals(null, SweepCommand.oneEpochWarning(1, 4, 4, TrainConfig.Sampling.ROUND_ROBIN));
    }

    /**
     * The library's TrainConfig.Sampling.parse has no auto; its message listed auto among the
     * expected values while refusing it. The CLI's message lists auto, which the CLI accepts.
     */
    @Test
    void unknownRulesAreNamedWithWhatEachSideAccepts() {
        org.mtlalign.UserInputException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.mtlalign.UserInputException.class, () -> TrainConfig.Sampling.parse("auto"));
        assertEquals("--sampling: unknown task sampling 'auto' (expected round-robin, proportional or all)",
                e.getMessage());
        CliTestSupport.Run r = CliTestSupport.run("train", "--sampling", "cyclic", "--epochs", "1");
        CliErrorTest.assertUserError(r, "--sampling: unknown task sampling 'cyclic' (expected auto, round-robin, "
                + "proportional or all)");
    }
}
