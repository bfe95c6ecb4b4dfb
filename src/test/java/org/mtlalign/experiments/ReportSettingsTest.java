package org.mtlalign.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The settings line under --seeds 1 read "1 seeds" (every experiment formats "%d seeds"). */
class ReportSettingsTest {
    @Test
    void oneSeedIsSingular() {
        Report r = new Report(List.of("x"));
        assertEquals("--quick; 1 seed. (a) ...", r.settings("--quick; 1 seeds. (a) ...").settings());
        assertEquals("--quick; 11 seeds; 21 seeds; 0.1 seeds", r.settings("--quick; 11 seeds; 21 seeds; 0.1 seeds").settings());
        assertEquals("5 seeds, then 1 seed", r.settings("5 seeds, then 1 seeds").settings());
    }
}
