package org.mtlalign.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The native build, checked on every machine (no GPU needed): the kernel names the Java
 * launchers use are exactly the {@code extern "C" __global__} entry points of native/*.cu; and
 * when nvcc is on the PATH, the build must have compiled every fatbin onto the classpath (valid
 * fatbin header) with its ptxas report listing every kernel for every SASS target.
 */
class NativeBuildTest {
    private static final Path NATIVE = Path.of("native");
    private static final Path REPORTS = Path.of("target", "native");
    private static final List<String> SASS = List.of("sm_80", "sm_86", "sm_89", "sm_90");
    private static final Pattern ENTRY =
            Pattern.compile("extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\([^)]*\\)\\s+)?(\\w+)\\s*\\(");

    @Test
    void javaLaunchersAndCudaSourcesNameTheSameKernels() throws IOException {
        Set<String> files;
        try (Stream<Path> s = Files.list(NATIVE)) {
            files = s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".cu"))
                    .map(f -> f.substring(0, f.length() - 3)).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(new TreeSet<>(CudaProbe.MODULES), files, "native/*.cu vs CudaProbe.MODULES");
        assertEquals(new TreeSet<>(CudaProbe.MODULES), new TreeSet<>(CudaKernels.FUNCTIONS.keySet()),
                "CudaKernels.FUNCTIONS modules");
        for (String module : CudaProbe.MODULES) {
            String src = Files.readString(NATIVE.resolve(module + ".cu"));
            Set<String> declared = new TreeSet<>();
            Matcher m = ENTRY.matcher(src);
            while (m.find()) {
                declared.add(m.group(1));
            }
            assertEquals(new TreeSet<>(CudaKernels.FUNCTIONS.get(module)), declared,
                    "kernels launched from Java vs extern \"C\" __global__ entry points of native/" + module + ".cu");
        }
    }

    @Test
    void fatbinsAndPtxasReportsExistWhenNvccIsOnThePath() throws IOException {
        String nvcc = onPath("nvcc");
        assumeTrue(nvcc != null, "nvcc is not on the PATH here: the kernels are not expected to be built");
        assumeTrue(!Boolean.getBoolean("mtlalign.native.skip"), "the build skipped nvcc (-Dmtlalign.native.skip)");
        assertTrue(CudaProbe.kernelsBuilt(), "nvcc is on the PATH (" + nvcc + ") but the fatbins are not on the "
                + "classpath: did native/build.sh run (pom profile cuda-kernels)?");
        assertNotNull(CudaProbe.kernelsBuildInfo(), "kernels.properties missing");
        for (String module : CudaProbe.MODULES) {
            byte[] head = new byte[4];
            try (InputStream in = NativeBuildTest.class.getResourceAsStream(CudaProbe.KERNEL_DIR + module + ".fatbin")) {
                assertNotNull(in, module + ".fatbin");
                assertEquals(4, in.readNBytes(head, 0, 4), module + ".fatbin is truncated");
            }
            // fatbin magic 0xBA55ED50, little endian
            assertTrue((head[0] & 0xff) == 0x50 && (head[1] & 0xff) == 0xED && (head[2] & 0xff) == 0x55
                    && (head[3] & 0xff) == 0xBA, module + ".fatbin does not start with the fatbin magic");
            Path report = REPORTS.resolve("ptxas-" + module + ".txt");
            assertTrue(Files.isRegularFile(report), "missing ptxas report " + report);
            String text = Files.readString(report);
            for (String kernel : CudaKernels.FUNCTIONS.get(module)) {
                for (String sm : SASS) {
                    assertTrue(text.contains("Compiling entry function '" + kernel + "' for '" + sm + "'"),
                            report + " has no " + sm + " entry for " + kernel);
                }
            }
        }
    }

    private static String onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
