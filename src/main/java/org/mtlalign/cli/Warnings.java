package org.mtlalign.cli;

import com.google.gson.JsonArray;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The warnings of one command: each printed on standard error as {@code warning: ...} when it
 * arises, and kept, so that the command's {@code --json} lists them too (a script reading only
 * the JSON would otherwise never learn that, say, its test rows duplicate training rows).
 */
final class Warnings {
    private final PrintWriter err;
    private final List<String> said = new ArrayList<>();

    Warnings(PrintWriter err) {
        this.err = err;
    }

    /** Prints {@code warning: text} and keeps the text. */
    synchronized void add(String text) {
        err.println("warning: " + text);
        said.add(text);
    }

    /** Keeps a warning printed elsewhere (beside the table it concerns), for the JSON. */
    synchronized void keep(String text) {
        said.add(text);
    }

    /** The warnings so far, in the order they were printed. */
    synchronized List<String> texts() {
        return List.copyOf(said);
    }

    /** The warnings so far, in the order they were printed, for {@code "warnings"} in the JSON. */
    synchronized JsonArray json() {
        JsonArray a = new JsonArray();
        said.forEach(a::add);
        return a;
    }
}
