package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/**
 * What a {@link HealthSignal} says.
 *
 * @param status healthy, unhealthy, or unknown (the source could not be read)
 * @param detail what was measured, for the audit trail ("p99 412 ms > 250 ms"); no secrets
 */
@API(status = EXPERIMENTAL, since = "0.3")
public record HealthVerdict(Status status, String detail) {

    /** A verdict's status. */
    public enum Status {
        /** The change does no harm that this signal sees. */
        HEALTHY,
        /** The change hurts: counts towards the policy's failure limit. */
        UNHEALTHY,
        /** The signal could not tell: counts towards the policy's error limit. */
        UNKNOWN
    }

    /** Healthy, with what was measured. */
    public static HealthVerdict healthy(String detail) {
        return new HealthVerdict(Status.HEALTHY, detail);
    }

    /** Unhealthy, with what was measured. */
    public static HealthVerdict unhealthy(String detail) {
        return new HealthVerdict(Status.UNHEALTHY, detail);
    }

    /** Unknown, with why. */
    public static HealthVerdict unknown(String detail) {
        return new HealthVerdict(Status.UNKNOWN, detail);
    }
}
