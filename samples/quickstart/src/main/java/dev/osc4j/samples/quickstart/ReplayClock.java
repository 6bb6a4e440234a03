package dev.osc4j.samples.quickstart;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;

/**
 * The system clock, except while a replay pins it to the instants at which the journaled engine commands happened, so
 * the fake engine rebuilds exactly the state those commands produced.
 */
final class ReplayClock extends Clock {
    private final Clock base;
    private volatile @Nullable Instant pinned;

    ReplayClock(Clock base) {
        this.base = base;
    }

    /** Makes the clock read {@code instant} until {@link #unpin()}. */
    void pin(Instant instant) {
        this.pinned = instant;
    }

    /** Makes the clock follow the system clock again. */
    void unpin() {
        this.pinned = null;
    }

    @Override
    public Instant instant() {
        Instant at = pinned;
        return at != null ? at : base.instant();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (!zone.equals(ZoneOffset.UTC)) {
            throw new UnsupportedOperationException("the quickstart's clock is in UTC");
        }
        return this;
    }
}
