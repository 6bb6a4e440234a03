package dev.osc4j.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.ErrorCode;
import dev.osc4j.IdempotencyConflictException;
import dev.osc4j.InvalidRequestException;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.Osc4jException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SubmitTest {
    private final World w = new World();

    @Test
    @DisplayName("submitting the same request twice returns the same id and creates nothing new")
    void sameRequestTwice() {
        MigrationId first = w.osc.submit(World.request("JIRA-1").build());
        long version = w.osc.get(first).version();
        MigrationId second = w.osc.submit(World.request("JIRA-1").build());
        assertThat(second).isEqualTo(first);
        assertThat(w.osc.list(MigrationFilter.all())).hasSize(1);
        assertThat(w.osc.get(first).version()).isEqualTo(version);
        assertThat(w.osc.audit(first)).hasSize(1);
    }

    @Test
    @DisplayName("a different request under the same key is refused with a clear error and changes nothing")
    void conflictingRequest() {
        MigrationId id = w.osc.submit(World.request("JIRA-2").build());
        MigrationRecord before = w.osc.get(id);
        assertThatThrownBy(() -> w.osc.submit(
                        World.request("JIRA-2").ddl("ADD COLUMN other INT").build()))
                .isInstanceOf(IdempotencyConflictException.class)
                .hasMessageContaining("JIRA-2")
                .hasMessageContaining("different request")
                .extracting(e -> ((Osc4jException) e).code())
                .isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
        assertThat(w.osc.get(id)).isEqualTo(before);
    }

    @Test
    @DisplayName("the requester's name is not part of what makes a request the same")
    void requesterDoesNotMatter() {
        MigrationId a =
                w.osc.submit(World.request("JIRA-3").requestedBy("alice").build());
        MigrationId b = w.osc.submit(World.request("JIRA-3").requestedBy("bob").build());
        assertThat(b).isEqualTo(a);
    }

    @Test
    @DisplayName("bad input is refused with a typed error naming the problem, and nothing is written")
    void badInput() {
        assertRefused(World.request("bad-1").keyspace("nosuch").build(), "unknown keyspace 'nosuch'");
        assertRefused(World.request("bad-2").engine("gh-ost").build(), "unknown engine 'gh-ost'");
        assertRefused(World.request("bad-3").shards("-40", "zz").build(), "has no shard 'zz'");
        assertRefused(World.request("bad-4").option("chunk-size", "100").build(), "no option 'chunk-size'");
        assertRefused(World.request("bad-5").option("rows-per-second", "fast").build(), "rows-per-second");
        assertThatThrownBy(() -> World.request("bad-6")
                        .ddl("ALTER TABLE customers ADD x INT")
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("'customers'");
        assertThatThrownBy(() -> World.request("bad-7")
                        .ddl("ADD x INT; DROP TABLE orders")
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("single statement");
        assertThatThrownBy(() -> World.request("").build()).isInstanceOf(InvalidRequestException.class);
        assertThat(w.osc.list(MigrationFilter.all())).isEmpty();
        assertThat(w.store.writes()).isZero();
    }

    private void assertRefused(MigrationRequest request, String message) {
        assertThatThrownBy(() -> w.osc.submit(request))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((Osc4jException) e).code())
                .isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    @DisplayName("a request naming shards migrates only those shards")
    void subsetOfShards() {
        MigrationId id =
                w.osc.submit(World.request("subset").shards("80-c0", "c0-").build());
        MigrationRecord done = w.runUntil(id, MigrationState.COMPLETED);
        assertThat(done.shards()).extracting(s -> s.shard()).containsExactly("80-c0", "c0-");
        assertThat(w.topology.appliedDdl(World.KS, "-40")).isEmpty();
        assertThat(w.topology.appliedDdl(World.KS, "c0-")).hasSize(1);
    }
}
