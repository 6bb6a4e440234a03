package dev.osc4j.store.etcd;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.spi.RecordCodec;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Who owned which migration at which revision, replayed from etcd's history of the owner keys, and the check that
 * every audit entry a controller wrote was written while that controller owned the migration.
 */
final class OwnerHistory {
    /** One life of an owner key: from its creation to its deletion (exclusive), by one owner. */
    record Incarnation(long created, long ended, String owner) {
        boolean covers(long revision) {
            return created <= revision && revision < ended;
        }
    }

    private final Map<MigrationId, List<Incarnation>> byMigration;

    private OwnerHistory(Map<MigrationId, List<Incarnation>> byMigration) {
        this.byMigration = byMigration;
    }

    /** Replays every change of the owner keys under {@code prefix} (etcd must not have been compacted). */
    static OwnerHistory read(Client raw, String prefix) throws Exception {
        String owners = prefix + "owners/";
        ByteSequence sentinel = Keys.bytes(owners + "~end");
        raw.getKVClient().put(sentinel, Keys.bytes("end")).get(10, TimeUnit.SECONDS);
        Map<String, List<long[]>> open = new HashMap<>();
        Map<MigrationId, List<Incarnation>> out = new HashMap<>();
        Map<String, String> ownerOf = new HashMap<>();
        CountDownLatch done = new CountDownLatch(1);
        List<WatchEvent> events = new ArrayList<>();
        Watch.Watcher w = raw.getWatchClient()
                .watch(
                        Keys.bytes(owners),
                        WatchOption.builder()
                                .withRange(OptionsUtil.prefixEndOf(Keys.bytes(owners)))
                                .withRevision(1)
                                .build(),
                        response -> {
                            synchronized (events) {
                                for (WatchEvent e : response.getEvents()) {
                                    events.add(e);
                                    if (e.getKeyValue().getKey().equals(sentinel)) {
                                        done.countDown();
                                    }
                                }
                            }
                        });
        try {
            if (!done.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the history of the owner keys did not arrive");
            }
        } finally {
            w.close();
        }
        synchronized (events) {
            for (WatchEvent e : events) {
                KeyValue kv = e.getKeyValue();
                String key = Keys.text(kv.getKey());
                if (kv.getKey().equals(sentinel)) {
                    continue;
                }
                MigrationId id = MigrationId.of(key.substring(owners.length()));
                if (e.getEventType() == WatchEvent.EventType.PUT && kv.getCreateRevision() == kv.getModRevision()) {
                    open.computeIfAbsent(key, k -> new ArrayList<>()).add(new long[] {kv.getCreateRevision()});
                    ownerOf.put(key + "@" + kv.getCreateRevision(), Keys.text(kv.getValue()));
                } else if (e.getEventType() == WatchEvent.EventType.DELETE) {
                    List<long[]> lives = open.get(key);
                    if (lives == null || lives.isEmpty()) {
                        throw new AssertionError("owner key " + key + " deleted without having been created");
                    }
                    long[] life = lives.remove(lives.size() - 1);
                    out.computeIfAbsent(id, k -> new ArrayList<>())
                            .add(new Incarnation(
                                    life[0], kv.getModRevision(), ownerOf.getOrDefault(key + "@" + life[0], "?")));
                }
            }
        }
        open.forEach((key, lives) -> {
            for (long[] life : lives) {
                MigrationId id = MigrationId.of(key.substring(owners.length()));
                out.computeIfAbsent(id, k -> new ArrayList<>())
                        .add(new Incarnation(life[0], Long.MAX_VALUE, ownerOf.getOrDefault(key + "@" + life[0], "?")));
            }
        });
        return new OwnerHistory(out);
    }

    List<Incarnation> of(MigrationId id) {
        return byMigration.getOrDefault(id, List.of());
    }

    /**
     * Checks every audit entry of {@code id} written by one of {@code controllers}: the owner key of the migration
     * existed at the revision of the entry and named that controller. Returns the number of owner changes seen along
     * the trail.
     */
    int checkTrail(Client raw, String prefix, MigrationId id, Set<String> controllers) throws Exception {
        String auditPrefix = prefix + "audit/" + id.value() + "/";
        List<KeyValue> kvs = raw.getKVClient()
                .get(
                        Keys.bytes(auditPrefix),
                        GetOption.builder()
                                .withRange(OptionsUtil.prefixEndOf(Keys.bytes(auditPrefix)))
                                .build())
                .get(10, TimeUnit.SECONDS)
                .getKvs();
        List<Incarnation> lives = of(id);
        Incarnation previous = null;
        int changes = 0;
        for (KeyValue kv : kvs) {
            AuditEntry e = RecordCodec.decodeAudit(Keys.text(kv.getValue()));
            if (!controllers.contains(e.actor())) {
                continue;
            }
            long revision = kv.getCreateRevision();
            Incarnation owner = lives.stream()
                    .filter(l -> l.covers(revision))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("entry " + e.seq() + " of " + id + " by " + e.actor()
                            + " was written at revision " + revision + " when nobody owned the migration; owners: "
                            + lives));
            if (!owner.owner().equals(e.actor())) {
                throw new AssertionError("entry " + e.seq() + " of " + id + " by " + e.actor()
                        + " was written at revision " + revision + " while " + owner + " owned the migration");
            }
            if (previous != null && !previous.equals(owner)) {
                if (owner.created() < previous.created()) {
                    throw new AssertionError("entries of " + id + " interleave owners: " + previous + " then " + owner);
                }
                changes++;
            }
            previous = owner;
        }
        return changes;
    }
}
