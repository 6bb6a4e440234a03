package dev.osc4j.samples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationRecord;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.ShardRecord;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.AuditTrails;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quickstart, run as users run it (its own JVM, the embedded H2 file store), is killed with SIGKILL in the middle of
 * its migration and run again: the second run resumes the same migration and completes it, and no shard's copy is
 * started a second time.
 */
class QuickstartResumeTest {
    private static final Pattern ID = Pattern.compile("migration (m-[0-9a-f]{24})");
    private static final List<String> SHARD_PATH = List.of(
            "QUEUED>INITIALIZING",
            "INITIALIZING>COPYING_ROWS",
            "COPYING_ROWS>WAITING_FOR_CATCHUP",
            "WAITING_FOR_CATCHUP>CUTOVER_PENDING",
            "CUTOVER_PENDING>SWITCHING_TRAFFIC",
            "SWITCHING_TRAFFIC>COMPLETED");

    /** A quickstart JVM and the lines it printed so far. */
    private static final class Run {
        final Process process;
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        Run(Path data) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder builder = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                            Quickstart.class.getName(),
                            "--data=" + data)
                    .redirectErrorStream(true);
            process = builder.start();
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader in = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String line = in.readLine(); line != null; line = in.readLine()) {
                                lines.add(line);
                            }
                        } catch (IOException e) {
                            lines.add("(output lost: " + e + ")");
                        }
                    },
                    "quickstart-output");
            reader.setDaemon(true);
            reader.start();
        }

        boolean awaitLine(Predicate<String> condition, long seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                synchronized (lines) {
                    if (lines.stream().anyMatch(condition)) {
                        return true;
                    }
                }
                if (!process.isAlive()) {
                    Thread.sleep(200); // let the reader drain what is left
                    synchronized (lines) {
                        return lines.stream().anyMatch(condition);
                    }
                }
                Thread.sleep(50);
            }
            return false;
        }

        String output() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        String migrationId() {
            Matcher m = ID.matcher(output());
            assertThat(m.find())
                    .as("the quickstart names its migration:\n%s", output())
                    .isTrue();
            return m.group(1);
        }
    }

    @Test
    @DisplayName("killed mid-migration and run again, the quickstart resumes and completes the same migration,"
            + " with one engine run per shard and a sound audit trail")
    void killedAndResumed(@TempDir Path data) throws Exception {
        Run first = new Run(data);
        try {
            // The smallest shard finishes its copy within seconds; the largest still copies for several more.
            assertThat(first.awaitLine(l -> l.contains("[c0-]") && l.contains("-> WAITING_FOR_CATCHUP"), 90))
                    .as("first run reaches the middle of the migration:\n%s", first.output())
                    .isTrue();
            first.process.destroyForcibly();
            assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            first.process.destroyForcibly();
        }
        assertThat(first.output()).doesNotContain("ended COMPLETED");
        String id = first.migrationId();

        Run second = new Run(data);
        try {
            assertThat(second.process.waitFor(3, TimeUnit.MINUTES))
                    .as("second run ends:\n%s", second.output())
                    .isTrue();
            assertThat(second.awaitLine(l -> l.contains("ended COMPLETED"), 5))
                    .as("second run completes:\n%s", second.output())
                    .isTrue();
            assertThat(second.process.exitValue()).isZero();
        } finally {
            second.process.destroyForcibly();
        }
        assertThat(second.output()).contains("resuming migration " + id);

        try (JdbcStateStore store = JdbcStateStore.h2File(data.resolve("osc4j"))) {
            List<MigrationSummary> all = store.list(MigrationFilter.all());
            assertThat(all).hasSize(1);
            assertThat(all.get(0).id().value()).isEqualTo(id);
            MigrationRecord done = store.read(all.get(0).id()).orElseThrow();
            assertThat(done.state()).isEqualTo(MigrationState.COMPLETED);
            List<AuditEntry> trail = store.audit(done.id(), 0, 10_000);
            AuditTrails.assertSound(trail);
            for (ShardRecord s : done.shards()) {
                assertThat(AuditTrails.path(trail, s.shard()))
                        .as("transitions of shard %s", s.shard())
                        .isEqualTo(SHARD_PATH);
            }
            Set<String> controllers = new HashSet<>();
            trail.stream().filter(e -> e.kind() == AuditEntry.Kind.TRANSITION).forEach(e -> controllers.add(e.actor()));
            assertThat(controllers)
                    .as("transitions written by both runs' controllers")
                    .hasSize(2);
        }

        List<String> starts = Files.readAllLines(data.resolve("engine-journal.tsv")).stream()
                .filter(l -> l.split("\t")[1].equals("START"))
                .map(l -> l.split("\t")[4])
                .toList();
        assertThat(starts)
                .as("one engine run per shard across both processes")
                .containsExactlyInAnyOrder("-40", "40-80", "80-c0", "c0-");
    }
}
