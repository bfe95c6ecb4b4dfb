package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * mtl analyze's "most similar pairs" ranks pairs whose similarities may span just over 1%: at a fixed
 * three decimals, 0.5004, 0.5001 and 0.4996 all printed 0.500, a ranking the numbers did not show.
 */
class AnalyzeRankedScoresTest {
    @Test
    void closeScoresGetTheDecimalsThatShowTheirOrder() {
        List<String> s = AnalyzeCommand.rankedScores(new double[] {0.5004, 0.5001, 0.4996, 0.4950});
        assertEquals(List.of("0.5004", "0.5001", "0.4996", "0.4950"), s);
        for (int i = 1; i < s.size(); i++) {
            assertTrue(Double.parseDouble(s.get(i - 1)) > Double.parseDouble(s.get(i)), s.toString());
        }
    }

    @Test
    void distinctScoresKeepThreeDecimals() {
        assertEquals(List.of("0.214", "0.202", "0.198"), AnalyzeCommand.rankedScores(new double[] {0.2141, 0.2023, 0.198}));
    }

    @Test
    void equalScoresAreMarkedAsTies() {
        assertEquals(List.of("0.300 (tie)", "0.300 (tie)", "0.200"),
                AnalyzeCommand.rankedScores(new double[] {0.3, 0.3, 0.2}));
        // Equal to six decimals: a tie as far as the printout goes.
        assertEquals(List.of("0.400000 (tie)", "0.400000 (tie)", "0.300000"),
                AnalyzeCommand.rankedScores(new double[] {0.40000001, 0.4, 0.3}));
    }
}
