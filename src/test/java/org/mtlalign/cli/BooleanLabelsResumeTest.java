package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.data.Npy;
import org.mtlalign.data.Preparation;
import org.mtlalign.data.TaskLoader;
import org.mtlalign.data.TaskSuite;

/**
 * Naming boolean labels false/true must not change the data checksum --resume compares: a model
 * saved when a bool label array was read as 0 and 1 (no names) must still match its data.
 */
class BooleanLabelsResumeTest {
    @TempDir
    Path dir;

    @Test
    void boolLabelsFingerprintAsTheirZeroOneValues() throws Exception {
        int m = 50;
        float[] x = new float[m * 2];
        float[] y = new float[m];
        byte[] b = new byte[m];
        for (int i = 0; i < m; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = (i * 7) % 11;
            y[i] = i % 3 == 0 ? 1 : 0;
            b[i] = (byte) y[i];
        }
        Path xp = dir.resolve("X.npy");
        Npy.write(xp, new int[] {m, 2}, x);
        Path numeric = dir.resolve("y01.npy");
        Npy.write(numeric, new int[] {m}, y);
        String header = "{'descr': '|b1', 'fortran_order': False, 'shape': (" + m + ",), }";
        Path bool = CliTestSupport.rawNpy(dir.resolve("yb.npy"), header, b);
        Preparation.Config cfg = Preparation.Config.defaults(1);
        var a = Preparation.prepare(new TaskSuite("s", List.of(TaskLoader.load("t", xp, numeric)), false), cfg);
        var c = Preparation.prepare(new TaskSuite("s", List.of(TaskLoader.load("t", xp, bool)), false), cfg);
        assertEquals("true", c.tasks().get(0).labels().classLabel(1));
        assertEquals(TrainCommand.dataFingerprint(a.tasks()), TrainCommand.dataFingerprint(c.tasks()));
    }
}
