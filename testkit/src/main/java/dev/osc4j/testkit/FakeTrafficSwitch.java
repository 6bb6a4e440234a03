package dev.osc4j.testkit;

import dev.osc4j.EngineException;
import dev.osc4j.MigrationSpec;
import dev.osc4j.ShardTarget;
import dev.osc4j.spi.EngineKey;
import dev.osc4j.spi.TrafficSwitch;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@link TrafficSwitch} for tests: remembers which runs' traffic it holds (as a proxy would keep its backend state
 * across a controller's crash) and logs every call, so a test can check that every hold was restored and in which
 * order the orchestrator called it. Thread-safe.
 */
public final class FakeTrafficSwitch implements TrafficSwitch {
    private final Set<EngineKey> held = new LinkedHashSet<>();
    private final List<String> calls = new ArrayList<>();
    private boolean unavailable;

    @Override
    public synchronized void hold(ShardTarget target, MigrationSpec spec, EngineKey key) {
        check();
        calls.add("hold " + key.value());
        held.add(key);
    }

    @Override
    public synchronized void restore(ShardTarget target, MigrationSpec spec, EngineKey key) {
        check();
        calls.add("restore " + key.value());
        held.remove(key);
    }

    @Override
    public String name() {
        return "fake";
    }

    private void check() {
        if (unavailable) {
            throw EngineException.transientFailure("the proxy's runtime API does not answer", null);
        }
    }

    /** Makes every call fail as if the proxy were unreachable (a retryable error), or stops doing so. */
    public synchronized void unavailable(boolean value) {
        this.unavailable = value;
    }

    /** The runs whose traffic is held now. */
    public synchronized Set<EngineKey> held() {
        return Set.copyOf(held);
    }

    /** Every call, in order: {@code hold <key>} or {@code restore <key>}. */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }
}
