package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;

/**
 * Embedding-like tasks with more inputs than training rows (d = 1024, 180 training rows) train
 * classifiers whose validation loss can be no better than the class rates' while they rank the
 * rows well: such a run is named 'miscalibrated' (one seed's run and --seeds alike), never
 * marked '!' as having learned nothing. Before, mtl train --seeds said nothing of them.
 */
class MiscalibratedSeedsTest {
    @TempDir
    Path dir;

    @Test
    void seedsNameEveryMiscalibratedRunTheJsonRecords() throws Exception {
        // The premise, a draw that makes at least one such run, held for 8 of 8 fixed draws at
        // --lr 0.02 (2 of 8 at the default 0.005): fresh draws, up to a few.
        long first = System.nanoTime();
        boolean found = false;
        for (long draw = first; draw < first + DRAWS && !found; draw++) {
            found = checkDraw(draw);
        }
        assertTrue(found, "no miscalibrated run in " + DRAWS + " draws from seed " + first);
    }

    private boolean checkDraw(long draw) throws Exception {
        Random rnd = new Random(draw);
        int d = 1024;
        int m = 300;
        int latent = 8;
        double[][] w = new double[d][latent];
        for (double[] row : w) {
            for (int j = 0; j < latent; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        for (int t = 0; t < 3; t++) {
            float[] x = new float[m * d];
            float[] y = new float[m];
            double[] v = new double[latent];
            for (int j = 0; j < latent; j++) {
                v[j] = rnd.nextGaussian();
            }
            for (int i = 0; i < m; i++) {
                double[] z = new double[latent];
                double s = 0;
                for (int j = 0; j < latent; j++) {
                    z[j] = rnd.nextGaussian();
                    s += z[j] * v[j];
                }
                for (int c = 0; c < d; c++) {
                    double a = rnd.nextGaussian();
                    for (int j = 0; j < latent; j++) {
                        a += w[c][j] * z[j];
                    }
                    x[i * d + c] = (float) a;
                }
                y[i] = s + rnd.nextGaussian() > 0 ? 1 : 0;
            }
            Path td = dir.resolve("draw" + draw).resolve("t" + t);
            Files.createDirectories(td);
            Npy.write(td.resolve("X.npy"), new int[] {m, d}, x);
            Npy.write(td.resolve("y.npy"), new int[] {m}, y);
        }
        Path json = dir.resolve("s" + draw + ".json");
        CliTestSupport.Run r = CliTestSupport.run("train", "--tasks", dir.resolve("draw" + draw).toString(), "--epochs", "10", "--lr", "0.02",
                "--seeds", "4", "--align", "none", "--reweight", "none", "--json", json.toString());
        assertEquals(0, r.code(), r.all());
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        Set<String> recorded = new TreeSet<>();
        for (JsonElement run : root.getAsJsonArray("runs")) {
            JsonObject o = run.getAsJsonObject();
            for (JsonElement t : o.getAsJsonArray("tasks")) {
                JsonObject task = t.getAsJsonObject();
                JsonArray mis = task.getAsJsonArray("miscalibrated");
                for (JsonElement e : mis) {
                    recorded.add("seed " + o.get("seed").getAsLong() + " " + e.getAsString() + " "
                            + task.get("name").getAsString());
                    // A run is one or the other, never both.
                    assertFalse(task.getAsJsonArray("noBetterThanPrior").contains(e), task.toString());
                }
            }
        }
        String err = r.all();
        int at = err.indexOf("warning: miscalibrated, not uninformed (");
        if (recorded.isEmpty()) {
            assertTrue(at < 0, err);
            return false;
        }
        assertTrue(at >= 0, err);
        for (String name : recorded.stream().limit(6).toList()) {
            assertTrue(err.substring(at, err.indexOf('\n', at)).contains(name), name + " in " + err);
        }
        return true;
    }

    private static final int DRAWS = 3;
}
