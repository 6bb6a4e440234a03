package dev.osc4j;

import java.time.Instant;

/**
 * Why a shard failed.
 *
 * @param reason classification
 * @param message details for an operator (never contains credentials)
 * @param at when the failure was recorded
 */
public record Failure(FailureReason reason, String message, Instant at) {}
