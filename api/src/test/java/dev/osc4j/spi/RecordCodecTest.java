package dev.osc4j.spi;

import static dev.osc4j.TestRecords.ID;
import static dev.osc4j.TestRecords.T0;
import static dev.osc4j.TestRecords.handle;
import static dev.osc4j.TestRecords.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osc4j.Approval;
import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.Controls;
import dev.osc4j.CutoverMode;
import dev.osc4j.DirectiveKind;
import dev.osc4j.DirectiveResult;
import dev.osc4j.ErrorCode;
import dev.osc4j.Failure;
import dev.osc4j.FailureReason;
import dev.osc4j.Intent;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationSpec;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationWindow;
import dev.osc4j.ShardProgress;
import dev.osc4j.ShardRecord;
import dev.osc4j.ShardTarget;
import dev.osc4j.StoreException;
import dev.osc4j.TestRecords;
import dev.osc4j.Trigger;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RecordCodec")
class RecordCodecTest {
    /** The fingerprint of {@link #rich()}'s spec and policy; a change breaks resubmission across an upgrade. */
    private static final String GOLDEN_FINGERPRINT = "4b942ae1bf10cba4e2f879d97ed7860359cb96b43ab02f4d6948a0fa7b5aba0c";

    /** A record with every field set, and every nullable field set in at least one place. */
    static MigrationRecord rich() {
        Map<String, String> options = new LinkedHashMap<>();
        for (String name : List.of(
                "max-load",
                "chunk-size",
                "critical-load",
                "nice-ratio",
                "throttle-control-replicas",
                "cut-over-lock-timeout-seconds",
                "dml-batch-size",
                "exact-rowcount",
                "hooks-path",
                "zz-last",
                "aa-first")) {
            options.put(name, "value of " + name);
        }
        MigrationSpec spec = new MigrationSpec(
                "commerce",
                "orders",
                "ALTER TABLE orders ADD COLUMN note VARCHAR(64)",
                "gh-ost",
                options,
                List.of("-80", "80-"));
        MigrationPolicy policy = MigrationPolicy.builder()
                .maxReplicaLag(Duration.ofMillis(2500))
                .throttleOnReplicaLag(false)
                .requireStartApproval(true)
                .requireCutoverApproval(true)
                .cutoverMode(CutoverMode.MANUAL)
                .cutoverWindow(new MigrationWindow(
                        EnumSet.of(
                                DayOfWeek.SATURDAY,
                                DayOfWeek.MONDAY,
                                DayOfWeek.WEDNESDAY,
                                DayOfWeek.FRIDAY,
                                DayOfWeek.TUESDAY),
                        LocalTime.of(22, 30),
                        LocalTime.of(4, 15),
                        ZoneId.of("Europe/Berlin")))
                .maxTopologyAge(Duration.ofSeconds(12))
                .stallTimeout(Duration.ofMinutes(7))
                .failOnStall(true)
                .build();
        ShardProgress progress = new ShardProgress(
                1234,
                5000,
                24.68,
                Duration.ofSeconds(95).plusMillis(250),
                42.5,
                true,
                "replica lag 11s > 10s",
                Duration.ofMillis(11_200),
                T0.minusSeconds(3),
                false,
                T0.minusMillis(500));
        ShardRecord copying = new ShardRecord(
                "-80",
                TestRecords.target("-80"),
                MigrationState.COPYING_ROWS,
                T0.minusSeconds(600),
                "zone1-0000000100",
                new EngineHandle(
                        "gh-ost", key("-80", 3), Map.of("pid", "4242", "socket", "/tmp/gh-ost.sock", "host", "db1")),
                new Intent(Intent.IntentKind.THROTTLE, key("-80", 3), "a3:-80:throttle:1.0", 1.0, T0.minusSeconds(1)),
                List.of(key("-80", 1), key("-80", 2)),
                0.25,
                progress,
                "engine catching up",
                null,
                false,
                List.of());
        ShardRecord failed = new ShardRecord(
                "80-",
                new ShardTarget("commerce", "80-", "vt_commerce", null),
                MigrationState.FAILED,
                T0.minusSeconds(60),
                null,
                handle("80-", 3),
                null,
                List.of(),
                0,
                ShardProgress.NONE,
                null,
                new Failure(FailureReason.NO_UNIQUE_KEY, "no primary key", T0.minusSeconds(60)),
                false,
                List.of());
        Controls controls = new Controls(
                List.of(
                        new Approval(ApprovalStage.START, "alice", "ok-start", T0.minusSeconds(900)),
                        new Approval(ApprovalStage.CUTOVER, "bob", "ok-cut", T0.minusSeconds(30))),
                true,
                true,
                0.25,
                false);
        Map<String, DirectiveResult> directives = Map.of(
                "ok-start",
                        new DirectiveResult(
                                "ok-start",
                                DirectiveKind.APPROVE,
                                "START",
                                "alice",
                                MigrationState.QUEUED,
                                T0.minusSeconds(900)),
                "slow",
                        new DirectiveResult(
                                "slow",
                                DirectiveKind.THROTTLE,
                                "0.25",
                                "carol",
                                MigrationState.COPYING_ROWS,
                                T0.minusSeconds(120)),
                "ok-cut",
                        new DirectiveResult(
                                "ok-cut",
                                DirectiveKind.APPROVE,
                                "CUTOVER",
                                "bob",
                                MigrationState.FAILED,
                                T0.minusSeconds(30)));
        return new MigrationRecord(
                MigrationRecord.SCHEMA_VERSION,
                ID,
                17,
                TestRecords.IDEMPOTENCY_KEY,
                RecordCodec.fingerprint(spec, policy),
                spec,
                policy,
                "alice",
                MigrationState.FAILED,
                3,
                List.of(copying, failed),
                controls,
                directives,
                99,
                T0.minusSeconds(5),
                T0.minusSeconds(3600),
                T0,
                null);
    }

