package dev.osc4j.engine.ptosc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.mysql.MySqlTopology;
import dev.osc4j.spi.EngineHandle;
import dev.osc4j.spi.EngineObservation;
import dev.osc4j.spi.EnginePhase;
import dev.osc4j.testkit.AuditTrails;
import dev.osc4j.testkit.InMemoryStateStore;
import dev.osc4j.testkit.Simulation;
import dev.osc4j.testkit.servers.MariaDbReplicationExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("pt-osc engine: a run outlives its controller and is taken over")
class PtOscReattachIT {
    @RegisterExtension
    static final MariaDbReplicationExtension DB = MariaDbReplicationExtension.primaryAndReplica();

    @TempDir
    Path work;

    /** Samples the pt-osc processes of the runs under a work directory. */
    private static final class ProcessCensus {
        final Set<Long> pids = ConcurrentHashMap.newKeySet();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread;

        ProcessCensus(Path work) {
            thread = new Thread(
                    () -> {
                        while (!stop.get()) {
                            List<Long> now = Fixture.ptOscProcesses(work.toString());
                            pids.addAll(now);
                            maxConcurrent.accumulateAndGet(now.size(), Math::max);
                            Fixture.sleep(100);
                        }
                    },
                    "pt-osc-census");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(5000);
        }
    }

    @Test
    @DisplayName("controller crash during the copy: a new controller with a new engine reattaches and completes;"
            + " no second pt-osc is started")
    void newControllerTakesOverTheRun() throws Exception {
        Fixture.createTable(DB.primary(), "takeover", 100_000);
        InMemoryStateStore store = new InMemoryStateStore();
        MigrationId id;
        long ptOscPid;
        ProcessCensus census = new ProcessCensus(work);
        try {
            // Controller 1, driven pass by pass so that it can "crash": it stops without releasing its lease.
            PtOscEngine engine1 = Fixture.engine(DB.primary(), work);
            MySqlTopology topology1 = Fixture.topology(DB.primary(), Fixture.shard("s1", DB.primary(), DB.replica()));
            MigrationOrchestrator osc1 = Fixture.orchestrator(store, topology1, engine1);
            id = osc1.submit(MigrationRequest.builder()
                    .idempotencyKey("takeover-1")
                    .keyspace(Fixture.KEYSPACE)
                    .table("takeover")
                    .ddl("ADD COLUMN note VARCHAR(8)")
                    .engine(PtOscEngine.DEFAULT_NAME)
                    .requestedBy("test")
                    .options(Fixture.slow(500, "0.05"))
                    .build());
            MigrationRecord copying = null;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (copying == null) {
                assertThat(System.nanoTime())
                        .as("copy under way within a minute")
                        .isLessThan(deadline);
                Simulation.pass(osc1);
                MigrationRecord r = osc1.get(id);
                if (r.shards().get(0).state() == MigrationState.COPYING_ROWS
                        && r.shards().get(0).progress().rowsCopied() > 0) {
                    copying = r;
                }
                Fixture.sleep(250);
            }
            EngineHandle handle = Objects.requireNonNull(copying.shards().get(0).handle());
            List<Long> running = Fixture.ptOscProcesses(work.toString());
            assertThat(running).hasSize(1);
            ptOscPid = running.get(0);
            topology1.close();
            // osc1 and engine1 are abandoned here, lease held, as if the process had died.

            Fixture.sleep(1500);
            assertThat(ProcessHandle.of(ptOscPid).map(ProcessHandle::isAlive))
                    .as("pt-osc keeps copying without its controller")
                    .contains(true);

            PtOscEngine engine2 = Fixture.engine(DB.primary(), work);
            try (MySqlTopology topology2 =
                            Fixture.topology(DB.primary(), Fixture.shard("s1", DB.primary(), DB.replica()));
                    MigrationOrchestrator osc2 = Fixture.orchestrator(store, topology2, engine2)) {
                osc2.start();
                MigrationRecord done = Fixture.awaitState(osc2, id, MigrationState.COMPLETED, Duration.ofMinutes(2));
                AuditTrails.assertSound(osc2.audit(id));
                assertThat(done.shards().get(0).handle()).isEqualTo(handle);
                long starts = osc2.audit(id).stream()
                        .filter(e -> e.kind() == dev.osc4j.AuditEntry.Kind.EFFECT
                                && e.detail().startsWith("START done"))
                        .count();
                assertThat(starts).as("START effects recorded").isEqualTo(1);
                assertThat(osc2.audit(id).stream()
                                .map(dev.osc4j.AuditEntry::actor)
                                .distinct())
                        .as("both controllers wrote to the trail")
                        .hasSizeGreaterThanOrEqualTo(2);
            }
            census.stop();
            assertThat(census.pids).as("pt-osc processes seen").containsExactly(ptOscPid);
            assertThat(census.maxConcurrent.get()).isEqualTo(1);
        } finally {
            census.stop();
        }
        try (var runs = Files.list(work)) {
            assertThat(runs.filter(Files::isDirectory).count())
                    .as("run directories")
                    .isEqualTo(1);
        }
        assertThat(Fixture.columns(DB.primary(), "takeover")).contains("note");
        assertThat(Fixture.count(DB.primary(), "takeover")).isEqualTo(100_000);
        Fixture.assertNoArtifacts(DB.primary(), "takeover");
    }

