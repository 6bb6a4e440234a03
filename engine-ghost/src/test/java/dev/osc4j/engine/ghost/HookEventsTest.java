package dev.osc4j.engine.ghost;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The hooks the engine installs")
class HookEventsTest {

    @TempDir
    Path dir;

    private int runHook(String hook, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(
                dir.resolve("hooks").resolve("gh-ost-on-" + hook + "-osc4j").toString());
        pb.environment().putAll(env);
        Process p = pb.inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    @DisplayName("record each hook as one JSON line with every GH_OST_ variable, whatever characters it holds")
    void recordsEnvironment() throws Exception {
        Path events = dir.resolve("events.jsonl");
        HookEvents.install(dir.resolve("hooks"), events);
        String ddl = "ADD COLUMN `note` VARCHAR(10) DEFAULT 'a\"b\\c'\n COMMENT 'é 日本 \t tab'";
        assertThat(runHook(
                        "row-copy-complete",
                        Map.of(
                                "GH_OST_COPIED_ROWS", "100000",
                                "GH_OST_DDL", ddl,
                                "GH_OST_TABLE_NAME", "orders",
                                "NOT_GH_OST", "ignored")))
                .isZero();
        assertThat(runHook("status", Map.of("GH_OST_STATUS", "'Copy: 1/2 50.0%; State: migrating'")))
                .isZero();

        HookEvents.Recorded r = HookEvents.read(events);
        assertThat(r.seen()).containsExactly("row-copy-complete", "status");
        assertThat(r.failure()).isNull();
        HookEvents.Event last = Objects.requireNonNull(r.latest());
        assertThat(last.get("GH_OST_STATUS")).isEqualTo("Copy: 1/2 50.0%; State: migrating");
        HookEvents.Event first = Objects.requireNonNull(
                HookEvents.parse(Files.readAllLines(events).get(0)));
        assertThat(first.get("GH_OST_DDL")).isEqualTo(ddl);
        assertThat(first.get("GH_OST_COPIED_ROWS")).isEqualTo("100000");
        assertThat(first.env()).doesNotContainKey("NOT_GH_OST");
    }

    @Test
    @DisplayName("exit 0 even when they cannot write, so they never fail a migration")
    void neverFail() throws Exception {
        HookEvents.install(
                dir.resolve("hooks"), dir.resolve("missing-directory").resolve("events.jsonl"));
        assertThat(runHook("failure", Map.of("GH_OST_TABLE_NAME", "t"))).isZero();
    }

    @Test
    @DisplayName("skip lines that are not events")
    void skipsGarbage() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, "{\"hook\":\"validated\",\"env\":{}}\nnot json\n{\"hook\":1}\n\n{\"hook\":\"fail");
        HookEvents.Recorded r = HookEvents.read(events);
        assertThat(r.seen()).containsExactly("validated");
        assertThat(HookEvents.read(dir.resolve("none")).seen()).isEmpty();
    }
}
