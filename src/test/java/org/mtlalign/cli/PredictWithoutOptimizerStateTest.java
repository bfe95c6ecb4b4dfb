package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.data.Npy;
import org.mtlalign.model.ModelIO;
import org.mtlalign.model.MtlModel;
import org.mtlalign.model.Tensor;

/**
 * mtl predict needs a model's parameter values only. It read (and held) every parameter's
 * gradient and both optimiser moments too: an aligned model of 4 tasks at d = 4096 needed over
 * 1 GiB of heap to predict 2000 rows, and a folder stripped of its {@code *.adam_*.npy} files
 * (which docs/json.md calls "not needed to predict") could not be applied at all.
 */
class PredictWithoutOptimizerStateTest {
    @TempDir
    Path dir;

    @Test
    void predictReadsTheValuesAloneAndAStrippedFolderPredictsTheSame() throws Exception {
        Random rnd = new Random(11);
        int d = 6;
        String[] specs = new String[2];
        for (int t = 0; t < 2; t++) {
            int m = 80;
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) rnd.nextGaussian();
                    s += x[i * d + j] * (j + 1 - t);
                }
                y[i] = s + 0.3 * rnd.nextGaussian() > 0 ? 1 : 0;
            }
            specs[t] = CliTestSupport.writeTask(dir, "t" + t, "t" + t, x, m, d, y);
        }
        Path aligned = dir.resolve("aligned");
        CliTestSupport.Run run = CliTestSupport.run("train", "--task", specs[0], "--task", specs[1], "--rank", "1",
                "--epochs", "5", "--no-stl", "--reweight", "none", "--out-aligned", aligned.toString());
        assertEquals(0, run.code(), run.all());

        Path in = dir.resolve("t1").resolve("X.npy");
        Path full = dir.resolve("full.npy");
        CliTestSupport.Run p = CliTestSupport.run("predict", "--model", aligned.toString(), "--task", "t1", "--in",
                in.toString(), "--out", full.toString());
        assertEquals(0, p.code(), p.all());

        // Loaded to predict: every value as ModelIO.load reads it, and no gradient or moments.
        ModelIO.Loaded all = ModelIO.load(aligned);
        ModelIO.Loaded values = ModelIO.loadForPrediction(aligned);
        assertTrue(values.model().hasAlignment());
        List<Tensor> a = all.model().parameters();
        List<Tensor> v = values.model().parameters();
        assertEquals(a.size(), v.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).value(), v.get(i).value(), a.get(i).name());
            assertTrue(a.get(i).hasOptimizerState(), a.get(i).name());
            assertFalse(v.get(i).hasOptimizerState(), v.get(i).name());
            assertEquals(0, v.get(i).grad().length + v.get(i).moment1().length + v.get(i).moment2().length);
        }
        // It cannot be trained (a backward pass would write past its empty gradients) or saved.
        MtlModel pm = values.model();
        try (CpuBackend be = new CpuBackend(1)) {
            assertThrows(IllegalStateException.class, () -> pm.backward(be, 0, new float[d], 1, new float[1], 1f,
                    pm.workspace(1)));
        }
        assertThrows(IllegalStateException.class, () -> ModelIO.save(dir.resolve("again"), pm, new JsonObject(), Map.of()));

        // A folder without the optimiser state predicts bit for bit as the whole one.
        int removed = 0;
        try (Stream<Path> files = Files.list(aligned)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().contains(".adam_")) {
                    Files.delete(f);
                    removed++;
                }
            }
        }
        assertTrue(removed >= 2 * 7, "removed " + removed);
        Path stripped = dir.resolve("stripped.npy");
        CliTestSupport.Run q = CliTestSupport.run("predict", "--model", aligned.toString(), "--task", "t1", "--in",
                in.toString(), "--out", stripped.toString());
        assertEquals(0, q.code(), q.all());
        assertArrayEquals(Npy.read(full).data(), Npy.read(stripped).data());
    }
}
