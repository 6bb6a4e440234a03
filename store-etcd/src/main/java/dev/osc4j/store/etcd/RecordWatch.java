package dev.osc4j.store.etcd;

import dev.osc4j.MigrationId;
import dev.osc4j.StoreException;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription of {@link EtcdStateStore#watch}: an etcd watch on the records prefix that calls the listener with
 * the id of every record that changes. jetcd resumes a watch by itself after a broken stream, from the revision after
 * the last event it delivered; when that revision has been compacted away (or the watch ends for any other reason)
 * it closes the watch, and this class re-establishes it after a fresh read: every record modified since the last
 * revision seen is reported, then a new watch starts right after the revision of that read, so no change is missed.
 *
 * <p>jetcd calls the listener on its event loop, which must never block: every callback only hands work to the
 * store's watch thread, where the user's listener runs and the re-establishing reads happen.
 */
final class RecordWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RecordWatch.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(200);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);

    private final Client client;
    private final Keys keys;
    private final Calls calls;
    private final ScheduledExecutorService thread;
    private final Consumer<MigrationId> listener;
    private final Runnable onClose;

    // Touched only on the watch thread, except closed and watcher (read by close()).
    private long lastSeen;
    private int generation;
    private Duration retry = FIRST_RETRY;
    private volatile boolean closed;
    private volatile Watch.@Nullable Watcher watcher;
    private final AtomicInteger reestablished = new AtomicInteger();

    RecordWatch(
            Client client,
            Keys keys,
            Calls calls,
            ScheduledExecutorService thread,
            Consumer<MigrationId> listener,
            Runnable onClose) {
        this.client = client;
        this.keys = keys;
        this.calls = calls;
        this.thread = thread;
        this.listener = listener;
        this.onClose = onClose;
    }

    /** Opens the etcd watch from the current revision; on failure keeps trying in the background. */
    void start() {
        try {
            thread.submit(() -> establish(false)).get(calls.timeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("etcd watch on {} not established yet ({}); retrying in the background", keys.records(), e);
        }
    }

    /** How many times the watch was re-established after it ended (compaction, server-side cancel). */
    int reestablished() {
        return reestablished.get();
    }

    /** Runs on the watch thread. */
    private void establish(boolean catchUp) {
        if (closed) {
            return;
        }
        GetResponse read;
        try {
            GetOption.Builder option =
                    GetOption.builder().withRange(keys.recordsEnd()).withKeysOnly(true);
            if (catchUp) {
                option.withMinModRevision(lastSeen + 1);
            } else {
                option.withCountOnly(true);
            }
            read = calls.read(
                    client.getKVClient().get(keys.records(), option.build()), "reading records to watch them", null);
        } catch (StoreException e) {
            LOG.warn("etcd watch on {}: {}; retrying in {}", keys.prefix(), e.getMessage(), retry);
            retryLater();
            return;
        }
        retry = FIRST_RETRY;
        if (catchUp) {
            for (KeyValue kv : read.getKvs()) {
                notifyListener(kv);
            }
        }
        long revision = read.getHeader().getRevision();
        lastSeen = Math.max(lastSeen, revision);
        int current = ++generation;
        Watch.Listener jetcdListener = new Watch.Listener() {
            @Override
            public void onNext(WatchResponse response) {
                submit(() -> deliver(current, response));
            }

            @Override
            public void onError(Throwable error) {
                if (error instanceof CompactedException) {
                    LOG.info(
                            "etcd watch on {} fell behind a compaction ({}); it is re-established after a fresh read",
                            keys.prefix(),
                            Calls.describe(error));
                } else {
                    LOG.debug("etcd watch on {} interrupted: {}", keys.prefix(), Calls.describe(error));
                }
            }

            @Override
            public void onCompleted() {
                submit(() -> ended(current));
            }
        };
        WatchOption option = WatchOption.builder()
                .withRange(keys.recordsEnd())
                .withRevision(revision + 1)
                .build();
        watcher = client.getWatchClient().watch(keys.records(), option, jetcdListener);
        if (closed) {
            closeWatcher();
        }
    }

    private void deliver(int forGeneration, WatchResponse response) {
        if (closed || forGeneration != generation) {
            return;
        }
        for (WatchEvent event : response.getEvents()) {
            notifyListener(event.getKeyValue());
        }
    }

    private void notifyListener(KeyValue kv) {
        lastSeen = Math.max(lastSeen, kv.getModRevision());
        MigrationId id = keys.recordId(kv.getKey());
        if (id == null || closed) {
            return;
        }
        try {
            listener.accept(id);
        } catch (RuntimeException e) {
            LOG.warn("store watch listener failed on {}", id, e);
        }
    }

    /** The jetcd watcher ended: unless this subscription is closing, start again from a fresh read. */
    private void ended(int forGeneration) {
        if (closed || forGeneration != generation) {
            return;
        }
        reestablished.incrementAndGet();
        closeWatcher();
        establish(true);
    }

    /** Tries again later; the retry reports every record changed since the last revision seen. */
    private void retryLater() {
        Duration wait = retry;
        retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
        try {
            var unused = thread.schedule(() -> establish(true), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("store closing; etcd watch not re-established");
        }
    }

    private void submit(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("store closing; watch event dropped");
        }
    }

    private void closeWatcher() {
        Watch.Watcher w = watcher;
        watcher = null;
        if (w != null) {
            try {
                w.close();
            } catch (RuntimeException e) {
                LOG.debug("closing an etcd watcher failed", e);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeWatcher();
        onClose.run();
    }
}
