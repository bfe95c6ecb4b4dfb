package org.mtlalign.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
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
        writeSet(targets, new int[][] {stacked ? new int[] {b, m, p} : new int[] {m, p},
                stacked ? new int[] {b, p} : new int[] {p}, stacked ? new int[] {b, n, p} : new int[] {n, p}},
                new float[][] {u, s, v});
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

    /**
     * Writes the set as one: each file first to a temporary sibling (complete and flushed), then
     * all are renamed over their targets, so a failure (a full disk) or a kill while writing
     * leaves the earlier set whole, never a new U.npy beside an old S.npy and V.npy. Before, the
     * files were written one by one, and a failure on V had already replaced U and S (only files
     * this call had created were removed again). A target that is a symbolic link or not a regular
     * file (a FIFO) is written in place after the renames, as before; if that fails, the files
     * this call created are removed again.
     */
    static void writeSet(Path[] files, int[][] shapes, float[][] data) {
        List<Path> created = new ArrayList<>();
        Path[] temps = new Path[files.length];
        boolean[] existed = new boolean[files.length];
        try {
            try {
                for (int i = 0; i < files.length; i++) {
                    existed[i] = Files.exists(files[i], LinkOption.NOFOLLOW_LINKS);
                    if (existed[i] && !Files.isRegularFile(files[i], LinkOption.NOFOLLOW_LINKS)) {
                        continue;  // a link or a special file: in place, below
                    }
                    Path dir = files[i].toAbsolutePath().getParent();
                    Files.createDirectories(dir);
                    temps[i] = dir.resolve("." + files[i].getFileName() + "."
                            + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".part");
                    PENDING.add(temps[i]);
                    try {
                        Npy.write(temps[i], shapes[i], data[i]);
                    } catch (UserInputException e) {
                        // Named as the file the user asked for, not its temporary sibling.
                        throw new UserInputException(e.getMessage().replace(temps[i].toString(), files[i].toString()), e);
                    }
                }
                for (int i = 0; i < files.length; i++) {
                    if (temps[i] != null) {
                        try {
                            Files.move(temps[i], files[i], java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                            Files.move(temps[i], files[i], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                        PENDING.remove(temps[i]);
                        temps[i] = null;
                        if (!existed[i]) {
                            created.add(files[i]);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UserInputException("--out " + files[0].getParent() + ": cannot write ("
                        + (e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                                : e.getMessage()) + ")", e);
            }
            for (int i = 0; i < files.length; i++) {
                if (existed[i] && !Files.isRegularFile(files[i], LinkOption.NOFOLLOW_LINKS)) {
                    Npy.write(files[i], shapes[i], data[i]);
                }
            }
        } catch (RuntimeException e) {
            for (Path t : temps) {
                if (t != null) {
                    deleteQuietly(t);
                    PENDING.remove(t);
                }
            }
            for (Path c : created) {
                deleteQuietly(c);
            }
            throw e;
        }
    }

    // Temporary files being written, removed by a shutdown hook if the run is stopped (Ctrl-C).
    private static final java.util.Set<Path> PENDING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> PENDING.forEach(SvdCommand::deleteQuietly),
                "mtl-svd-cleanup"));
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the write error is the one to report
        }
    }
}
