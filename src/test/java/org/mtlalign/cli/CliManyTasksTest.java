package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;

/**
 * Tox21-style data at many tasks: one shared X, a label CSV of k columns with empty cells and
 * long names or names with spaces. What a user reads must stay readable at k = 20-30.
 */
class CliManyTasksTest {
    @TempDir
    Path dir;

    /** Shared X (m x d) and a label CSV of k binary tasks, each missing some labels; returns the names. */
    private List<String> write(Random rnd, int m, int d, int k) throws Exception {
        float[] x = new float[m * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextDouble() < 0.3 ? 1f : 0f;
        }
        // Column d - 1 is 1 in one row of 200, as many fingerprint bits are (standardised: about 14).
        for (int i = 0; i < m; i++) {
            x[i * d + d - 1] = i % 200 == 7 ? 1f : 0f;
        }
        Npy.write(dir.resolve("X.npy"), new int[] {m, d}, x);
        List<String> names = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            names.add(t % 5 == 1 ? "assay " + t + " with spaces"
                    : t % 5 == 3 ? "CHEMBL" + (1000 + t) + "_a_rather_long_target_assay_name" : "NR-" + t);
        }
        StringBuilder csv = new StringBuilder(String.join(",", names)).append('\n');
        for (int i = 0; i < m; i++) {
            for (int t = 0; t < k; t++) {
                double s = x[i * d + t % d] + x[i * d + (t * 7 + 3) % d] + 0.5 * rnd.nextGaussian();
                // Row 0 is labelled everywhere and row 1 nowhere, so each task has both classes and misses labels.
                String cell = i == 1 || (i > 1 && rnd.nextDouble() < 0.3) ? "" : s > 1.2 ? "1" : "0";
                csv.append(t == 0 ? "" : ",").append(cell);
            }
            csv.append('\n');
        }
        Files.writeString(dir.resolve("Y.csv"), csv, StandardCharsets.UTF_8);
        return names;
    }

    /**
     * The similarity matrix of 20-30 tasks was printed k columns wide (7 characters each, 2,200 a
     * line at k = 40) and one missing-label warning came per task. Now the matrix comes in blocks
     * no wider than Tables.WIDTH, each row once per block, and the warnings are one line.
     */
    @Test
    void analyzeWrapsTheMatrixAndSummarisesMissingLabels() throws Exception {
        Random rnd = new Random();
        int k = 20 + rnd.nextInt(11);
        List<String> names = write(rnd, 200 + rnd.nextInt(50), 9 + rnd.nextInt(5), k);
        CliTestSupport.Run a = CliTestSupport.run("analyze", "--shared-x", dir.resolve("X.npy").toString(), "--labels",
                dir.resolve("Y.csv").toString(), "--backend", "cpu");
        assertEquals(0, a.code(), a.all());
        long noLabel = a.err().lines().filter(l -> l.contains("no label")).count();
        assertEquals(1, noLabel, a.err());
        assertTrue(a.err().contains(k + " of " + k + " tasks have rows with no label"), a.err());

        List<String> lines = a.out().lines().toList();
        int start = 0;
        while (!lines.get(start).startsWith("covariance similarity")) {
            start++;
        }
        // 20-30 ranks made a title of 130-160 characters above a matrix wrapped at Tables.WIDTH.
        assertTrue(lines.get(start).length() <= Tables.WIDTH, lines.get(start));
        assertTrue(lines.get(start).contains(" to ") && lines.get(start).contains("median"), lines.get(start));
        int[] seen = new int[k];
        int blocks = 0;
        int columns = 0;
        for (int i = start + 1; i < lines.size(); i++) {
            String l = lines.get(i);
            if (!l.isEmpty() && " -0123456789".indexOf(l.charAt(0)) < 0) {
                break;
            }
            assertTrue(l.length() <= Tables.WIDTH, "line of " + l.length() + ": " + l);
            if (l.startsWith(" ")) {
                blocks++;
                columns += l.trim().split(" +").length;
            } else if (!l.isEmpty() && Character.isDigit(l.charAt(0))) {
                int row = Integer.parseInt(l.substring(0, l.indexOf(' ')));
                seen[row]++;
                String name = names.get(row);
                assertTrue(l.startsWith(row + " " + Tables.shortName(name, Tables.MATRIX_NAME) + " "), l);
            }
        }
        assertTrue(blocks > 1, a.out());
        assertEquals(k, columns, "every column in one block: " + a.out());
        for (int row = 0; row < k; row++) {
            assertEquals(blocks, seen[row], "row " + row + " once per block");
        }
    }

    /** The similarity title lists the ranks while they are short, else their range and median. */
    @Test
    void theRanksAreListedWhileShort() {
        assertEquals("ranks [36, 40, 41, 39, 43]", Tables.ranks(new int[] {36, 40, 41, 39, 43}));
        int[] many = new int[14];
        for (int i = 0; i < many.length; i++) {
            many[i] = 100 + (i * 37) % 23;
        }
        assertEquals("ranks 100 to 121, median 110.5; each task's in --json", Tables.ranks(many));
        assertEquals("ranks 100 to 120, median 110; each task's in --json",
                Tables.ranks(java.util.Arrays.copyOf(many, 13)));
    }

    /** The '!' warning names a run's tasks up to TrainCommand.FLAGGED_NAMES, and counts them past that. */
    @Test
    void manyFlaggedTasksAreCounted() {
        java.util.Map<String, List<String>> byRun = new java.util.LinkedHashMap<>();
        byRun.put("STL", List.of("a", "b", "c", "d", "e", "f", "g"));
        byRun.put("MTL", List.of("a", "b", "c", "d", "e", "f"));
        byRun.put("MTL+align", List.of());
        assertEquals(List.of("STL on 7 of 40 tasks", "MTL a, b, c, d, e, f"), TrainCommand.flaggedRuns(byRun, 40));
    }

    /** The split lines of 'mtl train' align the text after names that are long or hold spaces. */
    @Test
    void trainAlignsTheTaskLines() throws Exception {
        Random rnd = new Random();
        int k = 6 + rnd.nextInt(5);
        List<String> names = write(rnd, 150 + rnd.nextInt(50), 5 + rnd.nextInt(4), k);
        CliTestSupport.Run t = CliTestSupport.run("train", "--shared-x", dir.resolve("X.npy").toString(), "--labels",
                dir.resolve("Y.csv").toString(), "--rank", "2", "--epochs", "2", "--no-stl", "--align", "none",
                "--reweight", "none", "--backend", "cpu");
        assertEquals(0, t.code(), t.all());
        int column = -1;
        for (String name : names) {
            String line = t.out().lines().filter(l -> l.startsWith("  task " + name + " ")).findFirst().orElseThrow();
            int at = line.indexOf("2 distinct label values");
            assertTrue(at > 0, line);
            assertTrue(column < 0 || column == at, "misaligned: " + t.out());
            column = at;
        }
    }
    /** Many small tasks with their own X (the 'school' data): their under-20-test-rows warnings are one line. */
    @Test
    void fewTestRowsInManyTasksAreOneWarning() throws Exception {
        Random rnd = new Random();
        int k = 8 + rnd.nextInt(5);
        int d = 3 + rnd.nextInt(4);
        Path tasks = dir.resolve("schools");
        List<String> small = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            // Tasks 0-4 of 20-60 rows (4-12 test rows), the others of 150-200.
            int m = t < 5 ? 20 + rnd.nextInt(41) : 150 + rnd.nextInt(51);
            float[] x = new float[m * d];
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < d; j++) {
                    x[i * d + j] = (float) rnd.nextGaussian();
                    y[i] += x[i * d + j] * (j + 1);
                }
                y[i] += (float) rnd.nextGaussian();
            }
            String name = "school " + t;
            CliTestSupport.writeTask(tasks, name, name, x, m, d, y);
            if (t < 5) {
                small.add(name);
            }
        }
        CliTestSupport.Run r = CliTestSupport.run("train", "--tasks", tasks.toString(), "--rank", "1", "--epochs", "1",
                "--no-stl", "--align", "none", "--reweight", "none", "--backend", "cpu");
        assertEquals(0, r.code(), r.all());
        List<String> lines = r.err().lines().filter(l -> l.contains("test rows")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("warning: 5 of " + k + " tasks have fewer than 20 test rows"), lines.get(0));
        for (String name : small) {
            assertTrue(lines.get(0).contains(name + " ("), name + ": " + lines.get(0));
        }

        // The sweep's table has a column per task (about 20 characters each): in blocks that fit.
        r = CliTestSupport.run("sweep", "--tasks", tasks.toString(), "--ranks", "1,2", "--seeds", "1", "--epochs", "1",
                "--backend", "cpu");
        assertEquals(0, r.code(), r.all());
        String table = r.out().substring(r.out().indexOf("MTL by width r"), r.out().indexOf("best r by validation loss"));
        int blocks = 0;
        for (String l : table.lines().toList()) {
            assertTrue(l.length() <= Tables.WIDTH, "line of " + l.length() + ": " + l);
            blocks += l.startsWith("r ") ? 1 : 0;
        }
        assertTrue(blocks > 1, table);
        for (int t = 0; t < k; t++) {
            assertTrue(table.contains("school " + t + " MSE"), table);
        }
    }

    /**
     * 0/1 inputs with a column that is 1 in one row of 200: standardised, those 1s are 10 units or
     * more, and such models trained badly; the run says so, and not under --standardize none.
     */
    @Test
    void rareBinaryColumnsGetAWarningUnlessUnstandardised() throws Exception {
        Random rnd = new Random();
        // 10-12 such rows: at least one (all but surely) and at most 12 of the 1200 or more training rows.
        write(rnd, 2000 + rnd.nextInt(400), 5 + rnd.nextInt(4), 4);
        String[] base = {"train", "--shared-x", dir.resolve("X.npy").toString(), "--labels", dir.resolve("Y.csv").toString(),
            "--rank", "1", "--epochs", "1", "--no-stl", "--align", "none", "--reweight", "none", "--backend", "cpu"};
        CliTestSupport.Run r = CliTestSupport.run(base);
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("the inputs are all 0 or 1 and") && r.err().contains("--standardize global turns"),
                r.err());
        String[] none = java.util.Arrays.copyOf(base, base.length + 2);
        none[base.length] = "--standardize";
        none[base.length + 1] = "none";
        r = CliTestSupport.run(none);
        assertEquals(0, r.code(), r.all());
        assertTrue(!r.err().contains("the inputs are all 0 or 1"), r.err());
    }

    /** Rare positives in many binary tasks: one warning naming the tasks, not one a task. */
    @Test
    void fewRareTestRowsInManyTasksAreOneWarning() throws Exception {
        Random rnd = new Random();
        int m = 2000 + rnd.nextInt(500);
        int d = 4 + rnd.nextInt(4);
        int k = 8 + rnd.nextInt(5);
        float[] x = new float[m * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        Npy.write(dir.resolve("X.npy"), new int[] {m, d}, x);
        // 12 positives a task: in its about 400 test rows 0 to 9 of them, all but surely (1e-6 for 10).
        float[] y = new float[m * k];
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < 12; ) {
                int row = rnd.nextInt(m);
                if (y[row * k + t] == 0f) {
                    y[row * k + t] = 1f;
                    p++;
                }
            }
        }
        Npy.write(dir.resolve("Y.npy"), new int[] {m, k}, y);
        CliTestSupport.Run r = CliTestSupport.run("train", "--shared-x", dir.resolve("X.npy").toString(), "--labels",
                dir.resolve("Y.npy").toString(), "--rank", "1", "--epochs", "1", "--no-stl", "--align", "none",
                "--reweight", "none", "--backend", "cpu");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().lines().noneMatch(l -> l.contains("so its AUC rests on")), r.err());
        List<String> lines = r.err().lines().filter(l -> l.contains("rarer class, so their AUCs rest on")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).matches("warning: \\d+ of " + k + " tasks have fewer than 10 test rows of their rarer .*"),
                lines.get(0));
    }

    /**
     * Tasks of their own X with two positives each: stratified, both go to training and validation,
     * so every task's test rows hold one class; one warning names them all.
     */
    @Test
    void oneClassTestRowsInManyTasksAreOneWarning() throws Exception {
        Random rnd = new Random();
        int k = 5 + rnd.nextInt(5);
        int d = 3 + rnd.nextInt(3);
        Path tasks = dir.resolve("assays");
        for (int t = 0; t < k; t++) {
            int m = 60 + rnd.nextInt(60);
            float[] x = new float[m * d];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            float[] y = new float[m];
            y[rnd.nextInt(m / 2)] = 1f;
            y[m / 2 + rnd.nextInt(m / 2)] = 1f;
            CliTestSupport.writeTask(tasks, "assay " + t, "assay " + t, x, m, d, y);
        }
        CliTestSupport.Run r = CliTestSupport.run("train", "--tasks", tasks.toString(), "--rank", "1", "--epochs", "1",
                "--no-stl", "--align", "none", "--reweight", "none", "--backend", "cpu");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().lines().noneMatch(l -> l.contains("hold one class only")), r.err());
        List<String> lines = r.err().lines().filter(l -> l.contains("have test rows of one class only")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("warning: " + k + " of " + k + " tasks have test rows of one class only"),
                lines.get(0));
        for (int t = 0; t < k; t++) {
            assertTrue(lines.get(0).contains("assay " + t + " ("), lines.get(0));
        }
    }
}
