package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import dev.osc4j.internal.LoggingProgressSink;
import dev.osc4j.internal.MicrometerProgressSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.apiguardian.api.API;

/** Ready-made {@link ProgressSink}s. */
@API(status = MAINTAINED, since = "0.1")
public final class ProgressSinks {
    private ProgressSinks() {}

    /**
     * Logs every transition at INFO and each migration's progress at INFO at most once per {@code progressEvery}
     * (logger {@code dev.osc4j.progress}).
     */
    public static ProgressSink logging(java.time.Duration progressEvery) {
        return new LoggingProgressSink(progressEvery);
    }

    /**
     * Publishes gauges per shard and per migration (progress, ETA, rows, throttled, stalled, state) and a counter of
     * transitions to {@code registry}. Gauges of a finished migration are removed. The metric names are listed in
     * {@code docs/architecture.md}.
     */
    public static ProgressSink micrometer(MeterRegistry registry) {
        return new MicrometerProgressSink(registry);
    }

    /** Passes everything to each sink in order; one sink's exception does not stop the others. */
    public static ProgressSink composite(ProgressSink... sinks) {
        List<ProgressSink> all = List.of(sinks);
        return new ProgressSink() {
            @Override
            public void onProgress(ProgressSnapshot snapshot) {
                for (ProgressSink s : all) {
                    try {
                        s.onProgress(snapshot);
                    } catch (RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(ProgressSinks.class).warn("progress sink {} failed", s, e);
                    }
                }
            }

            @Override
            public void onTransition(TransitionEvent event) {
                for (ProgressSink s : all) {
                    try {
                        s.onTransition(event);
                    } catch (RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(ProgressSinks.class).warn("progress sink {} failed", s, e);
                    }
                }
            }
        };
    }
}