    private static void assertCorrupt(ThrowingCallable call, String messagePart) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_RECORD);
                    assertThat(e.migrationId()).isEqualTo(ID);
                })
                .hasMessageContaining(ID.value())
                .hasMessageContaining(messagePart);
    }

    @Test
    @DisplayName("a record with every field set survives a round trip, and takes the store's version")
    void roundTrip() {
        MigrationRecord rec = rich();
        String json = RecordCodec.encode(rec);
        MigrationRecord back = RecordCodec.decode(ID, json, 42);
        assertThat(back.version()).isEqualTo(42);
        assertThat(back).isEqualTo(rec.withVersion(42));
        assertThat(RecordCodec.encode(back)).as("encoding is deterministic").isEqualTo(json);
    }

    @Test
    @DisplayName("a summary survives a round trip; one missing a field is a corrupt record, not a half-read summary")
    void summaryRoundTrip() {
        dev.osc4j.MigrationSummary summary = dev.osc4j.MigrationSummary.of(rich());
        assertThat(RecordCodec.decodeSummary(RecordCodec.encodeSummary(summary)))
                .isEqualTo(summary);
        String withoutState = RecordCodec.encodeSummary(summary).replace("\"state\":", "\"gone\":");
        assertThatThrownBy(() -> RecordCodec.decodeSummary(withoutState))
                .isInstanceOfSatisfying(
                        dev.osc4j.StoreException.class,
                        e -> assertThat(e.code()).isEqualTo(dev.osc4j.ErrorCode.CORRUPT_RECORD))
                .hasMessageContaining("summary.state is missing");
    }

    @Test
    @DisplayName("a head and its shards kept apart read back as the same record, without the shards in the head")
    void headAndShardsApart() {
        MigrationRecord rec = rich();
        String head = RecordCodec.encodeHead(rec);
        List<String> shards =
                rec.shards().stream().map(RecordCodec::encodeShard).toList();
        assertThat(head)
                .doesNotContain(shards.get(0))
                .doesNotContain(shards.get(1))
                .doesNotContain("\"version\":17");
        assertThat(String.join(",", shards))
                .as("a shard is written as inside the record")
                .isSubstringOf(RecordCodec.encode(rec));
        MigrationRecord back = RecordCodec.decode(ID, head, shards, 42);
        assertThat(back).isEqualTo(rec.withVersion(42));
        assertThat(RecordCodec.encodeHead(back)).isEqualTo(head);
    }

    @Test
    @DisplayName("a record's JSON is its head with its shards appended, and the encoder reuses unchanged shards' JSON")
    void joinAndEncoder() {
        MigrationRecord rec = rich();
        List<String> shards =
                rec.shards().stream().map(RecordCodec::encodeShard).toList();
        assertThat(RecordCodec.join(RecordCodec.encodeHead(rec), shards)).isEqualTo(RecordCodec.encode(rec));
        RecordEncoder encoder = new RecordEncoder(1);
        assertThat(encoder.encode(rec)).isEqualTo(RecordCodec.encode(rec));
        MigrationRecord next = rec.withShard(rec.shards().get(1).target().shard(), s -> s.withWaitReason("changed"));
        assertThat(encoder.encode(next)).isEqualTo(RecordCodec.encode(next));
        MigrationRecord other = rich().withVersion(3);
        assertThat(encoder.encode(other)).isEqualTo(RecordCodec.encode(other));
        assertThatThrownBy(() -> new RecordEncoder(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("refuses a head that is not an object with fields, or shards that are not JSON, as corrupt")
    void corruptHeadOrShard() {
        MigrationRecord rec = rich();
        List<String> shards =
                rec.shards().stream().map(RecordCodec::encodeShard).toList();
        assertCorrupt(() -> RecordCodec.decode(ID, "{}", shards, 1), "head");
        assertCorrupt(() -> RecordCodec.decode(ID, "[1]", shards, 1), "head");
        assertCorrupt(() -> RecordCodec.decode(ID, RecordCodec.encodeHead(rec), List.of("{\"shard\":"), 1), "JSON");
        assertCorrupt(() -> RecordCodec.decode(ID, RecordCodec.encodeHead(rec), List.of(), 1), "shard");
    }

    @Test
    @DisplayName("does not write the store's version into the JSON")
    void versionNotWritten() {
        String json = RecordCodec.encode(rich());
        assertThat(json).contains("\"version\":0").doesNotContain("\"version\":17");
        assertThat(RecordCodec.decode(ID, json, 7).version()).isEqualTo(7);
    }

    @Test
    @DisplayName("writes maps and sets in a stable order, so equal records give equal JSON in every process")
    void stableOrder() {
        String json = RecordCodec.encode(rich());
        assertThat(json)
                .containsSubsequence(
                        "\"aa-first\"",
                        "\"chunk-size\"",
                        "\"critical-load\"",
                        "\"cut-over-lock-timeout-seconds\"",
                        "\"dml-batch-size\"",
                        "\"exact-rowcount\"",
                        "\"hooks-path\"",
                        "\"max-load\"",
                        "\"nice-ratio\"",
                        "\"throttle-control-replicas\"",
                        "\"zz-last\"");
        assertThat(json).contains("\"days\":[\"MONDAY\",\"TUESDAY\",\"WEDNESDAY\",\"FRIDAY\",\"SATURDAY\"]");
        assertThat(json).containsSubsequence("\"host\":\"db1\"", "\"pid\":\"4242\"", "\"socket\":");
        assertThat(json).containsSubsequence("\"ok-cut\":{", "\"ok-start\":{", "\"slow\":{");
    }

    @Test
    @DisplayName("refuses malformed JSON as a corrupt record of the migration")
    void malformed() {
        assertCorrupt(() -> RecordCodec.decode(ID, "{\"schemaVersion\":1,", 1), "is not valid JSON");
        assertCorrupt(() -> RecordCodec.decode(ID, "[1,2]", 1), "is not a JSON object");
        assertCorrupt(() -> RecordCodec.decode(ID, "null", 1), "is not a JSON object");
        assertCorrupt(() -> RecordCodec.decode(ID, "", 1), "is not a JSON object");
    }

    @Test
    @DisplayName("refuses a record without a schema version")
    void missingSchemaVersion() {
        String json = RecordCodec.encode(rich()).replace("\"schemaVersion\":1,", "");
        assertThat(json).doesNotContain("schemaVersion");
        assertCorrupt(() -> RecordCodec.decode(ID, json, 1), "has no schemaVersion");
        String text = RecordCodec.encode(rich()).replace("\"schemaVersion\":1", "\"schemaVersion\":\"one\"");
        assertCorrupt(() -> RecordCodec.decode(ID, text, 1), "has no schemaVersion");
    }

    @Test
    @DisplayName("refuses a record of a newer schema rather than half-reading it")
    void newerSchema() {
        String json = RecordCodec.encode(rich())
                .replace("\"schemaVersion\":1", "\"schemaVersion\":" + (MigrationRecord.SCHEMA_VERSION + 1));
        assertCorrupt(() -> RecordCodec.decode(ID, json, 1), "newer than this osc4j understands");
    }

    @Test
    @DisplayName("refuses a record stored under another migration's id")
    void wrongId() {
        MigrationId other = MigrationId.of("m-other");
        assertThatThrownBy(() -> RecordCodec.decode(other, RecordCodec.encode(rich()), 1))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_RECORD);
                    assertThat(e.migrationId()).isEqualTo(other);
                })
                .hasMessage("record stored under m-other belongs to " + ID);
    }

    @Test
    @DisplayName("refuses a record that fails validation, naming the migration")
    void invalidContent() {
        String json = RecordCodec.encode(rich()).replace("\"attempt\":3", "\"attempt\":0");
        assertCorrupt(() -> RecordCodec.decode(ID, json, 1), "cannot be read: attempt must be >= 1, got 0");
        String badState = RecordCodec.encode(rich()).replace("\"state\":\"FAILED\"", "\"state\":\"EXPLODED\"");
        assertCorrupt(() -> RecordCodec.decode(ID, badState, 1), "cannot be read");
    }

    @Test
    @DisplayName("refuses a record that lacks a field it cannot do without, or has it null, naming the field")
    void missingOrNullRequiredField() {
        String json = RecordCodec.encode(rich());
        assertCorrupt(
                () -> RecordCodec.decode(ID, json.replace("\"state\":\"FAILED\",", ""), 1),
                "cannot be read: record.state is missing");
        assertCorrupt(
                () -> RecordCodec.decode(ID, json.replace("\"requestedBy\":\"alice\"", "\"requestedBy\":null"), 1),
                "cannot be read: record.requestedBy is missing");
        assertCorrupt(
                () -> RecordCodec.decode(ID, json.replaceFirst("\"id\":\\{\"value\":\"[^\"]+\"},", ""), 1),
                "cannot be read: record.id is missing");
        assertCorrupt(
                () -> RecordCodec.decode(ID, json.replace("\"stepId\":\"a3:-80:throttle:1.0\",", ""), 1),
                "cannot be read: record.shards[0].intent.stepId is missing");
        assertCorrupt(
                () -> RecordCodec.decode(ID, json.replace("\"argument\":\"0.25\",", ""), 1),
                "cannot be read: record.directives.slow.argument is missing");
    }

    @Test
    @DisplayName("ignores unknown fields of the same schema version")
    void unknownFieldsIgnored() {
        String json = RecordCodec.encode(rich()).replaceFirst("\\{", "{\"addedLater\":{\"x\":1},");
        assertThat(RecordCodec.decode(ID, json, 3)).isEqualTo(rich().withVersion(3));
    }

    @Test
    @DisplayName("an audit entry survives a round trip, with and without its optional fields")
    void auditRoundTrip() {
        AuditEntry transition = new AuditEntry(
                ID,
                12,
                T0,
                "controller-1",
                AuditEntry.Kind.TRANSITION,
                "-80",
                MigrationState.COPYING_ROWS,
                MigrationState.WAITING_FOR_CATCHUP,
                Trigger.COPY_COMPLETE,
                "a1:-80:COPYING_ROWS>WAITING_FOR_CATCHUP",
                "row copy complete");
        AuditEntry note = new AuditEntry(
                ID,
                13,
                T0.plusMillis(1),
                "alice",
                AuditEntry.Kind.DIRECTIVE,
                null,
                null,
                null,
                null,
                "d1",
                "PAUSE by alice");
        for (AuditEntry e : List.of(transition, note)) {
            assertThat(RecordCodec.decodeAudit(RecordCodec.encodeAudit(e))).isEqualTo(e);
        }
    }

    @Test
    @DisplayName("refuses a corrupt audit entry")
    void corruptAudit() {
        assertThatThrownBy(() -> RecordCodec.decodeAudit("{\"seq\":"))
                .isInstanceOfSatisfying(
                        StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_RECORD))
                .hasMessageStartingWith("audit entry cannot be read");
        String zeroSeq = RecordCodec.encodeAudit(
                        new AuditEntry(ID, 1, T0, "a", AuditEntry.Kind.NOTE, null, null, null, null, "s", "d"))
                .replace("\"seq\":1", "\"seq\":0");
        assertThatThrownBy(() -> RecordCodec.decodeAudit(zeroSeq))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("audit seq must be >= 1, got 0");
        String noActor = RecordCodec.encodeAudit(
                        new AuditEntry(ID, 1, T0, "a", AuditEntry.Kind.NOTE, null, null, null, null, "s", "d"))
                .replace("\"actor\":\"a\",", "");
        assertThatThrownBy(() -> RecordCodec.decodeAudit(noActor))
                .isInstanceOf(StoreException.class)
                .hasMessage("audit entry cannot be read: entry.actor is missing");
        assertThatThrownBy(() -> RecordCodec.decodeAudit("null"))
                .isInstanceOf(StoreException.class)
                .hasMessage("audit entry is null");
    }

    @Test
    @DisplayName("fingerprints the same request the same way, however it was written")
    void fingerprintStable() {
        MigrationSpec a = new MigrationSpec(
                "commerce",
                "orders",
                "ALTER TABLE orders ADD COLUMN a INT;",
                "gh-ost",
                Map.of("chunk-size", "1000", "max-load", "x"),
                List.of());
        Map<String, String> reversed = new LinkedHashMap<>();
        reversed.put("max-load", "x");
        reversed.put("chunk-size", "1000");
        MigrationSpec b = new MigrationSpec("commerce", "orders", "ADD COLUMN a INT", "gh-ost", reversed, List.of());
        assertThat(RecordCodec.fingerprint(a, null))
                .isEqualTo(RecordCodec.fingerprint(b, null))
                .hasSize(64);
        MigrationPolicy p1 = rich().policy();
        MigrationPolicy p2 = p1.toBuilder().build();
        assertThat(RecordCodec.fingerprint(a, p1)).isEqualTo(RecordCodec.fingerprint(b, p2));
    }

    @Test
    @DisplayName("fingerprints are the same in every process and version: the same request always has this digest")
    void fingerprintGolden() {
        MigrationRecord rec = rich();
        assertThat(RecordCodec.fingerprint(rec.spec(), rec.policy())).isEqualTo(GOLDEN_FINGERPRINT);
    }

    @Test
    @DisplayName("fingerprints differ when anything the request asks for differs")
    void fingerprintSensitive() {
        MigrationSpec base = TestRecords.spec();
        String fp = RecordCodec.fingerprint(base, null);
        MigrationSpec otherDdl = new MigrationSpec(
                base.keyspace(), base.table(), "ADD COLUMN note VARCHAR(65)", base.engine(), Map.of(), List.of());
        MigrationSpec otherEngine =
                new MigrationSpec(base.keyspace(), base.table(), base.ddl(), "pt-osc", Map.of(), List.of());
        MigrationSpec otherOption = new MigrationSpec(
                base.keyspace(), base.table(), base.ddl(), base.engine(), Map.of("chunk-size", "1"), List.of());
        MigrationSpec otherShards =
                new MigrationSpec(base.keyspace(), base.table(), base.ddl(), base.engine(), Map.of(), List.of("-80"));
        MigrationSpec otherKeyspace =
                new MigrationSpec("customer", base.table(), base.ddl(), base.engine(), Map.of(), List.of());
        for (MigrationSpec s : List.of(otherDdl, otherEngine, otherOption, otherShards, otherKeyspace)) {
            assertThat(RecordCodec.fingerprint(s, null)).as("%s", s).isNotEqualTo(fp);
        }
        MigrationPolicy defaults = MigrationPolicy.defaults();
        assertThat(RecordCodec.fingerprint(base, defaults))
                .as("explicit defaults vs none")
                .isNotEqualTo(fp);
        assertThat(RecordCodec.fingerprint(
                        base, defaults.toBuilder().failOnStall(true).build()))
                .isNotEqualTo(RecordCodec.fingerprint(base, defaults));
        assertThat(RecordCodec.fingerprint(
                        base,
                        defaults.toBuilder()
                                .maxReplicaLag(Duration.ofSeconds(11))
                                .build()))
                .isNotEqualTo(RecordCodec.fingerprint(base, defaults));
    }
}
