package org.mtlalign.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.mtlalign.Version;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.cpu.CpuBackend;
import org.mtlalign.backend.cuda.CudaProbe;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** `mtl info`: version, backend, device or why none. */
@Command(name = "info", mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class, description = "Version, backends and device.")
public final class InfoCommand implements Callable<Integer> {
    @Mixin
    BackendOption backendOption = new BackendOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        backendOption.validate();
        PrintWriter o = spec.commandLine().getOut();
        o.println("mtl-align " + Version.get());
        o.println("java: " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), "
                + org.mtlalign.backend.cpu.CpuBackend.cores(Runtime.getRuntime().availableProcessors()) + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        CpuBackend cpu = backendOption.threads != null && backendOption.threads > 0
                ? new CpuBackend(backendOption.threads) : new CpuBackend();
        o.println("cpu backend: " + cpu.description() + (cpu.nativeBlas() ? " (native BLAS)"
                : " (pure-Java BLAS fallback: " + fallbackHint() + ")"));
        o.println("cuda backend: " + CudaProbe.summary());
        o.println("cuda kernels: " + (CudaProbe.kernelsBuilt()
                ? "built into this jar (" + CudaProbe.kernelsBuildInfo() + ")"
                : "not built (" + CudaProbe.KERNELS_MISSING + ")"));
        try (Backend chosen = backendOption.select(s -> { })) {
            o.println("selected (--backend " + backendOption.backend + "): " + chosen.name());
        }
        return 0;
    }

    /**
     * What to do about the pure-Java BLAS. netlib unpacks its JNI library into java.io.tmpdir, so
     * a tmpdir that is no writable folder (MTL_JAVA_OPTS="-Djava.io.tmpdir=/my scratch" before the
     * folder existed) falls back with OpenBLAS installed, and installing it was the wrong advice.
     */
    static String fallbackHint() {
        String tmp = System.getProperty("java.io.tmpdir", "");
        java.nio.file.Path dir = tmp.isEmpty() ? null : java.nio.file.Path.of(tmp);
        if (dir == null || !java.nio.file.Files.isDirectory(dir) || !java.nio.file.Files.isWritable(dir)) {
            return "java.io.tmpdir '" + tmp + "' is not a writable folder, and the native BLAS loader unpacks its "
                    + "library there: give -Djava.io.tmpdir an existing folder (MTL_JAVA_OPTS)";
        }
        return "install libopenblas0-pthread for native speed";
    }
}
