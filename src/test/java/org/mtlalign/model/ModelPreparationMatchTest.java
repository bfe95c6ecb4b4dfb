package org.mtlalign.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.analysis.TestData;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.Task;
import org.mtlalign.data.TaskSuite;

/**
 * A model saved or wrapped with a preparation that is not the one it was trained on: the same
 * task names at another input dimension were accepted, so inMemory's Predictor failed with an
 * ArrayIndexOutOfBoundsException inside the standardisation and save wrote a folder that load
 * then called damaged (found in a library trial); the same names with another loss likewise.
 */
class ModelPreparationMatchTest {
    private final long seed = TestData.seed();
    private final Random rnd = new Random(seed);

    private Preparation.Result prepared(int d, Map<String, Loss> losses) {
        List<Task> tasks = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            int m = 30 + rnd.nextInt(20);
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                y[i] = i % 3;
            }
            tasks.add(new Task(name, TestData.gaussian(rnd, m * d, 1.0), m, d, y, 1, true, "memory"));
        }
        return Preparation.prepare(new TaskSuite("s", tasks, false), new Preparation.Config(0.2, 0.2, seed, null,
                Preparation.Standardize.GLOBAL, List.of(), losses));
    }

    private static MtlModel modelFor(Preparation.Result prep) {
        List<TaskHead> heads = new ArrayList<>();
        prep.tasks().forEach(t -> heads.add(t.head()));
        MtlModel m = new MtlModel(prep.tasks().get(0).dim(), 1, Activation.RELU, true, heads);
        m.initialize(3);
        return m;
    }

    @Test
    void aPreparationThatIsNotTheModelsIsRefusedWhenSavedOrWrapped(@TempDir Path dir) {
        int d = 3 + rnd.nextInt(5);
        Preparation.Result own = prepared(d, Map.of());
        MtlModel model = modelFor(own);
        Preparation.Result narrower = prepared(d - 1, Map.of());
        Preparation.Result otherLoss = prepared(d, Map.of("b", Loss.SQUARED));
        for (Preparation.Result wrong : List.of(narrower, otherLoss)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelIO.inMemory(model, wrong));
            assertTrue(e.getMessage().contains("head " + (wrong == narrower ? 0 : 1)), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ModelIO.save(dir.resolve("m"), model, wrong, null));
            assertFalse(Files.exists(dir.resolve("m")));
        }
        assertDoesNotThrow(() -> ModelIO.inMemory(model, own));
        assertDoesNotThrow(() -> ModelIO.save(dir.resolve("m"), model, own, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preparation.apply(new float[2 * d], 2, d, new float[d - 1], new float[d - 1]));
        assertTrue(e.getMessage().contains("d = " + d), e.getMessage());
    }
}
