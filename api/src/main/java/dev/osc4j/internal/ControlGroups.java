package dev.osc4j.internal;

import dev.osc4j.MigrationPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The closed-loop throttle's state, one per group of copies that share one throttle budget: the copies of one
 * controller on one primary (keyed by {@code ShardHealth.primary}), or one migration on a keyspace whose engine
 * throttles the keyspace as a whole (Vitess). A group steps at most once per interval, with one lag history (the trend
 * check), and {@link LagController#next} controls the sum of its members' rates, which is then split between them in
 * equal shares of {@link LagController#STEP} (each at least {@link LagController#MIN_RATE}, so a group of more members
 * than the total has units copies a little faster than the total; the remainder of a split goes to members in turn). A
 * group of one behaves as the per-shard controller before groups existed.
 *
 * <p>A member is any key with equality ({@code K}): the controller's are records of a migration and a shard, which cost
 * no string per shard per pass. Members that are not seen for {@code stale} leave (a finished or released copy). Not thread-safe: the controller's
 * passes run one at a time.
 */
final class ControlGroups<K> {
    private final Duration interval;
    private final Duration stale;
    private final Map<String, Group> groups = new HashMap<>();
    /** Which group each member is in, so a member that moves (a reparent) leaves its old group. */
    private final Map<K, String> groupOf = new HashMap<>();

    private final class Group {
        @Nullable
        Instant lastStep;

        @Nullable
        Duration lastLag;

        long steps;
        final Map<K, Member> members = new LinkedHashMap<>();
    }

    private static final class Member {
        double applied;
        Instant seen;

        @Nullable
        Double pending;

        Member(Instant seen) {
            this.seen = seen;
        }
    }

    ControlGroups(Duration interval, Duration stale) {
        this.interval = interval;
        this.stale = stale;
    }

    /**
     * The member's next ratio: the group's step split to it, once per step; null when no step is due or the member
     * already took this one (the decision then holds the applied ratio).
     *
     * @param group the group's key
     * @param member the member's key (a migration's shard, or a migration)
     * @param applied the ratio the member's engine runs at now
     * @param lag the lag the group steps on now, null when unknown
     * @param threadsRunning the primary's threads running now, null when unknown
     * @param policy the member's policy, whose target, limit and ceiling the step uses when this member's pass makes it
     * @param now the controller's clock
     */
    @Nullable
    Double step(
            String group,
            K member,
            double applied,
            @Nullable Duration lag,
            @Nullable Integer threadsRunning,
            MigrationPolicy policy,
            Instant now) {
        String before = groupOf.put(member, group);
        if (before != null && !before.equals(group)) {
            leave(before, member);
        }
        Group g = groups.computeIfAbsent(group, k -> new Group());
        Member m = g.members.computeIfAbsent(member, k -> new Member(now));
        m.applied = Math.min(1.0, Math.max(0.0, applied));
        m.seen = now;
        prune(g, now);
        Instant last = g.lastStep;
        if (last == null || !now.isBefore(last.plus(interval))) {
            @Nullable Duration previous = last == null ? null : g.lastLag;
            g.lastStep = now;
            g.lastLag = lag;
            double total = 0;
            for (Member x : g.members.values()) {
                total += 1.0 - x.applied;
            }
            double next = LagController.next(
                    1.0 - Math.min(1.0, total),
                    lag,
                    previous,
                    java.util.Objects.requireNonNull(policy.targetReplicaLag()),
                    policy.maxReplicaLag(),
                    threadsRunning,
                    policy.maxThreadsRunning());
            split(g, next);
            g.steps++;
        }
        Double out = m.pending;
        m.pending = null;
        return out;
    }

    /** Shares the group's next ratio between its members: equal units of {@link LagController#STEP}. */
    private void split(Group g, double next) {
        int n = g.members.size();
        if (n == 1 || next >= 1.0) {
            for (Member x : g.members.values()) {
                x.pending = next;
            }
            return;
        }
        long units = Math.round((1.0 - next) / LagController.STEP);
        long each = units / n;
        long extra = units % n;
        List<Member> order = new ArrayList<>(g.members.values());
        for (int i = 0; i < n; i++) {
            Member x = order.get((int) ((i + g.steps) % n));
            long mine = Math.max(1, each + (i < extra ? 1 : 0));
            x.pending = LagController.quantize(1.0 - mine * LagController.STEP);
        }
    }

    /** The member leaves its group: its copy stopped running, or the controller no longer runs it. */
    void leave(K member) {
        if (groupOf.isEmpty()) {
            return; // no copy runs closed loop: the common case, and a lookup per shard per pass
        }
        String group = groupOf.remove(member);
        if (group != null) {
            leave(group, member);
        }
    }

    private void leave(String group, K member) {
        Group g = groups.get(group);
        if (g != null) {
            g.members.remove(member);
            if (g.members.isEmpty()) {
                groups.remove(group);
            }
        }
    }

    private void prune(Group g, Instant now) {
        for (Iterator<Map.Entry<K, Member>> it = g.members.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<K, Member> e = it.next();
            if (e.getValue().seen.plus(stale).isBefore(now)) {
                it.remove();
                groupOf.remove(e.getKey());
            }
        }
    }

    /** How many members the group has now (tests). */
    int size(String group) {
        Group g = groups.get(group);
        return g == null ? 0 : g.members.size();
    }
}
