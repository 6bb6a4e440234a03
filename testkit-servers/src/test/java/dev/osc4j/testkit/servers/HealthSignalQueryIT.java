package dev.osc4j.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.spi.HealthSignal;
import dev.osc4j.spi.HealthSignals;
import dev.osc4j.spi.HealthVerdict;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("HealthSignals.query against a real MariaDB")
class HealthSignalQueryIT {
    private static LocalMariaDb db;

    @BeforeAll
    static void start() throws Exception {
        db = LocalMariaDb.start();
        try (Connection c = db.connect("mysql");
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE signals");
            st.execute("CREATE TABLE signals.p99 (ms DOUBLE)");
            st.execute("INSERT INTO signals.p99 VALUES (120)");
        }
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static HealthVerdict check(String sql, double limit, Duration timeout) {
        HealthSignal signal = HealthSignals.query("p99", () -> db.connect("signals"), sql, limit, timeout);
        assertThat(signal.name()).isEqualTo("p99");
        return signal.check(SignalRecords.any());
    }

    private static HealthVerdict check(String sql, double limit) {
        return check(sql, limit, Duration.ofSeconds(2));
    }

    @Test
    @DisplayName("one number against the limit: healthy at or below, unhealthy above, with the value measured")
    void againstTheLimit() throws Exception {
        assertThat(check("SELECT ms FROM p99", 250).status()).isEqualTo(HealthVerdict.Status.HEALTHY);
        try (Connection c = db.connect("signals");
                Statement st = c.createStatement()) {
            st.execute("UPDATE p99 SET ms = 412");
        }
        HealthVerdict breached = check("SELECT ms FROM p99", 250);
        assertThat(breached.status()).isEqualTo(HealthVerdict.Status.UNHEALTHY);
        assertThat(breached.detail()).contains("412.0", "limit 250.0");
        HealthVerdict threads = check(
                "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_RUNNING'",
                1000);
        assertThat(threads.status()).isEqualTo(HealthVerdict.Status.HEALTHY);
    }

    @Test
    @DisplayName("unknown when it cannot tell: no row, two rows, NULL, text, an error, a timeout; never healthy")
    void unknownWhenItCannotTell() {
        assertThat(check("SELECT ms FROM p99 WHERE ms < 0", 250).detail()).contains("no row");
        assertThat(check("SELECT 1 UNION ALL SELECT 2", 250).detail()).contains("more than one row");
        assertThat(check("SELECT NULL", 250).detail()).contains("NULL");
        assertThat(check("SELECT 'fast'", 250).detail()).contains("no number");
        HealthVerdict error = check("SELECT ms FROM no_such_table", 250);
        assertThat(error.detail()).contains("SQL state 42S02").doesNotContain("no_such_table");
        HealthVerdict slow = check("SELECT SLEEP(5)", 250, Duration.ofSeconds(1));
        assertThat(slow.status()).isEqualTo(HealthVerdict.Status.UNKNOWN);
        for (HealthVerdict v : new HealthVerdict[] {error, slow, check("SELECT NULL", 250)}) {
            assertThat(v.status()).isEqualTo(HealthVerdict.Status.UNKNOWN);
        }
    }
}
