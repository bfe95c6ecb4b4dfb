package org.mtlalign.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.Backends;
import org.mtlalign.cli.Main;

/**
 * --backend selection, on every machine: without a usable GPU, "cuda" is a one-line user error
 * (exit 2) and "auto" falls back to the CPU with a one-line reason; with one, both give CUDA.
 */
class CudaSelectionTest {

    @Test
    void backendCudaWithoutAGpuIsAOneLineUserErrorWithExit2() {
        String why = CudaProbe.unavailableReason();
        assumeTrue(why != null, "a GPU is usable here (see cudaIsSelectedWhenUsable)");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "info", "--backend", "cuda");
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, "exit code; stderr: " + e);
        List<String> lines = e.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "stderr must be one line: " + e);
        assertTrue(lines.get(0).startsWith("mtl: --backend cuda: "), lines.get(0));
        assertTrue(lines.get(0).contains(why), lines.get(0) + " should give the reason: " + why);
    }

    @Test
    void infoNamesBothWaysTheKernelsCanBeMissing() {
        assumeFalse(CudaProbe.kernelsBuilt(), "the kernels are built into this build");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "info");
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String line = out.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("cuda kernels: ")).findFirst().orElseThrow();
        // A build with nvcc on the PATH but the step skipped was told nvcc was missing.
        assertTrue(line.contains("nvcc was not on the PATH") && line.contains("-Dmtlalign.native.skip=true"), line);
    }

    @Test
    void autoFallsBackToTheCpuWithAOneLineReason() {
        String why = CudaProbe.unavailableReason();
        assumeTrue(why != null, "a GPU is usable here (see cudaIsSelectedWhenUsable)");
        List<String> notices = new ArrayList<>();
        try (Backend b = Backends.select("auto", notices::add)) {
            assertEquals("cpu", b.name());
        }
        assertEquals(1, notices.size(), notices.toString());
        assertEquals("backend: cpu (CUDA not used: " + why + ")", notices.get(0));
        assertFalse(why.contains("\n"), why);
    }

    @Test
    void cudaIsSelectedWhenUsable() {
        assumeTrue(CudaProbe.usable(), () -> "CUDA unavailable: " + CudaProbe.unavailableReason());
        List<String> notices = new ArrayList<>();
        try (Backend b = Backends.select("auto", notices::add)) {
            assertEquals("cuda", b.name());
        }
        assertEquals(1, notices.size());
        assertTrue(notices.get(0).startsWith("backend: cuda ("), notices.get(0));
        try (Backend b = Backends.select("cuda", s -> { })) {
            assertEquals("cuda", b.name());
        }
    }

    @Test
    void probeWithoutADriverSaysSoAndThrowsNothing() {
        assumeFalse(CudaProbe.usable(), "a GPU is usable here");
        String why = CudaProbe.unavailableReason();
        assertNotNull(why);
        assertNotNull(CudaProbe.summary());
        assertTrue(CudaProbe.summary().startsWith("unavailable: "), CudaProbe.summary());
        // twice: the probe is cached and a failed JCuda class initialisation must not leak out
        assertEquals(why, CudaProbe.unavailableReason());
    }

    @Test
    void constructingTheBackendWithoutAGpuFailsClearly() {
        assumeFalse(CudaProbe.usable(), "a GPU is usable here");
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                CudaBackend::new);
        assertTrue(e.getMessage().contains(CudaProbe.unavailableReason()), e.getMessage());
    }

    @Test
    void unknownBackendIsAUserError() {
        org.junit.jupiter.api.Assertions.assertThrows(UserInputException.class, () -> Backends.select("tpu", s -> { }));
    }

    @Test
    void loadFailuresAreDescribedInOneLine() {
        String noDriver = CudaProbe.describeLoadFailure(new UnsatisfiedLinkError(
                "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                        + "... /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file"));
        assertEquals("no NVIDIA driver (libcuda.so.1 not found)", noDriver);
        String noJar = CudaProbe.describeLoadFailure(new NoClassDefFoundError("jcuda/driver/JCudaDriver"));
        assertTrue(noJar.startsWith("JCuda is not on the classpath"), noJar);
        String other = CudaProbe.describeLoadFailure(new UnsatisfiedLinkError("first line\nsecond line"));
        assertFalse(other.contains("\n"), other);
        assertTrue(other.contains("first line"), other);
    }
}
