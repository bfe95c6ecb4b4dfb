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
                : " (pure-Java BLAS fallback: install libopenblas0-pthread for native speed)"));
        o.println("cuda backend: " + CudaProbe.summary());
        o.println("cuda kernels: " + (CudaProbe.kernelsBuilt()
                ? "built into this jar (" + CudaProbe.kernelsBuildInfo() + ")"
                : "not built (" + CudaProbe.KERNELS_MISSING + ")"));
        try (Backend chosen = backendOption.select(s -> { })) {
            o.println("selected (--backend " + backendOption.backend + "): " + chosen.name());
        }
        return 0;
    }
}
