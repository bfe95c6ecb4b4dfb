package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The synthetic generators' arguments: a teacher of width 0 (linear's teacherRank, relu's hidden)
 * gave labels of pure noise and a negative noise level was taken as its size, without a word; NaN
 * noise failed as "every label is missing" and a NaN kappa as "X[0, 0] is NaN" (found calling the
 * library).
 */
class SyntheticArgumentsTest {
    private final long seed = System.nanoTime();

    @Test
    void widthsNoiseAndKappaAreCheckedWhereTheyArePassed() {
        List<Executable> bad = List.of(
                () -> Synthetic.linear(2, 11, 3, 0, 0.1, false, seed),
                () -> Synthetic.relu(2, 11, 3, 0, 0.1, seed),
                () -> Synthetic.linear(2, 11, 3, 1, -0.5, false, seed),
                () -> Synthetic.linear(2, 11, 3, 1, Double.NaN, true, seed),
                () -> Synthetic.relu(2, 11, 3, 2, Double.POSITIVE_INFINITY, seed),
                () -> Synthetic.taskCovariance(9, 13, 4, Double.NaN, 0.1, seed),
                () -> Synthetic.taskCovariance(9, 13, 4, 0, 0.1, seed),
                () -> Synthetic.taskCovariance(9, 13, 4, 2, -1, seed));
        for (Executable call : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().matches("(teacherRank|hidden|noise|kappa) must be .*"), e.getMessage());
        }
        assertEquals(2, Synthetic.linear(2, 11, 3, 1, 0, false, seed).size());
        assertEquals(3, Synthetic.relu(3, 11, 3, 1, 0.2, seed).size());
        assertEquals(4, Synthetic.taskCovariance(9, 13, 4, 0.5, 0, seed).size());
    }
}
