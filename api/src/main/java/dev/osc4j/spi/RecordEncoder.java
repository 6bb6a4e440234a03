package dev.osc4j.spi;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationRecord;
import dev.osc4j.ShardRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apiguardian.api.API;

/**
 * Encodes records exactly as {@link RecordCodec#encode} does, reusing the JSON of every shard that is the same object
 * as in the record it last encoded for that migration: a store that writes whole records then encodes, per write, the
 * record's head and the shards that changed, not all 64 shards of a large migration (the orchestrator passes unchanged
 * shards on as the same objects). It remembers the last record of up to {@code migrations} migrations, the least
 * recently written forgotten first; that costs the JSON of their shards in memory (about 750 bytes a shard). Safe
 * for concurrent use.
 */
@API(status = EXPERIMENTAL, since = "0.3")
public final class RecordEncoder {
    private final Map<MigrationId, Last> last;

    private record Last(List<ShardRecord> shards, List<String> json) {}

    /** An encoder remembering up to {@code migrations} migrations' last record. */
    public RecordEncoder(int migrations) {
        if (migrations < 1) {
            throw new IllegalArgumentException("migrations must be at least 1, got " + migrations);
        }
        this.last = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<MigrationId, Last> eldest) {
                return size() > migrations;
            }
        };
    }

    /** The record's JSON, the same characters as {@link RecordCodec#encode}; remembers its shards for the next. */
    @SuppressWarnings("ReferenceEquality") // reuse is for the very same shard object, which is the common case
    public String encode(MigrationRecord record) {
        List<ShardRecord> shards = record.shards();
        Last before;
        synchronized (last) {
            before = last.get(record.id());
        }
        List<String> json = new ArrayList<>(shards.size());
        for (int i = 0; i < shards.size(); i++) {
            ShardRecord shard = shards.get(i);
            if (before != null && i < before.shards().size() && before.shards().get(i) == shard) {
                json.add(before.json().get(i));
            } else {
                json.add(RecordCodec.encodeShard(shard));
            }
        }
        synchronized (last) {
            last.put(record.id(), new Last(shards, json));
        }
        return RecordCodec.join(RecordCodec.encodeHead(record), json);
    }
}
