package dev.osc4j.store.jdbc;

import dev.osc4j.MigrationId;
import dev.osc4j.spi.StateStore;
import dev.osc4j.testkit.StateStoreContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded default: an H2 database file, one per test. */
class H2FileStateStoreContractTest extends StateStoreContract {
    private static final AtomicInteger NEXT = new AtomicInteger();

    @TempDir
    Path directory;

    private Path database = Path.of("unset");

    @Override
    protected StateStore createStore() {
        database = directory.resolve("osc4j-" + NEXT.incrementAndGet());
        return JdbcStateStore.h2File(database);
    }

    @Override
    protected void elapse(Duration d) throws InterruptedException {
        // Leases expire by the database's clock, which is the real one.
        Thread.sleep(d.toMillis());
    }

    @Override
    protected void writeRawRecord(MigrationId id, String json) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + database, "sa", "");
                PreparedStatement update =
                        c.prepareStatement("UPDATE osc4j_migrations SET record_json = ? WHERE id = ?")) {
            update.setString(1, json);
            update.setString(2, id.value());
            if (update.executeUpdate() != 1) {
                throw new AssertionError("no row for " + id);
            }
        }
    }
}
