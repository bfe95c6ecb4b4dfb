package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;
import org.mtlalign.data.NpyArray;
import org.mtlalign.train.Metrics;

/**
 * `mtl train --save-split FILE` writes every task's split, so that a user can score `mtl predict`
 * on the test rows and get the reported metric: checked here for a binary task's AUC and a
 * 3-class task's accuracy (class ids 3, 17, 99).
 */
class SaveSplitTest {
    @TempDir
    Path dir;

    @Test
    void predictionsOnTheSavedTestRowsReproduceTheReportedMetrics() throws Exception {
        int d = 4;
        Path[] a = CliTestSupport.binaryTask(dir, "a", 150, d, 61);
        Random rnd = new Random(62);
        int m = 120;
        float[] x = new float[m * d];
        float[] y = new float[m];
        float[] ids = {3, 17, 99};
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = (float) rnd.nextGaussian();
            }
            y[i] = ids[x[i * d] < -0.4 ? 0 : x[i * d] < 0.4 ? 1 : 2];
        }
        String b = CliTestSupport.writeTask(dir, "b", "b", x, m, d, y);
        Path model = dir.resolve("model");
        Path split = dir.resolve("split.csv");
        Path json = dir.resolve("r.json");
        CliTestSupport.Run t = CliTestSupport.run("train", "--task", "a=" + a[0] + ":" + a[1], "--task", b,
                "--rank", "2", "--epochs", "8", "--no-stl", "--align", "none", "--reweight", "none",
                "--out", model.toString(), "--save-split", split.toString(), "--json", json.toString());
        assertEquals(0, t.code(), t.all());
        assertTrue(t.err().contains("wrote the split of 2 tasks to " + split), t.err());

        List<String> lines = Files.readAllLines(split);
        assertEquals("task,row,part", lines.get(0));
        assertEquals(1 + 150 + 120, lines.size(), "every labelled row once");
        JsonObject res = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        for (int task = 0; task < 2; task++) {
            String name = task == 0 ? "a" : "b";
            JsonObject rep = res.getAsJsonArray("tasks").get(task).getAsJsonObject();
            List<Integer> test = new ArrayList<>();
            int[] counts = new int[3];
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",");
                if (!f[0].equals("\"" + name + "\"")) {
                    continue;
                }
                int part = List.of("train", "validation", "test").indexOf(f[2]);
                counts[part]++;
                if (part == 2) {
                    test.add(Integer.parseInt(f[1]));
                }
            }
            assertEquals(rep.get("trainRows").getAsInt(), counts[0], name);
            assertEquals(rep.get("validationRows").getAsInt(), counts[1], name);
            assertEquals(rep.get("testRows").getAsInt(), counts[2], name);

            NpyArray all = Npy.read(task == 0 ? a[0] : dir.resolve("b").resolve("X.npy"));
            NpyArray labels = Npy.read(task == 0 ? a[1] : dir.resolve("b").resolve("y.npy"));
            int n = test.size();
            float[] xt = new float[n * d];
            float[] yt = new float[n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(all.data(), test.get(i) * d, xt, i * d, d);
                yt[i] = labels.data()[test.get(i)];
            }
            Path in = dir.resolve("x_" + name + ".npy");
            Npy.write(in, new int[] {n, d}, xt);
            Path out = dir.resolve("p_" + name + ".npy");
            CliTestSupport.Run p = CliTestSupport.run("predict", "--model", model.toString(), "--task", name, "--in",
                    in.toString(), "--out", out.toString());
            assertEquals(0, p.code(), p.all());
            float[] pred = Npy.read(out).data();
            double mine;
            if (task == 0) {
                mine = Metrics.auc(pred, yt, n);
                assertTrue(rep.get("balancedAccuracy").isJsonNull(), name);
            } else {
                int right = 0;
                int[] count = new int[3];
                int[] hit = new int[3];
                for (int i = 0; i < n; i++) {
                    int best = 0;
                    for (int c = 1; c < 3; c++) {
                        best = pred[i * 3 + c] > pred[i * 3 + best] ? c : best;
                    }
                    right += ids[best] == yt[i] ? 1 : 0;
                    int truth = java.util.Arrays.binarySearch(ids, yt[i]);
                    count[truth]++;
                    hit[truth] += best == truth ? 1 : 0;
                }
                mine = right / (double) n;
                // Balanced accuracy: the mean of the classes' recalls, from the same predictions.
                double recall = 0;
                int present = 0;
                int largest = 0;
                for (int c = 0; c < 3; c++) {
                    if (count[c] > 0) {
                        recall += hit[c] / (double) count[c];
                        present++;
                    }
                    largest = Math.max(largest, count[c]);
                }
                JsonObject ba = rep.getAsJsonObject("balancedAccuracy");
                assertEquals(recall / present, ba.get("mtl").getAsDouble(), 1e-9, "balanced accuracy, from predict");
                assertEquals(present, ba.get("classesInTest").getAsInt());
                assertEquals(largest / (double) n, ba.get("largestClassRate").getAsDouble(), 1e-12);
                assertTrue(ba.get("stl").isJsonNull(), "--no-stl: " + ba);
                assertTrue(rep.get("averagePrecision").isJsonNull(), name);
            }
            assertEquals(rep.get("mtl").getAsDouble(), mine, 1e-9, name + ": the reported metric, from predict");
        }
    }

    @Test
    void oneSeedsSplitOnly() {
        CliTestSupport.Run r = CliTestSupport.run("train", "--seeds", "2", "--save-split", dir.resolve("s.csv").toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().startsWith("mtl: --save-split: writes one seed's split; with --seeds 2 each seed has its own"),
                r.err());
    }

    @Test
    void notWhereTheJsonOrTheModelGoes() {
        // The JSON is written after the split and replaced it, after 'wrote the split to ...'.
        String f = dir.resolve("out.json").toString();
        CliTestSupport.Run r = CliTestSupport.run("train", "--epochs", "1", "--save-split", f, "--json", f);
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().startsWith("mtl: --save-split " + f + ": is also the --json target"), r.err());
        // '-' wrote a file named '-' in the working folder, and /dev/stdout put the split's rows
        // amid the tables (or, beside --json -, into the JSON's stream).
        for (String target : new String[] {"-", "/dev/stdout"}) {
            for (String[] extra : new String[][] {{}, {"--json", "-"}}) {
                List<String> a = new ArrayList<>(List.of("train", "--epochs", "1", "--save-split", target));
                a.addAll(List.of(extra));
                r = CliTestSupport.run(a.toArray(new String[0]));
                assertEquals(2, r.code(), r.all());
                assertTrue(r.err().startsWith("mtl: --save-split " + target + ": the split is written to a file, not to "
                        + "standard output"), r.err());
            }
        }
        String model = dir.resolve("model").toString();
        r = CliTestSupport.run("train", "--epochs", "1", "--out", model, "--save-split", dir.resolve("model/split.csv")
                .toString());
        assertEquals(2, r.code(), r.all());
        assertTrue(r.err().startsWith("mtl: --save-split " + dir.resolve("model/split.csv") + ": is inside the model "
                + "folder " + model), r.err());
    }
}
