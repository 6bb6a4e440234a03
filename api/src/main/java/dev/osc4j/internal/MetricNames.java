package dev.osc4j.internal;

/** Every metric name osc4j publishes, in one place. */
final class MetricNames {
    /** Gauge: copy progress, 0-100; tag {@code shard} is {@value #ALL_SHARDS} for the weighted aggregate. */
    public static final String PROGRESS_PERCENT = "osc4j.migration.progress.percent";
    /** Gauge: ETA in seconds (-1 when unknown). */
    public static final String ETA_SECONDS = "osc4j.migration.eta.seconds";
    /** Gauge: rows copied. */
    public static final String ROWS_COPIED = "osc4j.migration.rows.copied";
    /** Gauge: 1 when throttled (for the aggregate: the number of throttled shards). */
    public static final String THROTTLED = "osc4j.migration.throttled";
    /** Gauge: 1 when stalled (for the aggregate: the number of stalled shards). */
    public static final String STALLED = "osc4j.migration.stalled";
    /** Gauge: position of the state on the happy path (0 QUEUED ... 6 COMPLETED; -1 FAILED or ABORTED). */
    public static final String STATE = "osc4j.migration.state";
    /** Counter: transitions, tagged {@code from}, {@code to}, {@code trigger} and {@code level}. */
    public static final String TRANSITIONS = "osc4j.transitions";
    /** The {@code shard} tag value of the aggregate. */
    public static final String ALL_SHARDS = "_all";

    private MetricNames() {}
}
