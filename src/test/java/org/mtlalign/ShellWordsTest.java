package org.mtlalign;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShellWordsTest {

    /** What bash reads back from the quoted word is the original, one argument, for awkward names. */
    @Test
    void bashReadsTheQuotedWordBackAsOneArgument() throws Exception {
        for (String s : List.of("tox21=active", "my task=not spam", "it's", "$HOME", "a\"b", "*", "", "ü=ja", "a;b|c",
                "'", "x\\y", "-n")) {
            Process p = new ProcessBuilder("bash", "-c", "printf '%s|%d' " + ShellWords.quote(s) + " $#", "_")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            // One word: printf fills %s with it and %d with $# (0: no arguments after '_').
            assertEquals(s + "|0", out, "quoted as " + ShellWords.quote(s));
        }
        assertEquals("tox21=active", ShellWords.quote("tox21=active"));
    }
}
