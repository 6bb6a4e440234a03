package dev.osc4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.spi.StateStore;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import dev.osc4j.testkit.FakeTrafficSwitch;
import dev.osc4j.testkit.InMemoryStateStore;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.SmartLifecycle;

/** Which beans the starter makes, and that the application's own win (Spring Boot's ApplicationContextRunner). */
class Osc4jAutoConfigurationTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    Osc4jStoreAutoConfiguration.class, Osc4jAutoConfiguration.class, Osc4jWebAutoConfiguration.class));

    private static DataSource h2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:starter" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
        return ds;
    }

    @Test
    @DisplayName(
            "without a DataSource or etcd endpoints there is no store, and no osc4j bean: the context still starts")
    void noStore() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(StateStore.class);
            assertThat(ctx).doesNotHaveBean(MigrationClient.class);
        });
    }

    @Test
    @DisplayName("the application's DataSource gives a JDBC store and a client, and no controller without engines")
    void jdbcStoreAndClient() {
        runner.withBean(DataSource.class, Osc4jAutoConfigurationTest::h2).run(ctx -> {
            assertThat(ctx).hasSingleBean(JdbcStateStore.class);
            assertThat(ctx).hasSingleBean(MigrationClient.class);
            assertThat(ctx).doesNotHaveBean(MigrationOrchestrator.class);
            assertThat(ctx.getBean(MigrationClient.class).list(dev.osc4j.MigrationFilter.all()))
                    .isEmpty();
        });
    }

    @Test
    @DisplayName("the application's own store wins over the DataSource")
    void ownStoreWins() {
        runner.withBean(DataSource.class, Osc4jAutoConfigurationTest::h2)
                .withBean(StateStore.class, InMemoryStateStore::new)
                .run(ctx -> {
                    assertThat(ctx).hasSingleBean(StateStore.class);
                    assertThat(ctx.getBean(StateStore.class)).isInstanceOf(InMemoryStateStore.class);
                });
    }

    @Test
    @DisplayName(
            "with a topology probe and an engine the controller is built, is the client, and runs with the context")
    void controller() {
        FakeTopology topology = new FakeTopology(Clock.systemUTC()).addUniformKeyspace("commerce", 2, 1_000);
        runner.withBean(StateStore.class, InMemoryStateStore::new)
                .withBean(FakeTopology.class, () -> topology)
                .withBean(FakeEngine.class, () -> FakeEngine.on(topology))
                .withPropertyValues("osc4j.controller-name=billing")
                .run(ctx -> {
                    assertThat(ctx).hasSingleBean(MigrationOrchestrator.class);
                    MigrationOrchestrator osc = ctx.getBean(MigrationOrchestrator.class);
                    assertThat(ctx.getBean(MigrationClient.class)).isSameAs(osc);
                    assertThat(osc.controllerId()).startsWith("billing-");
                    assertThat(ctx.getBean("osc4jControllerLifecycle", SmartLifecycle.class)
                                    .isRunning())
                            .isTrue();
                });
    }

    @Test
    @DisplayName("osc4j.policy.* sets the default policy of migrations submitted without one")
    void policyDefaults() {
        FakeTopology topology = new FakeTopology(Clock.systemUTC()).addUniformKeyspace("commerce", 1, 1_000);
        runner.withBean(StateStore.class, InMemoryStateStore::new)
                .withBean(FakeTopology.class, () -> topology)
                // An explicit revert window needs an engine that can revert.
                .withBean(
                        FakeEngine.class,
                        () -> FakeEngine.builder(topology).revert(true).build())
                .withPropertyValues(
                        "osc4j.start-controller=false",
                        "osc4j.policy.require-cutover-approval=true",
                        "osc4j.policy.required-approvers=2",
                        "osc4j.policy.target-replica-lag=1s",
                        "osc4j.policy.max-replica-lag=8s",
                        "osc4j.policy.cutover-schedule=daily 01:00-04:00 UTC",
                        "osc4j.policy.skip-checksum=true",
                        "osc4j.policy.revert-window=2h",
                        "osc4j.policy.auto-retries=3",
                        "osc4j.policy.fallback-on-failure=true")
                .run(ctx -> {
                    MigrationOrchestrator osc = ctx.getBean(MigrationOrchestrator.class);
                    dev.osc4j.MigrationId id = submitOrders(osc, "policy-defaults");
                    dev.osc4j.MigrationPolicy p = osc.get(id).policy();
                    assertThat(p.requireCutoverApproval()).isTrue();
                    assertThat(p.approversRequired()).isEqualTo(2);
                    assertThat(p.targetReplicaLag()).isEqualTo(java.time.Duration.ofSeconds(1));
                    assertThat(p.maxReplicaLag()).isEqualTo(java.time.Duration.ofSeconds(8));
                    assertThat(p.cutoverSchedule()).isNotNull();
                    assertThat(p.skipChecksum()).isTrue();
                    assertThat(p.revertWindow()).isEqualTo(java.time.Duration.ofHours(2));
                    assertThat(p.autoRetries()).isEqualTo(3);
                    assertThat(p.fallbackOnFailure()).isTrue();
                });
    }

    @Test
    @DisplayName("unset, the revert settings keep the core's defaults (24h window, no auto-retries, no fallback);"
            + " osc4j.policy.revert-window=0 makes migrations not revertible")
    void revertDefaults() {
        dev.osc4j.MigrationPolicy unset = new Osc4jProperties().getPolicy().toPolicy();
        assertThat(unset.revertWindow()).isNull();
        assertThat(unset.revertWindowOrDefault()).isEqualTo(dev.osc4j.MigrationPolicy.DEFAULT_REVERT_WINDOW);
        assertThat(unset.autoRetries()).isZero();
        assertThat(unset.fallbackOnFailure()).isFalse();
        runner.withPropertyValues("osc4j.policy.revert-window=0")
                .run(ctx -> assertThat(ctx.getBean(Osc4jProperties.class)
                                .getPolicy()
                                .toPolicy()
                                .revertWindowOrDefault())
                        .isZero());
    }

    @Test
    @DisplayName("a TrafficSwitch bean is the controller's: it holds traffic before each shard's swap and restores it"
            + " after")
    void trafficSwitchBean() {
        FakeTopology topology = new FakeTopology(Clock.systemUTC()).addUniformKeyspace("commerce", 2, 1_000);
        FakeTrafficSwitch routing = new FakeTrafficSwitch();
        runner.withBean(StateStore.class, InMemoryStateStore::new)
                .withBean(FakeTopology.class, () -> topology)
                .withBean(
                        FakeEngine.class,
                        () -> FakeEngine.builder(topology)
                                .rowsPerSecond(100_000)
                                .build())
                .withBean(FakeTrafficSwitch.class, () -> routing)
                .withPropertyValues("osc4j.poll-interval=50ms")
                .run(ctx -> {
                    MigrationOrchestrator osc = ctx.getBean(MigrationOrchestrator.class);
                    dev.osc4j.MigrationId id = submitOrders(osc, "routed");
                    long deadline =
                            System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
                    while (!osc.get(id).state().isTerminal()) {
                        assertThat(System.nanoTime())
                                .as("waiting for the migration")
                                .isLessThan(deadline);
                        Thread.sleep(50);
                    }
                    assertThat(osc.get(id).state()).isEqualTo(dev.osc4j.MigrationState.COMPLETED);
                    assertThat(routing.calls())
                            .filteredOn(c -> c.startsWith("hold "))
                            .hasSize(2);
                    assertThat(routing.calls())
                            .filteredOn(c -> c.startsWith("restore "))
                            .hasSize(2);
                    assertThat(routing.held()).isEmpty();
                });
    }

    @Test
    @DisplayName("staged rollout, auto-revert signals and approver groups come from properties, and the signal and"
            + " directory beans are the controller's")
    void rolloutSignalsAndGroups() {
        FakeTopology topology = new FakeTopology(Clock.systemUTC()).addUniformKeyspace("commerce", 4, 1_000);
        dev.osc4j.spi.HealthSignal latency = new dev.osc4j.spi.HealthSignal() {
            @Override
            public String name() {
                return "orders-p99";
            }

            @Override
            public dev.osc4j.spi.HealthVerdict check(dev.osc4j.MigrationRecord migration) {
                return dev.osc4j.spi.HealthVerdict.healthy("p99 9 ms");
            }
        };
        dev.osc4j.spi.ApproverGroups directory = (person, group) -> person.equals("alice") && group.equals("dba");
        runner.withBean(StateStore.class, InMemoryStateStore::new)
                .withBean(FakeTopology.class, () -> topology)
                .withBean(
                        FakeEngine.class,
                        () -> FakeEngine.builder(topology).revert(true).build())
                .withBean(dev.osc4j.spi.HealthSignal.class, () -> latency)
                .withBean(dev.osc4j.spi.ApproverGroups.class, () -> directory)
                .withPropertyValues(
                        "osc4j.start-controller=false",
                        "osc4j.policy.approver-groups=dba,sre",
                        "osc4j.policy.rollout-canary-shards=1",
                        "osc4j.policy.rollout-wave-shards=2",
                        "osc4j.policy.rollout-bake-time=15m",
                        "osc4j.policy.auto-revert-signals=orders-p99",
                        "osc4j.policy.auto-revert-bake-time=30m")
                .run(ctx -> {
                    MigrationOrchestrator osc = ctx.getBean(MigrationOrchestrator.class);
                    dev.osc4j.MigrationPolicy p =
                            osc.get(submitOrders(osc, "staged")).policy();
                    assertThat(p.approverGroups()).containsExactly("dba", "sre");
                    assertThat(p.rollout()).isEqualTo(new dev.osc4j.Rollout(1, 2, java.time.Duration.ofMinutes(15)));
                    assertThat(java.util.Objects.requireNonNull(p.autoRevert()).signals())
                            .containsExactly("orders-p99");
                    assertThat(p.autoRevert().bakeTime()).isEqualTo(java.time.Duration.ofMinutes(30));
                });
    }

    /** Submits a fake-engine migration of commerce.orders without a policy of its own. */
    private static dev.osc4j.MigrationId submitOrders(MigrationOrchestrator osc, String key) {
        return osc.submit(dev.osc4j.MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace("commerce")
                .table("orders")
                .ddl("ADD COLUMN note INT")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .build());
    }

    @Test
    @DisplayName("osc4j.start-controller=false builds the controller but leaves its loop to the application")
    void controllerNotStarted() {
        FakeTopology topology = new FakeTopology(Clock.systemUTC()).addUniformKeyspace("commerce", 1, 1_000);
        runner.withBean(StateStore.class, InMemoryStateStore::new)
                .withBean(FakeTopology.class, () -> topology)
                .withBean(FakeEngine.class, () -> FakeEngine.on(topology))
                .withPropertyValues("osc4j.start-controller=false")
                .run(ctx -> {
                    assertThat(ctx).hasSingleBean(MigrationOrchestrator.class);
                    assertThat(ctx).doesNotHaveBean("osc4jControllerLifecycle");
                });
    }

    @Test
    @DisplayName("the health indicator (Boot 4's spring-boot-health) is UP naming the store, and DOWN without the"
            + " error's message when the store fails")
    void healthIndicator() {
        runner.withBean(StateStore.class, InMemoryStateStore::new).run(ctx -> {
            Health up = Objects.requireNonNull(
                    ctx.getBean("osc4jHealthIndicator", HealthIndicator.class).health(true));
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("store", "InMemoryStateStore");
        });
        MigrationClient failing = (MigrationClient) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {MigrationClient.class}, (proxy, method, args) -> {
                    throw new IllegalStateException("jdbc:mysql://db-7:3306 user=secret-user refused");
                });
        runner.withBean(StateStore.class, InMemoryStateStore::new)
                .withBean(MigrationClient.class, () -> failing)
                .run(ctx -> {
                    Health down = Objects.requireNonNull(ctx.getBean("osc4jHealthIndicator", HealthIndicator.class)
                            .health(true));
                    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(down.getDetails())
                            .containsEntry("store", "InMemoryStateStore")
                            .containsEntry("error", IllegalStateException.class.getName());
                    assertThat(down.toString()).doesNotContain("secret-user", "db-7");
                });
    }

    @Test
    @DisplayName("configuration metadata for IDE completion is in the jar, with every property and its description")
    void metadata() throws Exception {
        try (java.io.InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("spring-configuration-metadata.json").isNotNull();
            String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(json)
                    .contains(
                            "\"osc4j.poll-interval\"",
                            "\"osc4j.lease-ttl\"",
                            "\"osc4j.etcd.endpoints\"",
                            "\"osc4j.jdbc.table-prefix\"",
                            "\"osc4j.dashboard.path\"",
                            "\"osc4j.policy.target-replica-lag\"",
                            "\"osc4j.policy.revert-window\"",
                            "\"osc4j.policy.auto-retries\"",
                            "\"osc4j.policy.fallback-on-failure\"",
                            "Time between two reconcile passes.");
        }
    }
}
