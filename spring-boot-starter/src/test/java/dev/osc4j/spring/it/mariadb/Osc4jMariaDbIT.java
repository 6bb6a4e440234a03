package dev.osc4j.spring.it.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.spi.StateStore;
import dev.osc4j.spring.it.StarterMigrations;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.servers.LocalMariaDb;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A Spring Boot 4 application with the starter on a real MariaDB server ({@link LocalMariaDb}, Debian package
 * {@code mariadb-server}; the test fails naming it when it is missing). Only properties point Boot's DataSource
 * (HikariCP, Connector/J) at the server; the application declares the fake topology and engine, and gets the JDBC
 * store on MariaDB, a running orchestrator, Micrometer metrics and the Actuator health of the store. One context for
 * the class; the server is closed with the context (it is a bean of the application).
 */
@SpringBootTest(
        classes = Osc4jMariaDbIT.App.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.application.name=starter-mariadb",
            "spring.datasource.hikari.connection-timeout=2000",
            "spring.datasource.hikari.validation-timeout=1000",
            "management.endpoints.web.exposure.include=health,osc4j",
            "management.endpoint.health.show-details=always",
            "osc4j.poll-interval=200ms"
        })
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Osc4jMariaDbIT {
    private static final String DATABASE = "osc4j_boot";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static @Nullable LocalMariaDb server;

    /** Starts the server before the context, which reads where it listens from these properties. */
    @DynamicPropertySource
    static synchronized void dataSource(DynamicPropertyRegistry registry) throws SQLException {
        LocalMariaDb s = server;
        if (s == null) {
            s = LocalMariaDb.start();
            s.createDatabase(DATABASE);
            server = s;
        }
        LocalMariaDb started = s;
        registry.add("spring.datasource.url", () -> started.jdbcUrl(DATABASE));
        registry.add("spring.datasource.username", started::user);
        registry.add("spring.datasource.password", started::password);
    }

    private static LocalMariaDb server() {
        return Objects.requireNonNull(server, "the server starts with the context");
    }

    /** The application under test: what the controller drives, nothing about the store. */
    @SpringBootApplication
    static class App {
        @Bean
        FakeTopology topology() {
            return new FakeTopology(Clock.systemUTC()).addUniformKeyspace("commerce", 2, 20_000);
        }

        @Bean
        FakeEngine engine(FakeTopology topology) {
            return FakeEngine.builder(topology).rowsPerSecond(20_000).build();
        }

        /**
         * The test's server, closed with the context: after the controller has stopped and released its leases
         * (lifecycles stop before beans are destroyed). Not a DataSource: Boot makes that from the properties.
         */
        @Bean(destroyMethod = "close")
        LocalMariaDb mariaDb() {
            return server();
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    @Autowired
    MigrationOrchestrator osc;

    @Autowired
    MeterRegistry registry;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static MigrationRequest request(String key, String table) {
        return StarterMigrations.request(key, table);
    }

    private MigrationState await(MigrationId id, MigrationState state) throws InterruptedException {
        return StarterMigrations.await(osc, id, state);
    }

    private JsonNode health(int expectedStatus) throws Exception {
        HttpResponse<String> response = get("/actuator/health");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        return JSON.readTree(response.body()).path("components");
    }

    private static @Nullable String stateInMariaDb(MigrationId id) throws SQLException {
        try (Connection c = server().connect(DATABASE);
                PreparedStatement ps = c.prepareStatement("SELECT state FROM osc4j_migrations WHERE id = ?")) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Test
    @Order(1)
    @DisplayName(
            "from properties alone: the JDBC store on MariaDB and a running orchestrator named after the application")
    void wiredFromProperties() {
        assertThat(context.getBean(StateStore.class)).isInstanceOf(JdbcStateStore.class);
        assertThat(osc.controllerId()).startsWith("starter-mariadb-");
        assertThat(context.getBean("osc4jControllerLifecycle", SmartLifecycle.class)
                        .isRunning())
                .isTrue();
        // Jackson side by side: Boot's JSON is Jackson 3, osc4j keeps its Jackson 2 codec and adds no ObjectMapper.
        assertThat(context.getBeanNamesForType(tools.jackson.databind.json.JsonMapper.class))
                .isNotEmpty();
        assertThat(context.getBeanNamesForType(ObjectMapper.class)).isEmpty();
    }

    @Test
    @Order(2)
    @DisplayName("a migration completes, its record is in MariaDB, and health shows the store and the database UP")
    void migrationCompletesOnMariaDb() throws Exception {
        MigrationId id = osc.submit(request("boot-maria-1", "orders"));
        assertThat(await(id, MigrationState.COMPLETED)).isEqualTo(MigrationState.COMPLETED);
        assertThat(stateInMariaDb(id)).isEqualTo("COMPLETED");

        JsonNode components = health(200);
        JsonNode osc4j = components.path("osc4j");
        assertThat(osc4j.path("status").asText()).isEqualTo("UP");
        assertThat(osc4j.path("details").path("store").asText()).isEqualTo("JdbcStateStore");
        assertThat(osc4j.path("details").has("failedMigrations")).isTrue();
        assertThat(components.path("db").path("status").asText()).isEqualTo("UP");

        Counter transitions = registry.find("osc4j.transitions").counter();
        assertThat(transitions).as("the transition counter is published").isNotNull();
        assertThat(Objects.requireNonNull(transitions).count()).isPositive();
    }

    @Test
    @Order(3)
    @DisplayName("with MariaDB stopped health is DOWN naming no secret; after a restart it is UP and migrations go on")
    void storeOutage() throws Exception {
        server().stop();
        try {
            HttpResponse<String> down = get("/actuator/health");
            assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
            JsonNode osc4j = JSON.readTree(down.body()).path("components").path("osc4j");
            assertThat(osc4j.path("status").asText()).isEqualTo("DOWN");
            assertThat(osc4j.path("details").path("store").asText()).isEqualTo("JdbcStateStore");
            assertThat(down.body()).doesNotContain(server().password());
        } finally {
            server().restart();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (get("/actuator/health").statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(health(200).path("osc4j").path("status").asText()).isEqualTo("UP");

        MigrationId id = osc.submit(request("boot-maria-2", "invoices"));
        assertThat(await(id, MigrationState.COMPLETED)).isEqualTo(MigrationState.COMPLETED);
        assertThat(stateInMariaDb(id)).isEqualTo("COMPLETED");
    }
}
