package dev.osc4j;

import static org.apiguardian.api.API.Status.MAINTAINED;

import java.time.Instant;
import org.apiguardian.api.API;

/**
 * Why a shard failed.
 *
 * @param reason classification
 * @param message details for an operator (never contains credentials)
 * @param at when the failure was recorded
 */
@API(status = MAINTAINED, since = "0.1")
public record Failure(FailureReason reason, String message, Instant at) {}
