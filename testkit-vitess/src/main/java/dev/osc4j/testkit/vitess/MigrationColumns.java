package dev.osc4j.testkit.vitess;

import dev.osc4j.testkit.mysql.ColumnType;
import dev.osc4j.testkit.mysql.QueryResult;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * The columns of {@code SHOW VITESS_MIGRATIONS} ({@code _vt.schema_migrations}): their SQL types and how the fake fills
 * them from a {@link FakeMigration}. The one place that knows the table's shape.
 */
final class MigrationColumns {
    private record Def(ColumnType type, BiFunction<FakeMigration, Instant, @Nullable Object> value) {}

    private static final Map<String, Def> DEFS = new LinkedHashMap<>();

    static {
        def("id", ColumnType.LONGLONG, (m, now) -> m.id);
        def("migration_uuid", ColumnType.VARCHAR, (m, now) -> m.uuid);
        def("keyspace", ColumnType.VARCHAR, (m, now) -> m.keyspace);
        def("shard", ColumnType.VARCHAR, (m, now) -> m.shard);
        def("mysql_schema", ColumnType.VARCHAR, (m, now) -> "vt_" + m.keyspace);
        def("mysql_table", ColumnType.VARCHAR, (m, now) -> m.table);
        def("migration_statement", ColumnType.TEXT, (m, now) -> m.statement);
        def("strategy", ColumnType.VARCHAR, (m, now) -> m.strategy);
        def("options", ColumnType.VARCHAR, (m, now) -> m.options);
        def("added_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.added));
        def("requested_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.added));
        def("ready_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.ready));
        def("started_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.started));
        def("liveness_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.liveness));
        def("completed_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.completed));
        def("cleanup_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.cleanup));
        def("migration_status", ColumnType.VARCHAR, (m, now) -> m.status.sql());
        def("log_path", ColumnType.VARCHAR, (m, now) -> "");
        def("artifacts", ColumnType.TEXT, (m, now) -> m.artifacts);
        def("retries", ColumnType.LONG, (m, now) -> m.retries);
        def("tablet", ColumnType.VARCHAR, (m, now) -> m.tablet);
        def("tablet_failure", ColumnType.TINY, (m, now) -> 0);
        def("progress", ColumnType.FLOAT, (m, now) -> (double) (float) m.progress());
        def("migration_context", ColumnType.VARCHAR, (m, now) -> m.context);
        def("ddl_action", ColumnType.VARCHAR, (m, now) -> "alter"); // a REVERT of an ALTER mimics "alter" once reviewed
        def("message", ColumnType.TEXT, (m, now) -> m.message);
        def("eta_seconds", ColumnType.LONGLONG, (m, now) -> m.etaSeconds(now));
        def("rows_copied", ColumnType.LONGLONG, (m, now) -> (long) m.copied);
        def("table_rows", ColumnType.LONGLONG, (m, now) -> m.tableRows);
        def("added_unique_keys", ColumnType.LONG, (m, now) -> 0);
        def("removed_unique_keys", ColumnType.LONG, (m, now) -> 0);
        def("log_file", ColumnType.VARCHAR, (m, now) -> "");
        def("retain_artifacts_seconds", ColumnType.LONGLONG, (m, now) -> m.retainArtifactsSeconds);
        def("postpone_completion", ColumnType.TINY, (m, now) -> m.postponeCompletion ? 1 : 0);
        def("removed_unique_key_names", ColumnType.TEXT, (m, now) -> "");
        def("dropped_no_default_column_names", ColumnType.TEXT, (m, now) -> "");
        def("expanded_column_names", ColumnType.TEXT, (m, now) -> "");
        def("revertible_notes", ColumnType.TEXT, (m, now) -> "");
        def("allow_concurrent", ColumnType.TINY, (m, now) -> m.allowConcurrent ? 1 : 0);
        def("reverted_uuid", ColumnType.VARCHAR, (m, now) -> m.revertOf == null ? "" : m.revertOf);
        def("is_view", ColumnType.TINY, (m, now) -> 0);
        def("ready_to_complete", ColumnType.TINY, (m, now) -> m.readyToComplete ? 1 : 0);
        def(
                "vitess_liveness_indicator",
                ColumnType.LONGLONG,
                (m, now) -> m.liveness == null ? 0L : m.liveness.getEpochSecond());
        def("user_throttle_ratio", ColumnType.FLOAT, (m, now) -> m.userThrottleRatio);
        def("special_plan", ColumnType.TEXT, (m, now) -> m.specialPlan);
        def("last_throttled_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.lastThrottled));
        def("component_throttled", ColumnType.VARCHAR, (m, now) -> m.componentThrottled);
        def("cancelled_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.cancelled));
        def("postpone_launch", ColumnType.TINY, (m, now) -> 0);
        def("stage", ColumnType.TEXT, (m, now) -> m.stage);
        def("cutover_attempts", ColumnType.LONG, (m, now) -> m.cutoverAttempts);
        def("is_immediate_operation", ColumnType.TINY, (m, now) -> m.immediate ? 1 : 0);
        def("reviewed_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.reviewed));
        def("ready_to_complete_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.readyToCompleteAt));
        def("removed_foreign_key_names", ColumnType.TEXT, (m, now) -> "");
        def("last_cutover_attempt_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.lastCutoverAttempt));
        def("force_cutover", ColumnType.TINY, (m, now) -> 0);
        def("message_timestamp", ColumnType.TIMESTAMP, (m, now) -> time(m.messageAt));
        def("cutover_threshold_seconds", ColumnType.LONG, (m, now) -> m.cutoverThresholdSeconds);
        def("vreplication_lag_seconds", ColumnType.LONG, (m, now) -> 0);
        def("reason_throttled", ColumnType.TEXT, (m, now) -> m.reasonThrottled);
        def("shadow_analyzed_timestamp", ColumnType.TIMESTAMP, (m, now) -> null);
    }

    /** Every column of a recent Vitess (v22), in table order. */
    static final List<String> RECENT = List.copyOf(DEFS.keySet());

    /**
     * The columns up to {@code force_cutover}, as go/vt/sidecardb/schema/onlineddl/schema_migrations.sql has them in the
     * v18/v19 era (before the later additions).
     */
    static final List<String> V18 = RECENT.subList(0, RECENT.indexOf("force_cutover") + 1);

    private MigrationColumns() {}

    private static void def(String name, ColumnType type, BiFunction<FakeMigration, Instant, @Nullable Object> f) {
        DEFS.put(name, new Def(type, f));
    }

    private static @Nullable LocalDateTime time(@Nullable Instant t) {
        return t == null ? null : LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    /** The value of {@code column} for {@code m} as the fake renders it, or null (SQL NULL, or a column it lacks). */
    static @Nullable Object value(String column, FakeMigration m, Instant now) {
        Def def = DEFS.get(column);
        return def == null ? null : def.value().apply(m, now);
    }

    /** Whether the fake knows {@code column}. */
    static boolean known(String column) {
        return DEFS.containsKey(column);
    }

    /** The result set of {@code rows} with {@code columns}; a column the fake does not know is sent as NULL. */
    static QueryResult.Rows render(List<String> columns, List<FakeMigration> rows, Instant now) {
        QueryResult.RowsBuilder b = QueryResult.resultSet();
        for (String c : columns) {
            Def def = DEFS.get(c);
            b.column(c, def == null ? ColumnType.VARCHAR : def.type());
        }
        for (FakeMigration m : rows) {
            List<@Nullable Object> values = new ArrayList<>(columns.size());
            for (String c : columns) {
                Def def = DEFS.get(c);
                values.add(def == null ? null : def.value().apply(m, now));
            }
            b.row(values);
        }
        return b.build();
    }
}
