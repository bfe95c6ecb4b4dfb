package org.mtlalign.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        description = {"Batched thin SVD of an m x n or b x m x n .npy array (any dtype or order numpy writes; a .npz: its only "
                + "array or X; an m x n matrix may be CSV).",
                "Writes U.npy (.. x m x p), S.npy (.. x p, descending) and V.npy (.. x n x p, V itself, not V^T) "
                        + "with p = min(m, n), so that A = U diag(S) V^T, computed in float32."})
public final class SvdCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, paramLabel = "A.npy", description = "Input array (.npy, .npz or CSV).")
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
        // All three targets are checked before the work: a bad V.npy found only after writing U and
        // S would leave a new U and S beside an old V, a set that does not belong together.
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserInputException("--out " + out + ": not a directory; give a directory for U.npy, S.npy and V.npy");
        }
        Path[] targets = {out.resolve("U.npy"), out.resolve("S.npy"), out.resolve("V.npy")};
        for (Path t : targets) {
            if (Files.isDirectory(t)) {
                throw new UserInputException("--out " + out + ": " + t.getFileName() + " there is a directory; "
                        + "remove it or choose another --out");
            }
            Outputs.checkTarget(t, "--out");
            Outputs.checkNotInput(t, "--out", List.of(in));
        }
        // A 2-D matrix may come as CSV too; a batch (b x m x n) needs .npy.
        NpyArray a = org.mtlalign.data.TaskLoader.readArray(in);
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
        // Finite inputs near the float32 limit (|a| ~ 1e38) can have singular values beyond it.
        if (!allFinite(s) || !allFinite(u) || !allFinite(v)) {
            throw new UserInputException(in + ": the SVD overflows float32 (the inputs reach " + maxAbs(a.data())
                    + "); divide the array by a power of two and multiply S by it afterwards");
        }
        boolean stacked = a.rank() == 3;
        // As one set (see Npy.writeTogether): never a new U.npy beside an old S.npy and V.npy.
        List<Path> made = Outputs.missingFolders(out);
        try {
            Npy.writeTogether(targets, new int[][] {stacked ? new int[] {b, m, p} : new int[] {m, p},
                    stacked ? new int[] {b, p} : new int[] {p}, stacked ? new int[] {b, n, p} : new int[] {n, p}},
                    new float[][] {u, s, v});
        } catch (RuntimeException ex) {
            // A full disk left the new --out folder behind, empty.
            Outputs.removeEmptyFolders(made);
            throw ex;
        }
        o.printf(Locale.ROOT, "svd of %d %s %d x %d on %s in %.1f ms: wrote U.npy, S.npy, V.npy to %s%n",
                b, b == 1 ? "matrix" : "matrices", m, n, backend.name(), ms, out);
        return 0;
    }

    private static boolean allFinite(float[] x) {
        for (float v : x) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static float maxAbs(float[] x) {
        float max = 0;
        for (float v : x) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
