package dev.osc4j.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that moves only when told to, for deterministic tests. Thread-safe. */
public final class SettableClock extends Clock {
    /** Shared by every zone view of the clock. */
    private static final class Time {
        private Instant now;

        Time(Instant now) {
            this.now = now;
        }

        synchronized Instant get() {
            return now;
        }

        synchronized void set(Instant value) {
            now = value;
        }

        synchronized void add(Duration d) {
            now = now.plus(d);
        }
    }

    private final Time now;
    private final ZoneId zone;

    private SettableClock(Time now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /** A clock at {@code start}, in UTC. */
    public static SettableClock at(Instant start) {
        return new SettableClock(new Time(start), ZoneOffset.UTC);
    }

    /** A clock at 2026-01-01T00:00:00Z. */
    public static SettableClock startingAtEpoch2026() {
        return at(Instant.parse("2026-01-01T00:00:00Z"));
    }

    /** Moves the clock forward. */
    public SettableClock advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a clock only moves forward; got " + d);
        }
        now.add(d);
        return this;
    }

    /** Sets the clock (it may move backwards, to test clock skew). */
    public SettableClock set(Instant instant) {
        now.set(instant);
        return this;
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId z) {
        return new SettableClock(now, z);
    }

    @Override
    public String toString() {
        return "SettableClock[" + now.get() + "]";
    }
}
