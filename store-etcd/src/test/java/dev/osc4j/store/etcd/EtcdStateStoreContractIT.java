package dev.osc4j.store.etcd;

import dev.osc4j.MigrationId;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.StateStoreContract;
import dev.osc4j.testkit.servers.LocalEtcd;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on a real single-node etcd, each test under a prefix of its own. */
class EtcdStateStoreContractIT extends StateStoreContract {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static @Nullable LocalEtcd etcd;
    private static @Nullable Client raw;
    private String prefix = EtcdStateStore.DEFAULT_PREFIX;

    @BeforeAll
    static void startEtcd() {
        LocalEtcd started = LocalEtcd.single();
        etcd = started;
        raw = Client.builder()
                .endpoints(started.endpoints().toArray(URI[]::new))
                .build();
    }

    @AfterAll
    static void stopEtcd() {
        if (raw != null) {
            raw.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @Override
    protected StateStore createStore() {
        prefix = "/osc4j-contract-" + PREFIXES.incrementAndGet() + "/";
        return EtcdStateStore.builder()
                .endpoints(requireEtcd().endpoints())
                .prefix(prefix)
                .callTimeout(Duration.ofSeconds(5))
                .build();
    }

    /** etcd's lease TTLs run in real time. */
    @Override
    protected void elapse(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    /**
     * Long enough that keepAlive replies (every third of the TTL, on jetcd's 500 ms tick) always arrive within the
     * two thirds of the TTL after which the store gives a lease up, on a loaded machine too.
     */
    @Override
    protected Duration leaseTtl() {
        return Duration.ofSeconds(4);
    }

    @Override
    protected void writeRawRecord(MigrationId id, String json) throws Exception {
        Client c = raw;
        if (c == null) {
            throw new IllegalStateException("etcd is not running");
        }
        c.getKVClient().put(new Keys(prefix).record(id), Keys.bytes(json)).get(10, TimeUnit.SECONDS);
    }

    private static LocalEtcd requireEtcd() {
        LocalEtcd e = etcd;
        if (e == null) {
            throw new IllegalStateException("etcd is not running");
        }
        return e;
    }
}
