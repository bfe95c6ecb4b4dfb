package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.analysis.TestData;

/**
 * mtl train --seeds: a task named in an "every seed" line for a difference whose means the table
 * marks '!' (a model of it learned nothing in some seed) carries the mark there too. Before, on
 * three shared-X tasks of which one had coin-flip labels (5000 rows, 3 seeds), the summary said
 * "alignment (Algorithm 1) against STL: better in every seed for task0, task1, task2, task3" with
 * every model of task3 marked '!' (AUC 0.49-0.52), as if alignment had helped it.
 */
class CliSeedsVerdictMarkTest {
    @TempDir
    Path dir;

    /** The verdict lines in the order TrainSeeds prints them, with the two runs each compares. */
    private static final String[][] VERDICTS = {
        {"MTL against STL:", "STL", "MTL"},
        {"alignment (Algorithm 1) against MTL:", "MTL", "MTL+align"},
        {"reweighting (Algorithm 2) against MTL:", "MTL", "MTL+reweight"},
        {"alignment (Algorithm 1) against STL:", "STL", "MTL+align"},
    };
    private static final List<String> RUNS = List.of("STL", "MTL", "MTL+align", "MTL+reweight");

    @Test
    void verdictsOnMarkedMeansCarryTheMark() throws Exception {
        // The premise (the coin-flip task named in some verdict with a '!' mean) is a matter of
        // chance per draw: 1 in 4 per difference with 3 seeds; fresh draws, up to a few.
        long first = TestData.seed();
        boolean premise = false;
        for (long draw = first; draw < first + 8 && !premise; draw++) {
            premise = checkDraw(draw);
        }
        assertTrue(premise, "no verdict on a '!' mean in 8 draws from seed " + first);
    }

    private boolean checkDraw(long draw) throws Exception {
        Random rnd = new Random(draw);
        int d = 4 + rnd.nextInt(3);
        Path sub = dir.resolve("d" + draw);
        Path[] a = CliTestSupport.binaryTask(sub, "sig1", 171 + rnd.nextInt(40), d, rnd.nextLong());
        Path[] b = CliTestSupport.binaryTask(sub, "sig2", 163 + rnd.nextInt(40), d, rnd.nextLong());
        int mn = 181 + rnd.nextInt(40);
        float[] y = new float[mn];
        for (int i = 0; i < mn; i++) {
            y[i] = rnd.nextBoolean() ? 1f : 0f;
        }
        String noise = CliTestSupport.writeTask(sub, "noise", "noise", TestData.gaussian(rnd, mn * d, 1.0), mn, d, y);
        CliTestSupport.Run r = CliTestSupport.run("train", "--task", "sig1=" + a[0] + ":" + a[1], "--task",
                "sig2=" + b[0] + ":" + b[1], "--task", noise, "--seeds", "3", "--seed", Long.toString(1 + (draw & 1023)),
                "--rank", "1", "--activation", "identity", "--epochs", "30", "--backend", "cpu", "--no-progress");
        assertEquals(0, r.code(), "draw " + draw + ": " + r.all());
        // Which means of each task the table marks: its row after the "test metric per task" header.
        Map<String, boolean[]> marked = new HashMap<>();
        String[] lines = r.out().split("\n");
        int at = 0;
        while (at < lines.length && !lines[at].startsWith("test metric per task")) {
            at++;
        }
        for (int i = at + 3; i < lines.length && !lines[i].isBlank(); i++) {
            String[] cells = lines[i].trim().split(" {2,}");
            boolean[] m = new boolean[RUNS.size()];
            for (int run = 0; run < RUNS.size(); run++) {
                m[run] = cells[2 + run].endsWith("!");
            }
            marked.put(cells[0], m);
        }
        assertEquals(3, marked.size(), "draw " + draw + ": " + r.out());
        boolean premise = false;
        for (String[] v : VERDICTS) {
            String line = null;
            for (String l : lines) {
                line = l.startsWith(v[0]) ? l : line;
            }
            assertTrue(line != null, "draw " + draw + ": no line " + v[0] + " in " + r.out());
            for (String part : line.substring(v[0].length()).split(";")) {
                String list = part.substring(part.indexOf(" for ") + 5).trim();
                if (list.equals("no task")) {
                    continue;
                }
                for (String name : list.split(", ")) {
                    String task = name.endsWith("!") ? name.substring(0, name.length() - 1) : name;
                    boolean[] m = marked.get(task);
                    assertTrue(m != null, "draw " + draw + ": " + name + " in " + line);
                    boolean expected = m[RUNS.indexOf(v[1])] || m[RUNS.indexOf(v[2])];
                    assertEquals(expected, name.endsWith("!"), "draw " + draw + ": " + line + "\n" + r.out());
                    premise |= expected;
                }
            }
        }
        return premise;
    }
}
