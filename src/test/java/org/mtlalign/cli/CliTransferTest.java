package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtl train --transfer-target}: both fine-tuning heads start at zero (logistic loss ln 2
 * on the validation rows), each variant's epochs are printed and recorded, and a run that the
 * --epochs cap ended (here a one-epoch budget, which always does) is flagged and warned about.
 */
class CliTransferTest {
    @TempDir
    Path dir;

    @Test
    void transferModeReportsStartsAndWarnsWhenTheEpochCapEndedARun() throws Exception {
        Path[] a = CliTestSupport.binaryTask(dir, "a", 120, 6, 31);
        Path[] b = CliTestSupport.binaryTask(dir, "b", 100, 6, 32);
        Path json = dir.resolve("t.json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task",
                "b=" + b[0] + ":" + b[1], "--rank", "2", "--epochs", "1", "--transfer-target", "b", "--json",
                json.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("frozen B + new head + alignment R") && r.out().contains("epochs run (best)")
                && r.out().contains(" cap"), r.out());
        assertTrue(r.err().contains("raise --epochs"), r.err());
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        // The data it ran on, as in every mtl train JSON.
        assertEquals("tasks", root.get("suite").getAsString());
        assertTrue(!root.get("shared_inputs").getAsBoolean());
        assertEquals("[\"a\",\"b\"]", root.get("task_names").toString());
        JsonObject t = root.getAsJsonObject("transfer");
        assertEquals(1, t.get("epochCap").getAsInt());
        for (String v : new String[] {"fineTuneTraining", "alignedTraining"}) {
            JsonObject run = t.getAsJsonObject(v);
            assertEquals(Math.log(2), run.get("startValidationLoss").getAsDouble(), 1e-6, v + " starts at zero");
            assertTrue(run.get("hitEpochCap").getAsBoolean(), v);
        }
        // The source model that supplied B: one epoch, the cap, said in the text and the warnings.
        JsonObject src = t.getAsJsonObject("sourceTraining");
        assertEquals(1, src.get("epochs").getAsInt());
        assertTrue(src.get("hitEpochCap").getAsBoolean());
        assertTrue(r.out().contains("B: MTL on the 1 source task, epochs run (best) 1 (1) cap"), r.out());
        assertTrue(r.out().contains("frozen B + R can be any d x r module"), r.out());
        assertTrue(r.err().contains("the source model that supplied B ran all 1 epochs"), r.err());
    }
}
