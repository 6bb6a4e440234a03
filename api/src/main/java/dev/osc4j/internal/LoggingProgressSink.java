package dev.osc4j.internal;

import static org.apiguardian.api.API.Status.INTERNAL;

import dev.osc4j.KeyspaceProgress;
import dev.osc4j.MigrationId;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.TransitionEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs transitions, and progress at a bounded rate. */
@API(status = INTERNAL, since = "0.1")
public final class LoggingProgressSink implements ProgressSink {
    private static final Logger LOG = LoggerFactory.getLogger("dev.osc4j.progress");
    private final Duration every;
    private final Map<MigrationId, Instant> lastLogged = new ConcurrentHashMap<>();

    /** Logs progress at most once per {@code every} per migration. */
    public LoggingProgressSink(Duration every) {
        this.every = every;
    }

    @Override
    public void onTransition(TransitionEvent e) {
        LOG.info(
                "{}{} {} -> {} ({}): {}",
                e.migrationId(),
                e.shard() == null ? "" : "/" + e.shard(),
                e.from(),
                e.to(),
                e.trigger().name().toLowerCase(Locale.ROOT),
                e.detail());
    }

    @Override
    public void onProgress(ProgressSnapshot s) {
        if (s.state().isTerminal()) {
            lastLogged.remove(s.migrationId());
            return;
        }
        Instant last = lastLogged.get(s.migrationId());
        if (last != null && Duration.between(last, s.at()).compareTo(every) < 0) {
            return;
        }
        lastLogged.put(s.migrationId(), s.at());
        KeyspaceProgress a = s.aggregate();
        LOG.info(
                "{} {}.{} {} {}% eta {} ({} shards, {} throttled, {} stalled)",
                s.migrationId(),
                s.keyspace(),
                s.table(),
                s.state(),
                String.format(Locale.ROOT, "%.1f", a.percent()),
                a.eta() == null ? "unknown" : Durations.format(a.eta()),
                a.shards(),
                a.throttledShards(),
                a.stalledShards());
    }
}
