package dev.osc4j.internal;

import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.healthy;

import dev.osc4j.AuditEntry;
import dev.osc4j.Intent;
import dev.osc4j.MigrationRecord;
import dev.osc4j.ShardRecord;
import dev.osc4j.internal.Decider.Decision;
import dev.osc4j.internal.Decider.ShardInput;
import dev.osc4j.spi.EngineCapabilities;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.spi.ShardHealth;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Runs the decider on fixtures at {@link dev.osc4j.TestRecords#T0} and reads its decisions. */
final class Decisions {
    static final Duration SOFT_WRITE_INTERVAL = Duration.ofSeconds(10);
    static final EngineCapabilities CAPS = new EngineCapabilities(true, true, true, false, true);
    static final EngineCapabilities RETRY_IN_PLACE = new EngineCapabilities(true, true, true, true, true);
    static final String ACTOR = "controller-1";

    private Decisions() {}

    static Decider decider() {
        return new Decider(GateSet.defaults(), SOFT_WRITE_INTERVAL);
    }

    static Decision decide(MigrationRecord rec, Map<String, ShardInput> inputs) {
        return decider().decide(rec, inputs, CAPS, ACTOR, T0);
    }

    static ShardInput input(@Nullable EngineObservation observation, @Nullable ShardHealth health) {
        return new ShardInput(observation, health, null);
    }

    /** The shard's engine in {@code phase}, its topology healthy. */
    static ShardInput observed(String shard, EnginePhase phase) {
        return input(EngineObservation.of(phase), healthy(shard));
    }

    /** Every shard's engine in {@code phase}, every topology healthy. */
    static Map<String, ShardInput> everyShard(MigrationRecord rec, EnginePhase phase) {
        Map<String, ShardInput> inputs = new LinkedHashMap<>();
        for (ShardRecord s : rec.shards()) {
            inputs.put(s.shard(), observed(s.shard(), phase));
        }
        return inputs;
    }

    static ShardRecord shard(Decision d, String name) {
        return d.record().shard(name).orElseThrow();
    }

    static ShardRecord shard(MigrationRecord rec, String name) {
        return rec.shard(name).orElseThrow();
    }

    static Intent intent(Decision d, String name) {
        return Objects.requireNonNull(shard(d, name).intent(), "no intent on " + name);
    }

    static @Nullable String waitReason(Decision d, String name) {
        return Objects.requireNonNull(d.live().get(name), "no live figures for " + name)
                .waitReason();
    }

    /** The transitions audited for {@code shard}, or for the migration itself when {@code null}. */
    static List<AuditEntry> transitions(List<AuditEntry> audit, @Nullable String shard) {
        return audit.stream()
                .filter(e -> e.kind() == AuditEntry.Kind.TRANSITION && Objects.equals(e.shard(), shard))
                .toList();
    }

    static List<AuditEntry> ofKind(List<AuditEntry> audit, AuditEntry.Kind kind) {
        return audit.stream().filter(e -> e.kind() == kind).toList();
    }
}
