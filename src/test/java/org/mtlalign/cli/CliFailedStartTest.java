package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training that failed at its start is trained again, and every command says so alike: on
 * digits-pairs (seed 1, r = 1) the STL baseline of 2-vs-3 learned nothing from its first start
 * (test AUC 0.498), which mtl pairs read as +0.15 of transfer from every partner.
 */
class CliFailedStartTest {
    @TempDir
    Path dir;

    private static JsonObject read(Path p) throws Exception {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    @Test
    void pairsAndTrainRestartTheBaselineAndSayHow() throws Exception {
        Path pj = dir.resolve("pairs.json");
        CliTestSupport.Run p = CliTestSupport.run("pairs", "--seeds", "1", "--seed", "1", "--target", "2-vs-3",
                "--backend", "cpu", "--json", pj.toString());
        assertEquals(0, p.code(), p.all());
        assertTrue(p.out().contains("note: 1 of 5 trainings failed at its start and was trained again from another "
                + "initialisation, which learned: the results shown are the restart's (STL 2-vs-3, seed 1: learned "
                + "nothing (validation loss not 1% below the constant prediction's), a ReLU unit turned off (alive on "
                + "7.9% of the training rows))"), p.all());
        assertFalse(p.all().contains("learned nothing from the inputs (STL 2-vs-3"), "no failed-baseline warning: " + p.all());
        JsonObject pairs = read(pj);
        JsonObject stl = null;
        for (JsonElement e : pairs.getAsJsonArray("stl")) {
            if (e.getAsJsonObject().get("task").getAsString().equals("2-vs-3")) {
                stl = e.getAsJsonObject().getAsJsonArray("runs").get(0).getAsJsonObject();
            }
        }
        assertEquals(1, stl.get("restarts").getAsInt(), stl.toString());
        assertTrue(stl.get("restart_kept").getAsBoolean());
        assertTrue(stl.get("restart_reason").getAsString().startsWith("learned nothing"), stl.toString());
        assertTrue(stl.getAsJsonArray("test").get(0).getAsDouble() > 0.95, stl.toString());
        for (JsonElement e : pairs.getAsJsonArray("pairs")) {
            JsonObject run = e.getAsJsonObject().getAsJsonArray("runs").get(0).getAsJsonObject();
            assertEquals(0, run.get("restarts").getAsInt(), run.toString());
            assertTrue(run.get("restart_reason").isJsonNull(), run.toString());
        }

        // mtl train's STL column is the same training, restarted the same way, to the last bit.
        Path tj = dir.resolve("train.json");
        CliTestSupport.Run t = CliTestSupport.run("train", "--seed", "1", "--rank", "1", "--align", "none",
                "--reweight", "none", "--backend", "cpu", "--json", tj.toString());
        assertEquals(0, t.code(), t.all());
        assertTrue(t.out().contains("note: 1 of 6 trainings failed at its start and was trained again from another "
                + "initialisation, which learned: the results shown are the restart's (STL 2-vs-3: learned nothing"),
                t.all());
        JsonObject train = read(tj);
        for (JsonElement e : train.getAsJsonArray("trainings")) {
            JsonObject tr = e.getAsJsonObject();
            boolean restarted = tr.get("run").getAsString().equals("STL 2-vs-3");
            assertEquals(restarted ? 1 : 0, tr.get("restarts").getAsInt(), tr.toString());
            assertEquals(restarted, tr.get("restartKept").getAsBoolean(), tr.toString());
        }
        double trainStl = train.getAsJsonArray("tasks").get(1).getAsJsonObject().get("stl").getAsDouble();
        assertEquals(Double.doubleToLongBits(stl.getAsJsonArray("test").get(0).getAsDouble()),
                Double.doubleToLongBits(trainStl));
    }

    /** Each sweep run says whether it was restarted (here none was). */
    @Test
    void sweepRunsCarryTheirRestarts() throws Exception {
        Path sj = dir.resolve("sweep.json");
        CliTestSupport.Run s = CliTestSupport.run("sweep", "--ranks", "4", "--seeds", "1", "--epochs", "5",
                "--backend", "cpu", "--json", sj.toString());
        assertEquals(0, s.code(), s.all());
        JsonObject run = read(sj).getAsJsonArray("ranks").get(0).getAsJsonObject().getAsJsonArray("runs").get(0)
                .getAsJsonObject();
        assertEquals(0, run.get("restarts").getAsInt(), run.toString());
        assertFalse(run.get("restart_kept").getAsBoolean());
        assertTrue(run.get("restart_reason").isJsonNull());
        assertFalse(s.out().contains("trained again"), s.all());
    }

    /**
     * Transfer mode restarts its target's STL baseline as train does: on raw digits pixels at r = 1
     * the baseline of 2-vs-3 ended with its unit dead (AUC 0.5000, marked '!') before restarts.
     */
    @Test
    void transferModeRestartsTheTargetBaseline() throws Exception {
        Path tj = dir.resolve("transfer.json");
        CliTestSupport.Run t = CliTestSupport.run("train", "--transfer-target", "2-vs-3", "--standardize", "none",
                "--rank", "1", "--epochs", "60", "--backend", "cpu", "--json", tj.toString());
        assertEquals(0, t.code(), t.all());
        assertTrue(t.out().contains("note: 1 of 4 trainings failed at its start and was trained again from another "
                + "initialisation, which learned: the results shown are the restart's (STL 2-vs-3: its ReLU unit "
                + "outputs 0 on every training row after training)"), t.all());
        JsonObject tr = read(tj).getAsJsonObject("transfer");
        JsonObject stl = tr.getAsJsonObject("stlTraining");
        assertEquals(1, stl.get("restarts").getAsInt(), stl.toString());
        assertTrue(stl.get("restartKept").getAsBoolean(), stl.toString());
        assertTrue(tr.get("stl").getAsDouble() > 0.95, tr.toString());
        assertEquals(0, tr.getAsJsonArray("noBetterThanPrior").size(), tr.toString());
        for (String k : new String[] {"sourceTraining", "fineTuneTraining", "alignedTraining"}) {
            assertEquals(0, tr.getAsJsonObject(k).get("restarts").getAsInt(), k);
            assertTrue(tr.getAsJsonObject(k).get("restartReason").isJsonNull(), k);
        }
    }
}
