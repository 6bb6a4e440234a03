package dev.osc4j.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationSummary;
import dev.osc4j.Owner;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.servers.LocalMariaDb;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The owning controller is a JVM of its own, killed with SIGKILL mid-copy: another controller takes the migration over
 * once the lease expires, and the change of owner is in the audit trail and the summary, naming both controllers. (The
 * fake engine's runs lived in the killed JVM, so the survivor finds them lost and fails the shards: what happens to
 * the runs is the engines' tests' concern, reattaching real pt-osc runs in {@code PtOscReattachIT}.)
 */
class OwnerKilledIT {
    @TempDir
    Path work;

    @Test
    @DisplayName(
            "kill -9 of the owner: the takeover is an OWNER audit entry naming the dead controller, the new one and"
                    + " both lease epochs, and the summary names the new owner")
    void takeoverIsAudited() throws Exception {
        try (LocalMariaDb server = LocalMariaDb.start();
                HikariDataSource pool = TestDatabases.mariaDbPool(server, 4);
                JdbcStateStore store = JdbcStateStore.builder(pool).build()) {
            Path props = work.resolve("child.properties");
            Files.createFile(props, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Properties p = new Properties();
            p.setProperty("url", Objects.requireNonNull(pool.getJdbcUrl()));
            p.setProperty("user", server.user());
            p.setProperty("password", server.password());
            try (OutputStream out = Files.newOutputStream(props)) {
                p.store(out, null);
            }
            String java = ProcessHandle.current().info().command().orElse("java");
            Process child = new ProcessBuilder(
                            java, "-cp", System.getProperty("java.class.path"), Child.class.getName(), props.toString())
                    .redirectErrorStream(true)
                    .start();
            String dead;
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                List<String> output = new ArrayList<>();
                String line;
                while ((line = r.readLine()) != null && !line.startsWith("OWNING ")) {
                    output.add(line);
                }
                assertThat(line).as("child output: %s", output).isNotNull();
                dead = line.substring("OWNING ".length());
                child.destroyForcibly(); // SIGKILL: no close(), no release
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                child.destroyForcibly();
            }
            MigrationClient client = MigrationClient.of(store);
            MigrationSummary before = client.list(MigrationFilter.all()).get(0);
            Owner deadOwner = Objects.requireNonNull(before.owner());
            assertThat(deadOwner.controllerId()).isEqualTo(dead);
            MigrationId id = before.id();

            Clock clock = Clock.systemUTC();
            FakeTopology topology = Child.topology(clock);
            try (MigrationOrchestrator survivor = MigrationOrchestrator.builder()
                    .store(store)
                    .topology(topology)
                    .engine(FakeEngine.builder(topology).rowsPerSecond(100).build())
                    .clock(clock)
                    .controllerName("survivor")
                    .leaseTtl(Duration.ofSeconds(3))
                    .pollInterval(Duration.ofMillis(200))
                    .build()) {
                survivor.start();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                Owner now = deadOwner;
                while (now.controllerId().equals(dead) && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    now = Objects.requireNonNullElse(
                            client.list(MigrationFilter.all()).get(0).owner(), now);
                }
                assertThat(now.controllerId()).isEqualTo(survivor.controllerId());
                List<AuditEntry> owners = client.audit(id).stream()
                        .filter(e -> e.kind() == AuditEntry.Kind.OWNER)
                        .toList();
                assertThat(owners)
                        .extracting(AuditEntry::detail)
                        .containsExactly(
                                "taken by " + dead + " (epoch " + deadOwner.epoch() + ")",
                                "taken over from " + dead + " (epoch " + deadOwner.epoch() + "), whose lease expired,"
                                        + " by " + survivor.controllerId() + " (epoch " + now.epoch() + ")");
                assertThat(now.epoch()).isGreaterThan(deadOwner.epoch());
                AuditTrails.assertSound(client.audit(id));
            }
        }
    }

    /** The controller that gets killed: drives one slow migration on the MariaDB store and says when it owns it. */
    public static final class Child {
        static FakeTopology topology(Clock clock) {
            return new FakeTopology(clock).addUniformKeyspace("commerce", 2, 1_000_000);
        }

        /** Entry point: the properties file names the store's URL and credentials (0600). */
        public static void main(String[] args) throws Exception {
            Properties p = new Properties();
            try (var in = Files.newInputStream(Path.of(args[0]))) {
                p.load(in);
            }
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(p.getProperty("url"));
            config.setUsername(p.getProperty("user"));
            config.setPassword(p.getProperty("password"));
            config.setMaximumPoolSize(2);
            Clock clock = Clock.systemUTC();
            FakeTopology topology = topology(clock);
            HikariDataSource pool = new HikariDataSource(config);
            JdbcStateStore store = JdbcStateStore.builder(pool).build();
            MigrationOrchestrator osc = MigrationOrchestrator.builder()
                    .store(store)
                    .topology(topology)
                    .engine(FakeEngine.builder(topology).rowsPerSecond(100).build())
                    .clock(clock)
                    .controllerName("doomed")
                    .leaseTtl(Duration.ofSeconds(3))
                    .pollInterval(Duration.ofMillis(200))
                    .build();
            MigrationId id = osc.submit(MigrationRequest.builder()
                    .idempotencyKey("owner-killed")
                    .keyspace("commerce")
                    .table("orders")
                    .ddl("ADD COLUMN note VARCHAR(64)")
                    .engine("fake")
                    .requestedBy("test")
                    .build());
            osc.start();
            while (true) {
                Owner owner = osc.get(id).owner();
                if (owner != null && owner.controllerId().equals(osc.controllerId())) {
                    System.out.println("OWNING " + osc.controllerId());
                    System.out.flush();
                }
                Thread.sleep(200);
            }
        }
    }
}
