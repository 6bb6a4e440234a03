package dev.osc4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osc4j.MigrationId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar's {@code watch} in a real pseudo-terminal (tmux, 100 x 30): the bars are redrawn in place, so the
 * screen never holds the migration's header twice, its percent climbs from one look to the next, and the command
 * exits 0 when the migration completes. Needs the Debian package {@code tmux}.
 */
class WatchInTerminalIT {
    @TempDir
    Path dir;

    private static String tmux(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tmux"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("tmux is needed for this test: install the Debian package tmux", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static Path shadedJar() throws IOException {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of("target"), "osc4j-cli-*-all.jar")) {
            for (Path jar : jars) {
                return jar.toAbsolutePath();
            }
        }
        throw new AssertionError("target/osc4j-cli-*-all.jar is missing: the package phase builds it");
    }

    @Test
    @DisplayName("watch in a terminal redraws the bars in place and exits 0 when the migration completes")
    void redrawsInPlace() throws Exception {
        String session = "osc4j-watch-" + ProcessHandle.current().pid();
        try (MariaDbFleet fleet = new MariaDbFleet(dir, 40_000, 4_000)) {
            MigrationId id = fleet.submit("tmux-watch", "orders");
            String java = ProcessHandle.current().info().command().orElse("java");
            String command = java + " -jar " + shadedJar() + " watch " + id.value() + " --interval 250 --store '"
                    + fleet.url + "' --user " + fleet.server.user() + " --password-file " + fleet.passwordFile
                    + "; echo EXIT=$?; sleep 60";
            tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command);
            List<String> screens = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String screen = "";
            while (!screen.contains("EXIT=") && System.nanoTime() < deadline) {
                Thread.sleep(300);
                screen = tmux("capture-pane", "-p", "-t", session);
                screens.add(screen);
            }
            assertThat(screen).as("last screen").contains("EXIT=0", "COMPLETED");
            Pattern percent = Pattern.compile(Pattern.quote(id.value()) + "\\s+COPYING_ROWS\\s+([0-9.]+)%");
            Set<Double> seen = new TreeSet<>();
            for (String s : screens) {
                int headers = s.split(Pattern.quote(id.value()), -1).length - 1;
                assertThat(headers)
                        .as("the header is drawn once, never scrolled into a second copy:\n%s", s)
                        .isLessThanOrEqualTo(1);
                Matcher m = percent.matcher(s);
                if (m.find()) {
                    seen.add(Double.parseDouble(m.group(1)));
                }
                for (String line : s.lines().toList()) {
                    assertThat(line.length()).as("no line wider than the pane").isLessThanOrEqualTo(100);
                }
            }
            assertThat(seen).as("the percent climbs between looks, in place").hasSizeGreaterThan(2);
        } finally {
            tmux("kill-session", "-t", session);
        }
    }
}
