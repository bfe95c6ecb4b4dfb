package org.mtlalign.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.mtlalign.UserInputException;

/**
 * For CliCheckpointFailureTest: a checkpoint save that fails while the JVM stops (as ModelIO's
 * saves do after Ctrl-C: "the program is stopping"), run from a shutdown hook in its own process.
 */
public final class CheckpointAtShutdownMain {
    private CheckpointAtShutdownMain() {
    }

    public static void main(String[] args) {
        PrintWriter err = new PrintWriter(System.err, true);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            TrainCommand.Checkpoints c = new TrainCommand.Checkpoints(Path.of(args[0]), new Warnings(err), false,
                    new AtomicReference<>());
            c.save("x", 1, () -> {
                throw new UserInputException(args[0] + ": cannot write the model (the program is stopping)");
            });
            err.println("hook done");
            err.flush();
        }));
        // A failure while running normally still warns.
        TrainCommand.Checkpoints c = new TrainCommand.Checkpoints(Path.of(args[0]), new Warnings(err), false,
                new AtomicReference<>());
        c.save("x", 1, () -> {
            throw new UserInputException(args[0] + ": cannot write the model (No space left on device)");
        });
    }
}
