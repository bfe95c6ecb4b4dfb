package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.analysis.TestData;

/**
 * --no-bias beside regression labels far from 0: the bias-free model cannot fit their mean, and
 * a task of 1e4 + N(0, 1) labels gave an MSE of 1e8 and ruined the other tasks' MTL with only the
 * generic "learned nothing" warning. train, sweep and pairs now name the task and the remedy;
 * without --no-bias, or with labels centred by --standardize-labels, nothing is said.
 */
class CliNoBiasOffsetTest {
    @TempDir
    Path dir;

    @Test
    void labelsFarFromZeroAreNamedUnderNoBias() throws Exception {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 3 + rnd.nextInt(4);
        int m = 60 + rnd.nextInt(40);
        double offset = 50 + 200 * rnd.nextDouble();
        String[] specs = new String[2];
        for (int t = 0; t < 2; t++) {
            float[] x = TestData.gaussian(rnd, m * d, 1.0);
            float[] y = new float[m];
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += x[i * d + j];
                }
                y[i] = (float) (s + 0.1 * rnd.nextGaussian() + (t == 0 ? offset : 0));
            }
            specs[t] = CliTestSupport.writeTask(dir, "t" + t, t == 0 ? "shifted" : "centred", x, m, d, y);
        }
        String[][] commands = {
            {"train", "--epochs", "2", "--rank", "1"},
            {"sweep", "--epochs", "2", "--ranks", "1", "--seeds", "1"},
            {"pairs", "--epochs", "2", "--seeds", "1"},
        };
        for (String[] c : commands) {
            CliTestSupport.Run bare = run(c, specs, "--no-bias");
            assertEquals(0, bare.code(), bare.err());
            String w = bare.err().lines().filter(l -> l.startsWith("warning: task 'shifted': its labels' mean"))
                    .findFirst().orElse(null);
            assertTrue(w != null && w.contains("--no-bias leaves the model no bias to fit it")
                    && w.contains("centre the labels (--standardize-labels does) or drop --no-bias"),
                    "seed=" + seed + " " + c[0] + "\n" + bare.err());
            assertFalse(bare.err().contains("task 'centred': its labels' mean"), "seed=" + seed + "\n" + bare.err());
            CliTestSupport.Run biased = run(c, specs);
            assertEquals(0, biased.code(), biased.err());
            assertFalse(biased.err().contains("its labels' mean"), biased.err());
            CliTestSupport.Run centred = run(c, specs, "--no-bias", "--standardize-labels");
            assertEquals(0, centred.code(), centred.err());
            assertFalse(centred.err().contains("its labels' mean"), centred.err());
        }
    }

    private static CliTestSupport.Run run(String[] command, String[] specs, String... more) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command));
        for (String s : specs) {
            args.add("--task");
            args.add(s);
        }
        args.add("--backend");
        args.add("cpu");
        args.addAll(java.util.List.of(more));
        return CliTestSupport.run(args.toArray(String[]::new));
    }
}
