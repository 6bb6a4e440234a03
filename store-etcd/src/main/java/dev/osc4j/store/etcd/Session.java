package dev.osc4j.store.etcd;

import dev.osc4j.MigrationId;
import io.etcd.jetcd.support.CloseableClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * One owner's etcd lease, the migrations it holds through it, and the two clocks that decide whether it may still be
 * used: the owner's own deadline (pushed by {@code renew} and {@code tryAcquire}) and the time of etcd's last
 * keepAlive reply. Once lost, it stays lost.
 */
final class Session {
    final String owner;
    final long leaseId;
    final Duration etcdTtl;
    /** No keepAlive reply for this long means the lease may be about to expire in etcd. */
    final Duration replyWindow;

    final Map<MigrationId, Long> held = new ConcurrentHashMap<>();
    volatile Instant lastReply;
    volatile Instant deadline;
    volatile @Nullable CloseableClient keepAlive;
    private @Nullable String lostReason;

    Session(String owner, long leaseId, Duration etcdTtl, Instant now, Duration ttl) {
        this.owner = owner;
        this.leaseId = leaseId;
        this.etcdTtl = etcdTtl;
        this.replyWindow = etcdTtl.multipliedBy(2).dividedBy(3);
        this.lastReply = now;
        this.deadline = now.plus(ttl);
    }

    /** Why this session can no longer be used, or null while it can. */
    synchronized @Nullable String problem(Instant now) {
        if (lostReason != null) {
            return lostReason;
        }
        if (!now.isBefore(deadline)) {
            return "its owner did not renew it before " + deadline;
        }
        Instant replyDue = lastReply.plus(replyWindow);
        if (!now.isBefore(replyDue)) {
            return "etcd sent no keepAlive reply since " + lastReply + " (two thirds of the lease's TTL of "
                    + etcdTtl.toSeconds() + " s)";
        }
        return null;
    }

    /** Marks the session lost; false if it already was. */
    synchronized boolean lose(String reason) {
        if (lostReason != null) {
            return false;
        }
        lostReason = reason;
        return true;
    }

    synchronized void touch(Instant now, Duration ttl) {
        if (lostReason == null) {
            Instant next = now.plus(ttl);
            if (next.isAfter(deadline)) {
                deadline = next;
            }
        }
    }
}
