package org.mtlalign.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mtlalign.UserInputException;
import org.mtlalign.backend.Backend;
import org.mtlalign.backend.Backends;
import org.mtlalign.data.FiniteCheck;
import org.mtlalign.data.Npy;
import org.mtlalign.data.NpyArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mtl svd`: batched thin SVD of an .npy stack. */
@Command(name = "svd", mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = {"Batched thin SVD of an m x n or b x m x n .npy array (any dtype or order numpy writes).",
                "Writes U.npy (.. x m x p), S.npy (.. x p, descending) and V.npy (.. x n x p, V itself, not V^T) "
                        + "with p = min(m, n), so that A = U diag(S) V^T, computed in float32."})
public final class SvdCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, paramLabel = "A.npy", description = "Input array.")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Mixin
    BackendOption backendOption = new BackendOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        for (String f : new String[] {"U.npy", "S.npy", "V.npy"}) {
            Outputs.checkNotInput(out.resolve(f), "--out", java.util.List.of(in));
        }
        NpyArray a = Npy.read(in);
        if (a.rank() != 2 && a.rank() != 3) {
            throw new UserInputException(in + ": expected an m x n or b x m x n array, got rank " + a.rank());
        }
        int b = a.rank() == 3 ? a.dim(0) : 1;
        int m = a.dim(a.rank() - 2);
        int n = a.dim(a.rank() - 1);
        if (b == 0 || m == 0 || n == 0) {
            throw new UserInputException(in + ": empty array (shape has a zero dimension)");
        }
        FiniteCheck.requireFinite(in.toString(), a);
        Backend backend = backendOption.select(spec.commandLine().getErr()::println);
        int p = Math.min(m, n);
        float[] u = new float[b * m * p];
        float[] s = new float[b * p];
        float[] v = new float[b * n * p];
        long t0 = System.nanoTime();
        backend.svd(a.data(), b, m, n, u, s, v);
        double ms = (System.nanoTime() - t0) / 1e6;
        boolean stacked = a.rank() == 3;
        Npy.write(out.resolve("U.npy"), stacked ? new int[] {b, m, p} : new int[] {m, p}, u);
        Npy.write(out.resolve("S.npy"), stacked ? new int[] {b, p} : new int[] {p}, s);
        Npy.write(out.resolve("V.npy"), stacked ? new int[] {b, n, p} : new int[] {n, p}, v);
        o.printf(Locale.ROOT, "svd of %d matrix(es) %d x %d on %s in %.1f ms: wrote U.npy, S.npy, V.npy to %s%n",
                b, m, n, backend.name(), ms, out);
        return 0;
    }
}
