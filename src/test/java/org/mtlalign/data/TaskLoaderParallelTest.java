package org.mtlalign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtlalign.UserInputException;

/**
 * Several task files are read at once ({@link TaskLoader#loadAll}): the tasks come in the same
 * order as read one after the other, and of several failures the first task's is said.
 */
class TaskLoaderParallelTest {

    @TempDir
    Path dir;

    private static Task task(String name, float first) {
        return new Task(name, new float[] {first, 1, 2, 3}, 2, 2, new float[] {0, 1}, 1, true, name);
    }

    /** Eight task folders t0..t7 of X.npy (its first value i) and y.npy, 50 rows each. */
    private void folders() throws IOException {
        for (int t = 0; t < 8; t++) {
            Path f = Files.createDirectories(dir.resolve("t" + t));
            float[] x = new float[50 * 3];
            int[] y = new int[50];
            for (int i = 0; i < x.length; i++) {
                x[i] = i == 0 ? t : (i * 7 + t) % 11;
            }
            for (int i = 0; i < 50; i++) {
                y[i] = i % 2;
            }
            Npy.write(f.resolve("X.npy"), new int[] {50, 3}, x);
            Npy.writeInt(f.resolve("y.npy"), new int[] {50}, y);
        }
    }

    @Test
    void filesAreReadAtOnceOnSeveralProcessors() {
        assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "one processor: tasks are read one after the other");
        // Each of the first two loaders waits for the other to have started: only reading in
        // parallel gets past it (one after the other, the first waits in vain and fails).
        CountDownLatch both = new CountDownLatch(2);
        List<Supplier<Task>> loaders = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            loaders.add(() -> {
                if (n < 2) {
                    both.countDown();
                    try {
                        if (!both.await(20, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("loader " + n + " ran alone");
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return task("t" + n, n);
            });
        }
        List<Task> tasks = TaskLoader.loadAll(loaders);
        for (int i = 0; i < 5; i++) {
            assertEquals("t" + i, tasks.get(i).name());
            assertEquals(i, tasks.get(i).x()[0]);
        }
    }

    @Test
    void aDirectoryIsTheSameTasksInTheSameOrder() throws IOException {
        folders();
        TaskSuite s = TaskLoader.fromDirectory(dir);
        assertEquals(8, s.size());
        for (int t = 0; t < 8; t++) {
            Task one = TaskLoader.load("t" + t, dir.resolve("t" + t + "/X.npy"), dir.resolve("t" + t + "/y.npy"));
            Task got = s.tasks().get(t);
            assertEquals("t" + t, got.name());
            assertArrayEquals(one.x(), got.x());
            assertArrayEquals(one.y(), got.y());
            assertEquals(one.source(), got.source());
        }
        List<String> specs = new ArrayList<>();
        for (int t = 7; t >= 0; t--) {
            specs.add("s" + t + "=" + dir.resolve("t" + t + "/X.npy") + ":" + dir.resolve("t" + t + "/y.npy"));
        }
        List<Task> bySpec = TaskLoader.fromSpecs(specs);
        for (int i = 0; i < 8; i++) {
            assertEquals("s" + (7 - i), bySpec.get(i).name());
            assertEquals(7 - i, bySpec.get(i).x()[0]);
        }
    }

    @Test
    void ofSeveralCorruptFilesTheFirstTasksIsSaid() throws IOException {
        folders();
        // t2's X is cut short, t5's labels are not an array at all: t2 is said, as one after the other.
        byte[] x2 = Files.readAllBytes(dir.resolve("t2/X.npy"));
        Files.write(dir.resolve("t2/X.npy"), java.util.Arrays.copyOf(x2, x2.length - 40));
        Files.writeString(dir.resolve("t5/y.npy"), "not numpy");
        for (int run = 0; run < 5; run++) {
            UserInputException e = assertThrows(UserInputException.class, () -> TaskLoader.fromDirectory(dir));
            assertTrue(e.getMessage().contains("t2") && e.getMessage().contains("X.npy"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void aLaterFailureThatComesFirstDoesNotWin() {
        assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "one processor: tasks are read one after the other");
        // Loader 1 fails at once; loader 0 fails only after that: loader 0's error is the one said.
        CountDownLatch laterFailed = new CountDownLatch(1);
        RuntimeException first = new UserInputException("t0/X.npy: truncated");
        AtomicInteger ran = new AtomicInteger();
        List<Supplier<Task>> loaders = new ArrayList<>();
        loaders.add(() -> {
            try {
                laterFailed.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw first;
        });
        loaders.add(() -> {
            laterFailed.countDown();
            throw new UserInputException("t1/y.npy: not a .npy file");
        });
        for (int i = 2; i < 40; i++) {
            int n = i;
            loaders.add(() -> {
                ran.incrementAndGet();
                return task("t" + n, n);
            });
        }
        RuntimeException e = assertThrows(RuntimeException.class, () -> TaskLoader.loadAll(loaders));
        assertSame(first, e);
        // Loaders after a failed one are not started (those running may finish).
        assertTrue(ran.get() < 38, "ran " + ran.get());
    }
}
