package org.mtlalign.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The bundled real data: the UCI "Optical Recognition of Handwritten Digits" test set as
 * shipped by scikit-learn (1797 images of 8x8 pixel counts 0..16, labels 0..9).
 * Creator E. Alpaydin (1998); UCI Machine Learning Repository, CC BY 4.0.
 */
public final class Digits {
    public static final String RESOURCE = "/org/mtlalign/data/digits.csv.gz";
    public static final int FEATURES = 64;
    private static float[] x;
    private static int[] labels;

    private Digits() {
    }

    private static synchronized void load() {
        if (x != null) {
            return;
        }
        List<float[]> rows = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        try (InputStream in = Digits.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled resource " + RESOURCE + " is missing from the jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.US_ASCII));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",");
                float[] row = new float[FEATURES];
                for (int j = 0; j < FEATURES; j++) {
                    row[j] = Float.parseFloat(cells[j]);
                }
                rows.add(row);
                ys.add(Integer.parseInt(cells[FEATURES].trim()));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled " + RESOURCE, e);
        }
        float[] xs = new float[rows.size() * FEATURES];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, xs, i * FEATURES, FEATURES);
        }
        labels = ys.stream().mapToInt(Integer::intValue).toArray();
        x = xs;
    }

    public static int rows() {
        load();
        return labels.length;
    }

    /** The 1797 x 64 pixel matrix (a copy). */
    public static float[] images() {
        load();
        return x.clone();
    }

    /** The digit of each row (a copy). */
    public static int[] digits() {
        load();
        return labels.clone();
    }

    /** 10 binary tasks "d-vs-rest" on the same inputs (the Algorithm 2 setting). */
    public static TaskSuite oneVsRest() {
        load();
        List<Task> tasks = new ArrayList<>();
        for (int d = 0; d < 10; d++) {
            float[] y = new float[labels.length];
            for (int i = 0; i < labels.length; i++) {
                y[i] = labels[i] == d ? 1f : 0f;
            }
            tasks.add(new Task(d + "-vs-rest", x, labels.length, FEATURES, y, 1, true, "builtin:digits-ovr"));
        }
        return new TaskSuite("digits-ovr", tasks, true);
    }

    /**
     * Binary tasks "a-vs-b" on the disjoint pairs (0,1), (2,3), (4,5), (6,7), (8,9): each task
     * has its own rows, hence its own input covariance (the Algorithm 1 setting).
     */
    public static TaskSuite pairs() {
        load();
        List<Task> tasks = new ArrayList<>();
        for (int a = 0; a < 10; a += 2) {
            int b = a + 1;
            int n = 0;
            for (int l : labels) {
                n += (l == a || l == b) ? 1 : 0;
            }
            float[] xs = new float[n * FEATURES];
            float[] y = new float[n];
            int t = 0;
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == a || labels[i] == b) {
                    System.arraycopy(x, i * FEATURES, xs, t * FEATURES, FEATURES);
                    y[t++] = labels[i] == b ? 1f : 0f;
                }
            }
            tasks.add(new Task(a + "-vs-" + b, xs, n, FEATURES, y, 1, true, "builtin:digits-pairs"));
        }
        return new TaskSuite("digits-pairs", tasks, false);
    }
}
