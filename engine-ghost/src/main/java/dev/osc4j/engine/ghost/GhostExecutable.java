package dev.osc4j.engine.ghost;

import dev.osc4j.EngineException;
import dev.osc4j.FailureReason;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The gh-ost executable: its version ({@code --version}) and the flags it supports ({@code --check-flag}, which exits
 * 0 when every flag given after it exists). Both are asked once per engine and remembered.
 */
final class GhostExecutable {
    private final Path path;
    private final Map<String, String> environment;
    private final Duration timeout;
    private final Set<String> supported = new HashSet<>();
    private @Nullable String version;

    GhostExecutable(Path path, Map<String, String> environment, Duration timeout) {
        this.path = path;
        this.environment = Map.copyOf(environment);
        this.timeout = timeout;
    }

    Path path() {
        return path;
    }

    /** The first word of {@code --version}'s output, such as {@code 1.1.6}. */
    synchronized String version() {
        String v = version;
        if (v != null) {
            return v;
        }
        Result r = run(List.of("--version"));
        if (r.code != 0 || r.output.isBlank()) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION,
                    path + " --version exited with " + r.code + " (" + r.output.strip() + "): is it gh-ost?");
        }
        v = r.output.strip().split("\\s+")[0];
        version = v;
        return v;
    }

    /**
     * Checks that gh-ost accepts every flag of {@code arguments} ({@code --name=value} or {@code --name}); returns the
     * names of those it does not know (empty when all are known).
     */
    synchronized List<String> unsupported(List<String> arguments) {
        List<String> unknown = new ArrayList<>();
        List<String> toCheck = new ArrayList<>();
        for (String a : arguments) {
            if (!supported.contains(flagName(a))) {
                toCheck.add(a);
            }
        }
        if (toCheck.isEmpty()) {
            return unknown;
        }
        List<String> all = new ArrayList<>();
        all.add("--check-flag");
        all.addAll(toCheck);
        if (run(all).code == 0) {
            toCheck.forEach(a -> supported.add(flagName(a)));
            return unknown;
        }
        for (String a : toCheck) {
            if (run(List.of("--check-flag", a)).code == 0) {
                supported.add(flagName(a));
            } else {
                unknown.add(flagName(a));
            }
        }
        return unknown;
    }

    static String flagName(String argument) {
        String a = argument.startsWith("--") ? argument.substring(2) : argument.substring(1);
        int eq = a.indexOf('=');
        return eq < 0 ? a : a.substring(0, eq);
    }

    private record Result(int code, String output) {}

    private Result run(List<String> args) {
        if (!Files.isExecutable(path) && path.getParent() != null) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION,
                    "gh-ost executable " + path + " does not exist or is not executable");
        }
        Path out = null;
        try {
            out = Files.createTempFile("osc4j-gh-ost-probe-", ".txt");
            List<String> command = new ArrayList<>();
            command.add(path.toString());
            command.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectErrorStream(true);
            pb.environment().putAll(environment);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw EngineException.transientFailure(
                        path + " " + args.get(0) + " did not finish within " + timeout.toSeconds() + " s", null);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            return new Result(p.exitValue(), text.length() > 2000 ? text.substring(0, 2000) : text);
        } catch (IOException e) {
            throw EngineException.permanent(
                    FailureReason.ENGINE_CONFIGURATION, "cannot run gh-ost executable " + path + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.transientFailure("interrupted while running " + path, e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // a leftover empty temp file is harmless
                }
            }
        }
    }
}
