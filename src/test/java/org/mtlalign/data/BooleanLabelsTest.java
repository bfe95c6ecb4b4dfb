package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;
import org.mtlalign.model.Loss;

/**
 * Boolean labels (a bool .npy, a CSV column of true/false as pandas writes a bool column) are the
 * classes 'false' and 'true' in every output (--json classes, mtl predict's columns, the run's
 * lines), not '0' and '1'; --positive takes true/false in any case, and 1 and 0 as before.
 */
class BooleanLabelsTest {
    @TempDir
    Path dir;

    private static final int M = 40;

    private Path x() throws IOException {
        float[] x = new float[M * 2];
        Random r = new Random(5);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        Path p = dir.resolve("X.npy");
        Npy.write(p, new int[] {M, 2}, x);
        return p;
    }

    private static boolean label(int i) {
        return i % 3 == 0;
    }

    private Path boolNpy() throws IOException {
        byte[] data = new byte[M];
        for (int i = 0; i < M; i++) {
            data[i] = (byte) (label(i) ? 1 : 0);
        }
        Path p = dir.resolve("y.npy");
        Files.write(p, NpyReadTest.NpyBytes.file(1, NpyReadTest.NpyBytes.dict("|b1", false, new int[] {M}), data));
        return p;
    }

    private Path boolCsv(String t, String f) throws IOException {
        StringBuilder s = new StringBuilder("flag\n");
        for (int i = 0; i < M; i++) {
            s.append(label(i) ? t : f).append('\n');
        }
        Path p = dir.resolve("y_" + t + ".csv");
        Files.writeString(p, s);
        return p;
    }

    private static void assertBoolean(Task t) {
        assertTrue(t.booleanLabels(), t.name());
        EncodedLabels e = EncodedLabels.encode(t, null);
        assertEquals(Loss.LOGISTIC, e.loss());
        assertEquals("false", e.classLabel(0));
        assertEquals("true", e.classLabel(1));
        assertTrue(e.reason().contains("positive class 'true'"), e.reason());
        for (int i = 0; i < M; i++) {
            assertEquals(label(i) ? 1f : 0f, e.target()[i], "row " + i);
        }
        for (String yes : new String[] {"true", "True", "TRUE", "1", "1.0"}) {
            assertArrayEquals(e.target(), EncodedLabels.encode(t, null, yes).target(), yes);
        }
        for (String no : new String[] {"false", "False", "0"}) {
            EncodedLabels n = EncodedLabels.encode(t, null, no);
            assertEquals("false", n.classLabel(1), no);
            for (int i = 0; i < M; i++) {
                assertEquals(label(i) ? 0f : 1f, n.target()[i], no + " row " + i);
            }
        }
        UserInputException bad = assertThrows(UserInputException.class, () -> EncodedLabels.encode(t, null, "yes"));
        assertTrue(bad.getMessage().contains("has the labels 'false' and 'true', not 'yes'"), bad.getMessage());
    }

    @Test
    void aBoolArrayIsFalseAndTrue() throws IOException {
        assertBoolean(TaskLoader.load("npy", x(), boolNpy()));
    }

    @Test
    void aCsvColumnOfTrueAndFalseIsFalseAndTrue() throws IOException {
        Path x = x();
        assertBoolean(TaskLoader.load("csv", x, boolCsv("true", "false")));
        assertBoolean(TaskLoader.load("pandas", x, boolCsv("True", "False")));
    }

    @Test
    void numbersStayNumbers() throws IOException {
        Path x = x();
        // 0/1 numbers, and a column mixing 1 with true, are numeric labels as before.
        Task n = TaskLoader.load("num", x, boolCsv("1", "0"));
        assertFalse(n.booleanLabels());
        assertEquals("1", EncodedLabels.encode(n, null).classLabel(1));
        Task mixed = TaskLoader.load("mixed", x, boolCsv("true", "0"));
        assertFalse(mixed.booleanLabels());
        assertEquals("0", EncodedLabels.encode(mixed, null).classLabel(0));
        // Squared loss on bool labels stays allowed (a linear probability model); softmax names them too.
        Task b = TaskLoader.load("b", x, boolNpy());
        assertEquals(Loss.SQUARED, EncodedLabels.encode(b, Loss.SQUARED).loss());
        EncodedLabels soft = EncodedLabels.encode(b, Loss.SOFTMAX);
        assertEquals("false", soft.classLabel(0));
        assertEquals("true", soft.classLabel(1));
    }
}
