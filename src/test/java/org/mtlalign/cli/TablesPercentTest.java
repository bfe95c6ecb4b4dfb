package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The similarity tables name their rank rule by --energy: printed with %.0f, --energy 0.995 read
 * "100% rank rule" (a different rule: keep every direction) and 0.905 "91%".
 */
class TablesPercentTest {
    @Test
    void energyIsPrintedAsGiven() {
        assertEquals("99", Tables.percent(0.99));
        assertEquals("99.5", Tables.percent(0.995));
        assertEquals("90.5", Tables.percent(0.905));
        assertEquals("100", Tables.percent(1.0));
        assertEquals("0.1", Tables.percent(0.001));
    }
}
