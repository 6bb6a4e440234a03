package dev.osc4j.store.etcd;

import dev.osc4j.MigrationId;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.AuditTamperContract;
import dev.osc4j.testkit.servers.LocalEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

@DisplayName("Audit keys edited, removed and swapped directly in a real etcd are found by verification")
class EtcdAuditTamperIT extends AuditTamperContract {
    private static final String PREFIX = "/osc4j-tamper/";
    private static @Nullable LocalEtcd etcd;
    private static @Nullable Client raw;
    private static @Nullable EtcdStateStore store;

    @BeforeAll
    static void startEtcd() {
        LocalEtcd started = LocalEtcd.single();
        etcd = started;
        raw = Client.builder()
                .endpoints(started.endpoints().toArray(URI[]::new))
                .build();
        store = EtcdStateStore.builder()
                .endpoints(started.endpoints())
                .prefix(PREFIX)
                .build();
    }

    @AfterAll
    static void stopEtcd() {
        if (store != null) {
            store.close();
        }
        if (raw != null) {
            raw.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private static Client raw() {
        if (raw == null) {
            throw new IllegalStateException("etcd is not running");
        }
        return raw;
    }

    @Override
    protected StateStore store() {
        if (store == null) {
            throw new IllegalStateException("etcd is not running");
        }
        return store;
    }

    private static ByteSequence key(MigrationId id, long seq) {
        return Keys.bytes(PREFIX + "audit/" + id.value() + "/" + String.format(Locale.ROOT, "%020d", seq));
    }

    private static String value(MigrationId id, long seq) throws Exception {
        List<KeyValue> kvs =
                raw().getKVClient().get(key(id, seq)).get(10, TimeUnit.SECONDS).getKvs();
        if (kvs.isEmpty()) {
            throw new AssertionError("no audit key " + seq + " of " + id);
        }
        return Keys.text(kvs.get(0).getValue());
    }

    private static void put(MigrationId id, long seq, String value) throws Exception {
        raw().getKVClient().put(key(id, seq), Keys.bytes(value)).get(10, TimeUnit.SECONDS);
    }

    @Override
    protected void replaceInEntry(MigrationId id, long seq, String from, String to) throws Exception {
        String json = value(id, seq);
        if (!json.contains(from)) {
            throw new AssertionError("entry " + seq + " has no " + from + ": " + json);
        }
        put(id, seq, json.replace(from, to));
    }

    @Override
    protected void deleteEntry(MigrationId id, long seq) throws Exception {
        raw().getKVClient().delete(key(id, seq)).get(10, TimeUnit.SECONDS);
    }

    @Override
    protected void swapEntries(MigrationId id, long a, long b) throws Exception {
        String va = value(id, a);
        String vb = value(id, b);
        put(id, a, vb);
        put(id, b, va);
    }
}
