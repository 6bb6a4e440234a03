package dev.osc4j.testkit.ghost;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * How the {@linkplain FakeGhost fake gh-ost} behaves: its pace and the faults it injects. Written next to the
 * installed executable with {@link FakeGhost#configure} and read by every run when it starts, so a test can make one
 * run fail and the next succeed. The default behaves like a healthy gh-ost at gh-ost's own pace.
 *
 * <p>Faults apply to every run unless {@link Builder#faultTable(String)} limits them to one table. Percentages are of
 * the rows gh-ost estimated, as in its status lines.
 */
public final class FakeGhostBehavior {
    /** Default length of one of gh-ost's status-cadence seconds: a real second. */
    public static final Duration DEFAULT_SECOND = Duration.ofSeconds(1);

    /** The versions the fake can be: the gh-ost releases whose sources it follows. */
    public static final java.util.List<String> VERSIONS =
            java.util.List.of("1.1.6", "1.1.7", "1.1.8", "1.1.9", "1.1.10");

    /** The version the fake is unless told otherwise: the newest release. */
    public static final String DEFAULT_VERSION = "1.1.10";

    private static final FakeGhostBehavior DEFAULTS = builder().build();

    private final Duration second;
    private final Duration chunkDelay;
    private final Duration applyDelay;
    private final double failAtPercent;
    private final double hangAtPercent;
    private final double dieAtPercent;
    private final @Nullable String throttleReason;
    private final @Nullable String faultTable;
    private final String version;

    private FakeGhostBehavior(Builder b) {
        this.version = b.version;
        this.second = b.second;
        this.chunkDelay = b.chunkDelay;
        this.applyDelay = b.applyDelay;
        this.failAtPercent = b.failAtPercent;
        this.hangAtPercent = b.hangAtPercent;
        this.dieAtPercent = b.dieAtPercent;
        this.throttleReason = b.throttleReason;
        this.faultTable = b.faultTable;
    }

    /** A healthy gh-ost at gh-ost's pace. */
    public static FakeGhostBehavior defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The length of one status-cadence second (gh-ost prints every second, then every 5 or 30). */
    public Duration second() {
        return second;
    }

    /** The pause after each copied chunk, to make a copy last long enough to watch. */
    public Duration chunkDelay() {
        return chunkDelay;
    }

    /**
     * How long a row event on the migrated table waits after the streamer read it from the binary log before the
     * applier writes it to the ghost table: gh-ost's backlog ({@code applyEventsQueue} in {@code go/logic/migrator.go}),
     * made long enough to see. On top of the streamer's own polling of the log (about 50 ms). Default zero.
     */
    public Duration applyDelay() {
        return applyDelay;
    }

    /** The copy fails (gh-ost exits 1 after its failure hook, leaving its tables) at this percent; negative: never. */
    public double failAtPercent() {
        return failAtPercent;
    }

    /** The copy stops for good at this percent while the socket keeps answering; negative: never. */
    public double hangAtPercent() {
        return hangAtPercent;
    }

    /** The process dies at this percent without cleanup or hook, leaving a stale socket; negative: never. */
    public double dieAtPercent() {
        return dieAtPercent;
    }

    /** While set, the copy reports {@code throttled, <reason>} and does not advance. */
    public @Nullable String throttleReason() {
        return throttleReason;
    }

    /** The only table the faults apply to, or null for every table. */
    public @Nullable String faultTable() {
        return faultTable;
    }

    /** The gh-ost version the fake is and behaves as (its flags, {@code --version} line and {@code --conf} reader). */
    public String version() {
        return version;
    }

    /** Whether faults apply to {@code table}. */
    boolean faultsApplyTo(String table) {
        return faultTable == null || faultTable.equals(table);
    }

    String toProperties() {
        Properties p = new Properties();
        p.setProperty("second-millis", Long.toString(second.toMillis()));
        p.setProperty("chunk-delay-millis", Long.toString(chunkDelay.toMillis()));
        p.setProperty("apply-delay-millis", Long.toString(applyDelay.toMillis()));
        p.setProperty("fail-at-percent", Double.toString(failAtPercent));
        p.setProperty("hang-at-percent", Double.toString(hangAtPercent));
        p.setProperty("die-at-percent", Double.toString(dieAtPercent));
        if (throttleReason != null) {
            p.setProperty("throttle-reason", throttleReason);
        }
        if (faultTable != null) {
            p.setProperty("fault-table", faultTable);
        }
        p.setProperty("version", version);
        StringWriter w = new StringWriter();
        try {
            p.store(w, "osc4j fake gh-ost behaviour");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    static FakeGhostBehavior fromProperties(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Builder b = builder();
        b.second(Duration.ofMillis(Long.parseLong(p.getProperty("second-millis", "1000"))));
        b.chunkDelay(Duration.ofMillis(Long.parseLong(p.getProperty("chunk-delay-millis", "0"))));
        b.applyDelay(Duration.ofMillis(Long.parseLong(p.getProperty("apply-delay-millis", "0"))));
        b.failAtPercent = Double.parseDouble(p.getProperty("fail-at-percent", "-1"));
        b.hangAtPercent = Double.parseDouble(p.getProperty("hang-at-percent", "-1"));
        b.dieAtPercent = Double.parseDouble(p.getProperty("die-at-percent", "-1"));
        b.throttleReason = p.getProperty("throttle-reason");
        b.faultTable = p.getProperty("fault-table");
        b.version(p.getProperty("version", DEFAULT_VERSION));
        return b.build();
    }

    /** Builds a {@link FakeGhostBehavior}. */
    public static final class Builder {
        private Duration second = DEFAULT_SECOND;
        private Duration chunkDelay = Duration.ZERO;
        private Duration applyDelay = Duration.ZERO;
        private double failAtPercent = -1;
        private double hangAtPercent = -1;
        private double dieAtPercent = -1;
        private @Nullable String throttleReason;
        private @Nullable String faultTable;
        private String version = DEFAULT_VERSION;

        private Builder() {}

        /**
         * The gh-ost release to behave as, one of {@link #VERSIONS}.
         *
         * @throws IllegalArgumentException for another version
         */
        public Builder version(String value) {
            if (!VERSIONS.contains(value)) {
                throw new IllegalArgumentException("version must be one of " + VERSIONS + ", got " + value);
            }
            this.version = value;
            return this;
        }

        /** See {@link FakeGhostBehavior#second()}; 10 ms to 10 s. */
        public Builder second(Duration value) {
            if (value.toMillis() < 10 || value.toMillis() > 10_000) {
                throw new IllegalArgumentException("second must be 10 ms to 10 s, got " + value);
            }
            this.second = value;
            return this;
        }

        /** See {@link FakeGhostBehavior#chunkDelay()}; 0 to 10 s. */
        public Builder chunkDelay(Duration value) {
            if (value.isNegative() || value.toMillis() > 10_000) {
                throw new IllegalArgumentException("chunkDelay must be 0 to 10 s, got " + value);
            }
            this.chunkDelay = value;
            return this;
        }

        /** See {@link FakeGhostBehavior#applyDelay()}; 0 to 60 s. */
        public Builder applyDelay(Duration value) {
            if (value.isNegative() || value.toMillis() > 60_000) {
                throw new IllegalArgumentException("applyDelay must be 0 to 60 s, got " + value);
            }
            this.applyDelay = value;
            return this;
        }

        /** See {@link FakeGhostBehavior#failAtPercent()}; 0 to 100. */
        public Builder failAtPercent(double value) {
            this.failAtPercent = percent("failAtPercent", value);
            return this;
        }

        /** See {@link FakeGhostBehavior#hangAtPercent()}; 0 to 100. */
        public Builder hangAtPercent(double value) {
            this.hangAtPercent = percent("hangAtPercent", value);
            return this;
        }

        /** See {@link FakeGhostBehavior#dieAtPercent()}; 0 to 100. */
        public Builder dieAtPercent(double value) {
            this.dieAtPercent = percent("dieAtPercent", value);
            return this;
        }

        /** See {@link FakeGhostBehavior#throttleReason()}, such as {@code lag=3.500000s}; null for none. */
        public Builder throttleReason(@Nullable String value) {
            if (value != null && (value.isBlank() || value.chars().anyMatch(Character::isISOControl))) {
                throw new IllegalArgumentException("throttleReason must be one line of text, got '" + value + "'");
            }
            this.throttleReason = value;
            return this;
        }

        /** See {@link FakeGhostBehavior#faultTable()}; null for every table. */
        public Builder faultTable(@Nullable String value) {
            this.faultTable = value;
            return this;
        }

        private static double percent(String name, double value) {
            if (!(value >= 0 && value <= 100)) {
                throw new IllegalArgumentException(name + " must be 0 to 100, got " + value);
            }
            return value;
        }

        /** Builds the behaviour. */
        public FakeGhostBehavior build() {
            return new FakeGhostBehavior(this);
        }
    }
}
