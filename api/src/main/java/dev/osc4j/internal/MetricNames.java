package dev.osc4j.internal;

/**
 * Every metric osc4j publishes, in one place, named after Micrometer's conventions (dot-separated, lower case, the
 * unit given as a base unit, not in the name) so that each registry renders it in its own style. Prometheus names
 * are in brackets: the registry appends the base unit and, for counters, {@code _total}. Gauges carry the tags
 * {@code migration}, {@code keyspace}, {@code table} and {@code shard} ({@value #ALL_SHARDS} for the migration as a
 * whole); no other tag varies with the fleet's size. {@code docs/metrics.md} has the table; a test checks it, and
 * the Grafana dashboard, against what a Prometheus registry actually scrapes.
 */
final class MetricNames {
    /** Gauge, base unit {@value #RATIO}: copy progress, 0 to 1 ({@code osc4j_migration_progress_ratio}). */
    static final String PROGRESS = "osc4j.migration.progress";
    /** Gauge, base unit {@value #SECONDS}: time to the end of the copy, NaN while unknown. */
    static final String ETA = "osc4j.migration.eta";
    /** Gauge, base unit {@value #ROWS}: rows copied so far ({@code osc4j_migration_copied_rows}). */
    static final String COPIED = "osc4j.migration.copied";
    /** Gauge, base unit {@value #ROWS}: rows to copy as estimated at the start, NaN while unknown. */
    static final String ESTIMATED = "osc4j.migration.estimated";
    /** Gauge, base unit {@value #SECONDS}: replica lag seen by the throttle, NaN while unknown; for the migration, the largest. */
    static final String REPLICA_LAG = "osc4j.replica.lag";
    /** Gauge: 1 when throttled; for the migration as a whole, the number of throttled shards. */
    static final String THROTTLED = "osc4j.migration.throttled";
    /** Gauge: 1 when stalled; for the migration as a whole, the number of stalled shards. */
    static final String STALLED = "osc4j.migration.stalled";
    /** Gauge: position of the state on the happy path (0 QUEUED ... 7 COMPLETED; -1 FAILED, ALERTED, ABORTED, REVERTED). */
    static final String STATE = "osc4j.migration.state";
    /** Gauge, tagged {@code state} only: how many migrations this controller drives in each active state. */
    static final String ACTIVE = "osc4j.migrations.active";
    /** Counter: transitions, tagged {@code from}, {@code to}, {@code trigger} and {@code level} ({@code osc4j_transitions_total}). */
    static final String TRANSITIONS = "osc4j.transitions";

    /** The {@code shard} tag value of the migration as a whole. */
    static final String ALL_SHARDS = "_all";

    static final String RATIO = "ratio";
    static final String SECONDS = "seconds";
    static final String ROWS = "rows";

    private MetricNames() {}
}
