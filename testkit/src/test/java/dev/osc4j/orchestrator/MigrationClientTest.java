package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.CutoverMode;
import dev.osc4j.DirectiveResult;
import dev.osc4j.IllegalDirectiveException;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationNotFoundException;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSnapshot;
import dev.osc4j.ShardRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The store-only client: what a process that drives nothing (a command line, a dashboard host) reads and sends. */
class MigrationClientTest {
    private final World w = new World();
    private final MigrationClient client = MigrationClient.of(w.store, w.clock);

    @Test
    @DisplayName("a client built from the store alone reads what the controller wrote")
    void reads() {
        MigrationId id = w.submit("client-reads", null);
        w.runUntil(id, MigrationState.COPYING_ROWS);
        assertThat(client.get(id)).isEqualTo(w.osc.get(id));
        List<MigrationSummary> listed = client.list(MigrationFilter.active());
        assertThat(listed).extracting(MigrationSummary::id).containsExactly(id);
        assertThat(client.audit(id)).isEqualTo(w.osc.audit(id));
        assertThatThrownBy(() -> client.get(MigrationId.of("missing"))).isInstanceOf(MigrationNotFoundException.class);
    }

    @Test
    @DisplayName("directives sent through the client steer the migration the controller drives, once per directive id")
    void directives() {
        MigrationPolicy manual = MigrationPolicy.builder()
                .requireStartApproval(true)
                .cutoverMode(CutoverMode.MANUAL)
                .build();
        MigrationId id = w.submit("client-steers", manual);
        w.run(Duration.ofSeconds(5));
        assertThat(w.osc.get(id).state()).isEqualTo(MigrationState.QUEUED);

        DirectiveResult approved = client.approve(id, "approve-1", ApprovalStage.START, "alice");
        assertThat(client.approve(id, "approve-1", ApprovalStage.START, "alice"))
                .isEqualTo(approved);
        w.runUntil(id, MigrationState.COPYING_ROWS);

        client.pause(id, "pause-1", "alice");
        w.run(Duration.ofSeconds(5));
        assertThat(w.osc.get(id).controls().paused()).isTrue();
        client.resume(id, "resume-1", "alice");
        client.throttle(id, "throttle-1", 0.25, "alice");
        w.runUntil(id, r -> r.shards().stream().allMatch(s -> s.state() == MigrationState.CUTOVER_PENDING));
        client.releaseCutover(id, "release-1", "alice");
        MigrationRecord done = w.runUntil(id, MigrationState.COMPLETED);
        assertThat(done.controls().throttleRatio()).isEqualTo(0.25);
        assertThat(client.audit(id).stream()
                        .filter(e -> e.kind() == AuditEntry.Kind.DIRECTIVE)
                        .map(AuditEntry::actor))
                .hasSize(5)
                .containsOnly("alice");
        assertThatThrownBy(() -> client.retry(id, "retry-1", "alice")).isInstanceOf(IllegalDirectiveException.class);
    }

    @Test
    @DisplayName(
            "a reader in another process sees each shard's rows copied as the controller saw them at most 2 s before")
    void freshness() {
        List<Map<String, Long>> passes = new ArrayList<>();
        World live = new World(b -> b.progressSink(new ProgressSink() {
            @Override
            public void onProgress(ProgressSnapshot snapshot) {
                Map<String, Long> rows = new HashMap<>();
                snapshot.shards().forEach(s -> rows.put(s.shard(), s.progress().rowsCopied()));
                passes.add(rows);
            }
        }));
        MigrationClient reader = MigrationClient.of(live.store, live.clock);
        // A slow copy: every shard copies for the whole minute, so no transition writes the record in between.
        MigrationId id = live.osc.submit(
                World.request("client-fresh").option("rows-per-second", "100").build());
        live.runUntil(id, MigrationState.COPYING_ROWS);
        int compared = 0;
        for (int i = 0; i < 60; i++) {
            live.run(Duration.ofSeconds(1));
            MigrationRecord rec = reader.get(id);
            if (rec.state() != MigrationState.COPYING_ROWS || passes.size() < 2) {
                continue;
            }
            Map<String, Long> recent = passes.get(passes.size() - 2);
            Map<String, Long> current = passes.get(passes.size() - 1);
            for (ShardRecord s : rec.shards()) {
                assertThat(s.progress().rowsCopied())
                        .as("shard %s: seen by the reader vs live one pass (1 s) before and now", s.shard())
                        .isBetween(recent.get(s.shard()), current.get(s.shard()));
            }
            compared++;
        }
        assertThat(compared).as("passes compared while copying").isGreaterThan(50);
    }
}
