package dev.osc4j.store.jdbc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Eight controllers, each with its own store and pool, contend for three migrations in one H2 file. */
class ConcurrentControllersTest {

    @Test
    @DisplayName("for 4 s, 8 controllers fight over 3 migrations in an H2 file: every committed transition has exactly"
            + " one winner, no write with an expired lease lands, and the audit trails have no gap and no duplicate")
    void eightControllers(@TempDir Path directory) throws Exception {
        List<JdbcStateStore> stores = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                stores.add(JdbcStateStore.h2File(directory.resolve("shared")));
            }
            new ContendingControllers(stores, 3).runAndCheck(Duration.ofSeconds(4));
        } finally {
            stores.forEach(JdbcStateStore::close);
        }
    }
}
