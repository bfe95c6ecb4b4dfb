package org.mtlalign.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import org.mtlalign.UserInputException;
import org.mtlalign.Version;
import org.mtlalign.backend.Backend;

/** Writing results: atomically, with provenance. */
final class Outputs {
    private Outputs() {
    }

    /** Writes text to a temporary sibling and renames it over the target. */
    static void writeAtomically(Path file, String text, String option) {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + System.nanoTime());
        try {
            if (abs.getParent() != null) {
                Files.createDirectories(abs.getParent());
            }
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do
            }
            throw new UserInputException(option + " " + file + ": cannot write (" + e.getMessage() + ")");
        }
    }

    /**
     * Peak heap use of this JVM so far: the sum over heap pools of each pool's peak (an upper
     * bound of the true simultaneous peak, since pools peak at different times).
     */
    static long peakHeapBytes() {
        long sum = 0;
        for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Version, backend, runtime, time and peak heap of a result. */
    static JsonObject provenance(Backend backend, String[] commandLine) {
        JsonObject p = new JsonObject();
        p.addProperty("library", "mtl-align");
        p.addProperty("version", Version.get());
        p.addProperty("backend", backend.name());
        p.addProperty("backend_detail", backend.description());
        p.addProperty("java", Runtime.version().toString());
        p.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        p.addProperty("created", Instant.now().toString());
        p.addProperty("peak_heap_mib", Math.round(peakHeapBytes() / 1048576.0 * 10) / 10.0);
        p.addProperty("max_heap_mib", Math.round(Runtime.getRuntime().maxMemory() / 1048576.0 * 10) / 10.0);
        if (commandLine != null) {
            com.google.gson.JsonArray a = new com.google.gson.JsonArray();
            for (String s : commandLine) {
                a.add(s);
            }
            p.add("command_line", a);
        }
        return p;
    }
}
