package dev.osc4j.testkit.servers.internal;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waits measured with {@link System#nanoTime()}. */
public final class Poll {

    /** How long to sleep between two checks unless a caller says otherwise. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);

    private Poll() {}

    /**
     * Checks {@code condition} until it holds or {@code timeout} has passed; it is checked at least once.
     *
     * @param timeout how long to keep checking
     * @param interval the pause between checks
     * @param condition what to wait for
     * @return whether the condition held before the timeout
     * @throws IllegalStateException if the thread is interrupted (the interrupt flag is restored)
     */
    public static boolean until(Duration timeout, Duration interval, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            sleep(interval);
        }
    }

    /**
     * {@link #until(Duration, Duration, BooleanSupplier)} with {@link #DEFAULT_INTERVAL}.
     *
     * @param timeout how long to keep checking
     * @param condition what to wait for
     * @return whether the condition held before the timeout
     */
    public static boolean until(Duration timeout, BooleanSupplier condition) {
        return until(timeout, DEFAULT_INTERVAL, condition);
    }

    /**
     * Sleeps, turning an interrupt into an unchecked exception with the interrupt flag restored.
     *
     * @param duration how long
     */
    public static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting", e);
        }
    }
}
