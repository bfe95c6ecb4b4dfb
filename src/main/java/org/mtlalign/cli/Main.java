package org.mtlalign.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import org.mtlalign.UserInputException;
import org.mtlalign.Version;
import org.mtlalign.train.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code mtl} command. Exit codes: 0 success; 2 bad input (files, options, shapes) with a
 * one-line message; 3 training diverged (the last good checkpoint is kept); 1 an internal error.
 */
@Command(name = "mtl", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Multi-task learning with a shared representation: which tasks help each other, "
                + "how wide the shared module should be, and whether covariance alignment or SVD "
                + "reweighting helps.",
        subcommands = {TrainCommand.class, SweepCommand.class, PairsCommand.class, PredictCommand.class, AnalyzeCommand.class, ReproduceCommand.class,
                SvdCommand.class,
                InfoCommand.class,
                Main.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_USER_ERROR = 2;
    public static final int EXIT_DIVERGED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Held strongly: the logging framework keeps loggers only weakly, so a level set on an
     * otherwise unreferenced logger is lost at the next garbage collection (then netlib's
     * fallback warnings reappear, e.g. under memory pressure).
     */
    private static final java.util.logging.Logger NETLIB_LOG = java.util.logging.Logger.getLogger("dev.ludovic.netlib");

    public static void main(String[] args) {
        // netlib logs its BLAS fallback chain at WARNING; 'mtl info' reports the outcome instead.
        NETLIB_LOG.setLevel(java.util.logging.Level.SEVERE);
        StdoutFailure raw = new StdoutFailure(new java.io.FileOutputStream(java.io.FileDescriptor.out));
        PrintStream out = new PrintStream(new java.io.BufferedOutputStream(raw, 8192), true, stdoutCharset());
        System.setOut(out);
        int code = run(out, System.err, args);
        out.flush();
        System.exit(stdoutChecked(code, raw, System.err));
    }

    /** The charset the JVM gave standard output (stdout.encoding from Java 19, sun.stdout.encoding before). */
    private static java.nio.charset.Charset stdoutCharset() {
        String enc = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        try {
            return enc != null ? java.nio.charset.Charset.forName(enc) : java.nio.charset.Charset.defaultCharset();
        } catch (RuntimeException e) {
            return java.nio.charset.Charset.defaultCharset();
        }
    }

    /**
     * Standard output's bytes, keeping the first write error: PrintStream and PrintWriter swallow
     * them, so 'mtl train --json - > r.json' on a full disk left an empty r.json and exited 0.
     */
    static final class StdoutFailure extends java.io.FilterOutputStream {
        private volatile IOException failure;

        StdoutFailure(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw failed(e);
            }
        }

        private IOException failed(IOException e) {
            if (failure == null) {
                failure = e;
            }
            return e;
        }

        IOException failure() {
            return failure;
        }
    }

    /**
     * The exit code once standard output has been written: a write that failed (a full disk) is
     * exit 2 with one line, unless the run failed already. A reader that stopped early (| head, a
     * broken pipe) is no error, as for the tools it is piped to.
     */
    static int stdoutChecked(int code, StdoutFailure raw, PrintStream err) {
        IOException f = raw.failure();
        if (f == null || isBrokenPipe(f)) {
            return code;
        }
        err.println("mtl: standard output: cannot write (" + (f.getMessage() != null ? f.getMessage() : f.toString())
                + "); the results printed there are incomplete");
        err.flush();
        return code == 0 ? EXIT_USER_ERROR : code;
    }

    private static boolean isBrokenPipe(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("Broken pipe") || m.contains("Stream closed"));
    }

    /** Runs the CLI in-process (used by the tests) and returns the exit code. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new Outputs.StdoutWriter(out));
        cl.setErr(new PrintWriter(err, true));
        // Path options: a name the JVM cannot encode (LANG=C) is said as such, not as a conversion failure.
        cl.registerConverter(java.nio.file.Path.class, Main::toPath);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine where = ex.getCommandLine();
            PrintWriter w = where.getErr();
            String sub = where.getParent() == null ? "" : " " + where.getCommandName();
            String msg = oneLine(ex.getMessage());
            if (ex instanceof CommandLine.MissingParameterException && !where.getUnmatchedArguments().isEmpty()) {
                // picocli checks required options before it reports unmatched arguments, so a typo
                // of a required option ('--taks') read as "Missing required option '--task=NAME'"
                // without naming what was typed: name the typo first.
                CommandLine.UnmatchedArgumentException u =
                        new CommandLine.UnmatchedArgumentException(where, where.getUnmatchedArguments());
                msg = oneLine(u.getMessage()) + unknownOptionHint(where, u) + "; " + msg;
            } else if (ex instanceof CommandLine.UnmatchedArgumentException u && where.getParent() == null
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
                msg = "unknown command '" + u.getUnmatched().get(0) + "' (expected one of "
                        + String.join(", ", where.getSubcommands().keySet()) + ")";
            } else if (ex instanceof CommandLine.UnmatchedArgumentException u) {
                msg += unknownOptionHint(where, u);
            }
            w.println("mtl: " + msg + " (see 'mtl" + sub + " --help')");
            w.flush();
            return EXIT_USER_ERROR;
        });
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            PrintWriter w = c.getErr();
            if (ex instanceof UserInputException) {
                w.println("mtl: " + oneLine(ex.getMessage()));
                w.flush();
                return EXIT_USER_ERROR;
            }
            if (ex instanceof java.nio.file.InvalidPathException ipe) {
                w.println("mtl: " + oneLine(pathHint(ipe)));
                w.flush();
                return EXIT_USER_ERROR;
            }
            if (ex instanceof TrainingDivergedException) {
                w.println("mtl: " + oneLine(ex.getMessage()));
                w.flush();
                return EXIT_DIVERGED;
            }
            w.println("mtl: internal error: " + ex + " (please report it; set MTL_DEBUG=1 for the stack trace)");
            if (System.getenv("MTL_DEBUG") != null) {
                ex.printStackTrace(w);
            }
            w.flush();
            return 1;
        });
        String garbled = undecodableArgument(args);
        if (garbled != null) {
            err.println("mtl: " + garbled);
            err.flush();
            return EXIT_USER_ERROR;
        }
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError oom) {
            // Thrown past picocli's handler (an Error, not an Exception): one line, not a trace.
            PrintWriter w = cl.getErr();
            w.println(outOfMemory(Runtime.getRuntime().maxMemory(), physicalMemory()));
            w.flush();
            return EXIT_USER_ERROR;
        } finally {
            // A note kept for a --json file that an error then left unwritten: the run's error
            // says what happened, not a note at exit.
            Outputs.endAllNotes();
        }
    }

    /** A path option's value as a Path: an empty name and one the JVM cannot encode are refused. */
    static java.nio.file.Path toPath(String v) {
        // An empty name is the current folder to Path.of: 'svd --out ""' and 'reproduce --out ""'
        // wrote there, and '--tasks ""' read it as the task folder.
        if (v.isBlank()) {
            throw new CommandLine.TypeConversionException("empty file or folder name");
        }
        try {
            return java.nio.file.Path.of(v);
        } catch (java.nio.file.InvalidPathException e) {
            throw new CommandLine.TypeConversionException(pathHint(e));
        }
    }

    /**
     * The converter of options that name a file to write (--json, --save-split, predict --out):
     * Path.of drops a trailing separator, so '--json results/' wrote a file named results.
     */
    static final class FileTarget implements CommandLine.ITypeConverter<java.nio.file.Path> {
        @Override
        public java.nio.file.Path convert(String v) {
            if (!v.isBlank() && (v.endsWith("/") || v.endsWith(java.io.File.separator))) {
                throw new CommandLine.TypeConversionException("'" + v + "' names a folder (it ends with "
                        + v.charAt(v.length() - 1) + "); give a file name");
            }
            return toPath(v);
        }
    }

    /**
     * " (did you mean '--ranks'?)" for an unknown option close to a known one (picocli's own
     * suggestions, which its default handler prints on lines of their own), else "".
     */
    static String didYouMean(CommandLine.UnmatchedArgumentException u) {
        java.util.List<String> s;
        try {
            s = u.getSuggestions();
        } catch (RuntimeException e) {
            return "";
        }
        if (s == null || s.isEmpty() || u.getUnmatched().isEmpty() || !u.getUnmatched().get(0).startsWith("-")) {
            return "";
        }
        java.util.List<String> shown = s.subList(0, Math.min(3, s.size()));
        return " (did you mean " + String.join(" or ", shown.stream().map(x -> "'" + x + "'").toList()) + "?)";
    }

    /** {@link #didYouMean}'s suggestion, else {@link #optionOfOtherCommands}'s. */
    static String unknownOptionHint(CommandLine where, CommandLine.UnmatchedArgumentException u) {
        String close = didYouMean(u);
        return close.isEmpty() ? optionOfOtherCommands(where, u) : close;
    }

    /**
     * " ('--epochs' is an option of mtl train, sweep and pairs)" for an unknown option that other
     * commands take, else "": 'mtl analyze --epochs 3' said only that --epochs was unknown, as if
     * misspelt, where the user had the wrong command in mind.
     */
    static String optionOfOtherCommands(CommandLine where, CommandLine.UnmatchedArgumentException u) {
        if (u.getUnmatched().isEmpty() || !u.getUnmatched().get(0).startsWith("-") || where.getParent() == null) {
            return "";
        }
        String typed = u.getUnmatched().get(0);
        int eq = typed.indexOf('=');
        String name = eq > 0 ? typed.substring(0, eq) : typed;
        java.util.List<String> owners = new java.util.ArrayList<>();
        for (java.util.Map.Entry<String, CommandLine> e : where.getParent().getSubcommands().entrySet()) {
            CommandLine other = e.getValue();
            if (other != where && !owners.contains(e.getKey()) && other.getCommandSpec().findOption(name) != null
                    && name.equals(matchingName(other.getCommandSpec().findOption(name), name))) {
                owners.add(e.getKey());
            }
        }
        if (owners.isEmpty()) {
            return "";
        }
        String list = owners.size() == 1 ? owners.get(0)
                : String.join(", ", owners.subList(0, owners.size() - 1)) + " and " + owners.get(owners.size() - 1);
        return " ('" + name + "' is an option of mtl " + list + ")";
    }

    // findOption also matches a name by its prefix-free forms ("epochs" for "--epochs"): only an
    // exact name counts as the user's option.
    private static String matchingName(CommandLine.Model.OptionSpec o, String name) {
        for (String n : o.names()) {
            if (n.equals(name)) {
                return n;
            }
        }
        return null;
    }

    /** The machine's memory in bytes, 0 where the JVM does not say. */
    private static long physicalMemory() {
        try {
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean()).getTotalMemorySize();
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /**
     * The out-of-memory line for a heap of at most {@code heap} bytes on a machine of {@code
     * physical} bytes (0: unknown). ./mtl gives the heap three quarters of the memory, so twice
     * the heap is often more than the machine has (it suggested -Xmx38g on 24 GiB): the
     * suggestion stays under nine tenths of the memory, and where the heap has most of it already
     * the line says that the input needs more memory than the machine has.
     */
    static String outOfMemory(long heap, long physical) {
        long want = Math.max(2, 2 * ((heap >> 30) + 1));
        String head = String.format(java.util.Locale.ROOT, "mtl: out of memory: the Java heap (at most %d MiB) is too "
                + "small for this input", heap >> 20);
        long most = physical * 9 / 10 >> 30;
        if (physical > 0 && want > most) {
            String share = String.format(java.util.Locale.ROOT, "it has %d%% of this machine's %d GiB",
                    Math.round(100.0 * heap / physical), physical >> 30);
            return most <= heap >> 30
                    ? String.format(java.util.Locale.ROOT, "%s, and %s already: the input needs a machine with more "
                            + "memory, or fewer or narrower tasks per run", head, share)
                    : String.format(java.util.Locale.ROOT, "%s (%s); the most to give it here is about "
                            + "MTL_JAVA_OPTS=-Xmx%dg, else a machine with more memory, or fewer or narrower tasks per run",
                            head, share, most);
        }
        return String.format(java.util.Locale.ROOT, "%s; give the JVM more, e.g. MTL_JAVA_OPTS=-Xmx%dg", head, want);
    }

    /**
     * A file name the JVM cannot encode: under LANG=C (ASCII) a name such as café.npz is such a
     * name, and the fix is the locale, not the file.
     */
    static String pathHint(java.nio.file.InvalidPathException e) {
        return e.getInput() + ": not a usable path here (" + e.getReason() + "); for names beyond ASCII run under a "
                + "UTF-8 locale, e.g. LANG=C.UTF-8 (the JVM's file-name encoding is " + System.getProperty("sun.jnu.encoding")
                + ")";
    }

    /**
     * The JVM decodes the command line in the locale's character set and puts U+FFFD where it
     * cannot: under LANG=C, 'mtl train --task ünï=X.npy:y.npy' trained a task named
     * U+FFFD U+FFFD n U+FFFD U+FFFD, which the JSON and model.json kept and a UTF-8 script could not
     * match. Paths failed as unusable; names went through. Null when every argument was read.
     */
    static String undecodableArgument(String... args) {
        for (String a : args) {
            if (a != null && a.indexOf('\uFFFD') >= 0) {
                return "argument '" + a + "' holds bytes that the locale's character set ("
                        + System.getProperty("sun.jnu.encoding") + ") cannot read, so the names in it would be "
                        + "garbled; for names beyond ASCII run under a UTF-8 locale, e.g. LANG=C.UTF-8";
            }
        }
        return null;
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        return s.replaceAll("[\\r\\n]+", " ").trim();
    }

    /**
     * 'mtl help [COMMAND]'. picocli's own help command answered an unknown command ('mtl help
     * trian') with its usage and exit 0, so a script's typo passed as success.
     */
    @Command(name = "help", helpCommand = true, description = "Show the help of a command: mtl help COMMAND.")
    static final class HelpCommand implements CommandLine.IHelpCommandInitializable2, java.util.concurrent.Callable<Integer> {
        @CommandLine.Parameters(paramLabel = "COMMAND", arity = "0..1", description = "The command whose help to show.")
        String command;

        private CommandLine self;
        private PrintWriter out;
        private PrintWriter err;

        @Override
        public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter outWriter,
                         PrintWriter errWriter) {
            this.self = helpCommandLine;
            this.out = outWriter;
            this.err = errWriter;
        }

        @Override
        public Integer call() {
            CommandLine parent = self.getParent();
            // picocli leaves a help command's further arguments unmatched without a word: 'mtl help
            // train sweep' showed train's help and exited 0, as did 'mtl help train --foo'.
            java.util.List<String> extra = self.getUnmatchedArguments().stream()
                    .filter(a -> !a.equals("-h") && !a.equals("--help")).toList();
            if (!extra.isEmpty()) {
                err.println("mtl: help: takes at most one command name; unexpected " + extra.stream()
                        .map(a -> "'" + a + "'").collect(java.util.stream.Collectors.joining(", "))
                        + " (e.g. mtl help train)");
                err.flush();
                return EXIT_USER_ERROR;
            }
            if (command == null) {
                parent.usage(out);
                return 0;
            }
            CommandLine sub = parent.getSubcommands().get(command);
            if (sub == null) {
                err.println("mtl: help: unknown command '" + command + "' (expected one of "
                        + String.join(", ", parent.getSubcommands().keySet()) + ")");
                err.flush();
                return EXIT_USER_ERROR;
            }
            sub.usage(out);
            return 0;
        }
    }

    /** Version line with the runtime. */
    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"mtl-align " + Version.get() + " (Java " + Runtime.version() + ")"};
        }
    }
}
