package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Standardisation makes results independent of the inputs' units: a feature in units a million
 * (or 1e30) times smaller varies as much as any and is scaled like any, while a constant feature
 * stays constant whatever its value.
 */
class PreparationUnitsTest {
    private static final long SEED = Long.getLong("mtlalign.test.seed", System.nanoTime());

    private static Task task(String name, float[] x, int m, int d, Random rnd) {
        float[] y = new float[m];
        for (int i = 0; i < m; i++) {
            y[i] = (float) rnd.nextGaussian();
        }
        return new Task(name, x, m, d, y, 1, false, name + ".npy");
    }

    private static List<PreparedTask> prepare(Preparation.Standardize std, Task... tasks) {
        return Preparation.prepare(new TaskSuite("t", List.of(tasks), false),
                new Preparation.Config(0.2, 0.2, 1, null, std)).tasks();
    }

    @Test
    void theStandardisedInputsDoNotDependOnTheUnits() {
        Random rnd = new Random(SEED);
        int m = 37 + rnd.nextInt(40);
        int d = 5;
        float[] base = new float[m * d];
        for (int i = 0; i < m * d; i++) {
            base[i] = (float) (3 * rnd.nextGaussian() + (i % d == 1 ? 50 : 0));
        }
        for (Preparation.Standardize std : new Preparation.Standardize[] {Preparation.Standardize.GLOBAL,
            Preparation.Standardize.PER_TASK}) {
            float[] ref = prepare(std, task("a", base, m, d, new Random(1))).get(0).x();
            for (double unit : new double[] {1e-30, 1e-18, 1e-7, 1e-3, 1e5}) {
                float[] scaled = new float[m * d];
                for (int i = 0; i < m * d; i++) {
                    // Column 2 alone in the new unit; the others as they were.
                    scaled[i] = i % d == 2 ? (float) (base[i] * unit) : base[i];
                }
                float[] got = prepare(std, task("a", scaled, m, d, new Random(1))).get(0).x();
                double worst = 0;
                for (int i = 0; i < m * d; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - ref[i]) / (1 + Math.abs(ref[i])));
                }
                assertTrue(worst < 1e-4, std + ", column 2 times " + unit + ": standardised inputs differ by " + worst
                        + " (relative); seed=" + SEED);
            }
        }
    }

    @Test
    void constantFeaturesStayConstantWhateverTheirValue() {
        Random rnd = new Random(SEED);
        int m = 29 + rnd.nextInt(30);
        for (float value : new float[] {0f, 1f, 1000.5f, -3e7f, 1e-20f}) {
            float[] x = new float[m * 2];
            for (int i = 0; i < m; i++) {
                x[2 * i] = (float) rnd.nextGaussian();
                x[2 * i + 1] = value;
            }
            float[] got = prepare(Preparation.Standardize.PER_TASK, task("a", x, m, 2, rnd)).get(0).x();
            for (int i = 0; i < m; i++) {
                assertEquals(0f, got[2 * i + 1], 1e-6f, "constant " + value + ", row " + i);
            }
        }
    }
}
