package dev.osc4j.process;

import static org.apiguardian.api.API.Status.INTERNAL;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells listeners at once when a file of interest in a run directory is created or written (a run's event log, its
 * exit status), through the file system's change notifications (inotify on Linux), so that a controller sees a hook
 * fire or a run end without waiting for its next poll.
 *
 * <p>Costs nothing until the first {@link #subscribe}: directories given to {@link #watch} before that are only
 * remembered. From then on one daemon thread waits for notifications; {@link #close} stops it. On a change it first
 * calls the owner's callback with the run directory (to drop a cached observation, say), then every listener. A
 * notification the file system drops (an overflow) counts as a change of every directory. Thread-safe.
 */
@API(status = INTERNAL, since = "0.1")
public final class RunEventWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunEventWatcher.class);

    private final String threadName;
    private final Set<String> fileNames;
    private final Consumer<Path> onChange;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Set<Path> directories = new LinkedHashSet<>();
    private final Map<Path, WatchKey> keys = new HashMap<>();
    private @Nullable WatchService service;
    private boolean closed;

    /**
     * A watcher of the files named {@code fileNames} in the directories it is given.
     *
     * @param threadName the name of its thread
     * @param fileNames the names of the files whose creation or change counts
     * @param onChange called with the run directory on a change, before the listeners
     */
    public RunEventWatcher(String threadName, Set<String> fileNames, Consumer<Path> onChange) {
        this.threadName = threadName;
        this.fileNames = Set.copyOf(fileNames);
        this.onChange = onChange;
    }

    /** Watches {@code runDirectory} from now on (or from the first subscription); idempotent. */
    public synchronized void watch(Path runDirectory) {
        if (closed || !directories.add(runDirectory)) {
            return;
        }
        WatchService s = service;
        if (s != null) {
            register(s, runDirectory);
        }
    }

    /** Stops watching {@code runDirectory}; idempotent. */
    public synchronized void forget(Path runDirectory) {
        directories.remove(runDirectory);
        WatchKey key = keys.remove(runDirectory);
        if (key != null) {
            key.cancel();
        }
    }

    /**
     * Calls {@code listener} on every change from now on.
     *
     * @return closing it stops the calls
     */
    public synchronized AutoCloseable subscribe(Runnable listener) {
        if (closed) {
            return () -> {};
        }
        listeners.add(listener);
        if (service == null) {
            start();
        }
        return () -> listeners.remove(listener);
    }

    /** Stops the thread and forgets every directory and listener; idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        listeners.clear();
        directories.clear();
        keys.clear();
        WatchService s = service;
        service = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.debug("closing the watch service failed", e);
            }
        }
    }

    private void start() {
        WatchService s;
        try {
            s = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            LOG.warn("run directories cannot be watched ({}); changes are seen at the next poll", e.toString());
            return;
        }
        service = s;
        directories.forEach(d -> register(s, d));
        Thread t = new Thread(() -> run(s), threadName);
        t.setDaemon(true);
        t.start();
    }

    private void register(WatchService s, Path directory) {
        try {
            keys.put(
                    directory,
                    directory.register(s, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY));
        } catch (IOException | RuntimeException e) {
            // Gone already (cleaned up), or out of inotify watches: observed at the next poll as before.
            LOG.debug("cannot watch {}: {}", directory, e.toString());
        }
    }

    private void run(WatchService s) {
        while (true) {
            WatchKey key;
            try {
                key = s.take();
            } catch (ClosedWatchServiceException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            boolean changed = false;
            boolean overflow = false;
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                    overflow = true;
                } else if (event.context() instanceof Path name && fileNames.contains(name.toString())) {
                    changed = true;
                }
            }
            key.reset();
            if (overflow) {
                List<Path> all;
                synchronized (this) {
                    all = List.copyOf(directories);
                }
                all.forEach(this::changed);
            } else if (changed && key.watchable() instanceof Path directory) {
                changed(directory);
            }
        }
    }

    private void changed(Path directory) {
        try {
            onChange.accept(directory);
            listeners.forEach(Runnable::run);
        } catch (RuntimeException e) {
            LOG.warn("a listener of {} failed", directory, e);
        }
    }
}
