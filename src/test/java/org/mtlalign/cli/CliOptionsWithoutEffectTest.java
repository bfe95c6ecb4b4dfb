package org.mtlalign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Options that the run's other settings leave without effect are named in a note: picocli accepted
 * them silently, and the run trained as if they had not been given (found by fuzzing the options).
 */
class CliOptionsWithoutEffectTest {
    @TempDir
    Path dir;

    private static final String[] QUICK = {"--suite", "synthetic-linear", "--epochs", "1", "--rank", "2", "--no-progress",
            "--backend", "cpu"};

    private static CliTestSupport.Run train(String... extra) {
        String[] a = new String[1 + QUICK.length + extra.length];
        a[0] = "train";
        System.arraycopy(QUICK, 0, a, 1, QUICK.length);
        System.arraycopy(extra, 0, a, 1 + QUICK.length, extra.length);
        return CliTestSupport.run(a);
    }

    @Test
    void momentumUnderAdamIsNamed() {
        CliTestSupport.Run r = train("--momentum", "0.5");
        assertEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("note: --momentum is SGD's and has no effect under --optimizer adam"), r.err());
        CliTestSupport.Run sgd = train("--optimizer", "sgd", "--momentum", "0.5");
        assertEquals(0, sgd.code(), sgd.all());
        assertFalse(sgd.err().contains("--momentum is SGD's"), sgd.err());
        // Not given: no note, whatever the optimizer.
        assertFalse(train().err().contains("--momentum"), "no note without --momentum");
    }

    @Test
    void momentumUnderAdamIsNamedBySweepAndPairs() {
        CliTestSupport.Run s = CliTestSupport.run("sweep", "--suite", "synthetic-linear", "--epochs", "1", "--seeds", "1",
                "--ranks", "1", "--no-progress", "--backend", "cpu", "--momentum", "0.5");
        assertEquals(0, s.code(), s.all());
        assertTrue(s.err().contains("note: --momentum is SGD's and has no effect under --optimizer adam"), s.err());
        CliTestSupport.Run p = CliTestSupport.run("pairs", "--suite", "task-covariance", "--epochs", "1", "--seeds", "1",
                "--no-progress", "--backend", "cpu", "--momentum", "0.5");
        assertEquals(0, p.code(), p.all());
        assertTrue(p.err().contains("note: --momentum is SGD's and has no effect under --optimizer adam"), p.err());
    }

    @Test
    void alignAndReweightOptionsOfModelsNotTrainedAreNamed() {
        CliTestSupport.Run a = train("--align", "none", "--align-lr-factor", "0.5");
        assertEquals(0, a.code(), a.all());
        assertTrue(a.err().contains("note: --align-lr-factor has no effect under --align none"), a.err());
        CliTestSupport.Run w = train("--reweight", "none", "--reweight-rank", "2");
        assertEquals(0, w.code(), w.all());
        assertTrue(w.err().contains("note: --reweight-rank has no effect under --reweight none"), w.err());
        CliTestSupport.Run both = train("--align-lr-factor", "0.5", "--reweight-rank", "2");
        assertEquals(0, both.code(), both.all());
        assertFalse(both.err().contains("has no effect"), both.err());
    }

    /** Transfer mode names what it ignores in its own note, once, in the singular for one option. */
    @Test
    void transferModeKeepsItsOwnNote() {
        CliTestSupport.Run t = train("--transfer-target", "linear-0", "--align", "none", "--align-lr-factor", "0.5");
        assertEquals(0, t.code(), t.all());
        assertTrue(t.err().contains("--align, --align-lr-factor do not apply to it"), t.err());
        assertFalse(t.err().contains("has no effect under --align none"), t.err());
        CliTestSupport.Run one = train("--transfer-target", "linear-0", "--no-stl");
        assertEquals(0, one.code(), one.all());
        assertTrue(one.err().contains("; --no-stl does not apply to it"), one.err());
    }
}
