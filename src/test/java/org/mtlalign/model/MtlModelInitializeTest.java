package org.mtlalign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mtlalign.analysis.TestData;

/**
 * initialize(seed) on a model that had been trained redrew B and the heads' weights but kept the
 * trained biases, R_i and optimiser state (moments and step counts), so the start depended on the
 * model's past, not only on the seed as its javadoc said (found calling the library).
 */
class MtlModelInitializeTest {
    @Test
    void initializingATrainedModelGivesTheStartOfAFreshOne() {
        long seed = TestData.seed();
        Random rnd = new Random(seed);
        int d = 2 + rnd.nextInt(6);
        int r = 1 + rnd.nextInt(d);
        List<TaskHead> heads = List.of(new TaskHead("a", Loss.SOFTMAX, 3), new TaskHead("b", Loss.SQUARED, 1));
        for (Activation g : Activation.values()) {
            for (boolean bias : new boolean[] {true, false}) {
                for (boolean aligned : new boolean[] {false, true}) {
                    MtlModel fresh = new MtlModel(d, r, g, bias, heads);
                    MtlModel used = new MtlModel(d, r, g, bias, heads);
                    if (aligned) {
                        fresh.enableAlignment();
                        used.enableAlignment();
                    }
                    // What a training leaves: every value, moment and step count moved.
                    for (Tensor t : used.parameters()) {
                        for (float[] a : new float[][] {t.value(), t.moment1(), t.moment2()}) {
                            for (int i = 0; i < a.length; i++) {
                                a[i] = (float) rnd.nextGaussian();
                            }
                        }
                        t.setSteps(1 + rnd.nextInt(50));
                    }
                    long s = rnd.nextLong();
                    fresh.initialize(s);
                    used.initialize(s);
                    String at = g + ", bias " + bias + ", aligned " + aligned + " (seed " + seed + ")";
                    for (int p = 0; p < fresh.parameters().size(); p++) {
                        Tensor f = fresh.parameters().get(p);
                        Tensor u = used.parameters().get(p);
                        assertArrayEquals(f.value(), u.value(), f.name() + ", " + at);
                        assertArrayEquals(f.moment1(), u.moment1(), f.name() + ", " + at);
                        assertArrayEquals(f.moment2(), u.moment2(), f.name() + ", " + at);
                        assertEquals(f.steps(), u.steps(), f.name() + ", " + at);
                    }
                }
            }
        }
    }
}
