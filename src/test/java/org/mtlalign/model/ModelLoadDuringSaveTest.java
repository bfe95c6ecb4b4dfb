package org.mtlalign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mtl predict on a model that a running training checkpoints into: each save moves the folder
 * aside and renames the new one in, so a load could find no model.json (exit 2), or read
 * model.json and some parameters of one save and the rest of the next (a model never saved).
 */
class ModelLoadDuringSaveTest {
    @TempDir
    Path dir;

    @Test
    void aLoadDuringRepeatedSavesGetsOneWholeSave() throws Exception {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        int d = 37 + rnd.nextInt(40);
        List<TaskHead> heads = List.of(new TaskHead("a", Loss.SQUARED, 1), new TaskHead("b", Loss.SQUARED, 1),
                new TaskHead("c", Loss.SQUARED, 1));
        Path target = dir.resolve("m");
        // Every parameter of save number n holds n, so a mixed read shows as two values.
        MtlModel m = new MtlModel(d, 3, Activation.RELU, true, heads);
        fill(m, 1);
        ModelIO.save(target, m, new JsonObject(), null);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> saveError = new AtomicReference<>();
        Thread saver = new Thread(() -> {
            MtlModel s = new MtlModel(d, 3, Activation.RELU, true, heads);
            try {
                for (int n = 2; !stop.get(); n++) {
                    fill(s, n);
                    ModelIO.save(target, s, new JsonObject(), null);
                    // A training checkpoints between epochs, not back to back: without a pause a
                    // loaded machine could keep every read overlapping a save past load's 10 s wait.
                    Thread.sleep(2);
                }
            } catch (Throwable t) {
                saveError.set(t);
            }
        });
        saver.start();
        int loads = 0;
        try {
            long end = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < end) {
                MtlModel got = ModelIO.load(target).model();
                float v = got.shared().value()[0];
                for (Tensor t : got.parameters()) {
                    for (float x : t.value()) {
                        assertEquals(v, x, "seed " + seed + ": " + t.name() + " is of another save than B (load " + loads + ")");
                    }
                }
                loads++;
            }
        } finally {
            stop.set(true);
            saver.join();
        }
        assertEquals(null, saveError.get());
        assertTrue(loads >= 5, "only " + loads + " loads");
    }

    private static void fill(MtlModel m, int n) {
        for (Tensor t : m.parameters()) {
            java.util.Arrays.fill(t.value(), n);
            java.util.Arrays.fill(t.moment1(), n);
            java.util.Arrays.fill(t.moment2(), n);
        }
    }
}
