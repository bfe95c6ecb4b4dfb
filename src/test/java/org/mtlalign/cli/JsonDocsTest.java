package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.analysis.TestData;

/**
 * docs/json.md promises that every key the commands write is described there: a key added to an
 * output without its line in json.md fails here, named with its path and the command that wrote it;
 * and a key its tables list that no command writes any more (renamed or dropped) fails too.
 */
class JsonDocsTest {
    @TempDir
    Path dir;

    /** Objects whose keys are the data's names (tasks, parameters), not keys json.md can list. */
    private static final Set<String> KEYED_BY_NAME = Set.of("class_values", "optimizer_steps", "transfer_to",
            "taskLosses", "positives");

    /** A key counts as documented when json.md writes it alone in backquotes, as its tables do. */
    private static Set<String> documentedKeys() throws Exception {
        String doc = Files.readString(Path.of("docs/json.md"), StandardCharsets.UTF_8);
        Set<String> keys = new HashSet<>();
        Matcher m = Pattern.compile("`([A-Za-z_][A-Za-z0-9_]*)`").matcher(doc);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    /** Keys a table row of json.md starts with, which no run here can write: a failed save, a diverged STL run. */
    private static final Set<String> CONDITIONAL = Set.of("save_error", "diverged_runs");

    /** The keys json.md's tables describe: those in backquotes in a row's first column. */
    private static Set<String> tableKeys() throws Exception {
        Set<String> keys = new HashSet<>();
        Pattern key = Pattern.compile("`([A-Za-z_][A-Za-z0-9_]*)`");
        for (String line : Files.readAllLines(Path.of("docs/json.md"), StandardCharsets.UTF_8)) {
            if (line.startsWith("| `")) {
                Matcher m = key.matcher(line.split("\\|")[1]);
                while (m.find()) {
                    keys.add(m.group(1));
                }
            }
        }
        return keys;
    }

    private static void collectKeys(JsonElement e, Set<String> keys) {
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(v -> collectKeys(v, keys));
        } else if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> kv : e.getAsJsonObject().entrySet()) {
                keys.add(kv.getKey());
                collectKeys(kv.getValue(), keys);
            }
        }
    }

    /** Every key of e not in documented, as its path (first path seen per key). */
    static Map<String, String> undocumented(JsonElement e, Set<String> documented) {
        Map<String, String> missing = new TreeMap<>();
        walk(e, "", documented, missing);
        return missing;
    }

    private static void walk(JsonElement e, String path, Set<String> documented, Map<String, String> missing) {
        if (e.isJsonArray()) {
            for (JsonElement v : e.getAsJsonArray()) {
                walk(v, path + "[]", documented, missing);
            }
        } else if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> kv : e.getAsJsonObject().entrySet()) {
                String p = path + "." + kv.getKey();
                if (!documented.contains(kv.getKey())) {
                    missing.putIfAbsent(kv.getKey(), p);
                }
                if (KEYED_BY_NAME.contains(kv.getKey()) && kv.getValue().isJsonObject()) {
                    for (Map.Entry<String, JsonElement> named : kv.getValue().getAsJsonObject().entrySet()) {
                        walk(named.getValue(), p + ".*", documented, missing);
                    }
                } else {
                    walk(kv.getValue(), p, documented, missing);
                }
            }
        }
    }

    /** Writes DIR/NAME/X.csv (a header of column names, so model.json records feature_names) and y.csv. */
    private static void csvTask(Path tasks, String name, Random rnd, int m, int d, String kind) throws Exception {
        StringBuilder x = new StringBuilder();
        StringBuilder y = new StringBuilder("label\n");
        for (int j = 0; j < d; j++) {
            x.append(j == 0 ? "" : ",").append("f").append(j);
        }
        x.append('\n');
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                double v = rnd.nextGaussian();
                s += v * (j + 1);
                x.append(j == 0 ? "" : ",").append((float) v);
            }
            x.append('\n');
            s += 0.3 * rnd.nextGaussian();
            switch (kind) {
                case "squared" -> y.append((float) (300 + 40 * s)).append('\n');
                case "softmax" -> y.append(s < -1 ? 0 : s < 0 ? 1 : s < 1 ? 2 : 3).append('\n');
                default -> y.append(s > 0 ? "yes" : "no").append('\n');
            }
        }
        Path t = tasks.resolve(name);
        Files.createDirectories(t);
        Files.writeString(t.resolve("X.csv"), x);
        Files.writeString(t.resolve("y.csv"), y);
    }

    @Test
    void theCheckNamesAKeyThatJsonMdLacks() {
        JsonElement e = JsonParser.parseString(
                "{\"tasks\":[{\"name\":\"a\",\"noSuchKeyInTheDocs\":1}],\"class_values\":{\"any task\":[0,1]}}");
        assertEquals(Map.of("noSuchKeyInTheDocs", ".tasks[].noSuchKeyInTheDocs"),
                undocumented(e, Set.of("tasks", "name", "class_values")));
    }

    @Test
    void jsonMdDescribesTheKeysTheCommandsWrite() throws Exception {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 3 + rnd.nextInt(4);
        Path tasks = dir.resolve("tasks");
        csvTask(tasks, "amount", rnd, 60 + rnd.nextInt(30), d, "squared");
        csvTask(tasks, "grade", rnd, 80 + rnd.nextInt(30), d, "softmax");
        csvTask(tasks, "label", rnd, 60 + rnd.nextInt(30), d, "binary");
        String t = tasks.toString();
        String[] fast = {"--epochs", "2", "--backend", "cpu", "--threads", "1"};
        Path model = dir.resolve("model");
        Path aligned = dir.resolve("aligned");
        List<String[]> commands = new ArrayList<>();
        commands.add(new String[] {"train", "--tasks", t, "--standardize-labels", "--out", model.toString(),
            "--out-aligned", aligned.toString()});
        commands.add(new String[] {"train", "--resume", model.toString(), "--out", dir.resolve("resumed").toString()});
        commands.add(new String[] {"train", "--tasks", t, "--seeds", "2", "--rank", "2"});
        Path fineTuned = dir.resolve("fine-tuned");
        Path fineTunedAligned = dir.resolve("fine-tuned-aligned");
        commands.add(new String[] {"train", "--tasks", t, "--transfer-target", "label", "--rank", "2", "--out",
            fineTuned.toString(), "--out-aligned", fineTunedAligned.toString()});
        commands.add(new String[] {"train", "--tasks", t, "--rank", "2", "--no-stl", "--lr", "1e30", "--optimizer", "sgd"});
        commands.add(new String[] {"analyze", "--tasks", t});
        commands.add(new String[] {"sweep", "--tasks", t, "--ranks", "1,2", "--seeds", "2"});
        commands.add(new String[] {"pairs", "--tasks", t, "--seeds", "2"});
        Set<String> documented = documentedKeys();
        Map<String, String> missing = new TreeMap<>();
        Set<String> written = new HashSet<>();
        for (String[] c : commands) {
            List<String> args = new ArrayList<>(List.of(c));
            if (!c[0].equals("analyze")) {
                args.addAll(List.of(fast));
            }
            args.addAll(List.of("--json", "-"));
            CliTestSupport.Run r = CliTestSupport.run(args.toArray(String[]::new));
            boolean diverges = args.contains("1e30");
            assertEquals(diverges ? Main.EXIT_DIVERGED : 0, r.code(), String.join(" ", args) + ", seed " + seed + "\n" + r.all());
            JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
            if (diverges) {
                assertEquals("diverged", o.get("status").getAsString(), r.out());
            }
            undocumented(o, documented).forEach((k, p) -> missing.putIfAbsent(k, String.join(" ", c) + ": " + p));
            collectKeys(o, written);
        }
        for (Path m : new Path[] {model, aligned, fineTuned, fineTunedAligned}) {
            JsonObject o = JsonParser.parseString(Files.readString(m.resolve("model.json"))).getAsJsonObject();
            assertTrue(o.has("feature_names"), o.toString());
            assertEquals(m == aligned, o.has("alignment"), o.toString());
            undocumented(o, documented).forEach((k, p) -> missing.putIfAbsent(k, m.getFileName() + "/model.json: " + p));
            collectKeys(o, written);
        }
        assertTrue(missing.isEmpty(), "keys written but not described in docs/json.md (seed " + seed + "): " + missing);
        Set<String> stale = new TreeSet<>(tableKeys());
        stale.removeAll(written);
        stale.removeAll(CONDITIONAL);
        assertTrue(stale.isEmpty(), "docs/json.md describes keys no command wrote (seed " + seed + "): " + stale);
    }

    /**
     * Every column of the committed mtl reproduce CSVs (docs/results, written by the experiments)
     * is described in json.md's section on them, in that file's row: until it had one, only
     * capacity.csv's header was listed, and columns such as noisy_sd needed the Java to read.
     */
    @Test
    void jsonMdDescribesEveryColumnOfTheReproduceCsvs() throws Exception {
        String doc = Files.readString(Path.of("docs/json.md"), StandardCharsets.UTF_8);
        String section = doc.substring(doc.indexOf("## The CSVs of `mtl reproduce`"));
        List<Path> csvs;
        try (var files = Files.list(Path.of("docs/results"))) {
            csvs = files.filter(f -> f.toString().endsWith(".csv")).sorted().toList();
        }
        assertTrue(csvs.size() >= 6, csvs.toString());
        for (Path csv : csvs) {
            String name = csv.getFileName().toString();
            String row = section.lines().filter(l -> l.startsWith("| `" + name + "`")).findFirst().orElse("");
            assertTrue(!row.isEmpty(), "docs/json.md has no row for " + name);
            String header = Files.readAllLines(csv, StandardCharsets.UTF_8).get(0);
            for (String col : header.split(",")) {
                assertTrue(row.contains("`" + col + "`"), "docs/json.md's row for " + name + " lacks `" + col + "`");
            }
        }
    }
}
