package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The limits and refusals that a run enforces are stated in --help, where a user looks before
 * running: 'mtl train --seeds 101' and 'mtl train --lr 0.5 --weight-decay 2' were refused while
 * train's help gave no limit, and the noisy-theta warning of Algorithm 2 was not mentioned.
 */
class HelpStatesLimitsTest {

    /** The help text of one option of a command, its wrapping undone. */
    private static String option(String command, String name) {
        CliTestSupport.Run h = CliTestSupport.run(command, "--help");
        assertEquals(0, h.code(), h.err());
        String out = h.out();
        int at = out.indexOf("\n      " + name + "=");
        if (at < 0) {
            at = out.indexOf(", " + name + "=");
        }
        assertTrue(at >= 0, command + " --help has no " + name + ":\n" + out);
        int end = out.indexOf("\n  ", at + 1);
        while (end >= 0 && out.startsWith("\n                 ", end)) {
            end = out.indexOf("\n  ", end + 1);
        }
        return out.substring(at, end < 0 ? out.length() : end).replaceAll("\\s+", " ");
    }

    private static String description(String command) {
        CliTestSupport.Run h = CliTestSupport.run(command, "--help");
        return h.out().substring(0, h.out().indexOf("\n      --")).replaceAll("\\s+", " ");
    }

    @Test
    void seedLimitsAreInEveryCommandsHelp() {
        for (String c : new String[] {"train", "sweep", "pairs", "reproduce"}) {
            String s = option(c, "--seeds");
            assertTrue(s.contains("at most 100"), c + ": " + s);
        }
        assertTrue(option("analyze", "--resamples").contains("19 to 10000"));
    }

    @Test
    void weightDecayLimitAndMomentumUnderAdamAreStated() {
        for (String c : new String[] {"train", "sweep", "pairs"}) {
            String wd = option(c, "--weight-decay");
            assertTrue(wd.contains("a decay of 1 / --lr or more is refused"), c + ": " + wd);
            String mo = option(c, "--momentum");
            assertTrue(mo.contains("no effect under adam"), c + ": " + mo);
        }
        assertTrue(option("train", "--weight-decay").contains("1 / (--lr x F)"));
    }

    @Test
    void theNoisyThetaWarningIsMentionedWhereAlgorithm2Is() {
        assertTrue(option("train", "--reweight").contains("mostly sampling noise"), option("train", "--reweight"));
        assertTrue(description("analyze").contains("a warning names tasks with too few training rows"),
                description("analyze"));
    }
}
