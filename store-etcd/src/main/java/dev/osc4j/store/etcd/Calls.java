package dev.osc4j.store.etcd;

import dev.osc4j.MigrationId;
import dev.osc4j.StoreException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Waits for jetcd calls with a timeout and sorts their failures: a read that fails is simply unavailable; a write that
 * fails may or may not have been applied ({@link OutcomeUnknownException}) unless etcd refused it outright.
 */
final class Calls {
    /** Errors with which etcd refuses a request before applying anything. */
    private static final Set<ErrorCode> REFUSED = EnumSet.of(
            ErrorCode.INVALID_ARGUMENT,
            ErrorCode.NOT_FOUND,
            ErrorCode.ALREADY_EXISTS,
            ErrorCode.PERMISSION_DENIED,
            ErrorCode.UNAUTHENTICATED,
            ErrorCode.RESOURCE_EXHAUSTED,
            ErrorCode.FAILED_PRECONDITION,
            ErrorCode.OUT_OF_RANGE,
            ErrorCode.UNIMPLEMENTED);

    private final Duration timeout;

    Calls(Duration timeout) {
        this.timeout = timeout;
    }

    Duration timeout() {
        return timeout;
    }

    /** The result of a read, or a {@link StoreException} saying what failed. */
    <T> T read(CompletableFuture<T> call, String what, @Nullable MigrationId id) {
        try {
            return await(call);
        } catch (TimeoutException e) {
            call.cancel(false);
            throw StoreException.unavailable(what + " got no answer from etcd within " + timeout, id, e);
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            throw StoreException.unavailable(what + " failed: " + describe(cause), id, cause);
        }
    }

    /**
     * The result of a write. A write etcd refused throws {@link StoreException}; one whose answer did not come (a
     * timeout, a lost connection) throws {@link OutcomeUnknownException}: it may have been applied, or may still be.
     */
    <T> T write(CompletableFuture<T> call, String what, @Nullable MigrationId id) throws OutcomeUnknownException {
        try {
            return await(call);
        } catch (TimeoutException e) {
            call.cancel(false);
            throw new OutcomeUnknownException(what + " got no answer from etcd within " + timeout, e);
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof EtcdException etcd && REFUSED.contains(etcd.getErrorCode())) {
                throw StoreException.unavailable(what + " was refused by etcd: " + describe(cause), id, cause);
            }
            throw new OutcomeUnknownException(what + " failed: " + describe(cause), cause);
        }
    }

    /**
     * Whether a call failed because its answer was larger than the client accepts (gRPC's RESOURCE_EXHAUSTED, "message
     * exceeds maximum size"): a page of large records, to be asked for again in smaller pages.
     */
    static boolean isTooLarge(Throwable t) {
        Throwable c = t;
        while (c != null) {
            if (c instanceof EtcdException etcd && etcd.getErrorCode() == ErrorCode.RESOURCE_EXHAUSTED) {
                return true;
            }
            if (String.valueOf(c.getMessage()).startsWith("RESOURCE_EXHAUSTED")) {
                return true;
            }
            c = c.getCause() == c ? null : c.getCause();
        }
        return false;
    }

    /** Whether etcd said that a lease does not exist (expired or revoked). */
    static boolean isLeaseNotFound(Throwable t) {
        Throwable c = t;
        while (c != null) {
            if (c instanceof EtcdException etcd
                    && etcd.getErrorCode() == ErrorCode.NOT_FOUND
                    && String.valueOf(etcd.getMessage()).contains("lease not found")) {
                return true;
            }
            c = c.getCause() == c ? null : c.getCause();
        }
        return false;
    }

    private <T> T await(CompletableFuture<T> call) throws TimeoutException, ExecutionException {
        try {
            return call.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            call.cancel(false);
            Thread.currentThread().interrupt();
            throw StoreException.unavailable("interrupted while waiting for etcd", null, e);
        } catch (CancellationException e) {
            throw new ExecutionException(e);
        }
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }

    /** A write was sent, but whether etcd applied it is not known. */
    static final class OutcomeUnknownException extends Exception {
        private static final long serialVersionUID = 1L;

        OutcomeUnknownException(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }
}
