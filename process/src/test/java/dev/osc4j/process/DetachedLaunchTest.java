package dev.osc4j.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("DetachedLaunch and LocalProcesses, with a real /bin/sh")
class DetachedLaunchTest {
    /** Records the child's pid, waits for it and records its exit status, as the engines' wrappers do. */
    private static final String WRAPPER = """
            dir=$1
            shift
            cd "$dir" || exit 127
            "$@" </dev/null >>out.log 2>&1 &
            child=$!
            echo "$child" >pid.tmp && mv -f pid.tmp pid
            wait "$child"
            code=$?
            echo "$code" >exit.tmp && mv -f exit.tmp exit
            """;

    @TempDir
    Path work;

    @Test
    @DisplayName("the wrapper records the child's pid and exit status in the run directory; output goes to a file")
    void recordsPidAndExit() throws Exception {
        DetachedLaunch launch = new DetachedLaunch(
                Path.of("/bin/sh"), LocalProcesses.onPath("setsid").orElse(null), WRAPPER, "osc4j-test-wrapper");
        Process wrapper = launch.start(
                work,
                List.of("/bin/sh", "-c", "echo \"$GREETING\"; exit 7"),
                work.resolve("wrapper.log"),
                Set.of("MYSQL_PWD"),
                Map.of("GREETING", "hello"));
        assertThat(LocalProcesses.awaitExit(wrapper.toHandle(), Duration.ofSeconds(30)))
                .isTrue();
        assertThat(RunFiles.readNumber(work.resolve("exit"))).contains(7L);
        assertThat(RunFiles.readNumber(work.resolve("pid")))
                .hasValueSatisfying(pid -> assertThat(pid).isPositive().isNotEqualTo(wrapper.pid()));
        assertThat(RunFiles.read(work.resolve("out.log"))).contains("hello\n");
    }

    @Test
    @DisplayName("a live process is found by pid and start time; a different start time means the pid was reused")
    void liveGuardsAgainstPidReuse() {
        ProcessHandle self = ProcessHandle.current();
        long started = LocalProcesses.startMillis(self);
        assertThat(started).isPositive();
        assertThat(LocalProcesses.live(self.pid(), started)).contains(self);
        assertThat(LocalProcesses.live(
                        self.pid(), started - Duration.ofMinutes(5).toMillis()))
                .isEmpty();
        assertThat(LocalProcesses.live(self.pid(), -1)).contains(self);
        assertThat(LocalProcesses.live(0, started)).isEmpty();
    }
}
