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

    /**
     * What ptxas reports against what the launchers ask, for every kernel and SASS target: the
     * registers of the largest block a launcher uses must fit the SM's 64K (allocated per warp in
     * units of 256), and the static shared memory ptxas reports plus the dynamic shared memory a
     * launcher may ask for must fit the 48 KiB a launch gets without the opt-in attribute (which
     * the project does not set). Either excess makes cuLaunchKernel fail on the GPU only (out of
     * resources, invalid value); the emulator cannot see registers or static shared memory.
     */
    @Test
    void ptxasResourcesFitTheLaunchConfigurations() throws IOException {
        assumeTrue(onPath("nvcc") != null, "nvcc is not on the PATH here: no ptxas reports");
        assumeTrue(!Boolean.getBoolean("mtlalign.native.skip"), "the build skipped nvcc (-Dmtlalign.native.skip)");
        Pattern entry = Pattern.compile("Compiling entry function '(\\w+)' for '(sm_\\d+)'");
        Pattern used = Pattern.compile("Used (\\d+) registers(?:, used \\d+ barriers)?(?:, (\\d+) bytes smem)?");
        int checked = 0;
        for (String module : CudaProbe.MODULES) {
            Path report = REPORTS.resolve("ptxas-" + module + ".txt");
            assumeTrue(Files.isRegularFile(report), "no ptxas report " + report + " (kernels not built)");
            String kernel = null;
            String sm = null;
            for (String line : Files.readAllLines(report)) {
                Matcher e = entry.matcher(line);
                if (e.find()) {
                    kernel = e.group(1);
                    sm = e.group(2);
                    continue;
                }
                Matcher u = used.matcher(line);
                if (kernel == null || !u.find()) {
                    continue;
                }
                int registers = Integer.parseInt(u.group(1));
                int staticShared = u.group(2) == null ? 0 : Integer.parseInt(u.group(2));
                int threads = maxLaunchThreads(kernel);
                long warpRegisters = (registers + 7L) / 8 * 8 * 32;
                assertTrue((threads + 31) / 32 * warpRegisters <= 65536, kernel + " on " + sm + ": " + registers
                        + " registers x " + threads + " threads exceed the 64K registers of an SM");
                long shared = staticShared + maxDynamicShared(kernel);
                assertTrue(shared <= 48 * 1024, kernel + " on " + sm + ": " + staticShared + " B static + "
                        + maxDynamicShared(kernel) + " B dynamic shared memory exceed 48 KiB");
                checked++;
                kernel = null;
            }
        }
        int kernels = CudaKernels.FUNCTIONS.values().stream().mapToInt(List::size).sum();
        assertEquals(kernels * SASS.size(), checked, "a resource line for every kernel and target");
    }

    /** The largest block CudaKernels launches each kernel with. */
    private static int maxLaunchThreads(String kernel) {
        if (kernel.startsWith("sgemm_")) {
            return CudaKernels.GEMM_TILE * CudaKernels.GEMM_ROWS;
        }
        if (kernel.startsWith("loss_") || kernel.equals("reduce_partials")) {
            return CudaKernels.LOSS_THREADS;
        }
        if (kernel.equals("column_sums") || kernel.equals("column_means_f64") || kernel.equals("gram_lower")) {
            return CudaKernels.COL_TILE * CudaKernels.COL_ROWS;
        }
        if (kernel.startsWith("svd_jacobi_")) {
            return CudaKernels.jacobiThreads(Integer.MAX_VALUE - 1);
        }
        if (kernel.startsWith("sym_eig_jacobi_")) {
            return CudaKernels.eigThreads(Integer.MAX_VALUE);
        }
        assertTrue(List.of("bias_activation", "bias_activation_split", "relu_backward", "gather_rows", "sgd_momentum",
                "adam").contains(kernel), "no launch size known for kernel " + kernel);
        return CudaKernels.ELEMENTWISE_THREADS;
    }

    /** The most dynamic shared memory CudaKernels asks for at a launch of the kernel. */
    private static int maxDynamicShared(String kernel) {
        return kernel.equals("svd_jacobi_shared") || kernel.equals("sym_eig_jacobi_shared")
                ? CudaKernels.SHARED_LIMIT_BYTES : 0;
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
