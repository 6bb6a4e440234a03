package dev.osc4j.store.etcd;

import dev.osc4j.MigrationId;
import dev.osc4j.StoreException;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the store's conditional etcd transactions and deals with answers that never come. jetcd does not retry a
 * transaction, and one without an answer may have been applied or may still be: {@link #untilSettled} sends the same
 * comparisons again until one attempt is answered (at most one can pass them), and tells its caller that an earlier
 * attempt's fate was open; {@link #once} sends one attempt and leaves the settling to a caller that reads.
 */
final class Transactions {
    private static final Logger LOG = LoggerFactory.getLogger(Transactions.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

    /** Decides what a transaction's response means; {@code resent} is true when an earlier attempt's fate is open. */
    interface Outcome<T> {
        T of(TxnResponse response, boolean resent);
    }

    private final Client client;
    private final Calls calls;
    private final Duration operationTimeout;
    private final Runnable requireOpen;

    /**
     * @param operationTimeout how long {@link #untilSettled} may take in all
     * @param requireOpen throws when the store has closed; checked before every attempt of {@link #untilSettled}
     */
    Transactions(Client client, Calls calls, Duration operationTimeout, Runnable requireOpen) {
        this.client = client;
        this.calls = calls;
        this.operationTimeout = operationTimeout;
        this.requireOpen = requireOpen;
    }

    /** One attempt; null when its outcome is unknown (the caller re-reads). A refused transaction throws. */
    @Nullable
    TxnResponse once(MigrationId id, String what, Cmp[] cmps, Op[] then) {
        try {
            return calls.write(client.getKVClient().txn().If(cmps).Then(then).commit(), what, id);
        } catch (Calls.OutcomeUnknownException e) {
            LOG.debug("{}: outcome unknown ({}); re-reading", what, e.getMessage());
            return null;
        }
    }

    /**
     * Sends a transaction; when its outcome is unknown (no answer in time, connection lost), sends it again with the
     * same comparisons: at most one attempt can apply, and {@code outcome} recognises an earlier attempt that did.
     */
    <T> T untilSettled(String what, MigrationId id, Cmp[] cmps, Op[] then, Op[] otherwise, Outcome<T> outcome) {
        long deadline = System.nanoTime() + operationTimeout.toNanos();
        Duration backoff = FIRST_BACKOFF;
        boolean resent = false;
        Calls.OutcomeUnknownException last;
        while (true) {
            requireOpen.run();
            try {
                TxnResponse response = calls.write(
                        client.getKVClient()
                                .txn()
                                .If(cmps)
                                .Then(then)
                                .Else(otherwise)
                                .commit(),
                        what,
                        id);
                return outcome.of(response, resent);
            } catch (Calls.OutcomeUnknownException e) {
                last = e;
            }
            resent = true;
            if (System.nanoTime() + backoff.toNanos() > deadline) {
                throw StoreException.unavailable(
                        what + " did not complete within " + operationTimeout + " (" + last.getMessage()
                                + "); it may still be applied: read the record before deciding again",
                        id,
                        last.getCause());
            }
            LOG.debug("{}: {}; re-sending in {}", what, last.getMessage(), backoff);
            sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw StoreException.unavailable("interrupted while waiting to retry an etcd write", null, e);
        }
    }
}
