package dev.osc4j.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunEventWatcherTest {

    @Test
    @DisplayName("a write to a watched run directory's event file reaches the owner's callback, then the listener;"
            + " a write to another file of it does not")
    void eventFileWakes(@TempDir Path work) throws Exception {
        Path run = Files.createDirectory(work.resolve("run-1"));
        List<Path> changed = new CopyOnWriteArrayList<>();
        Semaphore calls = new Semaphore(0);
        try (RunEventWatcher watcher = new RunEventWatcher("test-watcher", Set.of("events.jsonl"), changed::add)) {
            watcher.watch(run); // before the first subscription: only remembered
            AutoCloseable subscription = watcher.subscribe(calls::release);
            try {
                Files.writeString(run.resolve("output.log"), "progress\n");
                assertThat(calls.tryAcquire(500, TimeUnit.MILLISECONDS))
                        .as("not told of another file")
                        .isFalse();
                Files.writeString(run.resolve("events.jsonl"), "{\"event\":\"hold\"}\n");
                assertThat(calls.tryAcquire(10, TimeUnit.SECONDS))
                        .as("told of the event")
                        .isTrue();
                assertThat(changed).containsOnly(run);
            } finally {
                subscription.close();
            }
            Thread.sleep(300);
            calls.drainPermits(); // a write may be told twice (created, then written): calls may be spurious
            Files.writeString(run.resolve("events.jsonl"), "{\"event\":\"released\"}\n");
            assertThat(calls.tryAcquire(500, TimeUnit.MILLISECONDS))
                    .as("no call after the subscription is closed")
                    .isFalse();
        }
    }

    @Test
    @DisplayName("a directory forgotten is not watched any more; watching after close does nothing")
    void forgetAndClose(@TempDir Path work) throws Exception {
        Path run = Files.createDirectory(work.resolve("run-2"));
        Semaphore calls = new Semaphore(0);
        RunEventWatcher watcher = new RunEventWatcher("test-watcher", Set.of("exit"), d -> {});
        watcher.subscribe(calls::release);
        watcher.watch(run);
        Files.writeString(run.resolve("exit"), "0\n");
        assertThat(calls.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        watcher.forget(run);
        Thread.sleep(300);
        calls.drainPermits();
        Files.writeString(run.resolve("exit"), "1\n");
        assertThat(calls.tryAcquire(500, TimeUnit.MILLISECONDS)).isFalse();
        watcher.close();
        watcher.watch(run);
        assertThat(watcher.subscribe(calls::release)).isNotNull();
    }
}
