package org.mtlalign.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/json.md promises an empty cell where a reproduce CSV's value is undefined; a NaN metric
 * (an AUC on test rows of one class) was written "NaN", unlike the empty not-applicable cells.
 */
class ResultWriterCsvTest {
    @Test
    void undefinedValuesAreEmptyCellsAndTextIsQuoted() {
        Report r = new Report(List.of("suite", "seed", "auc", "mse", "note"));
        r.row("a,b", 1, Double.NaN, 0.25, "");
        r.row("say \"x\"", 2, 0.123456789, Float.NaN, "x");
        assertEquals("suite,seed,auc,mse,note\n\"a,b\",1,,0.250000,\n\"say \"\"x\"\"\",2,0.123457,,x\n", ResultWriter.csv(r));
    }
}