    @Test
    @DisplayName("the controller JVM is killed with SIGKILL: pt-osc lives on, and a new engine in this JVM reattaches"
            + " to it from the run directory and finishes it")
    void survivesTheControllerProcess() throws Exception {
        Fixture.createTable(DB.primary(), "orphan", 100_000);
        Path props = work.resolve("child.properties");
        Files.createFile(props, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        java.util.Properties p = new java.util.Properties();
        p.setProperty("host", DB.primary().host());
        p.setProperty("port", Integer.toString(DB.primary().port()));
        p.setProperty("user", DB.primary().user());
        p.setProperty("password", DB.primary().password());
        Path runs = work.resolve("runs");
        p.setProperty("work", runs.toString());
        p.setProperty("table", "orphan");
        p.setProperty("migration", "m-orphan");
        try (var out = Files.newOutputStream(props)) {
            p.store(out, null);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        ChildController.class.getName(),
                        props.toString())
                .redirectErrorStream(true)
                .start();
        List<String> childOutput = new ArrayList<>();
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && !line.startsWith("STARTED")) {
                childOutput.add(line);
            }
            assertThat(line).as("child output: %s", childOutput).isNotNull();

            PtOscEngine engine = Fixture.engine(DB.primary(), runs);
            Optional<EngineHandle> found =
                    engine.reattach(ChildController.target(p), ChildController.spec(p), ChildController.key(p), null);
            assertThat(found).isPresent();
            EngineHandle handle = found.get();
            awaitPhase(engine, handle, o -> o.phase() == EnginePhase.COPYING && o.rowsCopied() > 0);
            List<Long> ptOsc = Fixture.ptOscProcesses(runs.toString());
            assertThat(ptOsc).hasSize(1);
            // start is idempotent on the key, across processes: it returns the other process's run.
            assertThat(engine.start(ChildController.target(p), ChildController.spec(p), ChildController.key(p)))
                    .isEqualTo(handle);
            assertThat(Fixture.ptOscProcesses(runs.toString())).isEqualTo(ptOsc);

            child.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Fixture.sleep(1500);
            assertThat(ProcessHandle.of(ptOsc.get(0)).map(ProcessHandle::isAlive))
                    .as("pt-osc outlives the controller JVM")
                    .contains(true);

            PtOscEngine fresh = Fixture.engine(DB.primary(), runs);
            EngineHandle again = fresh.reattach(
                            ChildController.target(p), ChildController.spec(p), ChildController.key(p), handle)
                    .orElseThrow();
            assertThat(again).isEqualTo(handle);
            EngineObservation ready = awaitPhase(fresh, again, o -> o.phase() == EnginePhase.READY_FOR_CUTOVER);
            assertThat(ready.rowsCopied()).isEqualTo(ready.rowsTotal());
            fresh.releaseCutover(again);
            EngineObservation done = awaitPhase(fresh, again, o -> o.phase() == EnginePhase.COMPLETED);
            assertThat(done.failureReason()).isNull();
            assertThat(Fixture.ptOscProcesses(runs.toString())).isEmpty();
        } finally {
            child.destroyForcibly();
        }
        assertThat(Fixture.columns(DB.primary(), "orphan")).contains("note");
        assertThat(Fixture.count(DB.primary(), "orphan")).isEqualTo(100_000);
        Fixture.assertNoArtifacts(DB.primary(), "orphan");
    }

    private static EngineObservation awaitPhase(
            PtOscEngine engine, EngineHandle handle, java.util.function.Predicate<EngineObservation> condition) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        EngineObservation o = engine.observe(handle);
        while (!condition.test(o)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out; last observation " + o);
            }
            if (o.phase() == EnginePhase.FAILED) {
                throw new AssertionError("the run failed: " + o);
            }
            Fixture.sleep(200);
            o = engine.observe(handle);
        }
        return o;
    }
}
