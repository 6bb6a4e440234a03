package dev.osc4j.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("AuditChain")
class AuditChainTest {
    private static final MigrationId ID = MigrationId.of("m-chain");

    private static AuditEntry entry(long seq, String detail) {
        return new AuditEntry(
                ID,
                seq,
                Instant.parse("2026-12-04T00:00:00Z"),
                "alice",
                AuditEntry.Kind.NOTE,
                null,
                null,
                null,
                null,
                "step-" + seq,
                detail);
    }

    /** A record whose trail has {@code count} entries and ends at {@code head}. */
    private static MigrationRecord record(long count, @org.jspecify.annotations.Nullable String head) {
        MigrationRecord r = RecordCodecTest.rich();
        return r.with(r.state(), r.attempt(), r.shards(), r.controls(), r.directives(), count, null, r.updatedAt())
                .withAuditHead(head);
    }

    @Test
    @DisplayName("a sealed trail verifies; an edited, removed, reordered or added entry is named")
    void tamperEvident() {
        List<AuditEntry> first = AuditChain.seal(null, List.of(entry(1, "a"), entry(2, "b")));
        List<AuditEntry> second = AuditChain.seal(AuditChain.head(null, first), List.of(entry(3, "c")));
        List<AuditEntry> trail = new ArrayList<>(first);
        trail.addAll(second);
        MigrationRecord r = record(3, AuditChain.head(null, trail));
        assertThat(AuditChain.verify(r, trail)).isEmpty();

        List<AuditEntry> edited = new ArrayList<>(trail);
        AuditEntry two = trail.get(1);
        edited.set(
                1,
                new AuditEntry(
                                ID,
                                2,
                                two.at(),
                                "mallory",
                                two.kind(),
                                null,
                                null,
                                null,
                                null,
                                two.stepId(),
                                two.detail())
                        .withHash(two.hash()));
        assertThat(AuditChain.verify(r, edited)).anySatisfy(p -> assertThat(p).contains("entry 2"));

        assertThat(AuditChain.verify(r, trail.subList(0, 2)))
                .anySatisfy(p -> assertThat(p).contains("counts 3 entries"));

        List<AuditEntry> swapped = new ArrayList<>(List.of(trail.get(1), trail.get(0), trail.get(2)));
        assertThat(AuditChain.verify(r, swapped)).isNotEmpty();

        List<AuditEntry> longer = new ArrayList<>(trail);
        longer.add(AuditChain.seal(trail.get(2).hash(), List.of(entry(4, "d"))).get(0));
        assertThat(AuditChain.verify(r, longer)).isNotEmpty();
    }

    @Test
    @DisplayName("entries written before the chain existed are accepted before the first chained one")
    void legacyPrefix() {
        List<AuditEntry> trail = new ArrayList<>(List.of(entry(1, "old")));
        trail.addAll(AuditChain.seal(null, List.of(entry(2, "new"))));
        assertThat(AuditChain.verify(record(2, trail.get(1).hash()), trail)).isEmpty();
        List<AuditEntry> gap = List.of(trail.get(1), entry(3, "unsealed"));
        assertThat(AuditChain.verify(record(3, trail.get(1).hash()), gap)).isNotEmpty();
    }
}
