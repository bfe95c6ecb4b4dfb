package org.mtlalign.backend.cuda;

import java.util.Locale;
import org.mtlalign.UserInputException;

/**
 * The GPU has not enough free memory for a request. A {@link UserInputException} so that the CLI
 * prints it as one line (exit 2): the remedy is the user's (smaller batch, smaller problem,
 * {@code --backend cpu}), not a bug report.
 */
public final class CudaOutOfMemoryException extends UserInputException {
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;

    CudaOutOfMemoryException(long requestedBytes, long capacityBytes, long freeBytes, long totalBytes,
                             String device) {
        super(String.format(Locale.ROOT, "CUDA out of memory on %s: asked for %s (%d bytes, pool block %d bytes); "
                        + "%s free of %s (try a smaller batch or problem, or --backend cpu)",
                device, human(requestedBytes), requestedBytes, capacityBytes, human(freeBytes), human(totalBytes)));
        this.requestedBytes = requestedBytes;
    }

    /** Out of another kind of memory (page-locked host memory), with the whole message. */
    CudaOutOfMemoryException(String message) {
        super(message);
        this.requestedBytes = -1;
    }

    /** The size of the request that failed, in bytes (-1 where unknown). */
    public long requestedBytes() {
        return requestedBytes;
    }

    static String human(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double x = bytes;
        int u = 0;
        while (x >= 1024 && u < units.length - 1) {
            x /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", x, units[u]);
    }
}
